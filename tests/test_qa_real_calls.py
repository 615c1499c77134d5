"""The default rubric on real recordings nobody here scripted (../shared/real_calls).

- conv_smoothconv_tutoring_02: a real tutoring call, one speaker per channel; the tutor
  (channel 0, the agent by the default channel map) asks the student whether they can
  understand human speech at about 27-32 s: rude agent speech that must be flagged.
- call_cc_insurance_outbound_1: a real outbound insurance call; the agent closes with good
  wishes and goodbye, which must count as the closing.
Each recording is transcribed once with the session's speech core.
"""
from __future__ import annotations

import pytest

from voiceqa.qa.rubric import load_rubric
from voiceqa.qa.scorer import score_transcript

from .conftest import SHARED

pytestmark = pytest.mark.slow
REAL_CALLS = SHARED / "real_calls"
RUDE_LINE = (25.5, 33.5)  # seconds: where the tutor's line lies (measured 26.6-32.5 s)


@pytest.fixture(scope="module")
def real_cards(transcriber):
    if not REAL_CALLS.is_dir():
        pytest.skip(f"real recordings not found at {REAL_CALLS} (set VOICEQA_SHARED)")
    rubric = load_rubric()
    return {
        name: score_transcript(transcriber.transcribe(REAL_CALLS / f"{name}.wav"), rubric)
        for name in ("conv_smoothconv_tutoring_02", "call_cc_insurance_outbound_1")
    }


def test_rude_tutor_line_is_flagged_as_agent_rudeness(real_cards):
    card = real_cards["conv_smoothconv_tutoring_02"]
    rude = [f for f in card.flags if f.role == "agent" and f.category in ("forbidden_phrase", "agent_negative")
            and RUDE_LINE[0] <= f.start <= RUDE_LINE[1]]
    assert rude, [(f.rule, f.start, f.evidence) for f in card.flags]
    assert rude[0].points < 0 and rude[0].evidence  # costs points, quoted with its time
    assert not any(f.severity == "fatal" for f in card.flags)  # rude, not profanity


def test_outbound_agent_closing_is_recognised(real_cards):
    card = real_cards["call_cc_insurance_outbound_1"]
    items = {i.id: i for i in card.items}
    assert items["closing"].outcome == "pass", [(f.rule, f.evidence) for f in card.flags]
    assert items["greeting"].outcome == "pass"
    assert "missing_closing" not in {f.category for f in card.flags}
    assert not any(f.severity == "fatal" for f in card.flags)
