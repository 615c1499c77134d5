"""Agent development sets (tests/data/qa_agent_dev, qa_agent_dev2, qa_agent_dev3): forbidden_phrase and
agent_negative on sarcasm, rhetorical and impatient questions, take-it-or-leave-it lines, bare
refusals, blame-shifting, talking down, hurrying the caller off and rudeness in polite words
(dev2 adds cold indifference, colloquial/dialect, rambling and very short turns, in other
wording, written before the rules were changed for it), against firm but polite hard negatives;
dev3 adds the presence items verification, badge and survey with their look-alikes (order and case
numbers, security warnings, someone else's number, product reviews and scores), empathy and polite
requests as hard negatives and contempt without a swear word (fatal), plus five clean calls in company
styles of their own that must raise nothing; dev4 adds the agent's tone without the rubric's words
(sarcasm, contempt, impatience, cold dismissal, mocking, lecturing; refusal and blame in new words)
against polite firmness, patient repetition, apologies, the complaint repeated back, conditional offers
and transfers, plus four firm-but-polite calls (nothing raised) and two rude ones (both raised). The data is valid and balanced, and the default rubric holds its measured level on each (clean
and ASR-noised) with no fatal flag on a hard negative."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import opencc
import pytest

from voiceqa.qa.bench import evaluate, load_bench
from voiceqa.qa.rubric import load_rubric
from voiceqa.qa.scorer import read_scoring_input, score_transcript
from voiceqa.schema import Transcript

from .floors import assert_floors
from .lines import line_detects

DATA = Path(__file__).resolve().parent / "data"
AGENT = ("forbidden_phrase", "agent_negative")
PRESENCE3 = ("missing_greeting", "missing_badge", "missing_verification", "missing_survey")
# name -> (folder, (at least: lines, positives, hard negatives, lines per family; exactly: industries);
# the families; the categories its lines are labelled with)
SETS = {
    "dev": ("qa_agent_dev", (150, 90, 60, 8, 10),
            ("sarcasm", "rhetoric", "impatient", "takeit", "refuse", "blame", "down", "hurry", "politerude"), AGENT),
    "dev2": ("qa_agent_dev2", (120, 70, 50, 4, 10),
             ("indiff", "sarcasm", "rhetoric", "impatient", "takeit", "blame", "down", "hurry", "politerude",
              "dialect", "ramble", "short", "refuse"), AGENT),
    "dev3": ("qa_agent_dev3", (120, 60, 60, 10, 10), ("verify", "badge", "survey", "contempt"), AGENT + PRESENCE3),
    "dev4": ("qa_agent_dev4", (130, 75, 55, 9, 10),
             ("sarcasm", "contempt", "impatient", "dismiss", "mock", "lecture", "refuse", "blame"), AGENT),
    "dev5": ("qa_agent_dev5", (100, 49, 51, 20, 10), ("rhet", "sarc"), AGENT),
    # sarcasm that neither refuses, questions nor insults is agent_negative only (a hard negative
    # for forbidden_phrase): the benchmark's category definitions
    "dev6": ("qa_agent_dev6", (109, 51, 58, 2, 10),
             ("sarc", "repeat", "dismiss", "rhet", "gocomplain", "insult", "impat", "reported"), AGENT),
    # round 12: sarcasm about usage and mock praise (agent_negative only), the caller's own choice,
    # a cold "whatever", what was signed, "how could it break", "I already said", the call load
    "dev7": ("qa_agent_dev7", (126, 62, 64, 5, 13),
             ("sarc", "praise", "chose", "cold", "signed", "howcould", "already", "load"), AGENT),
    # round 13: the same families recognised by meaning (sarcasm about usage or habits, contempt without a
    # swear word, rhetoric aimed at the caller, reproachful blame, a cold "whatever", the workload, what was
    # agreed thrown back) against polite firmness, empathy, reassurance, flexibility, genuine questions,
    # praise and information
    "dev8": ("qa_agent_dev8", (122, 56, 66, 8, 13),
             ("sarc", "contempt", "rhet", "blame", "cold", "load", "agreed"), AGENT),
}


@pytest.fixture(scope="module")
def sets():
    return {f"{name}-{kind}": load_bench(DATA / folder / f"utterances{suffix}.yaml")
            for name, (folder, _, _, _) in SETS.items() for kind, suffix in (("clean", ""), ("noisy", "_noisy"))}


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


@pytest.mark.parametrize("name", list(SETS))
def test_dev_set_is_valid_and_balanced(name, sets):
    clean, noisy = sets[f"{name}-clean"], sets[f"{name}-noisy"]
    (lines, n_pos, n_hard, per_family, industries), families, cats = SETS[name][1], SETS[name][2], SETS[name][3]
    assert len(clean) >= lines and len({e.text for e in clean}) == len(clean)
    positives = [e for e in clean if e.labels]
    hard = [e for e in clean if e.negative_for]
    assert len(positives) >= n_pos and len(hard) >= n_hard
    assert all(e.role == "agent" and set(e.labels) <= set(cats) for e in clean)
    assert all(set(e.negative_for) | set(e.labels) == set(AGENT) or (cats != AGENT and set(e.negative_for) <= set(cats))
               for e in hard)
    fam = Counter(e.id.split("-")[0] for e in positives)
    assert set(fam) == set(families) and min(fam.values()) >= per_family, fam
    assert len({e.industry for e in clean}) == industries
    t2s = opencc.OpenCC("t2s")
    assert [e.id for e in clean if t2s.convert(e.text) != e.text] == []
    # the noised copy: same ids and labels, every line changed (regenerate with scripts/make_qa_noisy.py)
    assert [(e.id, e.labels, e.negative_for) for e in noisy] == [(e.id, e.labels, e.negative_for) for e in clean]
    assert all(a.text != b.text and len(a.text) == len(b.text) for a, b in zip(clean, noisy))


def _agent_flags(rubric, text: str) -> set[str]:
    """The agent categories ``text`` raises as an agent line in the bench's neutral call."""
    return line_detects(rubric, "agent", text, AGENT)


