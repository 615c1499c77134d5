"""One way to score a single line, shared by the QA dev-set test files: the line is put into the
bench's neutral call (qa/bench.py ``build_call``) and the call is scored as a whole."""
from __future__ import annotations

from voiceqa.qa.bench import BenchEntry, build_call, detected
from voiceqa.qa.scorer import score_transcript


def line_detects(rubric, role: str, text: str, categories, slot: str = "violation") -> set[str]:
    """The ``categories`` seen on ``text`` said by ``role`` in its ``slot`` of the neutral call
    (a presence category: the line stands in that item's slot; "violation": mid-call)."""
    call = build_call(BenchEntry(id="t", industry="telecom", direction="inbound", role=role, text=text), slot=slot)
    card = score_transcript(call.transcript, rubric)
    return {c for c in categories if detected(card, call, c)}
