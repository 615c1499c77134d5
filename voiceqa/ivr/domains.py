"""Service domains: which line of business a flow serves, and requests that belong to another.

A water utility that hears "我要交电费" must not route it to its own 缴费 option: the caller
named a service of a neighbouring industry (power), which no option of this flow offers, and a
sentence encoder puts 交电费 right next to 交水费. Each domain is a set of service nouns (at
least two characters, specific enough not to occur in unrelated speech); a flow's domains are
those whose nouns occur in its name, description, prompts and options. An utterance that names
a noun of a domain the flow does not serve, and none of the flow's own, is out of scope.

A flow whose text names no domain at all is never judged this way. A bank card named as the
means of payment (用银行卡 / 绑定信用卡) is not a request for a bank's services.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .understand import norm_phrase

DOMAINS: dict[str, tuple[str, ...]] = {
    "water": ("水费", "水表", "停水", "自来水", "供水", "用水", "水管", "水压", "水质", "漏水", "没水", "来水"),
    "power": ("电费", "电表", "停电", "供电", "用电", "断电", "跳闸", "电力", "电闸", "来电了", "电压", "电线"),
    "gas": ("燃气", "煤气", "天然气", "液化气", "气费", "燃气灶", "气表", "通气", "用气", "停气"),
    "telecom": ("话费", "流量", "宽带", "手机卡", "电话卡", "光猫", "网速", "携号转网", "停机", "复机", "欠费停机"),
    "bank": ("银行卡", "信用卡", "储蓄卡", "借记卡", "贷款", "存款", "房贷", "网银", "取款"),
    "insurance": ("保险", "保单", "理赔", "投保", "车险", "保费", "续保", "出险"),
    "airline": ("机票", "航班", "登机", "值机", "航空", "飞机", "行李额"),
    "hotel": ("酒店", "宾馆", "订房", "住宿"),
    "logistics": ("快递", "包裹", "物流", "运单", "快递员", "寄件", "派件", "收件"),
    "hospital": ("挂号", "门诊", "科室", "医生", "看病", "住院", "体检", "专家号", "医院", "医保", "就诊", "复诊"),
    "social": ("社保", "公积金", "医保", "养老金", "退休金"),
}
# a domain that serves requests naming another (medical and travel insurance pay for hospital
# stays and flights; hospitals take social medical insurance)
SERVES_TOO: dict[str, frozenset[str]] = {
    "insurance": frozenset({"hospital", "airline", "hotel", "social"}),
    "hospital": frozenset({"social", "insurance"}),
}
# a noun inside one of these words names something else
NOT_A_SERVICE = (
    "保险丝", "保险柜", "保险起见", "手机没电", "用水泡", "信用卡式", "用电话", "用电脑", "收件箱",
    "客流量", "车流量", "人流量", "停机坪", "挂号信", "电线杆",
)
# a bank card as the means of payment, not a request for a bank's services
_INSTRUMENT = re.compile(r"(?:用|绑定|绑|拿|通过|从|走|刷)(?:我的|我|的|一张|张)?(?:银行卡|信用卡|储蓄卡|借记卡|银行)")

_NOUNS = sorted({n for ns in DOMAINS.values() for n in ns}, key=len, reverse=True)
_NOUN_RE = re.compile("|".join(map(re.escape, _NOUNS)))
_OWNERS: dict[str, frozenset[str]] = {n: frozenset(d for d, ns in DOMAINS.items() if n in ns) for n in _NOUNS}


def _masked(s: str) -> str:
    """``s`` with words that are not service requests blanked out (same length, offsets kept)."""
    for w in NOT_A_SERVICE:
        s = s.replace(w, "\0" * len(w))
    return _INSTRUMENT.sub(lambda m: "\0" * len(m.group(0)), s)


def spans(text: str) -> list[tuple[int, int, frozenset[str]]]:
    """Service nouns in an already normalised ``text``: (start, end, their domains)."""
    return [(m.start(), m.end(), _OWNERS[m.group(0)]) for m in _NOUN_RE.finditer(_masked(text))]


def mentioned(text: str) -> frozenset[str]:
    """The domains whose service nouns ``text`` names."""
    out: set[str] = set()
    for _, _, ds in spans(norm_phrase(text)):
        out |= ds
    return frozenset(out)


@lru_cache(maxsize=256)
def domains_of(texts: tuple[str, ...]) -> frozenset[str]:
    """A flow's domains from its own words (name, description, prompts, option labels, keywords, examples)."""
    out: set[str] = set()
    for t in texts:
        out |= mentioned(t)
    return frozenset(out)


def flow_texts(flow) -> tuple[str, ...]:
    """The words of a flow that say what it serves (collect prompts too: 请输入您的燃气户号)."""
    texts = [flow.name.replace("_", " "), flow.description]
    for node in flow.nodes.values():
        for attr in ("prompt", "prompt_elderly"):
            v = getattr(node, attr, None)
            if isinstance(v, str):
                texts.append(v)
        for o in getattr(node, "options", None) or ():
            texts += [o.label or "", *o.keywords, *o.examples]
    return tuple(t for t in texts if t)


def _served(own: frozenset[str]) -> frozenset[str]:
    return own.union(*(SERVES_TOO.get(d, frozenset()) for d in own))


def foreign(text: str, own: frozenset[str]) -> frozenset[str]:
    """Domains ``text`` asks about that the flow does not serve; empty when the flow's domain is
    unknown or the caller also names one of the flow's own services."""
    return frozenset(d for _, _, ds in foreign_spans(norm_phrase(text), own) for d in ds)


def foreign_spans(text: str, own: frozenset[str]) -> list[tuple[int, int, frozenset[str]]]:
    """The service nouns of another industry in a normalised ``text`` (see :func:`foreign`)."""
    if not own:
        return []
    own = _served(own)
    found = spans(text)
    if not found or any(ds & own for _, _, ds in found):
        return []
    return found
