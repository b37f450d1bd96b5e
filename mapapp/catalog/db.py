"""Database engine, sessions and migrations.

The schema is owned by Alembic (``mapapp/catalog/migrations``); :func:`upgrade`
brings any database, empty or not, to the latest revision. Applications and
tests never call ``create_all``: the migrations are what runs in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from mapapp.catalog.models import Record

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; for SQLite, make the parent folder and enforce foreign keys."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    return engine


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (creates the database file if needed)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def schema_problem(engine: Engine) -> str | None:
    """Why the database cannot be used as it is, in French, or ``None`` when it is at the latest revision.

    Commands that only read (``compute``, ``report``, ``export``, the web) call this
    first, so an empty or outdated data folder says what to run instead of a
    SQLAlchemy traceback; commands that write (imports, ``demo load``) migrate.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    heads = set(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads())
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError as exc:
        return f"Base de données inaccessible ({engine.url.render_as_string(hide_password=True)}) : {exc.orig or exc}"
    if not current:
        return ("La base de données est vide (jamais initialisée) : lancez `mapapp db upgrade`, puis importez un "
                "territoire (`mapapp territory import …`) ou la démonstration (`mapapp demo load`).")
    if current != heads:
        return "La base de données n'est pas à jour : lancez `mapapp db upgrade`."
    return None


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


@event.listens_for(Session, "before_flush")
def _check_records(session: Session, _ctx, _instances) -> None:
    """Run cross-field checks on every new or changed catalog record."""
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Record):
            obj.check()


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls everything back otherwise."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
