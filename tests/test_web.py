"""Review web page: every permission rule, CSRF, cookies, audio streaming, disputes, audit log."""
from __future__ import annotations

import re
import shutil

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from voiceqa.cli import app as cli_app
from voiceqa.store.db import session_factory
from voiceqa.store.models import AuditLog, Call
from voiceqa.web.app import create_app

pytestmark = pytest.mark.slow
cli = CliRunner()
PASSWORD = "s3cret-pass"


def make_site(root, dev_calls, db: str) -> str:
    """Two scored calls (agent A01 in team 一组 with call_008, agent B07 in team 二组 with call_002)
    and five accounts, in the database at ``db``."""
    day = root / "day"
    day.mkdir()
    shutil.copy(dev_calls / "call_008_stereo.wav", day / "call_008_stereo.wav")
    shutil.copy(dev_calls / "call_002_stereo.wav", day / "call_002_stereo.wav")
    meta = root / "m.csv"
    meta.write_text("file,call_id,agent_id,agent_name,team,customer_number,started_at\n"
                    "call_008_stereo.wav,call_008_stereo,A01,张三,一组,13900000002,2026-11-22 11:00:00\n"
                    "call_002_stereo.wav,call_002_stereo,B07,王五,二组,13800000001,2026-11-22 10:00:00\n", encoding="utf-8")
    assert cli.invoke(cli_app, ["batch", str(day), "--metadata", str(meta), "--db", db]).exit_code == 0
    for args in (["a01", "--role", "agent", "--agent-id", "A01"], ["b07", "--role", "agent", "--agent-id", "B07"],
                 ["sup1", "--role", "supervisor", "--team", "一组"], ["sup2", "--role", "supervisor", "--team", "二组"],
                 ["qa", "--role", "qa"]):
        r = cli.invoke(cli_app, ["users", "add", *args, "--password", PASSWORD, "--db", db])
        assert r.exit_code == 0, r.stdout
    return db


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory, dev_calls, transcriber):
    """The review site in SQLite and in PostgreSQL: every test below runs on both."""
    root = tmp_path_factory.mktemp("web")
    db = f"sqlite:///{root / 'web.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_server").create_database()
    return make_site(root, dev_calls, db)


def client(db) -> TestClient:
    return TestClient(create_app(db, secret="test-secret-" + "x" * 20))


def token(c: TestClient, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).text).group(1)


