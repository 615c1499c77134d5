"""Storage as a system of record, on SQLite and PostgreSQL: disputes, verdicts, comments and the
audit log survive rescoring and re-batching; call identity; one scoring rule; migrations;
bad options and secrets. Calls come from synthetic transcripts (``batch --transcripts``)."""
from __future__ import annotations

import json

import pytest
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from voiceqa.cli import app
from voiceqa.qa.rubric import load_rubric
from voiceqa.qa.scorer import score_transcript, totals
from voiceqa.schema import Transcript
from voiceqa.store.db import get_engine, migrate, session_factory
from voiceqa.store.models import Agent, AgentTeam, AuditLog, Call, Dispute, FlagRow
from voiceqa.store.records import CallMeta
from voiceqa.store.repo import decide_dispute, file_dispute, save_call

from .conftest import REPO
from .synthetic import transcript, write_day

cli = CliRunner()
DEFAULT_YAML = (REPO / "voiceqa" / "rubrics" / "default.yaml").read_text(encoding="utf-8")


def rubric_file(tmp_path, name: str, version: int, edit=None):
    p = tmp_path / f"{name}.yaml"
    text = DEFAULT_YAML.replace("version: 1", f"version: {version}")
    if edit is not None:
        edited = edit(text)
        assert edited != text, "the rubric edit no longer matches default.yaml"
        text = edited
    p.write_text(text, encoding="utf-8")
    return p


def lenient_greeting(text: str) -> str:
    """The default rubric with a greeting item any call that offers help passes."""
    data = yaml.safe_load(text)
    for item in data["items"]:
        if item["id"] == "greeting":
            item.pop("window", None)
            item["rule"] = {"type": "keyword", "phrases": ["您好", "你好", "还有什么可以帮您"]}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def batch(args, db) -> str:
    r = cli.invoke(app, ["batch", *map(str, args), "--transcripts", "--db", db])
    assert r.exit_code in (0, 1), r.output
    return r.stdout


def metadata_csv(tmp_path, header: str, *rows: str):
    """A batch metadata CSV (``header`` and ``rows`` comma-separated) in ``tmp_path``."""
    meta = tmp_path / "m.csv"
    meta.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return meta


def call(s, call_id) -> Call:
    return s.scalar(select(Call).where(Call.call_id == call_id))


def flag_of(c: Call, item: str) -> FlagRow:
    return next(f for f in sorted(c.flags, key=lambda f: f.start) if f.item == item and not f.voided)