@pytest.fixture(scope="module")
def flags(rubric):
    """``flags(text)``: the agent categories a line raises (see ``_agent_flags``)."""
    return lambda text: _agent_flags(rubric, text)


def test_families_are_caught_and_polite_firmness_is_not(flags):
    """One line per mechanism, written here (not in the set): a structure, a sarcasm, a hurried
    brush-off, and the same words as a polite agent with a way forward or quoting the caller."""
    assert flags("这个不是早就跟您说过了吗？") == set(AGENT)
    assert flags("您可真能干，一个验证码输了八遍。") == set(AGENT)
    assert flags("爱退不退，反正就这样。") == set(AGENT)
    assert "forbidden_phrase" in flags("这个单子我们追不回来了。")
    assert flags("这个单子电话里追不回来，您可以带上凭证去网点，我帮您先登记。") == set()
    assert flags("您刚才说上次的客服让您自己看着办，这确实不对，我来帮您处理。") == set()


def test_retort_structures_and_their_polite_neighbours(flags):
    """The round-12 retort and usage-sarcasm structures, one line per family written here (not in
    dev7), and the same topics said politely: an apology for the call volume, a contract explained,
    an offer to ask again, a genuine question about a fault."""
    assert flags("这台机子出厂前都测过，怎么可能开箱就坏了？") == set(AGENT)
    assert flags("流量包是您自己点的，现在又说不要了。") == set(AGENT)
    assert flags("我都跟您说了没有了，您怎么还问？") == set(AGENT)
    assert flags("我们一天要接上千个电话，哪有空陪您聊。") == set(AGENT)
    assert flags("您想退就退呗，我们无所谓。") == set(AGENT)
    assert "agent_negative" in flags("一个月点四十次外卖，您也是够能吃的。")
    assert flags("今天来电比较多，一天要接好几百个电话，让您久等了，真抱歉。") == set()
    assert flags("您签合同的时候选的是等额本息，我给您再解释一下。") == set()
    assert flags("这个问题之前已经跟您说过了，您要是还有疑问可以再问我。") == set()
    assert flags("请问这台机器是开箱就不亮，还是用了几天才坏的？") == set()
    assert flags("保险是您自己挑的档次，出了事倒嫌赔得少。") == set(AGENT)
    assert flags("我们这边一天接几百个电话，别老打进来问同一件事。") == set(AGENT)
    assert flags("您要换就换呗，反正我无所谓。") == set(AGENT)


