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