def snapshot(db):
    """Every dispute with its verdict and comment, and the audit log (as lists of tuples)."""
    with session_factory(db)() as s:
        disputes = [(d.id, d.call_pk, d.item, d.comment, d.status, d.decided_by, d.reason) for d in s.scalars(select(Dispute).order_by(Dispute.id))]
        audit = [(a.id, a.username, a.action, a.target) for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    return disputes, audit


@pytest.fixture()
def disputed(tmp_path, db_url):
    """Four scored calls; on call_0000 (three forbidden phrases, 10 points each, capped at 20)
    an accepted dispute of the first, on call_0001 (no greeting) an open one, on call_0003 a
    rejected one."""
    day = tmp_path / "day"
    day.mkdir()
    for i, bad, greet in ((0, 3, True), (1, 0, False), (2, 0, True), (3, 2, True)):
        (day / f"call_{i:04d}.json").write_text(json.dumps(transcript(i, bad=bad, greeting=greet), ensure_ascii=False), encoding="utf-8")
    assert "4 scored" in batch([day], db_url)
    with session_factory(db_url)() as s:
        c0, c1, c3 = call(s, "call_0000.json"), call(s, "call_0001.json"), call(s, "call_0003.json")
        pts = [f.points for f in sorted(c0.flags, key=lambda f: f.start) if f.item == "forbidden"]
        assert len(pts) >= 3 and pts[:2] == [-10, -10] and set(pts[2:]) == {0}  # capped at 20
        d0 = file_dispute(s, c0, flag_of(c0, "forbidden"), "a01", "客户理解有误")
        d1 = file_dispute(s, c1, flag_of(c1, "greeting"), "a01", "开场白说了，系统没识别")
        d3 = file_dispute(s, c3, flag_of(c3, "forbidden"), "a02", "不认可")
        s.add(AuditLog(username="a01", action="dispute", target="call_0000.json", detail=""))
        s.flush()
        decide_dispute(s, d0, c0, True, "sup1", "同意")
        decide_dispute(s, d3, c3, False, "sup1", "录音清楚")
        s.commit()
        assert c0.score == 75.0  # three flags, cap 20: voiding one still leaves 20 deducted (+5 badge)
    return day, db_url


def test_disputes_survive_rescore_and_rebatch(disputed, tmp_path):
    day, db = disputed
    before = snapshot(db)
    with session_factory(db)() as s:
        score0 = call(s, "call_0000.json").score
    # rescore with a changed rubric (new version, forbidden phrases 15 points each, cap 40)
    v2 = rubric_file(tmp_path, "v2", 2, lambda t: t.replace("    points: 10\n    max_deduction: 20", "    points: 15\n    max_deduction: 40"))
    r = cli.invoke(app, ["rescore", "--rubric", str(v2), "--db", db])
    assert r.exit_code == 0 and "rescored 4 calls" in r.stdout, r.output
    # re-batch with another rubric version: the same call rows are rescored, not replaced
    v3 = rubric_file(tmp_path, "v3", 3)
    assert "4 scored" in batch([day, "--rubric", v3], db)
    assert "0 scored, 4 already scored" in batch([day, "--rubric", v3], db)
    after = snapshot(db)
    assert after[0] == before[0]  # every dispute, verdict and comment kept
    assert after[1][: len(before[1])] == before[1]  # audit rows only ever added
    with session_factory(db)() as s:
        assert s.scalar(select(func.count()).select_from(Call)) == 4
        c0 = call(s, "call_0000.json")
        d0 = s.scalar(select(Dispute).where(Dispute.call_pk == c0.id))
        carried = s.get(FlagRow, d0.flag_id)
        assert carried.call_pk == c0.id and carried.item == "forbidden" and carried.voided  # accepted: still voided
        assert c0.rubric == load_rubric(v3).label and c0.score == score0
        # the score is the scorer's own rule over the live flags
        live = [f.item for f in sorted(c0.flags, key=lambda f: f.start) if not f.voided and f.category != "repeat_call"]
        expect = totals(load_rubric(v3), live)
        assert c0.score == round(expect.total, 2) and c0.passed == expect.passed
        c1 = call(s, "call_0001.json")
        d1 = s.scalar(select(Dispute).where(Dispute.call_pk == c1.id))
        assert d1.status == "open" and s.get(FlagRow, d1.flag_id).item == "greeting" and s.get(FlagRow, d1.flag_id).call_pk == c1.id


def test_dispute_kept_as_history_when_flag_is_no_longer_raised(disputed, tmp_path):
    _, db = disputed
    before = snapshot(db)
    lenient = rubric_file(tmp_path, "lenient", 4, lenient_greeting)
    assert cli.invoke(app, ["rescore", "--rubric", str(lenient), "--db", db]).exit_code == 0
    after = snapshot(db)
    assert after[0] == before[0]
    with session_factory(db)() as s:
        c1 = call(s, "call_0001.json")
        d1 = s.scalar(select(Dispute).where(Dispute.call_pk == c1.id))
        assert d1.flag_id is None and d1.item == "greeting" and d1.comment == "开场白说了，系统没识别"
        assert not any(f.item == "greeting" for f in c1.flags)
        assert s.scalar(select(AuditLog).where(AuditLog.action == "flag_no_longer_raised")) is not None
    # and the history shows on the call page data: back to the old rubric, the flag returns and the dispute follows it
    assert cli.invoke(app, ["rescore", "--rubric", str(rubric_file(tmp_path, "back", 5)), "--db", db]).exit_code == 0
    with session_factory(db)() as s:
        d1 = s.scalar(select(Dispute).where(Dispute.comment == "开场白说了，系统没识别"))
        assert d1.flag_id is None  # history stays history: a later flag is a new finding


def test_accepted_dispute_score_equals_a_rescore(disputed, tmp_path):
    _, db = disputed
    with session_factory(db)() as s:
        c3 = call(s, "call_0003.json")
        n = sum(f.item == "forbidden" for f in c3.flags)
        d = file_dispute(s, c3, flag_of(c3, "forbidden"), "a02", "第二次申诉")
        s.flush()
        decide_dispute(s, d, c3, True, "qa", "")
        s.commit()
        decided = (c3.score, c3.passed, c3.warning_level, c3.result["score"]["items"])
        assert c3.score == 100 - 5 - min(20, 10 * (n - 1))  # the cap holds after voiding one (5: badge)
    assert cli.invoke(app, ["rescore", "--rubric", str(rubric_file(tmp_path, "same", 1)), "--db", db]).exit_code == 0
    with session_factory(db)() as s:
        c3 = call(s, "call_0003.json")
        assert (c3.score, c3.passed, c3.warning_level, c3.result["score"]["items"]) == decided


def test_repeat_call_flags_keep_their_disputes(tmp_path, db_url):
    day = tmp_path / "day"
    write_day(day, 3)
    meta = metadata_csv(tmp_path, "file,agent_id,team,customer_number,started_at", "call_0000.json,A01,一组,13800000001,2026-11-20 09:00:00",
                        "call_0001.json,A01,一组,13800000001,2026-11-21 09:00:00", "call_0002.json,A02,二组,13900000009,2026-11-21 10:00:00")
    assert "2 repeat calls" in batch([day, "--metadata", meta], db_url)
    with session_factory(db_url)() as s:
        c = call(s, "call_0001.json")
        rf = next(f for f in c.flags if f.category == "repeat_call")
        d = file_dispute(s, c, rf, "a01", "不是同一个客户")
        s.commit()
        did, fid = d.id, rf.id
    v2 = rubric_file(tmp_path, "v2", 2)
    batch([day, "--metadata", meta, "--rubric", v2], db_url)
    assert cli.invoke(app, ["rescore", "--rubric", str(v2), "--db", db_url]).exit_code == 0
    with session_factory(db_url)() as s:
        assert s.get(Dispute, did).flag_id == fid and s.get(FlagRow, fid).category == "repeat_call"
    # the other call moves out of the window: the flag goes, the dispute stays as history
    meta.write_text(meta.read_text(encoding="utf-8").replace("2026-11-20 09:00:00", "2026-10-01 09:00:00"), encoding="utf-8")
    (day / "call_0000.json").write_text((day / "call_0000.json").read_text(encoding="utf-8") + " ", encoding="utf-8")
    batch([day, "--metadata", meta, "--rubric", v2], db_url)
    with session_factory(db_url)() as s:
        d = s.get(Dispute, did)
        assert d.flag_id is None and d.comment == "不是同一个客户" and d.category == "repeat_call"
        assert not call(s, "call_0001.json").repeat_call


def test_call_identity_paths_collisions_and_reruns(tmp_path, db_url):
    root = tmp_path / "calls"
    for sub, i in (("day1", 1), ("day2", 2)):
        (root / sub).mkdir(parents=True)
        (root / sub / "rec.json").write_text(json.dumps(transcript(i), ensure_ascii=False), encoding="utf-8")
    (root / "day1" / "rec.JSON").write_text(json.dumps(transcript(3), ensure_ascii=False), encoding="utf-8")
    out = batch([root], db_url)
    assert "3 scored" in out, out
    again = batch([root], db_url)
    assert "0 scored, 3 already scored" in again
    with session_factory(db_url)() as s:
        assert sorted(s.scalars(select(Call.call_id))) == ["day1/rec.JSON", "day1/rec.json", "day2/rec.json"]
    # each folder given on its own: both files are "rec.json" relative to their folder -> the
    # second is a collision with the first stored one (a different recording): reported, not merged
    out = batch([root / "day1" / "rec.json", root / "day2" / "rec.json"], db_url)
    assert "failed: " in out and "already belongs to" in out and "give one of them its own call_id" in out
    # a metadata call_id wins over the path; the same id for two different files is a collision
    meta = metadata_csv(tmp_path, "file,call_id", "day1/rec.json,C-1", "day2/rec.json,C-1")
    out = batch([root, "--metadata", meta], db_url)
    assert "0 scored, 2 already scored, 1 failed" in out and out.count("already belongs to") == 1 and "'C-1'" in out, out
    with session_factory(db_url)() as s:  # the stored call took its metadata id (kept its row, not scored again)
        assert sorted(s.scalars(select(Call.call_id))) == ["C-1", "day1/rec.JSON", "day2/rec.json"]
        assert s.scalar(select(Call.source).where(Call.call_id == "C-1")).endswith("day1/rec.json")


def test_agent_team_follows_latest_metadata_with_history(tmp_path, db_url):
    day = tmp_path / "day"
    write_day(day, 3)
    meta = metadata_csv(tmp_path, "file,agent_id,agent_name,team,started_at", "call_0000.json,A01,张三,一组,2026-11-20 09:00:00",
                        "call_0001.json,A01,张三,二组,2026-11-22 09:00:00", "call_0002.json,A01,张三,一组,2026-11-21 09:00:00")
    batch([day, "--metadata", meta], db_url)
    with session_factory(db_url)() as s:
        assert s.get(Agent, "A01").team == "二组"  # the latest call's team, whatever the file order
        history = sorted((h.team, str(h.since)) for h in s.scalars(select(AgentTeam).where(AgentTeam.agent_id == "A01")))
        assert ("一组", "2026-11-20 09:00:00") in history and ("二组", "2026-11-22 09:00:00") in history


def test_upgrade_from_previous_head_keeps_disputes(tmp_path, db_url):
    """A database created at revision 0002 (before this change) with a disputed flag: the
    upgrade copies the flag into the dispute, and a rescore then keeps it."""
    engine = create_engine(db_url)
    migrate(engine, "0002")
    card = transcript(7, bad=1)
    with engine.begin() as conn:
        conn.execute(text("insert into calls (call_id, source, content_hash, rubric, model, duration, channels, separation, score, passed,"
                          " warning_level, complaint_risk, emotion_customer, emotion_agent, repeat_call, transcript, result, scored_at)"
                          " values ('old', '/x/old.wav', 'h', 'default@1', 'm', 30, 2, 'stereo', 85, true, 2, 0, 'neutral', 'neutral',"
                          " false, :tr, :res, '2026-11-01 10:00:00')"),
                     {"tr": json.dumps(card), "res": json.dumps({"score": {"total": 85, "max": 100, "pass_mark": 80, "items": []},
                                                                 "emotion": {"complaint_risk": 0}, "warning_level": 2})})
        pk = conn.execute(text("select id from calls")).scalar()
        bad_turn = next(t for t in card["turns"] if "不清楚" in t["text"] or "没办法" in t["text"])
        conn.execute(text("insert into flags (call_pk, rule, category, severity, role, start, \"end\", evidence, points, voided)"
                          " values (:pk, 'forbidden.buqingchu', 'forbidden_phrase', 'major', 'agent', :s, :e, 'x', -10, true)"),
                     {"pk": pk, "s": bad_turn["start"], "e": bad_turn["end"]})
        fid = conn.execute(text("select id from flags")).scalar()
        conn.execute(text("insert into disputes (flag_id, call_pk, filed_by, comment, status, decided_by, reason, filed_at)"
                          " values (:f, :pk, 'a01', '旧申诉', 'accepted', 'sup1', 'ok', '2026-11-02 10:00:00')"), {"f": fid, "pk": pk})
        conn.execute(text("insert into audit_log (at, username, action, target, detail) values ('2026-11-02 10:00:00', 'sup1', 'dispute_accepted', 'old', '')"))
    engine.dispose()
    get_engine(db_url)  # upgrades to head
    with session_factory(db_url)() as s:
        d = s.scalar(select(Dispute))
        assert (d.item, d.rule, d.category, d.flag_id) == ("forbidden", "forbidden.buqingchu", "forbidden_phrase", fid)
        assert s.get(FlagRow, fid).item == "forbidden"
    assert cli.invoke(app, ["rescore", "--rubric", str(rubric_file(tmp_path, "v2", 2)), "--db", db_url]).exit_code == 0
    with session_factory(db_url)() as s:
        d = s.scalar(select(Dispute))
        new = s.get(FlagRow, d.flag_id)
        assert d.comment == "旧申诉" and d.status == "accepted" and new.item == "forbidden" and new.voided
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "dispute_accepted")) == 1