# The review of round 12 (its probes of the first retort patterns, all flagged there): polite agent
# lines with the words of retorts and mock praise; each must stay clean.
POLITE_REVIEWED = [
    "您放心，钱怎么可能丢，都在您账户里存着呢。",
    "难道是地址填错了？您看一下订单上的收货地址。",
    "您本人办理的套餐是五十九元档，现在已经生效了。",
    "您自己下单的时候选的是次日达，现在物流显示明天上午送到。",
    "您本人签的字才有效。",
    "这个手机号不也是您名下的吗？",
    "很多客户也是用了几天才觉得不习惯，这很正常。",
    "很多客户都是收到账单才来问。",
    "您又来找我们啦，上次那个问题解决了吗？",
    "业务规则我都跟您说了，您还有其他问题要问吗？",
    "我已经说了，工程师明天会再打给您。",
    "您一天接到七八个推销电话，别担心，我们可以给您开通骚扰拦截。",
    "密码您还记不记得了？",
    "这个旧号码您还用不用了？",
    "要是都像您这样提前准备好材料，办起来就快多了。",
    "大家都像您这么细心就好了。",
    "我们每次都跟您这样核对一下身份。",
    "您照顾老人孩子，哪有时间一直盯着物流。",
    "上午下午我们都无所谓，看您哪天方便。",
    "上门时间随便您，您定好了告诉我。",
    "您之前有来问过吗？",
    "那有时间的话，您周末来网点办一下。",
    "这件事我们会查清楚，绝不冤枉您。",
    "您这电话打得可真及时，工单刚派出去。",
    "您记性是真好，连订单号都记得。",
    "您也是挺能体谅人的，谢谢您。",
    "这个软件是买断的，您爱用多久就用多久。",
    "您想得真细，连发票都提前准备好了。",
]
# Polite lines written here in other wording and industries (telecom, banking, insurance, e-commerce,
# logistics, utilities, hotels, airlines, ride-hailing, government, healthcare, education, property)
# around the same structures: 您自己/亲自…的 without a contrast, 怎么可能 as reassurance, 难道…还没,
# a returning customer, the call volume as a promise, 哪有空 out of empathy, 还X不X了 as a question,
# 已经说了 then 再问 allowed, 爱X什么就X什么 as permission, praise of attitude and effort.
POLITE_OWN = [
    "这笔钱怎么可能不翼而飞呢，银行流水里每一笔都有记录。",
    "难道是上个月的保费还没扣成功？我这边查到是扣过了的。",
    "您又来看我们店啦，上次买的那件外套穿着还合身吗？",
    "我们一天能接到上千个电话，所以您的问题我都记在工单里，不会漏掉的。",
    "下学期的托管您还续不续了？月底前告诉老师一声。",
    "您亲自订的这间海景房，明天入住的时候前台会送一份早餐。",
    "物业费您自己在小程序上交的，现在系统显示已经到账了。",
    "司机那边已经说了，车费会原路退回，两个小时内到账。",
    "政策我前面都跟您讲了，您还想了解哪方面的，我再细说。",
    "我们热线一天接好几万个电话，每一个我们都认真记录。",
    "您随时想销卡都可以，我们尊重您的选择。",
    "您爱吃什么就吃什么，术后没有特别的忌口。",
    "您签合同的时候选的是按年缴费，现在也可以改成按月。",
    "车刚保养完怎么会有异响呢，方便开过来让技师听一下吗？",
    "您也是够辛苦的，白天上班晚上还陪孩子写作业。",
    "您本人来过一趟的话，现在密码应该已经重置好了。",
    "这趟行程是您自己选的拼车，路线上多绕了一段，车费差价已经退回来了。",
    "社保转移的手续前面都跟您讲过了，您再问一遍也没关系，我从头说。",
    "您亲自挑的这间房景色确实好，退房时间可以延到下午两点。",
    "我们这边一天接几百通电话，别的不敢说，您这件事我一定记着。",
    "孩子的成绩单您自己在家长端就能查，现在也可以让班主任发您一份。",
]

