"""``voiceqa rubric calibrate``: thresholds proposed from dispute verdicts on a real SQLite
database built through the real store (``batch --transcripts``, ``file_dispute``,
``decide_dispute``), and its one-line errors."""
from __future__ import annotations

import json
import re

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from voiceqa.cli import app
from voiceqa.qa.rubric import leaf_rules, load_rubric, threshold_for
from voiceqa.store.db import session_factory
from voiceqa.store.models import Call
from voiceqa.store.repo import decide_dispute, file_dispute

cli = CliRunner()

# a small rubric: a deliberately loose semantic refusal rule (it flags ordinary helpful
# sentences too) and a keyword rule (no number to tune)
RUBRIC = """\
# calibration test rubric
name: caltest
version: 1
lexicons: [language.yaml]
semantic:
  encoder: use
  decision: nearest
items:
  - id: refusal
    name: 推诿拒绝
    category: forbidden_phrase
    severity: major
    points: 10
    max_deduction: 30
    role: agent
    rule:
      type: semantic
      label: refusal
      min_similarity: {use: 0.3}   # deliberately loose
      margin: 0.0
      examples:
        - 这个我们办不了
        - 这事你别找我
        - 反正我是处理不了
        - 这个你找别人吧
  - id: rude
    name: 不耐烦
    category: forbidden_phrase
    severity: minor
    points: 5
    role: agent
    rule: {type: keyword, phrases: [烦不烦, 听不懂吗], mode: pinyin}
"""

# (call, the agent's line, verdict on its refusal flag: True accepted = false flag,
#  False rejected = true flag, None not disputed)
LINES = [
    ("c1", "这个我们真的办不了", False),
    ("c2", "我处理不了这个", False),
    ("c3", "这个我帮您查一下", True),
    ("c4", "这个业务我们能办", True),
    ("c5", "您稍等我来处理", True),
    ("c6", "我们这边处理好了", None),
]


def transcript(call_id: str, line: str, rude: bool = False) -> dict:
    lines = [("customer", "你好我想办一下宽带迁移"), ("agent", line), ("customer", "好的谢谢")]
    if rude:
        lines.append(("agent", "你烦不烦啊"))
    turns, t = [], 0.5
    speech: dict[str, list] = {"S0": [], "S1": []}
    for role, text in lines:
        spk = "S0" if role == "agent" else "S1"
        turns.append({"speaker": spk, "role": role, "start": round(t, 2), "end": round(t + 3, 2), "text": text, "confidence": 0.9})
        speech[spk].append([round(t, 2), round(t + 3, 2)])
        t += 3.6
    return {"call_id": call_id, "source": f"{call_id}.wav", "duration": round(t + 0.5, 2), "channels": 2,
            "separation": "stereo", "turns": turns, "models": {"asr": "test"}, "timings": {}, "speech": speech}


def build(root, lines, rude_calls=("c3", "c6"), db: str | None = None) -> tuple:
    """The rubric file and a database of the ``lines`` calls scored through ``batch``, each
    call's refusal flag disputed and decided as its verdict says, and the rude keyword flag of
    ``rude_calls`` disputed (accepted on c3, rejected elsewhere)."""
    rubric = root / "caltest.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    day = root / "day"
    day.mkdir()
    for cid, line, _ in lines:
        (day / f"{cid}.json").write_text(json.dumps(transcript(cid, line, cid in rude_calls), ensure_ascii=False), encoding="utf-8")
    db = db or f"sqlite:///{root / 'qa.db'}"
    r = cli.invoke(app, ["batch", str(day), "--transcripts", "--rubric", str(rubric), "--db", db])
    assert r.exit_code == 0 and f"{len(lines)} scored" in r.stdout, r.output
    with session_factory(db)() as s:
        for cid, _, verdict in lines:
            call = s.scalar(select(Call).where(Call.call_id == f"{cid}.json"))
            refusal = [f for f in call.flags if f.item == "refusal"]
            assert len(refusal) == 1, (cid, [(f.item, f.evidence) for f in call.flags])
            if verdict is not None:
                d = file_dispute(s, call, refusal[0], "a01", "不是推诿")
                s.flush()
                decide_dispute(s, d, call, verdict, "sup1", "同意" if verdict else "录音清楚")
            rude = [f for f in call.flags if f.item == "rude"]
            if rude:
                d = file_dispute(s, call, rude[0], "a01", "客户先骂人")
                s.flush()
                decide_dispute(s, d, call, cid == "c3", "sup1", "")
        s.commit()
    return rubric, db, root


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """Six scored calls with five decided disputes of the refusal flags (three accepted, two
    rejected) and two of the rude keyword flag."""
    return build(tmp_path_factory.mktemp("cal"), LINES)


