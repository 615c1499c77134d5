"""Agent tone at call level with the caller's reaction (tests/data/qa_agent_calls9): whole calls
across fourteen industries, inbound and outbound. In ten the agent is rude once without a swear
word and the caller objects to the manner (什么态度, 你教训谁呢, 让我把话说完, 报一下工号); fourteen
are clean, with hard cases: a polite refusal the caller objects to, callers angry at the company,
a supervisor asked for about a policy, an apology for the caller's own tone, a badge number asked
to praise the agent, agent lines near rude examples. Each call raises exactly its labelled agent
categories; the known misses (a rude line no rule finds at all: a reaction corroborates a weak
finding, it is never evidence on its own) are strict xfails."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from voiceqa.qa.rubric import load_rubric
from voiceqa.qa.scorer import score_transcript
from voiceqa.schema import Transcript

DATA = Path(__file__).resolve().parent / "data" / "qa_agent_calls9"
LABELS = yaml.safe_load((DATA / "labels.yaml").read_text(encoding="utf-8"))["calls"]
AGENT = ("forbidden_phrase", "agent_negative")
# rude lines no agent rule finds even weakly (nearest rude example 0.42-0.5, nearer a polite one):
# there is nothing for the caller's reaction to corroborate
KNOWN_MISSES = {
    "ecommerce_wore_it_a_month": "sarcasm about wear (这一试可试得够久的) is found by no rule",
    "ride_your_own_pin": "rhetorical blame for the pick-up pin is found by no rule",
    "education_outbound_what_grades": "belittling a child's grades on an outbound sale is found by no rule",
    # mockery is agent_negative only (tests/data/qa_bench/README.md); the 禁语 item's meaning rule
    # reads the line as contempt too, and the same reaction proves both items
    "hospital_slow_hands": "the mocking line also raises forbidden_phrase",
}


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def _card(rubric, name: str):
    tr = Transcript.from_dict(json.loads((DATA / "calls" / f"{name}.json").read_text(encoding="utf-8")))
    return score_transcript(tr, rubric)


def test_calls_are_labelled_and_varied():
    rude = [n for n, v in LABELS.items() if v["labels"]]
    assert len(LABELS) >= 24 and len(rude) >= 10 and len(LABELS) - len(rude) >= 14
    assert len({v["industry"] for v in LABELS.values()}) >= 10
    assert {v["direction"] for v in LABELS.values()} == {"inbound", "outbound"}
    assert all(set(v["labels"]) <= set(AGENT) for v in LABELS.values())
    assert sorted(p.stem for p in (DATA / "calls").glob("*.json")) == sorted(LABELS)


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[n])) if n in KNOWN_MISSES else n
    for n in LABELS])
def test_call_raises_its_agent_categories(rubric, name):
    card = _card(rubric, name)
    got = {f.category for f in card.flags if f.category in AGENT}
    assert got == set(LABELS[name]["labels"]), [(f.item, f.evidence) for f in card.flags]


def test_a_flag_proven_by_the_reaction_quotes_it(rubric):
    """The mocking line alone only resembles an example (one line: review); the caller's
    "are you laughing at me" in the next turn proves it, and the flag quotes the reaction with the start of its turn."""
    card = _card(rubric, "hospital_slow_hands")
    tone = [f for f in card.flags if f.item == "agent_attitude"]
    assert len(tone) == 1 and "手速" in tone[0].evidence
    assert "客户随即回应：[31.74s] 你这是在笑话我吗" in tone[0].evidence
    shown = card.to_dict()["flags"]
    assert any("[31.74s]" in f["evidence"] for f in shown if f["item"] == "agent_attitude")


def test_a_reaction_to_a_polite_line_is_no_evidence(rubric):
    """A caller who objects to a polite refusal (你这人怎么这样) or asks for the badge number to
    praise raises no agent item, flag or review."""
    for name in ("bank_limit_firm_objected", "ride_badge_for_praise", "airline_supervisor_policy"):
        card = _card(rubric, name)
        assert not [i.id for i in card.items if i.category in AGENT and i.outcome != "pass"], name
