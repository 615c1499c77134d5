"""FastAPI app: server-rendered pages (Jinja2) over the batch storage."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session
from starlette.middleware.sessions import SessionMiddleware

from ..batch.inputs import AUDIO_EXTENSIONS
from ..qa.categories import CATEGORIES, category_name
from ..schema import ROLE_LABELS
from ..store.db import DEFAULT_URL, session_factory
from ..store.models import Agent, AuditLog, Call, Dispute, FlagRow, SessionRow, User
from ..store.repo import decide_dispute, file_dispute, flagged, on_days
from ..timeutil import utcnow
from .access import can_decide, get_visible_call, visible_calls
from .security import BodyLimit, LoginLimiter, csrf_ok, csrf_token, new_session_token, secret_key, session_digest, verify_password

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
STATUS_NAMES = {"open": "待处理", "accepted": "已采纳", "rejected": "已驳回"}
SESSION_HOURS = 12


class NotLoggedIn(Exception):
    pass


def create_app(db_url: str = DEFAULT_URL, secret: str | None = None, https_only: bool = False) -> FastAPI:
    app = FastAPI(title="voiceqa review", docs_url=None, redoc_url=None, openapi_url=None)
    Session_ = session_factory(db_url)
    limiter = LoginLimiter()
    app.add_middleware(SessionMiddleware, secret_key=secret or secret_key(), session_cookie="voiceqa_session",
                       same_site="strict", https_only=https_only, max_age=SESSION_HOURS * 3600)
    app.add_middleware(BodyLimit, limit=64 * 1024)
    TEMPLATES.env.globals.update(cat=category_name, role_name=lambda r: ROLE_LABELS.get(r, r),
                                 status_name=lambda s: STATUS_NAMES.get(s, s))

    def db():
        with Session_() as s:
            yield s

    def current_user(request: Request, s: Session = Depends(db)) -> User:
        """The user of a live server-side session: the signed cookie alone is not enough
        (logout and password changes revoke the session row)."""
        token = request.session.get("sid")
        row = s.get(SessionRow, session_digest(token)) if isinstance(token, str) else None
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
            request.session.clear()
            raise NotLoggedIn()
        user = s.scalar(select(User).where(User.username == row.username))
        if user is None:
            raise NotLoggedIn()
        return user

    def audit(s: Session, user: str, action: str, target: str, detail: str = "") -> None:
        s.add(AuditLog(username=user, action=action, target=target, detail=detail))

    def render(request: Request, name: str, status: int = 200, **ctx) -> HTMLResponse:
        ctx.update(request=request, csrf=csrf_token(request.session), me=ctx.get("me"))
        return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status)

    def check_csrf(request: Request, token: Optional[str]) -> None:
        if not csrf_ok(request.session, token):
            raise HTTPException(status_code=403, detail="CSRF token missing or wrong")

    @app.exception_handler(NotLoggedIn)
    async def _login_first(request: Request, exc: NotLoggedIn):
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(404)
    async def _not_found(request: Request, exc):
        return HTMLResponse("<!doctype html><meta charset=utf-8><title>404</title><h1>404 找不到该页面</h1>", status_code=404)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request):
        return render(request, "login.html")

    @app.post("/login")
    def login(request: Request, username: str = Form(...), password: str = Form(...), csrf_token: Optional[str] = Form(None),
              s: Session = Depends(db)):
        check_csrf(request, csrf_token)
        ip = request.client.host if request.client else "?"
        if limiter.blocked(f"u:{username}", f"ip:{ip}"):
            return render(request, "login.html", status=429, error="登录失败次数过多，请五分钟后再试。")
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not verify_password(user.password_hash, password):
            limiter.failed(f"u:{username}", f"ip:{ip}")
            audit(s, username, "login_failed", ip)
            s.commit()
            return render(request, "login.html", status=401, error="用户名或密码错误。")
        request.session.clear()  # new session on login: no fixation, fresh CSRF token
        token, digest = new_session_token()
        now = utcnow()
        s.execute(delete(SessionRow).where(SessionRow.expires_at < now - dt.timedelta(days=1)))  # keep the table small
        s.add(SessionRow(id=digest, username=user.username, created_at=now, expires_at=now + dt.timedelta(hours=SESSION_HOURS),
                         client=ip[:100]))
        request.session["sid"] = token
        audit(s, user.username, "login", ip)
        s.commit()
        return RedirectResponse("/calls", status_code=303)

    @app.post("/logout")
    def logout(request: Request, csrf_token: Optional[str] = Form(None), s: Session = Depends(db)):
        check_csrf(request, csrf_token)
        token = request.session.get("sid")
        if isinstance(token, str):
            s.execute(update(SessionRow).where(SessionRow.id == session_digest(token), SessionRow.revoked_at.is_(None))
                      .values(revoked_at=utcnow()))
            s.commit()
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/")
    def home():
        return RedirectResponse("/calls", status_code=303)

    @app.get("/calls", response_class=HTMLResponse)
    def calls(request: Request, date: Optional[str] = None, level: Optional[str] = None, category: Optional[str] = None,
              disputed: Optional[str] = None, me: User = Depends(current_user), s: Session = Depends(db)):
        stmt = visible_calls(me)
        if date:
            try:
                day = dt.date.fromisoformat(date)
            except ValueError:
                raise HTTPException(status_code=400, detail="bad date") from None
            stmt = stmt.where(on_days(Call.started_at, day))
        if level and level.isdigit():
            stmt = stmt.where(Call.warning_level >= int(level))
        if category:
            stmt = stmt.where(flagged(category))
        if disputed:
            stmt = stmt.where(Call.id.in_(select(Dispute.call_pk)))
        rows = s.scalars(stmt.order_by(Call.started_at.desc().nulls_last(), Call.call_id).limit(500)).all()
        open_disputes = {pk for (pk,) in s.execute(select(Dispute.call_pk).where(Dispute.status == "open"))}
        return render(request, "calls.html", me=me, calls=rows, open_disputes=open_disputes,
                      filters={"date": date or "", "level": level or "", "category": category or "", "disputed": disputed or ""},
                      categories=sorted(CATEGORIES))

    @app.get("/calls/{call_id:path}/audio")
    def call_audio(request: Request, call_id: str, me: User = Depends(current_user), s: Session = Depends(db)) -> Response:
        call = get_visible_call(s, me, call_id)
        if call is None:
            raise HTTPException(status_code=404)
        path = Path(call.source)
        if path.suffix.lower() not in AUDIO_EXTENSIONS:  # scored from a transcript: its recording, if still there
            path = Path(str(call.transcript.get("source") or ""))
        if path.suffix.lower() not in AUDIO_EXTENSIONS or not path.is_file():  # never a transcript (unmasked text)
            raise HTTPException(status_code=404)
        media = "audio/wav" if path.suffix.lower() == ".wav" else None
        return FileResponse(path, media_type=media, headers={"Cache-Control": "private, max-age=3600"})

    @app.post("/calls/{call_id:path}/flags/{flag_id}/dispute")
    def dispute(request: Request, call_id: str, flag_id: int, comment: str = Form(...), csrf_token: Optional[str] = Form(None),
                me: User = Depends(current_user), s: Session = Depends(db)):
        check_csrf(request, csrf_token)
        call = get_visible_call(s, me, call_id)
        flag = s.get(FlagRow, flag_id)
        if call is None or flag is None or flag.call_pk != call.id or me.role != "agent":
            raise HTTPException(status_code=404)
        if not comment.strip():
            raise HTTPException(status_code=400, detail="申诉理由不能为空")
        if s.scalar(select(Dispute).where(Dispute.flag_id == flag.id, Dispute.status == "open")) is None:
            file_dispute(s, call, flag, me.username, comment.strip()[:2000])
            audit(s, me.username, "dispute", f"{call.call_id}#{flag.id}", comment.strip()[:200])
            s.commit()
        return RedirectResponse(f"/calls/{quote(call.call_id)}#flag-{flag.id}", status_code=303)

    @app.get("/calls/{call_id:path}", response_class=HTMLResponse)
    def call_page(request: Request, call_id: str, me: User = Depends(current_user), s: Session = Depends(db)):
        call = get_visible_call(s, me, call_id)
        if call is None:
            raise HTTPException(status_code=404)
        disputes = s.scalars(select(Dispute).where(Dispute.call_pk == call.id).order_by(Dispute.filed_at, Dispute.id)).all()
        by_flag = defaultdict(list)
        for d in disputes:
            by_flag[d.flag_id].append(d)
        history = [d for d in disputes if d.flag_id is None]  # their flag is no longer raised
        return render(request, "call.html", me=me, call=call, disputes=disputes, by_flag=by_flag, history=history,
                      items=call.result.get("score", {}).get("items", []), can_decide=can_decide(me),
                      is_own=me.role == "agent" and me.agent_id == call.agent_id)

    @app.post("/disputes/{dispute_id}/decide")
    def decide(request: Request, dispute_id: int, decision: str = Form(...), reason: str = Form(""),
               csrf_token: Optional[str] = Form(None), me: User = Depends(current_user), s: Session = Depends(db)):
        check_csrf(request, csrf_token)
        d = s.get(Dispute, dispute_id)
        call = s.get(Call, d.call_pk) if d else None
        if d is None or call is None or get_visible_call(s, me, call.call_id) is None or not can_decide(me):
            raise HTTPException(status_code=404)
        if d.status != "open" or decision not in ("accept", "reject"):
            raise HTTPException(status_code=400, detail="该申诉已处理或决定无效")
        if decision == "reject" and not reason.strip():
            raise HTTPException(status_code=400, detail="驳回需要填写理由")
        before = call.score
        decide_dispute(s, d, call, decision == "accept", me.username, reason.strip()[:2000])
        if decision == "accept":
            audit(s, me.username, "dispute_accepted", f"{call.call_id}#{d.flag_id}", f"score {before:g} -> {call.score:g}")
        else:
            audit(s, me.username, "dispute_rejected", f"{call.call_id}#{d.flag_id}", reason.strip()[:200])
        s.commit()
        return RedirectResponse(f"/calls/{quote(call.call_id)}", status_code=303)

    @app.get("/team", response_class=HTMLResponse)
    def team(request: Request, me: User = Depends(current_user), s: Session = Depends(db)):
        if not can_decide(me):
            raise HTTPException(status_code=404)
        sub = visible_calls(me).subquery()
        stats = s.execute(select(sub.c.agent_id, func.count(), func.avg(sub.c.score), func.sum(case((sub.c.warning_level == 3, 1), else_=0)))
                          .group_by(sub.c.agent_id).order_by(sub.c.agent_id)).all()
        names = {a.agent_id: a.name for a in s.scalars(select(Agent))}
        open_d = s.execute(select(Dispute, Call).join(Call, Call.id == Dispute.call_pk).where(
            Dispute.status == "open", Call.id.in_(select(sub.c.id))).order_by(Dispute.filed_at)).all()
        return render(request, "team.html", me=me, stats=stats, names=names, open_disputes=open_d)

    return app