def run(*args):
    return cli.invoke(app, ["rubric", "calibrate", *map(str, args)])


def refusal_flags(rubric_path, cid: str, line: str) -> int:
    from voiceqa.qa.scorer import ScoringInput

    card = ScoringInput.from_json(transcript(cid, line, cid in ("c3", "c6"))).score(load_rubric(rubric_path))
    return sum(f.item == "refusal" for f in card.flags)


def test_proposal_drops_false_flags_keeps_true_ones(setup, tmp_path):
    rubric, db, _ = setup
    out = tmp_path / "calibrated.yaml"
    r = run(rubric, "--db", db, "--out", out)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert "7 decided disputes (4 accepted = false flags, 3 rejected = true flags) on 6 calls" in lines[0]
    block = "\n".join(lines[lines.index(next(x for x in lines if x.startswith("refusal "))):][:2])
    assert "verdicts 5 (3 accepted, 2 rejected); precision on disputed flags now 0.40 (5 of 5 still raised)" in block
    assert "semantic rule 'refusal' min_similarity (use): 0.3 -> " in block
    assert "drops 3 of 3 false flags, keeps 2 of 2 true flags; precision on disputed flags 0.40 -> 1.00" in block
    # c6's undisputed flag is an ordinary sentence too: the change costs it (reported, not hidden)
    assert "undisputed flags dropped 1 of 1" in block
    rude = next(x for x in lines if x.startswith("rude "))
    assert "verdicts 2 (1 accepted, 1 rejected)" in rude
    assert lines[lines.index(rude) + 1].strip() == "too few verdicts (2 < 5): no proposal"

    # the copy: only the number changed (comment kept), the input untouched, and scoring the
    # calls with it drops the accepted (false) flags and keeps the rejected (true) ones
    assert rubric.read_text(encoding="utf-8") == RUBRIC
    text = out.read_text(encoding="utf-8")
    new = load_rubric(out)
    value = threshold_for(leaf_rules(new.items[0].rule)[0].min_similarity, "use-m3", -1)
    assert 0.3 < value < 1 and f"min_similarity: {{use: {value:g}}}   # deliberately loose" in text
    assert text.replace(f"{value:g}", "0.3", 1) == RUBRIC
    assert f"-> {value:g}:" in block
    for cid, line, verdict in LINES:
        assert refusal_flags(rubric, cid, line) == 1
        assert refusal_flags(out, cid, line) == (1 if verdict is False else 0), (cid, line, verdict)
    # the copy is a rubric `rubric test` can run on
    r = cli.invoke(app, ["rubric", "test", str(out)])
    assert r.exit_code == 0 and "refusal" in r.stdout, r.output


def test_keyword_item_has_no_threshold(setup):
    rubric, db, _ = setup
    r = run(rubric, "--db", db, "--min-verdicts", "2")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    rude = lines.index(next(x for x in lines if x.startswith("rude ")))
    assert lines[rude + 1].strip() == "no threshold: edit phrases (accepted disputes quote: 你烦不烦啊)"


def test_since_and_block_mapping_insert(setup, tmp_path):
    """A rule without the number gets it added under its first key (block mapping), per
    encoder; --since later than every verdict is an error."""
    rubric, db, root = setup
    data = RUBRIC.replace("      min_similarity: {use: 0.3}   # deliberately loose\n", "")
    data = data[:data.index("  - id: rude")]  # an older version had the rude item: its disputes are not counted
    data = data.replace("  decision: nearest\n", "  decision: nearest\n  calibration:\n    use: {min_similarity: 0.3, margin: 0.0}\n")
    loose = tmp_path / "loose.yaml"
    loose.write_text(data, encoding="utf-8")
    out = tmp_path / "sub"
    out.mkdir()
    r = run(loose, "--db", db, "--out", out / "c.yaml")
    assert r.exit_code == 0, r.output
    assert "(2 disputes are about items this rubric no longer has: not counted)" in r.stdout
    assert "rude" not in r.stdout.split("not counted)")[1]
    text = (out / "c.yaml").read_text(encoding="utf-8")
    assert "      type: semantic\n      min_similarity: {use: 0." in text
    assert threshold_for(leaf_rules(load_rubric(out / "c.yaml").items[0].rule)[0].min_similarity, "use-m3", -1) > 0.3
    r = run(loose, "--db", db, "--since", "2999-01-01")
    assert r.exit_code == 2 and r.stderr.strip().endswith("no decided disputes decided since 2999-01-01 on calls scored with rubric 'caltest'"), r.output


