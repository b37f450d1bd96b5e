import pytest
from sqlalchemy import inspect

from mapapp.catalog.db import make_engine, upgrade
from mapapp.catalog.models import Base


def test_migrations_build_the_model_schema_on_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    insp = inspect(engine)
    tables = set(insp.get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    # Every model column exists in the migrated schema (migrations and models agree).
    for name, table in Base.metadata.tables.items():
        cols = {c["name"] for c in insp.get_columns(name)}
        assert {c.name for c in table.columns} == cols, name
    upgrade(url)  # a second upgrade is a no-op
    engine.dispose()


def test_models_and_migrations_have_no_pending_difference(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'diff.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def _revisions(url: str) -> list[str]:
    """Every revision id from the first to the head, in upgrade order."""
    from alembic.script import ScriptDirectory

    from mapapp.catalog.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config(url))
    return [rev.revision for rev in reversed(list(script.walk_revisions("base", "heads")))]


def _ladder_down_and_up(url: str) -> None:
    """Each migration's downgrade runs and leaves a schema its upgrade accepts again."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from mapapp.catalog.db import alembic_config

    cfg = alembic_config(url)
    revisions = _revisions(url)
    assert len(revisions) >= 8
    upgrade(url)
    for rev in reversed(revisions):
        command.downgrade(cfg, "-1")
        command.upgrade(cfg, rev)
        command.downgrade(cfg, "-1")
    engine = make_engine(url)
    leftover = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert leftover == set(), f"tables left after downgrading to base: {sorted(leftover)}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_every_downgrade_runs_and_the_schema_comes_back_on_sqlite(tmp_path):
    _ladder_down_and_up(f"sqlite:///{tmp_path / 'ladder.sqlite'}")


@pytest.mark.postgres
def test_every_downgrade_runs_and_the_schema_comes_back_on_postgresql(postgres_url):
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname="postgres",
                         autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS mapapp_migrations")
        conn.execute("CREATE DATABASE mapapp_migrations")
    _ladder_down_and_up(url.set(database="mapapp_migrations").render_as_string(hide_password=False))
