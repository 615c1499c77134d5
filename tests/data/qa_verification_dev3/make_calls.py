"""Writes calls/*.json and labels.yaml of this set from CALLS below (whole calls, turns alternate
starting with the first speaker; times from a fixed speaking rate)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def write(here: Path, prefix: str, calls: dict) -> None:
    (here / "calls").mkdir(exist_ok=True)
    labels = {}
    for name, (industry, direction, missing, lines) in calls.items():
        turns, t = [], 0.5
        for role_text in lines:
            role, text = role_text.split("|", 1)
            role = {"a": "agent", "c": "customer"}[role]
            end = round(t + 0.25 * len(text) + 0.6, 2)
            turns.append({"speaker": role, "role": role, "start": round(t, 2), "end": end, "text": text, "confidence": 0.93})
            t = end + 0.8
        call = {"call_id": f"{prefix}-{name}", "source": f"{name}.wav", "duration": round(t, 2), "channels": 2,
                "separation": "stereo", "turns": turns, "models": {}, "timings": {}, "speech": {},
                "role_confidence": 1.0, "role_evidence": ["written"]}
        (here / "calls" / f"{name}.json").write_text(json.dumps(call, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        labels[name] = {"industry": industry, "direction": direction, "labels": ["missing_verification"] if missing else []}
    (here / "labels.yaml").write_text(yaml.safe_dump({"version": 1, "calls": labels}, allow_unicode=True, sort_keys=False), encoding="utf-8")


END = "a|感谢您的来电，稍后请对本次服务做个评价，再见。"

CALLS = {
    # ---- the check skipped: a determinate account's details given out ----
    "water_bill_household": ("utilities", "inbound", True, [
        "a|您好，自来水公司客服，请讲。", "c|我家这个月水费怎么这么高？我住幸福里三栋。",
        "a|三栋二单元六零二那户，这个月用了四十二吨，比上个月多了十五吨，水费一共一百六十八块。",
        "c|那是不是漏水了？", "a|建议您先关掉家里所有水龙头看看水表转不转。", END]),
    "ecommerce_order_refund": ("e-commerce", "inbound", True, [
        "a|您好，很高兴为您服务。", "c|我前天买的那个电饭煲退款怎么还没到？",
        "a|前天那一单的退款已经原路退回了，三百九十九元，银行那边一般一到三天到账。", "c|好的我再等等。", END]),
    "gas_outbound_arrears": ("utilities", "outbound", True, [
        "a|您好，这里是华润燃气，打扰您一下。", "c|嗯，什么事？",
        "a|您家燃气费已经欠了两个月了，一共二百三十六元，月底前再不交就要停气了。", "c|哦，我这两天交。",
        "a|好的，可以在微信里缴，不打扰您了，再见。"]),
    "loan_outbound_overdue": ("finance", "outbound", True, [
        "a|喂，您好，这里是安信消费金融。", "c|你好。",
        "a|您在我们这边的那笔分期这个月还没还，已经逾期六天了，应还二千一百四十块，今天能处理一下吗？",
        "c|明天还吧。", "a|好的，请按时还款，再见。"]),
    "telecom_line_by_number": ("telecom", "inbound", True, [
        "a|您好，请问有什么可以帮您？", "c|我帮我妈问一下，她那个一三九开头的号码怎么停机了？",
        "a|您母亲这个号码欠费五十八块六，上个月二十号就停机了，交了费两小时内恢复。", "c|好，我去交。", END]),
    "card_tail_number": ("banking", "inbound", True, [
        "a|您好，恒信银行信用卡中心。", "c|尾号八八六一那张卡这个月要还多少？",
        "a|尾号八八六一的卡本期应还四千三百二十元，最后还款日是二十五号。", "c|好的。", END]),
    "hospital_report_family": ("hospital", "inbound", True, [
        "a|您好，市二院服务中心。", "c|我爸上周做的胃镜，结果出来没有？",
        "a|您父亲的胃镜报告上周五已经出来了，病理显示是慢性浅表性胃炎，可以去门诊打印。", "c|谢谢。", END]),
    "insurance_policy_lapse": ("insurance", "inbound", True, [
        "a|您好，泰和人寿。", "c|我那份重疾险现在还有效吗？",
        "a|那份重疾险去年十一月就没续缴，已经过了宽限期，目前是中止状态。", "c|那还能恢复吗？",
        "a|两年内可以申请复效，需要补交保费和利息。", END]),
    "logistics_cod_amount": ("logistics", "inbound", True, [
        "a|您好，顺达物流。", "c|我朋友寄给我的那批货，到付多少钱？",
        "a|这笔到付运费是二百一十五元，货已经到了城西网点，今天下午可以安排送。", "c|好。", END]),
    "school_fee_unpaid": ("education", "inbound", True, [
        "a|您好，实验小学家校服务热线。", "c|我是三年级二班刘子轩的家长，想问下书本费。",
        "a|刘子轩这学期的书本费和餐费还没交，合计一千零五十元，本周五截止。", "c|好的知道了。", END]),
    "property_parking_fee": ("property", "inbound", True, [
        "a|您好，万和物业。", "c|我那个车位的管理费到什么时候？",
        "a|您家那个地下车位的管理费交到今年六月底，已经过期两个月了。", "c|那我补上。", END]),
    # ---- clean: checked first, public information, or the caller only giving information ----
    "water_price_public": ("utilities", "inbound", False, [
        "a|您好，自来水公司客服，请讲。", "c|你们现在居民水费多少钱一吨？",
        "a|居民用水第一阶梯每吨三块四，年用水超过一百八十吨的部分按第二阶梯四块九收。", "c|明白了。", END]),
    "refund_rule_generic": ("e-commerce", "inbound", False, [
        "a|您好，很高兴为您服务。", "c|退货以后钱多久能退回来？",
        "a|一般商家确认收货以后，退款都是原路退回，银行卡一到三天到账，零钱是即时到账。", "c|好的。", END]),
    "gas_outbound_verified": ("utilities", "outbound", False, [
        "a|您好，这里是华润燃气，请问是户主周立平先生吗？", "c|是我。",
        "a|跟您核对一下，您登记的地址是不是和平路十二号三单元？", "c|对。",
        "a|好的周先生，您家燃气费已经欠了两个月了，一共二百三十六元，月底前要交一下。", "c|好的。", END]),
    "loan_outbound_identity": ("finance", "outbound", False, [
        "a|喂，您好，这里是安信消费金融，请问是借款人郑海涛本人吗？", "c|是。",
        "a|麻烦您报一下身份证后四位。", "c|三五二七。",
        "a|谢谢，郑先生，您那笔分期这个月还没还，已经逾期六天了，应还二千一百四十块。", "c|明天还。", END]),
    "telecom_app_authenticated": ("telecom", "inbound", False, [
        "a|您好，看到您是从App里登录后转的人工，身份已经验证通过了，请问要办什么？", "c|我这个月话费为啥这么多？",
        "a|您这个月话费是一百二十六元，其中国际漫游是七十块。", "c|哦，出差用的。", END]),
    "fault_report_caller_gives": ("telecom", "inbound", False, [
        "a|您好，很高兴为您服务。", "c|我家宽带从昨天就断了，地址是新华路十八号五楼，三百兆的。",
        "a|好的，新华路十八号五楼，三百兆的宽带断网，我给您登记报修，师傅二十四小时内联系您。", "c|好，尽快啊。", END]),
    "delivery_address_given": ("logistics", "inbound", False, [
        "a|您好，顺达物流。", "c|我要寄个东西到杭州，你们上门取件吗？",
        "a|可以的，您说一下取件地址。", "c|朝阳区建国路八十八号，明天上午。",
        "a|好的，明天上午安排快递员上门，首重十二元，续重每公斤五元。", END]),
    "insurance_rules_public": ("insurance", "inbound", False, [
        "a|您好，泰和人寿。", "c|保单没按时交费会怎样？",
        "a|交费日后有六十天宽限期，宽限期内出险照常赔，过了宽限期保单就会中止，两年内可以申请复效。", "c|懂了。", END]),
    "hospital_schedule_public": ("hospital", "inbound", False, [
        "a|您好，市二院服务中心。", "c|胃镜检查要提前预约吗？多久出结果？",
        "a|需要先到消化内科开单预约，普通胃镜当天出报告，做了病理的一般五到七个工作日出结果。", "c|谢谢。", END]),
    "bank_checked_then_balance": ("banking", "inbound", False, [
        "a|您好，恒信银行信用卡中心。", "c|我想查下这个月账单。",
        "a|好的，请提供一下持卡人姓名和身份证号码后六位。", "c|林晓，六一零零二四。",
        "a|信息核对无误。尾号八八六一的卡本期应还四千三百二十元，最后还款日是二十五号。", "c|好的。", END]),
    "property_question_repeat": ("property", "inbound", False, [
        "a|您好，万和物业。", "c|我家车位管理费欠了两个月，现在交要交多少滞纳金？",
        "a|您家车位管理费欠了两个月是吧？滞纳金按规定是每天万分之五，具体金额要看欠费金额。", "c|那我去前台算。", END]),
    "air_ticket_outbound_change": ("travel", "outbound", True, [
        "a|您好，这里是云途旅行，打扰一下。", "c|嗯，你说。",
        "a|您订的那张后天去成都的机票航班取消了，已经给您改到同一天下午三点二十那班，差价八十元不用补。", "c|哦，好的。",
        "a|那不打扰您了，再见。"]),
    "tax_refund_by_name": ("government", "inbound", True, [
        "a|您好，税务服务热线。", "c|我替我老公问一下他去年个税退税的事。",
        "a|您爱人去年的个税汇算退税一千二百四十元，三月十号已经退到他登记的银行卡了。", "c|好，我让他查查。", END]),
    # hard negatives: the account named, but nothing of it given out
    "plan_repeat_upgrade": ("telecom", "inbound", False, [
        "a|您好，很高兴为您服务。", "c|我办的是一百二十八的套餐，流量总不够用。",
        "a|您办的是一百二十八的套餐，那可以加十块钱买个五G的流量包，当月有效。", "c|那算了。", END]),
    "refund_timing_generic_order": ("e-commerce", "inbound", False, [
        "a|您好，很高兴为您服务。", "c|我刚申请了退款，这笔钱多久能到？",
        "a|这笔退款一般在商家同意以后一到三个工作日原路退回，如果超过七天没到可以再联系我们。", "c|好。", END]),
    "pension_rules_elderly": ("government", "inbound", False, [
        "a|您好，人社服务热线，请讲。", "c|我家老人今年刚退休，养老金什么时候开始发？",
        "a|老人办完退休手续以后，次月起按月发放，每月十五号左右到账，具体金额按缴费年限和基数核定。", "c|明白了。", END]),
    "courier_signed_waybill": ("logistics", "inbound", False, [
        "a|您好，顺达物流。", "c|我查一个快递，单号是SF一二三四五六。",
        "a|您这个快递昨天下午三点已经签收了，是放在小区的快递柜里。", "c|哦，我去看看。", END]),
    "ride_fare_estimate": ("ride-hailing", "inbound", False, [
        "a|您好，快行出行客服。", "c|我现在从火车站打车到大学城大概多少钱？",
        "a|您这一单预估三十二块左右，高峰期可能会有动态加价，以实际行程为准。", "c|好的。", END]),
}

if __name__ == "__main__":
    write(Path(__file__).resolve().parent, "verif-dev3", CALLS)
    sys.exit(0)
