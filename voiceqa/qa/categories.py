"""The one vocabulary of QA flag categories: ids used in rubrics, flags and the database, with
the names people read in reports and on the review page."""
from __future__ import annotations

CATEGORY_NAMES: dict[str, str] = {
    "missing_greeting": "缺少开场白", "missing_badge": "未报工号", "missing_verification": "未核实身份",
    "missing_closing": "缺少结束语", "missing_survey": "未邀评", "forbidden_phrase": "服务禁语", "dead_air": "静音",
    "overtalk": "抢话/打断", "speech_rate": "语速过快", "raised_voice": "提高音量", "customer_complaint": "客户投诉倾向",
    "customer_anger": "客户愤怒", "agent_negative": "坐席负面情绪", "agent_care": "坐席关怀", "pii": "个人信息",
    "short_call": "通话过短", "repeat_call": "二次来电", "script": "话术",
}
CATEGORIES: frozenset[str] = frozenset(CATEGORY_NAMES)


def category_name(category: str) -> str:
    return CATEGORY_NAMES.get(category, category)