def one_line_error(r, code: int, *words: str) -> None:
    assert r.exit_code == code, r.output
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit), r.exception
    err = r.stderr.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in r.output, r.output
    for w in words:
        assert w in err, err


def test_errors(setup, tmp_path):
    rubric, db, _ = setup
    one_line_error(run(rubric, "--db", f"sqlite:///{tmp_path / 'none.db'}"), 2, "none.db", "database file not found")
    assert not (tmp_path / "none.db").exists()  # a read-only command creates no database
    one_line_error(run(rubric, "--db", "nosuchdriver://x/y"), 4, "cannot use this database URL")
    r = run(rubric, "--db", "postgresql+psycopg://u:secret@127.0.0.1:1/x")
    one_line_error(r, 4, "cannot open the database")
    assert "secret" not in r.output
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    from voiceqa.store.db import get_engine

    get_engine(empty)  # a real database with the schema and no calls
    one_line_error(run(rubric, "--db", empty), 2, "no scored calls in this database")
    one_line_error(run(tmp_path / "missing.yaml", "--db", db), 2, "missing.yaml", "rubric file not found")
    one_line_error(run("default", "--db", db), 2, "no calls scored with rubric 'default' (stored: caltest)")
    one_line_error(run(rubric, "--db", db, "--out", rubric), 2, "--out is the input rubric")
    assert rubric.read_text(encoding="utf-8") == RUBRIC
    r = run(rubric, "--db", db, "--since", "yesterday")
    assert r.exit_code == 2 and "not a date" in r.output


def test_no_value_keeps_every_true_flag(tmp_path):
    """When the false flags are closer to the examples than the true ones, no number separates
    them: no proposal, the current value stays (and --out writes an unchanged copy)."""
    lines = [("c1", "这个我们真的办不了", True), ("c3", "这个我帮您查一下", False)]
    rubric, db, _ = build(tmp_path, lines, rude_calls=())
    out = tmp_path / "same.yaml"
    r = run(rubric, "--db", db, "--min-verdicts", "2", "--out", out)
    assert r.exit_code == 0, r.output
    assert ("semantic rule 'refusal' min_similarity (use) 0.3: no proposal, every value that drops a false flag also drops a true one: "
            "keeping the current value") in r.stdout
    assert "wrote" in r.stdout and "(0 proposed values)" in r.stdout
    assert out.read_text(encoding="utf-8") == RUBRIC


GREETING_RUBRIC = """\
name: greettest
version: 1
lexicons: [language.yaml]
semantic: {encoder: use, decision: nearest}
items:
  - id: greeting
    name: 开场白
    category: missing_greeting
    severity: major
    points: 10
    role: agent
    expect: present
    window: {first: 10}
    rule:
      type: semantic
      min_similarity: {use: 0.95}   # too strict: only the examples' own words count
      margin: 0.0
      examples: [您好，很高兴为您服务, 您好，请问有什么可以帮您, 欢迎致电客服热线]
"""


