"""Engine, sessions and schema migrations (Alembic, run programmatically on first use).

Every failure to open a database is a :class:`~voiceqa.errors.StorageError` whose message
shows the URL with its password masked."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from ..errors import StorageError
from ..masking import one_line

DEFAULT_URL = "sqlite:///voiceqa.db"
MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the batch's writers
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:  # SQLite migrations rebuild tables: dropping the old copy must not cascade to its children
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (no connection yet); a malformed URL or unknown driver is a StorageError."""
    try:
        parsed = make_url(url)
        engine = create_engine(parsed, future=True, pool_pre_ping=True)
    except Exception as exc:  # ArgumentError, NoSuchModuleError, ImportError of a driver
        raise StorageError(url, f"cannot use this database URL ({one_line(exc)})") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@lru_cache(maxsize=8)
def get_engine(url: str = DEFAULT_URL) -> Engine:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        migrate(engine)
    except Exception as exc:
        engine.dispose()
        raise StorageError(url, f"cannot open the database ({one_line(exc)})") from None
    return engine


def session_factory(url: str = DEFAULT_URL) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)
