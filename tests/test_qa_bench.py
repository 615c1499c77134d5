"""The labelled QA text benchmark (tests/data/qa_bench): the data is valid and balanced, the
noised copy matches it, the synthetic calls are built as documented, and the rule engine meets
the issue-9 targets on it (clean and noised)."""
from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path

import opencc
import pytest

from voiceqa.errors import InputError
from voiceqa.qa.bench import (
    DEFAULT_CLEAN, DEFAULT_NOISY, BENCH_INDUSTRIES, FILLERS, MEASURED, PRESENCE, SKELETON, CategoryStats,
    build_call, detected, evaluate, load_bench,
)
from voiceqa.qa.bench_noise import noisy_text
from voiceqa.qa.rubric import load_rubric
from voiceqa.qa.scorer import score_transcript

REPO = Path(__file__).resolve().parents[1]
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def clean():
    return load_bench(DEFAULT_CLEAN)


@pytest.fixture(scope="module")
def noisy():
    return load_bench(DEFAULT_NOISY)


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def test_bench_data_is_valid_and_balanced(clean):
    assert len(clean) >= 400
    assert len({e.id for e in clean}) == len(clean)
    texts = Counter(e.text for e in clean)
    assert [t for t, n in texts.items() if n > 1] == []
    t2s = opencc.OpenCC("t2s")
    assert [e.id for e in clean if t2s.convert(e.text) != e.text] == []  # all Simplified
    for c in MEASURED:
        pos = sum(c in e.labels for e in clean)
        hard = sum(c in e.negative_for for e in clean)
        assert pos >= 15, f"{c}: {pos} positives"
        assert hard >= 10, f"{c}: {hard} hard negatives"
    by_industry = Counter(e.industry for e in clean)
    assert set(by_industry) == set(BENCH_INDUSTRIES) and min(by_industry.values()) >= 30, by_industry
    assert Counter(e.role for e in clean)["customer"] >= 100
    assert Counter(e.direction for e in clean)["outbound"] >= 40
    assert sum(e.severity_hint == "fatal" for e in clean) >= 10


def test_noisy_copy_matches_clean_file(clean, noisy):
    assert [e.id for e in noisy] == [e.id for e in clean]
    t2s = opencc.OpenCC("t2s")
    changed = total = 0
    for a, b in zip(clean, noisy):
        assert (a.labels, a.negative_for, a.severity_hint, a.role) == (b.labels, b.negative_for, b.severity_hint, b.role)
        assert len(a.text) == len(b.text) and a.text != b.text, a.id  # regenerate after editing the clean file
        assert t2s.convert(b.text) == b.text
        diff = sum(x != y for x, y in zip(a.text, b.text))
        assert diff <= max(3, 0.5 * len(HAN.findall(a.text))), (a.id, b.text)
        changed += diff
        total += len(HAN.findall(a.text))
    assert 0.10 <= changed / total <= 0.20  # about 15 % of the characters


def test_noise_is_deterministic_and_sound_preserving():
    from pypinyin import Style, lazy_pinyin

    text = "您好，工号3052为您服务，请问有什么可以帮您？"
    a, b = noisy_text(text, "k1"), noisy_text(text, "k1")
    assert a == b and a != text
    assert "公号3052" in a  # Whisper's spelling of 工号
    assert noisy_text(text, "k2") != a or noisy_text(text, "k3") != a
    # every substitution sounds the same or nearly (zh/z, ch/c, sh/s, -n/-ng), tones aside
    fold = lambda s: re.sub(r"^([zcs])h", r"\1", s).removesuffix("g")  # noqa: E731
    for x, y in zip(text, a):
        if x != y:
            px, py = (lazy_pinyin(c, style=Style.NORMAL)[0] for c in (x, y))
            assert fold(px) == fold(py) or {x, y} == {"您", "你"}, (x, y)