# Written after the structures were narrowed, in new wording, measured once (28 of 30 clean, the same on
# main 58ab0a7; the other two are in the known-limits list below): a fresh check of precision.
POLITE_FRESH = [
    "您是自己在网上挑的机型对吧，我看一下这款的保修政策。",
    "您自己填的开票信息我这边看到了，抬头没有问题。",
    "我们柜台一天要接待两百多位客户，所以建议您先在手机上预约。",
    "我们每天接的咨询电话很多，您这个情况我特别记了一笔。",
    "这个电表怎么可能装反呢，我让师傅明天过去核对一下。",
    "上次跟您说的那个优惠已经生效了，下个月账单就能看到。",
    "我刚才说的这三步，您哪一步没操作成功，我们一起再看看。",
    "您都跟我们合作十年了，这个情况我们肯定优先处理。",
    "您还要不要加购一份行李额？现在加比机场便宜。",
    "孩子最近还咳不咳了？咳得厉害的话建议来复诊。",
    "您这个包裹还寄不寄了？不寄的话我先把单子取消。",
    "随便您挑哪个时段，师傅都能上门。",
    "您随意看看，有看中的房源跟我说一声就行。",
    "您爱坐哪个位置就选哪个，值机的时候都可以改。",
    "我们这儿一天能处理上百单退换，您的这单今天一定办好。",
    "您这方向感真不错，第一次来就找到我们网点了。",
    "您这准备得可真充分，材料一次就齐了。",
    "您心可真细，连保单的生效日期都核对了。",
    "哪有时间限制，您什么时候方便什么时候来都行。",
    "那有空的时候您来营业厅看一下新机型。",
    "已经跟您讲过的流程，您要是记不清了，我再发一份短信给您。",
    "您之前是不是又换了手机号？我看系统里留的号码不一样。",
    "您现在又想改成月付也完全可以，下个月生效。",
    "这个问题我们怎么可能不管呢，我马上给您转技术部门。",
    "您点了同意之后，合同会发到您的邮箱里。",
    "您签字的时候就是按这个价格算的，没有额外费用。",
    "这种情况我们也变不出新的号源，不过明天早上七点会放号。",
    "我们客服一天接几千个电话，您能打进来不容易，我一定帮您处理好。",
]


@pytest.mark.parametrize("text", POLITE_REVIEWED + POLITE_OWN + POLITE_FRESH)
def test_polite_lines_that_share_words_with_retorts_stay_clean(rubric, text):
    """Polite agent lines with the words of rude retorts (怎么可能, 难道, 您本人/自己…现在, 无所谓, 随便您,
    像您这样, 都跟您说了, 哪有时间, 还X不X了, 不冤, 可真, 爱X就X, 想得真细), also as heard by sound
    (有 heard as 又, 那 as 哪): a false flag costs the agent points on a clean call."""
    assert _agent_flags(rubric, text) == set(), text


@pytest.fixture(scope="module")
def results(sets, rubric):
    return {k: evaluate(v, rubric) for k, v in sets.items()}


# measured with scripts/bench_qa.py --data/--noisy, P / R (forbidden_phrase, agent_negative):
# qa_agent_dev clean 0.99/0.96, 0.97/0.92; noised 0.98/0.81, 0.99/0.83 (main before the first
# round: clean 0.84/0.32, 0.82/0.16; noised 0.85/0.31, 0.91/0.22).
# qa_agent_dev2 clean 0.97/0.83, 0.98/0.67; noised 0.97/0.73, 0.94/0.61 (main 4101b3d: clean
# 0.94/0.59, 0.91/0.42; noised 0.95/0.49, 0.90/0.37).
# qa_agent_dev3 clean: forbidden 0.96/1.00, agent_negative 0.96/1.00, badge 1.00/1.00, verification
# 1.00/1.00, survey 1.00/1.00; noised 0.88/0.92, 0.88/0.92, 1.00/0.86, 1.00/1.00, 1.00/1.00 (main
# 07c11f2: clean 0.63/0.50, 0.75/0.62, 0.67/0.14, 0.76/0.81, 1.00/0.71). Floors a few lines below.
FLOORS = {
    "dev-clean": {"forbidden_phrase": (0.93, 0.90), "agent_negative": (0.93, 0.90)},
    "dev-noisy": {"forbidden_phrase": (0.90, 0.75), "agent_negative": (0.90, 0.75)},
    "dev2-clean": {"forbidden_phrase": (0.92, 0.78), "agent_negative": (0.92, 0.62)},
    "dev2-noisy": {"forbidden_phrase": (0.92, 0.68), "agent_negative": (0.88, 0.56)},
    "dev3-clean": {"forbidden_phrase": (0.92, 0.95), "agent_negative": (0.92, 0.95), "missing_badge": (0.95, 0.95),
                   "missing_verification": (0.95, 0.95), "missing_survey": (0.95, 0.95)},
    "dev3-noisy": {"forbidden_phrase": (0.84, 0.87), "agent_negative": (0.84, 0.87), "missing_badge": (0.95, 0.82),
                   "missing_verification": (0.95, 0.95), "missing_survey": (0.95, 0.95)},
}
# qa_agent_dev4 clean 0.96/0.92, 0.95/0.90; noised 0.91/0.82, 0.84/0.81 (main 5d72c7a: clean 0.81/0.50,
# 0.65/0.34; noised 0.79/0.44, 0.53/0.29).
FLOORS.update({
    "dev4-clean": {"forbidden_phrase": (0.93, 0.88), "agent_negative": (0.92, 0.86)},
    "dev4-noisy": {"forbidden_phrase": (0.88, 0.78), "agent_negative": (0.79, 0.76)},
})
# contempt without a swear word is 辱骂 (fatal): lines of dev3 hinted fatal that must get a fatal flag
# (measured: 23/24 clean, 18/24 noised; main 07c11f2: 6/24, 6/24)
FATAL_FLOORS = {"dev3-clean": 21, "dev3-noisy": 15}


