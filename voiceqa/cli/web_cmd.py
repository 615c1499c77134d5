"""``voiceqa serve`` and ``voiceqa users add``: the review web page and its accounts."""
from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from ..store.db import DEFAULT_URL

users = typer.Typer(help="Accounts of the review web page.", no_args_is_help=True)


class UserRole(str, Enum):
    agent = "agent"
    supervisor = "supervisor"
    qa = "qa"


@users.command("add")
def add_user(
    name: str = typer.Argument(...),
    role: UserRole = typer.Option(..., "--role"),
    agent_id: Optional[str] = typer.Option(None, "--agent-id", help="Agents: the agent_id their calls carry."),
    team: Optional[str] = typer.Option(None, "--team", help="Supervisors: the team they see."),
    password: Optional[str] = typer.Option(None, "--password", help="Prompted for when not given."),
    db: str = typer.Option(DEFAULT_URL, "--db"),
) -> None:
    """Create or update an account (password hashed with argon2)."""
    from sqlalchemy import select

    from ..store.db import session_factory
    from ..store.models import User
    from ..web.security import hash_password

    if role == UserRole.agent and not agent_id:
        raise typer.BadParameter("an agent account needs --agent-id")
    if role == UserRole.supervisor and not team:
        raise typer.BadParameter("a supervisor account needs --team")
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise typer.BadParameter("password must be at least 8 characters")
    with session_factory(db)() as s:
        user = s.scalar(select(User).where(User.username == name)) or User(username=name)
        user.password_hash, user.role, user.agent_id, user.team = hash_password(password), role.value, agent_id, team
        s.add(user)
        s.commit()
    typer.echo(f"user {name} ({role.value}) saved")


def register(app: typer.Typer) -> None:
    app.add_typer(users, name="users")

    @app.command()
    def serve(
        db: str = typer.Option(DEFAULT_URL, "--db"),
        host: str = typer.Option("127.0.0.1", "--host"),
        port: int = typer.Option(8000, "--port"),
        https_only: bool = typer.Option(False, "--https-only", help="Mark the session cookie Secure (behind HTTPS)."),
    ) -> None:
        """Serve the review web page (agents review and dispute flags, supervisors decide)."""
        import uvicorn

        from ..web.app import create_app

        uvicorn.run(create_app(db, https_only=https_only), host=host, port=port, log_level="info")