def test_malformed_bench_file_is_one_line_error(tmp_path):
    bad = tmp_path / "b.yaml"
    bad.write_text("entries:\n  - {id: x1, industry: telecom, direction: inbound, role: customer, text: 你好, labels: [missing_greeting]}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"b\.yaml: entry x1: .*customer line cannot be labelled 'missing_greeting'"):
        load_bench(bad)
    bad.write_text("entries: [\n", encoding="utf-8")
    with pytest.raises(InputError, match="malformed YAML"):
        load_bench(bad)
    with pytest.raises(InputError, match="not found"):
        load_bench(tmp_path / "missing.yaml")


def test_calls_are_built_as_documented(clean, rubric):
    control = build_call(None)
    assert [t.text for t in control.transcript.turns] == [FILLERS[k][1] for k in SKELETON]
    card = score_transcript(control.transcript, rubric)
    assert [f.category for f in card.flags if f.category in MEASURED] == []  # the fillers are clean

    entry = next(e for e in clean if e.role == "customer" and "customer_complaint" in e.labels)
    call = build_call(entry)
    texts = [t.text for t in call.transcript.turns]
    assert texts.count(entry.text) == 1 and call.transcript.turns[call.tested].text == entry.text
    assert call.transcript.turns[call.tested].role == "customer"
    for slot in PRESENCE:
        greeting = next(e for e in clean if e.id == "greeting-001")
        call = build_call(greeting, slot)
        turns = call.transcript.turns
        assert turns[call.tested].text == greeting.text and len(turns) == len(SKELETON)
        assert sum(t.text == greeting.text for t in turns) == 1
    # turns are in order, no silence long enough to be dead air, greeting/badge slots in the first 15 s
    ends = [(t.start, t.end) for t in call.transcript.turns]
    assert all(b[0] - a[1] < 1.0 for a, b in zip(ends, ends[1:]))
    assert call.transcript.turns[1].start < 15


def test_detection_on_unmistakable_lines(clean, rubric):
    """Lines every engine must get right: the scaffolding counts them as detected."""
    by_id = {e.id: e for e in clean}
    greet = build_call(by_id["greeting-001"], "missing_greeting")
    assert detected(score_transcript(greet.transcript, rubric), greet, "missing_greeting")
    complaint = next(e for e in clean if e.text == "我要投诉你们乱扣费！")
    call = build_call(complaint)
    assert detected(score_transcript(call.transcript, rubric), call, "customer_complaint")
    assert not detected(score_transcript(call.transcript, rubric), call, "agent_care")

    s = CategoryStats("x", True)
    for truth, pred in ((1, 1), (1, 1), (1, 0), (0, 1), (0, 0)):
        s.add("e", bool(truth), bool(pred))
    assert (s.tp, s.fn, s.fp, s.tn) == (2, 1, 1, 1)
    assert s.precision == pytest.approx(2 / 3) and s.recall == pytest.approx(2 / 3)


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_script_on_a_small_file(tmp_path, clean, monkeypatch, capsys):
    bench = _load_script("bench_qa")
    make_noisy = _load_script("make_qa_noisy")
    picked = [e for e in clean if e.id in ("greeting-001", "complaint-001", "complaint-hn-002", "forbidden-041")]
    small = tmp_path / "small.yaml"
    small.write_text("entries:\n" + "\n".join(make_noisy.dump_entry(e) for e in picked) + "\n", encoding="utf-8")
    assert load_bench(small) == picked
    noisy = tmp_path / "noisy.yaml"
    monkeypatch.setattr("sys.argv", ["make_qa_noisy", "--data", str(small), "--out", str(noisy)])
    assert make_noisy.main() == 0
    out_json = tmp_path / "r.json"
    monkeypatch.setattr("sys.argv", ["bench_qa", "--data", str(small), "--noisy", str(noisy), "--json", str(out_json), "--errors", "2"])
    assert bench.main() == 0
    out = capsys.readouterr().out
    assert "== clean" in out and "== noisy" in out and "customer_complaint" in out and "ms/call" in out
    assert out_json.is_file()
    monkeypatch.setattr("sys.argv", ["bench_qa", "--data", str(tmp_path / "nope.yaml")])
    assert bench.main() == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nope.yaml" in err


@pytest.fixture(scope="module")
def results(clean, noisy, rubric):
    """The default rubric scored on both sets once (about 3,250 synthetic calls)."""
    return {"clean": evaluate(clean, rubric), "noisy": evaluate(noisy, rubric)}


# Measured (clean / noised macro precision, recall): 0.80 / 0.73 and 0.79 / 0.61 with the
# nearest-example engine; 0.92 / 0.90 and 0.89 / 0.84 with identity checks that need an ask,
# respelling before embedding, the per-rule classifier (decision: both) and the added phrase
# knowledge; 0.96 / 0.98 and 0.94 / 0.95 with the violation families (buck-passing, contempt
# structures, escalation targets, repeat contact, anger), the badge and closing read by sound,
# semantic exclusions (conditional offers, owning the fault) and written exclamations. The floors
# sit 0.03 under the latest, so a regression fails while the next change has a little room; no
# fatal flag on a hard negative is ever acceptable.
FLOORS = {"clean": (0.93, 0.95), "noisy": (0.91, 0.92)}


@pytest.mark.parametrize("which", ["clean", "noisy"])
def test_engine_holds_its_measured_level(which, results):
    res = results[which]
    assert all(s.covered for s in res.categories.values())
    stats = list(res.categories.values())
    macro_p = sum(s.precision for s in stats) / len(stats)
    macro_r = sum(s.recall for s in stats) / len(stats)
    floor_p, floor_r = FLOORS[which]
    report = {c: (round(s.precision, 2), round(s.recall, 2)) for c, s in res.categories.items()}
    assert macro_p >= floor_p and macro_r >= floor_r, (round(macro_p, 3), round(macro_r, 3), report)
    assert res.fatal_on_hard_negatives == []
    assert res.control_flags == []


def test_engine_meets_issue9_targets_on_clean_text(results):
    assert results["clean"].failures(0.9) == []


@pytest.mark.xfail(strict=True, reason="issue 9 target (>= 0.9 per category) not met yet on the ASR-noised copy: "
                   "missing_survey recall, missing_greeting, agent_negative and customer_anger precision miss it (see "
                   "bench_qa.py); strict, so meeting it turns this into a failure that asks for the mark to go")
def test_engine_meets_issue9_targets_on_noised_text(results):
    assert results["noisy"].failures(0.9) == []