@pytest.mark.parametrize("which", list(FLOORS))
def test_rubric_holds_its_level(which, results):
    res = results[which]
    assert_floors(res, FLOORS[which])
    assert res.fatal_on_hard_negatives == []
    assert res.control_flags == []
    assert res.fatal_caught >= FATAL_FLOORS.get(which, 0), (res.fatal_caught, res.fatal_hinted)


CALLS = sorted((DATA / "qa_agent_dev3" / "calls").glob("*.json")) + sorted(
    p for p in (DATA / "qa_agent_dev4" / "calls").glob("*.json") if p.stem not in ("ride_sarcastic", "school_contempt"))
RUDE_CALLS = [DATA / "qa_agent_dev4" / "calls" / f"{n}.json" for n in ("ride_sarcastic", "school_contempt")]


@pytest.mark.parametrize("path", CALLS, ids=[p.stem for p in CALLS])
def test_clean_calls_in_other_styles_raise_nothing(path, rubric):
    """Five clean calls (hotel, credit-card security check, airline outbound, city hotline, broadband
    repair) whose greeting, badge (alphanumeric, digit by digit, 编号), verification (booking name +
    phone digits, an SMS code read back, ID digits) and survey (questionnaire by e-mail, SMS reply,
    push, voice prompt) are said in other words, with empathy and a request to repeat: no flag at all.
    Without the badge turn and the survey invitation the same call is flagged for both."""
    import json
    import dataclasses

    data = json.loads(path.read_text(encoding="utf-8"))
    tr = Transcript.from_dict(data)
    card = score_transcript(tr, rubric)
    assert [(f.category, f.evidence) for f in card.flags] == []
    agent = [i for i, t in enumerate(tr.turns) if t.role == "agent"]
    turns = list(tr.turns)
    turns[agent[1]] = dataclasses.replace(turns[agent[1]], text="您请讲。")  # the badge turn
    turns[agent[-1]] = dataclasses.replace(turns[agent[-1]], text="好的，再见。")  # survey + farewell
    card = score_transcript(dataclasses.replace(tr, turns=turns), rubric)
    assert {"missing_badge", "missing_survey"} <= {f.category for f in card.flags}


def _call(*turns):
    """A short call from (role, text) pairs: greeting, badge and survey are in place."""
    t, out = 0.5, []
    for role, text in turns:
        d = 0.23 * len(text) + 0.6
        out.append({"speaker": role, "role": role, "start": round(t, 2), "end": round(t + d, 2), "text": text,
                    "confidence": 0.93})
        t += d + 0.8
    return Transcript.from_dict({"call_id": "t", "source": "t.wav", "duration": round(t, 2), "channels": 2,
                                 "separation": "stereo", "turns": out})


def test_round9_mechanisms(rubric, flags):
    """Sentences written here, one per mechanism: tone structures without the rubric's words, the
    complaint repeated back, the caller (not the agent) having repeated, and a limit stated with the
    way forward offered in the agent's next turn (vs. no way forward)."""
    assert flags("就您这个预算还想住海景房，能订到才怪。") == set(AGENT)
    assert flags("做人得讲点道理，别什么都赖我们。") == set(AGENT)
    assert flags("我确认一下，您说营业厅的人讲这都不懂，是这样吗？") == set()
    assert flags("我知道您已经打了好几遍电话了，这次我一定跟到底。") == set()

    def forbidden(agent_next):
        return _forbidden_after_a_limit(rubric, ("您好，这里是燃气服务热线，我是客服小周。", "这个月的滞纳金能免吗？",
                                                 "这个月的滞纳金系统已经扣了，退不了。", "那也太不讲理了吧。"), agent_next)

    assert forbidden("理解您的心情，您可以下个月申请一次减免，我把申请方式发到您手机上。") == []
    assert forbidden("嗯，就这样。") != []