def alembic_downgrade(engine, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from voiceqa.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


def test_upgrade_0004_keeps_only_the_transcript_in_calls_transcript(tmp_path, db_url):
    """A call stored at 0003 kept the whole unredacted scorecard in ``calls.transcript``; 0004
    keeps the transcript and what scoring measured, a rescore gives the same score, and the
    downgrade puts the results back from ``calls.result`` and the flags table."""
    engine = create_engine(db_url)
    migrate(engine, "0003")
    rubric = load_rubric(None)
    data = transcript(5, bad=1)
    data["turns"][1]["text"] = "我的手机号是13912345678"
    card = score_transcript(Transcript.from_dict(data), rubric)
    with Session(engine) as s:  # as 0003's code stored it: the whole card, unredacted
        save_call(s, CallMeta("old"), "/x/old.json", "h", "m", card.to_dict(redact=False), card.to_dict(redact=True), None, rubric)
    engine.dispose()
    get_engine(db_url)  # upgrades to head
    with session_factory(db_url)() as s:
        old = call(s, "old")
        assert set(old.transcript) == set(card.scoring_input())  # the transcript's keys + acoustics: no flags, score, ...
        assert old.transcript["turns"][1]["text"] == "我的手机号是13912345678"  # unredacted, for rescoring
        assert "13912345678" not in old.turns[1].text and old.score == card.total and any(f.item == "forbidden" for f in old.flags)
    assert cli.invoke(app, ["rescore", "--rubric", str(rubric_file(tmp_path, "v2", 2)), "--db", db_url]).exit_code == 0
    with session_factory(db_url)() as s:
        old = call(s, "old")
        assert old.score == card.total and set(old.transcript) == set(card.scoring_input())
        n_flags = len(old.flags)
    engine = create_engine(db_url)
    alembic_downgrade(engine, "0003")
    with engine.connect() as conn:
        stored = conn.execute(select(Call.__table__.c.transcript)).scalar()
    engine.dispose()
    assert stored["score"]["total"] == card.total and stored["warning_level"] == card.warning_level
    assert len(stored["flags"]) == n_flags and {f["rule"] for f in stored["flags"]} == {f.rule for f in card.flags}
    assert {(f["item"], f["rule"]) for f in stored["flags"]} == {(f.item, f.rule) for f in card.flags}
    assert stored["turns"][1]["text"] == "我的手机号是13912345678"


def test_a_value_too_long_fails_only_that_call(tmp_path, db_url):
    day = tmp_path / "day"
    write_day(day, 4)
    meta = metadata_csv(tmp_path, "file,agent_id,agent_name", "call_0001.json,A01," + "名" * 300)
    r = cli.invoke(app, ["batch", str(day), "--transcripts", "--metadata", str(meta), "--db", db_url])
    with session_factory(db_url)() as s:
        stored = sorted(s.scalars(select(Call.call_id)))
    if db_url.startswith("postgresql"):  # PostgreSQL enforces VARCHAR(200); SQLite stores it
        assert r.exit_code == 1 and "3 scored" in r.stdout and "1 failed" in r.stdout, r.output
        line = next(x for x in r.stdout.splitlines() if x.startswith("failed:"))
        assert "call_0001.json" in line and "database error" in line and "too long" in line
        assert stored == ["call_0000.json", "call_0002.json", "call_0003.json"]
    else:
        assert r.exit_code == 0 and len(stored) == 4


def test_bad_options_fail_before_work_with_one_line(tmp_path):
    day = tmp_path / "day"
    write_day(day, 2)
    db_file = tmp_path / "qa.db"
    r = cli.invoke(app, ["batch", str(day), "--transcripts", "--name-pattern", "(?P<agent_id", "--db", f"sqlite:///{db_file}"])
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "--name-pattern" in r.stderr and "Traceback" not in r.output
    assert not db_file.exists()  # nothing started
    for bad in ("tcp://127.0.0.1:1", "nonsense:::"):
        r = cli.invoke(app, ["batch", str(day), "--transcripts", "--scheduler", bad, "--db", f"sqlite:///{tmp_path / 's.db'}"])
        assert r.exit_code == 2 and r.stderr.startswith("error: --scheduler: ") and r.stderr.count("\n") == 1, r.output
    for url in ("nosuchdb://user:secret@host/x", "postgresql+psycopg://qa:secret@127.0.0.1:1/qa", "sqlite:////nonexistent-dir/x/qa.db"):
        for cmd in (["calls", "--db", url], ["batch", str(day), "--transcripts", "--db", url], ["rescore", "--rubric",
                    str(REPO / "voiceqa" / "rubrics" / "default.yaml"), "--db", url], ["users", "add", "u1", "--role", "qa", "--password",
                    "long-enough", "--db", url], ["report", "--out", str(tmp_path / "r.html"), "--db", url]):
            r = cli.invoke(app, cmd)
            assert r.exit_code == 4, (cmd, r.output)
            assert "secret" not in r.output and "Traceback" not in r.output and r.stderr.count("\n") == 1, (cmd, r.output)
            assert r.stderr.startswith("error: ") and url.split("://")[0] in r.stderr


def test_users_add_refuses_existing_name_unless_update(tmp_path, db_url):
    add = ["users", "add", "qa1", "--role", "qa", "--db", db_url]
    assert cli.invoke(app, [*add, "--password", "first-pass"]).exit_code == 0
    r = cli.invoke(app, ["users", "add", "qa1", "--role", "agent", "--agent-id", "A9", "--password", "other-pass", "--db", db_url])
    assert r.exit_code == 2 and "already exists" in r.stderr and "--update" in r.stderr
    r = cli.invoke(app, ["users", "add", "nobody", "--role", "qa", "--update", "--password", "other-pass", "--db", db_url])
    assert r.exit_code == 2 and "does not exist" in r.stderr
    r = cli.invoke(app, [*add, "--update"])  # role change without a new password keeps the old one
    assert r.exit_code == 0 and "updated" in r.stdout
    from voiceqa.store.models import User
    from voiceqa.web.security import verify_password

    with session_factory(db_url)() as s:
        u = s.scalar(select(User).where(User.username == "qa1"))
        assert verify_password(u.password_hash, "first-pass")
        assert [a.action for a in s.scalars(select(AuditLog).where(AuditLog.target == "qa1").order_by(AuditLog.id))] == ["user_added", "user_updated"]


def test_same_scores_on_sqlite_and_postgresql(tmp_path, postgres_server):
    day = tmp_path / "day"
    write_day(day, 30, corrupt=2)
    urls = (f"sqlite:///{tmp_path / 'qa.db'}", postgres_server.create_database())
    out = {}
    for url in urls:
        assert "28 scored" in batch([day], url)
        with session_factory(url)() as s:
            c = call(s, "call_0000.json")
            d = file_dispute(s, c, flag_of(c, "forbidden"), "a01", "x")
            s.flush()
            decide_dispute(s, d, c, True, "sup1", "")
            s.commit()
            out[url] = sorted((c.call_id, c.score, c.passed, c.warning_level, json.dumps(c.result["score"], sort_keys=True),
                               tuple(sorted((f.item, f.start, f.points, f.voided) for f in c.flags)))
                              for c in s.scalars(select(Call)))
    assert out[urls[0]] == out[urls[1]] and len(out[urls[0]]) == 28


def test_report_and_calls_filters_on_both_databases(tmp_path, db_url):
    day = tmp_path / "day"
    write_day(day, 6)
    meta = metadata_csv(tmp_path, "file,agent_id,agent_name,team,customer_number,started_at,queue", *(
        f"call_{i:04d}.json,A0{i % 2},坐席{i % 2},一组,1380000000{i % 3},2026-11-2{i % 3} 09:0{i}:00,q{i % 2}" for i in range(6)))
    batch([day, "--metadata", meta], db_url)
    for fmt in ("html", "xlsx", "csv"):
        r = cli.invoke(app, ["report", "--db", db_url, "--from", "2026-11-20", "--to", "2026-11-22", "--team", "一组",
                             "--out", str(tmp_path / f"r.{fmt}")])
        assert r.exit_code == 0 and "6 calls" in r.stdout, r.output
    listed = json.loads(cli.invoke(app, ["calls", "--db", db_url, "--json", "--category", "forbidden_phrase", "--date", "2026-11-20"]).stdout)
    assert {c["call_id"] for c in listed} == {"call_0000.json", "call_0003.json"}


def test_web_pages_for_path_identities_and_transcript_calls(tmp_path, db_url):
    """Call ids with folders (day1/rec.json) route to their page; a call scored from a
    transcript never streams the transcript file (unmasked text) as its audio."""
    import re

    from fastapi.testclient import TestClient

    from voiceqa.web.app import create_app

    (tmp_path / "calls" / "day1").mkdir(parents=True)
    (tmp_path / "calls" / "day1" / "rec.json").write_text(json.dumps(transcript(1, bad=1), ensure_ascii=False), encoding="utf-8")
    batch([tmp_path / "calls"], db_url)
    assert cli.invoke(app, ["users", "add", "qa", "--role", "qa", "--password", "long-enough", "--db", db_url]).exit_code == 0
    c = TestClient(create_app(db_url, secret="s" * 32))
    tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    c.post("/login", data={"username": "qa", "password": "long-enough", "csrf_token": tok})
    assert 'href="/calls/day1/rec.json"' in c.get("/calls").text
    page = c.get("/calls/day1/rec.json")
    assert page.status_code == 200 and "day1/rec.json" in page.text
    assert c.get("/calls/day1/rec.json/audio").status_code == 404


def test_call_page_shows_review_items_with_where_to_listen(tmp_path, db_url):
    """An item left to a human shows 待复核, why (the note) and a link that plays the call from
    where to listen (``at``)."""
    import re

    from fastapi.testclient import TestClient

    from voiceqa.web.app import create_app

    data = transcript(5)
    data["turns"][0].update(text="嗯那个喂喂帮")  # the opening, garbled and recognised doubtfully
    for t in data["turns"]:
        if t["role"] == "agent" and t["start"] < 15:
            t["confidence"] = 0.2
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "doubt.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    batch([tmp_path / "calls"], db_url)
    assert cli.invoke(app, ["users", "add", "qa", "--role", "qa", "--password", "long-enough", "--db", db_url]).exit_code == 0
    c = TestClient(create_app(db_url, secret="s" * 32))
    tok = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    c.post("/login", data={"username": "qa", "password": "long-enough", "csrf_token": tok})
    page = c.get("/calls/doubt.json").text
    assert "待复核" in page and 'class="seek review-at" data-t="0.5"' in page and "识别置信度低" in page

