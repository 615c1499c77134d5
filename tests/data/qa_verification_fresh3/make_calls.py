"""Writes calls/*.json and labels.yaml of this set from CALLS below, with the writer of
qa_verification_dev3 (whole calls, turns alternate, times from a fixed speaking rate)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("dev3_make", HERE.parent / "qa_verification_dev3" / "make_calls.py")
_dev3 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_dev3)

END = "a|好的，还有其他问题吗？没有的话稍后请给我的服务打个分，再见。"

CALLS = {
    # ---- the check skipped ----
    "electricity_outbound_cutoff": ("utilities", "outbound", True, [
        "a|喂，您好，供电公司的，通知一下。", "c|什么事？",
        "a|您家这个户号电费拖了三个月了，累计欠了四百一十二块五，这周五要是还没结清就得停电了。",
        "c|行，我马上交。", "a|好的，谢谢配合，再见。"]),
    "gym_card_remaining": ("fitness", "inbound", True, [
        "a|您好，力行健身前台。", "c|我是办年卡的那个周敏，想问问我那张卡还能用多久。",
        "a|那张年卡是去年九月一号开的，中间冻结过一个月，现在到今年十月一号到期，私教课还剩六节。", "c|好的谢谢。", END]),
    "car_rental_deposit": ("car rental", "inbound", True, [
        "a|您好，畅行租车客服。", "c|我上周还的车，押金还没退给我。",
        "a|上周六还的那辆白色轩逸，违章押金两千元要等三十天没有违章才解冻，现在还冻着，下月八号会自动退。", "c|哦这样。", END]),
    "hospital_bill_family": ("hospital", "inbound", True, [
        "a|您好，中心医院住院处。", "c|我妈住在心内科，我想问问还要再交多少押金。",
        "a|您母亲那个住院账户目前已经花了一万八千三，预交的两万只剩一千七了，建议再补五千。", "c|好，我明天去交。", END]),
    "miles_expiring_outbound": ("airline", "outbound", True, [
        "a|您好，这里是东方航空常旅客中心。", "c|你好，有事吗？",
        "a|提醒您一下，您账户里有一万二千公里的里程今年年底就过期了，可以换张国内机票。", "c|噢，我看看。", "a|好的，不打扰了，再见。"]),
    # ---- clean ----
    "electricity_price_public": ("utilities", "inbound", False, [
        "a|您好，供电公司客服。", "c|峰谷电价是怎么算的？",
        "a|峰时段早八点到晚十点每度五毛六，谷时段每度两毛八，要先到营业厅申请开通峰谷计价。", "c|好的。", END]),
    "gym_verified_remaining": ("fitness", "inbound", False, [
        "a|您好，力行健身前台。", "c|我想问问我的卡还能用多久。",
        "a|麻烦报一下办卡的手机号和您的全名。", "c|一三八零零一二三四五六，周敏。",
        "a|好的，和系统里登记的一致。您那张年卡今年十月一号到期，私教课还剩六节。", "c|好的谢谢。", END]),
    "car_rental_deposit_rules": ("car rental", "inbound", False, [
        "a|您好，畅行租车客服。", "c|租车押金一般多久能退？",
        "a|车辆押金还车验车后当天解冻，违章押金都是还车三十天后没有违章记录自动退回。", "c|明白。", END]),
    "hospital_caller_reports": ("hospital", "inbound", False, [
        "a|您好，中心医院住院处。", "c|我妈住在心内科十二床，刚交了五千押金，收据丢了怎么办？",
        "a|心内科十二床交了五千是吧，收据丢了可以带缴费人的身份证到住院处窗口补打一张。", "c|好的。", END]),
    "broadband_outbound_offer": ("telecom", "outbound", False, [
        "a|您好，我是中讯通信的，现在小区在做宽带升级活动。", "c|什么活动？",
        "a|一千兆宽带每月一百二十九，签两年送路由器，老用户升级免安装费，您有兴趣可以到营业厅办理。", "c|不用了。", "a|好的，打扰了，再见。"]),
}

if __name__ == "__main__":
    _dev3.write(HERE, "verif-fresh3", CALLS)