def _forbidden_after_a_limit(rubric, opening, agent_next):
    """forbidden_phrase flags of a call: greeting, request, the agent's limit, the caller's
    objection (``opening``), then ``agent_next``, and a clean close."""
    greet, ask, limit, objection = opening
    tr = _call(("agent", greet), ("customer", ask), ("agent", limit), ("customer", objection),
               ("agent", agent_next), ("customer", "好的。"),
               ("agent", "稍后请对我的服务做个评价，还有其他问题吗？感谢来电，再见。"))
    return [f for f in score_transcript(tr, rubric).flags if f.category == "forbidden_phrase"]


# qa_agent_dev5 (round 10): rhetorical / sarcastic lines without listed words, polite lines of the
# families the blind evaluator saw falsely flagged. Measured clean 0.98/0.90, 0.95/0.82; noised 0.98/0.88,
# 0.92/0.71 (main cf30d4b: clean 0.89/0.35, 0.82/0.18; noised 0.90/0.37, 0.75/0.18). Floors a little under.
FLOORS_DEV5 = {
    "dev5-clean": {"forbidden_phrase": (0.95, 0.86), "agent_negative": (0.92, 0.78)},
    "dev5-noisy": {"forbidden_phrase": (0.95, 0.84), "agent_negative": (0.88, 0.67)},
}



CLEAN5 = [DATA / "qa_agent_dev5" / "calls" / f"{n}.json"
          for n in ("flight_cancel_outbound", "fee_refusal_alternative", "parcel_locker", "clinic_suspended")]
RUDE5 = [DATA / "qa_agent_dev5" / "calls" / f"{n}.json" for n in ("property_dismissive", "bank_sarcastic")]


def test_keyword_refusal_excused_by_next_turn_way_forward(rubric):
    """没办法 then, after the caller's objection, a concrete way forward in the agent's next turn is
    not a 禁语; the same limit followed by nothing is."""
    def forbidden(agent_next):
        return _forbidden_after_a_limit(rubric, ("您好，这里是供暖服务热线，我是客服小孟，工号六一二。", "今年的采暖费能晚点交吗？",
                                                 "缴费期限是统一定的，我这边确实没办法给您单独延。", "我手头真的紧。"), agent_next)

    assert forbidden("理解您，还有个办法，低保和困难家庭可以申请缓交，我帮您登记一下。") == []
    assert forbidden("嗯，那也没别的说法。") != []


# qa_agent_dev6 (round 11): outbound offers, refusals with an alternative, policy, identity, fraud
# warnings, festive farewells, relationship-manager introductions and quoted rude words (hard
# negatives); sarcasm, repeating oneself, dismissal, rhetorical blame, "go and complain", insults.
# Measured clean 0.92/0.92, 1.00/0.82; noised 0.85/0.90, 0.93/0.82 (main 36437d5: clean 0.67/0.74,
# 0.82/0.45; noised 0.70/0.72, 0.79/0.45; 4 fatal flags on hard negatives, now none). Floors a little under.
FLOORS_DEV6 = {
    "dev6-clean": {"forbidden_phrase": (0.88, 0.88), "agent_negative": (0.95, 0.78)},
    "dev6-noisy": {"forbidden_phrase": (0.80, 0.86), "agent_negative": (0.88, 0.78)},
}


# qa_agent_dev7 (round 12): sarcasm about usage and mock praise; the caller's own choice, a cold
# "whatever", what was signed, "how could it break", "I already said", the call load (positives);
# status lines with a negation, refusals with an alternative, courteous remarks, information,
# contracts reminded politely, the call volume as an apology, diagnostic questions (hard negatives).
# The precise structures (after the review): clean 0.88/0.96, 0.96/0.85; noised 0.85/0.76, 0.98/0.73
# (main 58ab0a7: clean 0.79/0.57, 0.93/0.42; noised 0.76/0.48, 0.96/0.35). Floors one line under
# each figure (one more false flag, one fewer line caught).
FLOORS_DEV7 = {
    "dev7-clean": {"forbidden_phrase": (0.86, 0.93), "agent_negative": (0.94, 0.83)},
    "dev7-noisy": {"forbidden_phrase": (0.83, 0.73), "agent_negative": (0.95, 0.70)},
}