def login(db, user: str) -> TestClient:
    c = client(db)
    r = c.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token(c)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def test_login_required_and_cookie_flags(site):
    c = client(site)
    assert c.get("/calls", follow_redirects=False).headers["location"] == "/login"
    assert c.get("/calls/call_008_stereo/audio", follow_redirects=False).status_code == 303
    r = c.post("/login", data={"username": "a01", "password": PASSWORD, "csrf_token": token(c)}, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_wrong_password_and_rate_limit(site):
    c = client(site)
    for _ in range(5):
        assert c.post("/login", data={"username": "qa", "password": "nope", "csrf_token": token(c)}).status_code == 401
    r = c.post("/login", data={"username": "qa", "password": PASSWORD, "csrf_token": token(c)})
    assert r.status_code == 429  # even the right password, once locked out


def test_missing_or_wrong_csrf_is_refused(site):
    c = client(site)
    c.get("/login")
    assert c.post("/login", data={"username": "a01", "password": PASSWORD}).status_code == 403
    assert c.post("/login", data={"username": "a01", "password": PASSWORD, "csrf_token": "forged"}).status_code == 403
    a = login(site, "a01")
    flag = _first_flag(site, "call_008_stereo")
    r = a.post(f"/calls/call_008_stereo/flags/{flag}/dispute", data={"comment": "x"})
    assert r.status_code == 403


def test_tampered_cookie_is_not_a_login(site):
    c = login(site, "a01")
    value = c.cookies.get("voiceqa_session")
    c.cookies.clear()
    c.cookies.set("voiceqa_session", value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert c.get("/calls", follow_redirects=False).status_code == 303
    import base64
    import json

    forged = base64.b64encode(json.dumps({"user": "qa"}).encode()).decode() + ".x.y"
    c2 = client(site)
    c2.cookies.set("voiceqa_session", forged)
    assert c2.get("/calls", follow_redirects=False).status_code == 303


def test_agents_see_only_their_own_calls(site):
    a = login(site, "a01")
    page = a.get("/calls").text
    assert "call_008_stereo" in page and "call_002_stereo" not in page
    assert a.get("/calls/call_008_stereo").status_code == 200
    assert a.get("/calls/call_002_stereo").status_code == 404  # another agent's call: 404, not 403
    assert a.get("/calls/call_999").status_code == 404  # same answer for ids that do not exist
    assert a.get("/calls/call_002_stereo/audio").status_code == 404
    assert a.get("/team").status_code == 404


def test_supervisors_see_their_team_qa_sees_all(site):
    s1 = login(site, "sup1")
    assert s1.get("/calls/call_008_stereo").status_code == 200
    assert s1.get("/calls/call_002_stereo").status_code == 404
    assert "A01" in s1.get("/team").text
    q = login(site, "qa")
    text = q.get("/calls").text
    assert "call_008_stereo" in text and "call_002_stereo" in text
    assert q.get("/calls?level=3").status_code == 200 and q.get("/calls?category=forbidden_phrase").status_code == 200


def test_audio_range_requests_and_no_path_from_client(site):
    a = login(site, "a01")
    full = a.get("/calls/call_008_stereo/audio")
    assert full.status_code == 200 and full.headers["accept-ranges"] == "bytes"
    part = a.get("/calls/call_008_stereo/audio", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == full.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(full.content)}"
    tail = a.get("/calls/call_008_stereo/audio", headers={"Range": "bytes=-10"})
    assert tail.content == full.content[-10:]
    assert a.get("/calls/call_008_stereo/audio", headers={"Range": "bytes=99999999-"}).status_code == 416
    for probe in ("/calls/..%2F..%2F..%2Fetc%2Fpasswd/audio", "/calls/%2Fetc%2Fpasswd/audio", "/calls/call_008_stereo/audio/../../../../etc/passwd",
                  "/calls/..%252F..%252Fetc%252Fpasswd/audio"):
        r = a.get(probe)
        assert r.status_code == 404 and b"root:" not in r.content, probe


def test_huge_body_is_rejected(site):
    c = client(site)
    r = c.post("/login", content=b"username=" + b"a" * 2_000_000, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def _first_flag(db, call_id):
    with session_factory(db)() as s:
        call = s.scalar(select(Call).where(Call.call_id == call_id))
        return next(f.id for f in call.flags if f.points < 0)


def test_dispute_then_accept_recomputes_score_with_audit(site):
    flag = _first_flag(site, "call_008_stereo")
    with session_factory(site)() as s:
        before = s.scalar(select(Call.score).where(Call.call_id == "call_008_stereo"))
    a = login(site, "a01")
    page = a.get("/calls/call_008_stereo")
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    # another agent cannot dispute it, and a supervisor cannot file one
    b = login(site, "b07")
    assert b.post(f"/calls/call_008_stereo/flags/{flag}/dispute", data={"comment": "x", "csrf_token": token(b, "/calls")}).status_code == 404
    r = a.post(f"/calls/call_008_stereo/flags/{flag}/dispute", data={"comment": "客户听错了，我没有这样说", "csrf_token": tok}, follow_redirects=False)
    assert r.status_code == 303
    assert "客户听错了" in a.get("/calls/call_008_stereo").text
    assert "/calls/call_008_stereo" in login(site, "sup1").get("/team").text  # open dispute listed for the supervisor
    # the other team's supervisor cannot decide it
    s2 = login(site, "sup2")
    dispute_id = int(re.search(r'/disputes/(\d+)/decide', login(site, "qa").get("/calls/call_008_stereo").text).group(1))
    assert s2.post(f"/disputes/{dispute_id}/decide", data={"decision": "accept", "csrf_token": token(s2, "/calls")}).status_code == 404
    s1 = login(site, "sup1")
    tok = token(s1, "/calls/call_008_stereo")
    assert s1.post(f"/disputes/{dispute_id}/decide", data={"decision": "reject", "csrf_token": tok}).status_code == 400  # reason needed
    r = s1.post(f"/disputes/{dispute_id}/decide", data={"decision": "accept", "reason": "证据不足", "csrf_token": tok}, follow_redirects=False)
    assert r.status_code == 303
    with session_factory(site)() as s:
        call = s.scalar(select(Call).where(Call.call_id == "call_008_stereo"))
        voided = next(f for f in call.flags if f.id == flag)
        assert voided.voided and call.score == min(100, before - voided.points)
        item = next(i for i in call.result["score"]["items"] if i["id"] == voided.item)
        assert item["deducted"] == -sum(f.points for f in call.flags if not f.voided and f.item == item["id"])
        log = [(x.username, x.action) for x in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert ("a01", "dispute") in log and ("sup1", "dispute_accepted") in log
    assert "申诉已采纳" in a.get("/calls/call_008_stereo").text  # the agent sees the outcome


def test_serve_command_builds_the_app(site, monkeypatch):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, log_level: seen.update(app=app, host=host, port=port))
    result = cli.invoke(cli_app, ["serve", "--db", site, "--host", "127.0.0.1", "--port", "8765"])
    assert result.exit_code == 0, result.stdout
    assert seen["port"] == 8765 and TestClient(seen["app"]).get("/login").status_code == 200


def test_users_add_validates(site):
    r = cli.invoke(cli_app, ["users", "add", "x", "--role", "agent", "--password", PASSWORD, "--db", site])
    assert r.exit_code == 2 and "--agent-id" in r.output
    r = cli.invoke(cli_app, ["users", "add", "x", "--role", "qa", "--password", "short", "--db", site])
    assert r.exit_code == 2 and "at least 8" in r.output
    r = cli.invoke(cli_app, ["users", "add", "newqa", "--role", "qa", "--db", site], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert r.exit_code == 0 and "saved" in r.stdout
    login(site, "newqa")
    r = cli.invoke(cli_app, ["users", "add", "newqa", "--role", "agent", "--agent-id", "A01", "--password", "another-pass", "--db", site])
    assert r.exit_code == 2 and "already exists" in r.stderr  # never overwritten silently
    login(site, "newqa")


def test_logout_revokes_a_copied_session_cookie(site):
    a = login(site, "a01")
    copied = a.cookies.get("voiceqa_session")
    assert a.post("/logout", data={"csrf_token": token(a, "/calls")}, follow_redirects=False).status_code == 303
    thief = client(site)
    thief.cookies.set("voiceqa_session", copied)
    assert thief.get("/calls", follow_redirects=False).headers["location"] == "/login"


def test_password_change_ends_sessions(site):
    c = login(site, "b07")
    assert c.get("/calls").status_code == 200
    r = cli.invoke(cli_app, ["users", "add", "b07", "--role", "agent", "--agent-id", "B07", "--password", PASSWORD, "--update", "--db", site])
    assert r.exit_code == 0 and re.search(r"[1-9]\d* web session\(s\) ended", r.stdout), r.output
    assert c.get("/calls", follow_redirects=False).status_code == 303
    login(site, "b07")  # the new password works


def test_team_page_counts_level3_calls(site):
    q = login(site, "qa")
    page = q.get("/team")
    assert page.status_code == 200
    with session_factory(site)() as s:
        l3 = s.scalar(select(Call.warning_level).where(Call.call_id == "call_008_stereo")) == 3
    row = re.search(r"<td>A01</td><td>[^<]*</td><td>(\d+)</td><td>[\d.]+</td><td>(\d+)</td>", page.text)
    assert row and row.group(1) == "1" and row.group(2) == ("1" if l3 else "0")


def test_login_limiter_memory_is_bounded():
    from voiceqa.web.security import LoginLimiter

    limiter = LoginLimiter(attempts=3, window=300, max_keys=100)
    for i in range(5000):
        limiter.failed(f"ip:10.0.{i // 256}.{i % 256}")
    assert len(limiter.failures) <= 100
    for _ in range(3):
        limiter.failed("u:victim")
    assert limiter.blocked("u:victim") and not limiter.blocked("u:someone-else")
    assert all(len(q) <= 3 for q in limiter.failures.values())


def test_secret_file_is_created_private(tmp_path, monkeypatch):
    import os
    import stat

    from voiceqa.web import security

    monkeypatch.delenv("VOICEQA_SECRET", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    modes = []
    real_open = os.open
    monkeypatch.setattr(security.os, "open", lambda path, flags, mode=0o777: modes.append(mode) or real_open(path, flags, mode))
    key = security.secret_key()
    path = tmp_path / "voiceqa" / "secret"
    assert len(key) > 40 and stat.S_IMODE(path.stat().st_mode) == 0o600 and modes == [0o600]
    assert security.secret_key() == key