def test_presence_item_threshold_goes_down(tmp_path):
    """A "missing greeting" flag disputed because the agent greeted in other words: the
    proposal lowers the number until those greetings count, and the calls with no greeting
    at all keep their flag."""
    opening = [("g1", "早上好，这里是售后服务中心", True), ("g2", "您好，请问您需要什么帮助", True),
               ("g3", "欢迎致电客户服务中心", True), ("g4", "我们这边处理好了", False), ("g5", "您的包裹明天送达", False)]
    rubric = tmp_path / "greet.yaml"
    rubric.write_text(GREETING_RUBRIC, encoding="utf-8")
    day = tmp_path / "day"
    day.mkdir()
    for cid, line, _ in opening:
        data = transcript(cid, "好的，我帮您看一下")
        data["turns"][0].update(role="agent", speaker="S0", text=line)
        (day / f"{cid}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'qa.db'}"
    r = cli.invoke(app, ["batch", str(day), "--transcripts", "--rubric", str(rubric), "--db", db])
    assert r.exit_code == 0 and "5 scored" in r.stdout, r.output
    with session_factory(db)() as s:
        for cid, _, verdict in opening:
            call = s.scalar(select(Call).where(Call.call_id == f"{cid}.json"))
            flag = next(f for f in call.flags if f.item == "greeting")
            d = file_dispute(s, call, flag, "a01", "说了开场白")
            s.flush()
            decide_dispute(s, d, call, verdict, "sup1", "")
        s.commit()
    out = tmp_path / "out.yaml"
    r = run(rubric, "--db", db, "--out", out)
    assert r.exit_code == 0, r.output
    m = re.search(r"semantic rule #1 min_similarity \(use\): 0.95 -> ([0-9.]+): drops (\d) of 3 false flags, keeps 2 of 2 true flags", r.stdout)
    assert m and int(m[2]) >= 2, r.stdout
    value = threshold_for(leaf_rules(load_rubric(out).items[0].rule)[0].min_similarity, "use-m3", -1)
    assert value == float(m[1]) < 0.95
    from voiceqa.qa.scorer import ScoringInput

    flagged = {}
    for cid, _, _ in opening:
        data = json.loads((day / f"{cid}.json").read_text(encoding="utf-8"))
        flagged[cid] = any(f.item == "greeting" for f in ScoringInput.from_json(data).score(load_rubric(out)).flags)
    assert flagged["g4"] and flagged["g5"]  # no greeting at all: still a true flag
    assert sum(not flagged[c] for c in ("g1", "g2", "g3")) == int(m[2])  # greetings in other words now found


def test_calibrated_text_edits_only_the_numbers(tmp_path):
    """The copy's text: a plain number replaced, a per-encoder entry added to a flow mapping,
    a missing number added to a flow-style rule; comments kept; lexicons next to the input
    rubric named by their absolute path when the copy goes to another folder."""
    from voiceqa.qa.calibrate import Proposal, Tunable, calibrated_text

    src = tmp_path / "src"
    src.mkdir()
    (src / "mine.yaml").write_text("lists: {}\n", encoding="utf-8")
    text = """\
name: t  # top comment
version: 2
lexicons: [mine.yaml, language.yaml]
items:
  - id: a
    rule: {type: similarity, examples: [x], threshold: 0.6}   # keep me
  - id: b
    rule:
      type: any_of
      rules:
        - {type: keyword, phrases: [y]}
        - {type: semantic, examples: [z], min_similarity: {e5: 0.9}}
        - {type: semantic, examples: [w]}
"""

    def prop(leaf, param, key, value, rule_type="semantic"):
        return Proposal(Tunable(leaf, rule_type, param, 0.5, key, 0.05, 0.99), value, "", 1, 1, 1, 1, 1.0)

    props = [("a", prop(0, "threshold", None, 0.72, "similarity")), ("b", prop(1, "min_similarity", "use", 0.55)),
             ("b", prop(2, "min_probability", "use", 0.8))]
    out = calibrated_text(text, props, src, tmp_path)
    assert out == text.replace("threshold: 0.6}", "threshold: 0.72}").replace(
        "min_similarity: {e5: 0.9}}", "min_similarity: {e5: 0.9, use: 0.55}}").replace(
        "examples: [w]}", "examples: [w], min_probability: {use: 0.8}}").replace(
        "[mine.yaml,", f"[{json.dumps(str((src / 'mine.yaml').resolve()))},")
    data = yaml.safe_load(out)
    assert data["items"][1]["rule"]["rules"][2]["min_probability"] == {"use": 0.8}
    assert calibrated_text(text, props, src, src).count("mine.yaml,") == 1  # same folder: names kept


def test_classifier_rules_tune_min_probability(tmp_path):
    from voiceqa.qa.calibrate import tunables

    p = tmp_path / "clf.yaml"
    p.write_text(RUBRIC.replace("decision: nearest", "decision: classifier"), encoding="utf-8")
    rubric = load_rubric(p)
    (t,) = tunables(rubric.items[0], rubric, "use-m3")
    assert (t.param, t.current, t.encoder_key, t.name) == ("min_probability", 0.5, "use", "refusal")
    assert tunables(rubric.items[1], rubric, "use-m3") == []  # keyword: nothing to tune


def test_on_postgresql(tmp_path, postgres_server):
    rubric, db, _ = build(tmp_path, LINES, db=postgres_server.create_database())
    r = run(rubric, "--db", db)
    assert r.exit_code == 0, r.output
    assert "drops 3 of 3 false flags, keeps 2 of 2 true flags; precision on disputed flags 0.40 -> 1.00" in r.stdout