# qa_agent_dev8 (round 13): the tone families the sealed sets miss, against polite neighbours. The rubric
# of 569767d (the round-13 example lists were dropped: they flagged ten polite guard lines below):
# clean 0.78/0.65, 0.88/0.52; noised 0.70/0.58, 0.77/0.43. Floors one line under each figure.
FLOORS_DEV8 = {
    "dev8-clean": {"forbidden_phrase": (0.75, 0.62), "agent_negative": (0.85, 0.50)},
    "dev8-noisy": {"forbidden_phrase": (0.68, 0.56), "agent_negative": (0.75, 0.41)},
}


@pytest.mark.parametrize("which", list(FLOORS_DEV5 | FLOORS_DEV6 | FLOORS_DEV7 | FLOORS_DEV8))
def test_dev5_dev6_rhetoric_sarcasm_offers_quotes_and_dismissal(which, results):
    """Floors of dev5 (rhetoric and sarcasm without listed words), dev6 (outbound offers, quoted
    rude words, dismissal), dev7 (retorts, the call load, a cold "whatever", sarcasm about usage) and
    dev8 (the same families recognised by meaning); none sets off the control call or a fatal flag on
    a hard negative."""
    res = results[which]
    assert_floors(res, (FLOORS_DEV5 | FLOORS_DEV6 | FLOORS_DEV7 | FLOORS_DEV8)[which])
    assert res.control_flags == []
    assert res.fatal_on_hard_negatives == []


CLEAN6 = [DATA / "qa_agent_dev6" / "calls" / f"{n}.json"
          for n in ("car_renewal_outbound", "bank_branch_alternative", "wealth_manager_intro", "ride_driver_quote")]
RUDE6 = [DATA / "qa_agent_dev6" / "calls" / f"{n}.json" for n in ("telecom_impatient", "hotel_dismissive")]


def _agent_card(path, rubric):
    return read_scoring_input(path).score(rubric)


@pytest.mark.parametrize("path", CLEAN5 + CLEAN6, ids=[p.stem for p in CLEAN5 + CLEAN6])
def test_polite_calls_raise_no_agent_flag(path, rubric):
    """Clean calls: no agent-side flag and no presence item (the caller's own displeasure is not
    scored here).
    qa_agent_dev5: an outbound cancelled-flight notice right after the company names itself, an
    annual fee that cannot be waived with the way to get it back offered in the next turn, a parcel
    in the locker with reassurance, an outbound clinic suspension with alternatives.
    qa_agent_dev6: an outbound renewal with a free trial and a partner's satisfaction call, a limit
    refused on the phone with the branch as the way, a relationship manager's introduction with an
    account status, and a ride-hailing complaint where the agent quotes what the driver and the
    caller reportedly said."""
    card = _agent_card(path, rubric)
    assert [(f.category, f.evidence) for f in card.flags
            if f.category in AGENT or f.category.startswith("missing_")] == []


@pytest.mark.parametrize("path", RUDE_CALLS + RUDE5 + RUDE6, ids=[p.stem for p in RUDE_CALLS + RUDE5 + RUDE6])
def test_rude_agents_without_listed_words_are_flagged(path, rubric):
    """Both agent violations, on agent turns only, and no presence item, though the agent is
    correct on every presence item.
    qa_agent_dev4: sarcastic and impatient (a ride-hailing complaint); contemptuous and lecturing
    (a tutoring parent).
    qa_agent_dev5: a property agent who sends the caller to the neighbours and the developer and
    says move out; a bank agent who throws the caller's signature back, mocks their expertise,
    calls them an old acquaintance and belittles the amount.
    qa_agent_dev6: repeating oneself, 退不了就是退不了, go and complain and sarcasm; rhetorical
    blame, 想都别想, sarcasm about the price and 爱找谁就找谁."""
    card = _agent_card(path, rubric)
    cats = {f.category for f in card.flags}
    assert set(AGENT) <= cats, cats
    assert all(f.role == "agent" for f in card.flags if f.category in AGENT)
    assert not {c for c in cats if c.startswith("missing_")}, cats


