"""``voiceqa users``: accounts of the review web page."""
from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from ..errors import VoiceQAError
from .common import db_option, fail

app = typer.Typer(name="users", help="Accounts of the review web page.", no_args_is_help=True)


class UserRole(str, Enum):
    agent = "agent"
    supervisor = "supervisor"
    qa = "qa"


@app.command("add")
def add_user(
    name: str = typer.Argument(...),
    role: UserRole = typer.Option(..., "--role"),
    agent_id: Optional[str] = typer.Option(None, "--agent-id", help="Agents: the agent_id their calls carry."),
    team: Optional[str] = typer.Option(None, "--team", help="Supervisors: the team they see."),
    password: Optional[str] = typer.Option(None, "--password", help="Prompted for when not given (with --update: keep the old one when not given)."),
    update: bool = typer.Option(False, "--update", help="Change an existing account (role, team, password); its web sessions end."),
    db: str = db_option(),
) -> None:
    """Create an account (password hashed with argon2); an existing name is refused unless --update."""
    from sqlalchemy import select, update as sql_update

    from ..store.db import session_factory
    from ..store.models import AuditLog, SessionRow, User
    from ..timeutil import utcnow
    from ..web.security import hash_password

    if role == UserRole.agent and not agent_id:
        raise typer.BadParameter("an agent account needs --agent-id")
    if role == UserRole.supervisor and not team:
        raise typer.BadParameter("a supervisor account needs --team")
    try:
        Session = session_factory(db)
    except VoiceQAError as exc:
        raise fail(exc) from None
    with Session() as s:
        user = s.scalar(select(User).where(User.username == name))
        if user is not None and not update:
            typer.echo(f"error: user {name} already exists (use --update to change it)", err=True)
            raise typer.Exit(2)
        if user is None and update:
            typer.echo(f"error: user {name} does not exist (leave out --update to create it)", err=True)
            raise typer.Exit(2)
    if password is None and user is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if password is not None and len(password) < 8:
        raise typer.BadParameter("password must be at least 8 characters")
    with Session() as s:
        user = s.scalar(select(User).where(User.username == name)) or User(username=name)
        if password is not None:
            user.password_hash = hash_password(password)
        user.role, user.agent_id, user.team = role.value, agent_id, team
        s.add(user)
        ended = 0
        if update:  # a changed account must log in again: its sessions end on the server
            ended = s.execute(sql_update(SessionRow).where(SessionRow.username == name, SessionRow.revoked_at.is_(None))
                              .values(revoked_at=utcnow())).rowcount
            s.add(AuditLog(username="cli", action="user_updated", target=name,
                           detail=f"role={role.value}" + (", password changed" if password is not None else "")))
        else:
            s.add(AuditLog(username="cli", action="user_added", target=name, detail=f"role={role.value}"))
        s.commit()
    typer.echo(f"user {name} ({role.value}) {'updated' if update else 'saved'}" + (f"; {ended} web session(s) ended" if ended else ""))