def test_reported_speech_is_not_the_agents_own_words(rubric):
    """The scope of reported speech (qa/reported.py): a third party's words repeated by the agent
    (with or without quotation marks) raise nothing, fatal or not; the agent's own words framed as a
    quote (我说…, 我跟您说"…") and reported words the agent endorses (…我看一点都没说错) stay the
    agent's; bare 你说 (你说我能怎么办) is the agent's own rhetoric, not a report."""
    from voiceqa.qa.reported import inside_reported, reported_spans
    from voiceqa.qa.rubric import leaf_rules

    forbidden = next(i for i in rubric.items if i.id == "forbidden")
    rule = next(r for r in leaf_rules(forbidden.rule) if getattr(r, "reported_speech", None))
    frame, endorsed = rule.reported_speech, tuple(rule.endorsed)

    def spans(text):
        return reported_spans(text, frame, endorsed)

    text = "外卖员当时冲您吼了句滚一边去，这个我们一定严肃处理。"
    s = spans(text)
    assert inside_reported(s, text.index("滚"), text.index("滚") + 3)
    assert not inside_reported(s, text.index("这个"), len(text))
    assert spans("房东在群里骂“你们都是废物”，这个我们帮您记录。") != ()
    assert spans("你说我能怎么办？") == ()
    assert spans("别人都说您难缠。") != ()
    assert spans("别人都说您难缠，我看一点都没说错。") == ()
    assert spans("我跟您说“您就是个废物”。") == ()

    assert _agent_flags(rubric, "外卖员当时冲您吼了句滚一边去，这个我们一定严肃处理。") == set()
    assert _agent_flags(rubric, "房东在群里骂“你们都是废物”，这个我们帮您记录。") == set()
    assert "forbidden_phrase" in _agent_flags(rubric, "我跟您说，您就是个废物。")
    assert "forbidden_phrase" in _agent_flags(rubric, "滚一边去，别烦我。")


# Fresh agent sets: written after a round's rule changes in new wording, measured once, nothing
# changed because of them; their floors are the honest level on unseen wording (a line under).
# qa_agent_fresh7 (round 12, 40 lines): the precise structures catch none of its lines beyond main
# 58ab0a7 (the first, imprecise round-12 structures did): clean 0.60/0.38, 1.00/0.32; noised 0.44/0.25,
# 0.83/0.45. Floors one line under each figure.
# qa_agent_fresh8 (round 13, 40 lines, half polite), measured once with the rubric of 569767d: clean
# 0.86/0.35, 1.00/0.30; noised 0.86/0.35, 0.86/0.30. Floors one line under each figure.
FRESH = {"fresh7": "qa_agent_fresh7", "fresh8": "qa_agent_fresh8"}
FLOORS_FRESH = {
    "fresh7-clean": {"forbidden_phrase": (0.54, 0.31), "agent_negative": (0.87, 0.27)},
    "fresh7-noisy": {"forbidden_phrase": (0.40, 0.18), "agent_negative": (0.76, 0.40)},
    "fresh8-clean": {"forbidden_phrase": (0.75, 0.29), "agent_negative": (0.85, 0.25)},
    "fresh8-noisy": {"forbidden_phrase": (0.75, 0.29), "agent_negative": (0.75, 0.25)},
}


@pytest.mark.parametrize("which", list(FLOORS_FRESH))
def test_fresh_sets_hold_their_measured_level(which, rubric):
    """A fresh set (clean or noised) holds its once-measured level, is valid (agent lines, both agent
    categories decided per line) and sets off neither the control call nor a fatal flag."""
    name, kind = which.rsplit("-", 1)
    entries = load_bench(DATA / FRESH[name] / f"utterances{'' if kind == 'clean' else '_noisy'}.yaml")
    assert len(entries) >= 40 and all(e.role == "agent" for e in entries)
    assert all(set(e.labels) | set(e.negative_for) == set(AGENT) for e in entries)
    res = evaluate(entries, rubric)
    assert_floors(res, FLOORS_FRESH[which])
    assert res.control_flags == []
    # the insult meaning still reads a noised 跟您说一声 (heard 根你说一声) as an insult; one such line
    # goes to a human (the profanity item's corroborate), so no fatal flag
    assert res.fatal_on_hard_negatives == []
