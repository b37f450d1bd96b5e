"""The whole application on a real PostgreSQL database (production's engine).

Runs against the session's throwaway cluster (``postgres_url`` in ``tests/conftest.py``); skipped
when the PostgreSQL server binaries or psycopg are missing. One module-scoped environment: migrate,
load the demo (twice), compute, serve pages, dry-run an import, then a moderation round trip on a
second database.
"""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.catalog.models import Base
from mapapp.cli import main
from mapapp.config import load_settings
from tests.env import WEB_ENV

pytestmark = pytest.mark.postgres

#: The catalog and territory tables whose content ``demo load`` owns.
MAIN_TABLES = ["territory", "commune", "grid_unit", "grid_member", "population_point",
               "structure", "site", "offer", "offer_site"]


@pytest.fixture(scope="module")
def pg_env(postgres_url, tmp_path_factory):
    root = tmp_path_factory.mktemp("pg")
    return {"MAPAPP_DATABASE_URL": postgres_url, "MAPAPP_DATA_DIR": str(root / "var"),
            "MAPAPP_DEMO_DIR": str(root / "demo"), **WEB_ENV}


@pytest.fixture(scope="module")
def pg_engine(postgres_url):
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


def cli(env, *args):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of the main tables, in primary-key order (PostgreSQL has no implicit row order)."""
    out = {}
    with engine.connect() as conn:
        for name in MAIN_TABLES:
            table = Base.metadata.tables[name]
            order = list(table.primary_key.columns)
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(table))
                for name, table in Base.metadata.tables.items()}


@pytest.fixture(scope="module")
def migrated(pg_env, pg_engine):
    out = cli(pg_env, "db", "upgrade")
    assert "Base de données à jour" in out
    return pg_engine


def test_migrations_build_the_model_schema_on_an_empty_postgres(migrated, pg_env):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    insp = inspect(migrated)
    tables = set(insp.get_table_names())
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables
    for name, table in Base.metadata.tables.items():
        assert {c.name for c in table.columns} == {c["name"] for c in insp.get_columns(name)}, name
    with migrated.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    cli(pg_env, "db", "upgrade")  # a second upgrade is a no-op


@pytest.fixture(scope="module")
def demo_loaded(migrated, pg_env):
    out = cli(pg_env, "demo", "load")
    return migrated, out


def test_demo_load_twice_changes_nothing(demo_loaded, pg_env):
    engine, _ = demo_loaded
    before_counts, before = counts(engine), dump(engine)
    assert before_counts["commune"] > 0 and before_counts["offer"] > 0 and before_counts["site"] > 0
    out = cli(pg_env, "demo", "load")
    assert "inchangé" in out, out
    assert counts(engine) == before_counts
    assert dump(engine) == before


@pytest.fixture(scope="module")
def computed(demo_loaded, pg_env):
    out = cli(pg_env, "compute", "--mode", "car", "--workers", "1")
    return demo_loaded[0], out


def test_compute_on_postgres(computed):
    _, out = computed
    assert out.strip()


def test_web_pages_on_postgres(computed, pg_env):
    from mapapp.web import create_app

    app = create_app(load_settings(pg_env))
    client = app.test_client()
    for url in ("/", "/carte"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:2000])
    response = client.get("/api/offers?thematique=mobilite")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    offers = response.get_json()["features"]
    assert offers and all(any(t.startswith("mobilite") for t in f["properties"]["thematiques"]) for f in offers)


@pytest.fixture(scope="module")
def sqlite_app(pg_env, tmp_path_factory):
    """The same demo loaded into SQLite (same demo files), to compare what the application serves."""
    from mapapp.web import create_app

    env = {**pg_env, "MAPAPP_DATA_DIR": str(tmp_path_factory.mktemp("sqlite") / "var")}
    del env["MAPAPP_DATABASE_URL"]
    cli(env, "demo", "load", "--no-generate")
    return create_app(load_settings(env))


@pytest.mark.parametrize("url", ["/api/offers?thematique=mobilite", "/api/offers", "/api/sites",
                                 "/api/sites?commune=96001", "/api/communes", "/api/mobility",
                                 "/api/adresses?q=rue%20de%20la", "/api/adresses?q=12%20avenue&n=20"])
def test_api_answers_like_sqlite(computed, pg_env, sqlite_app, url):
    """Same data, same answer, in the same order: nothing depends on the database engine."""
    from mapapp.web import create_app

    pg = create_app(load_settings(pg_env)).test_client().get(url)
    lite = sqlite_app.test_client().get(url)
    assert pg.status_code == lite.status_code == 200, (pg.status_code, pg.get_data(as_text=True)[:1000])
    assert pg.get_json() == lite.get_json()


def test_import_dry_run_writes_nothing(demo_loaded, pg_env, tmp_path):
    engine, _ = demo_loaded
    with engine.connect() as conn:
        code, lon, lat = conn.execute(text(
            "SELECT code, point_lon, point_lat FROM commune WHERE NOT is_buffer ORDER BY code LIMIT 1")).one()
    columns = ["type_fiche", "id", "structure_id", "nom", "kind", "adresse", "commune_code", "lon", "lat",
               "horaires_accueil", "description", "thematiques", "publics", "delivery_mode", "site_ids"]
    rows = [
        {"type_fiche": "structure", "id": "imp--asso", "nom": "Association Coup de main"},
        {"type_fiche": "lieu", "id": "imp--lieu-1", "structure_id": "imp--asso", "nom": "Local de l'association",
         "kind": "partner", "adresse": "3 rue Haute", "commune_code": code, "lon": f"{lon:.5f}",
         "lat": f"{lat:.5f}", "horaires_accueil": "Mo-Fr 09:00-12:00"},
        {"type_fiche": "offre", "id": "imp--offre-1", "structure_id": "imp--asso", "nom": "Aide au CV",
         "description": "Un bénévole vous aide à écrire votre CV.",
         "thematiques": "trouver-un-emploi--convaincre-un-recruteur-en-entretien", "publics": "tous-publics",
         "delivery_mode": "on_site", "site_ids": "imp--lieu-1"},
    ]
    path = write_csv(tmp_path / "import.csv", columns, rows)
    before_counts, before = counts(engine), dump(engine)
    out = cli(pg_env, "import", str(path), "--dry-run")
    assert "offre : 1 à créer" in out and "Aucun problème" in out and "rien n'a été écrit" in out, out
    assert counts(engine) == before_counts
    assert dump(engine) == before

    # A value longer than its column: SQLite would store it, PostgreSQL refuses it (DataError). The
    # import must report the line, not crash, on both engines; a real import writes nothing either.
    rows[1]["adresse"] = "3 rue Haute " + "x" * 300
    path = write_csv(tmp_path / "long.csv", columns, rows)
    for extra in (["--dry-run"], []):
        result = CliRunner().invoke(main, ["import", str(path), *extra], env=pg_env, catch_exceptions=False)
        assert result.exit_code == 1, result.output
        assert "(ligne 3) : site.adresse" in result.output, result.output
    assert counts(engine) == before_counts
    assert dump(engine) == before


def write_csv(path, columns, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, "") for c in columns])
    return path


@pytest.fixture(scope="module")
def contrib_factory(postgres_url):
    """A second database on the same cluster, with the contribution tests' territory, catalog and accounts."""
    from mapapp.catalog.db import upgrade
    from tests.catalog.contrib import load_contrib_data

    admin = make_engine(make_url(postgres_url).set(database="postgres").render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE mapapp_contrib"))
    admin.dispose()
    url = make_url(postgres_url).set(database="mapapp_contrib").render_as_string(hide_password=False)
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    load_contrib_data(factory)
    yield factory, url
    engine.dispose()


def test_partner_moderation_round_trip(contrib_factory, tmp_path):
    from mapapp.catalog import history, moderation
    from mapapp.catalog.db import transaction
    from mapapp.catalog.history import record_to_data
    from mapapp.catalog.models import Site
    from mapapp.catalog.models_users import Revision
    from mapapp.catalog.users import get_user_by_email

    def user(s, name):
        return get_user_by_email(s, f"{name}@example.org")

    factory, url = contrib_factory
    with transaction(factory) as s:
        data = {**record_to_data(s.get(Site, "test--num-1"), "sites"), "nom": "Point numérique de la médiathèque"}
        rev = moderation.save_draft(s, user(s, "ml"), "sites", data)
        moderation.submit(s, user(s, "ml"), rev)
        rev_id = rev.id
    with factory() as s:
        rev = s.get(Revision, rev_id)
        assert rev.status == "submitted"
        assert rev in moderation.visible_revisions(s, user(s, "modo1"))
        assert rev not in moderation.visible_revisions(s, user(s, "modo2"))
    with transaction(factory) as s:
        entry = moderation.publish(s, user(s, "modo1"), s.get(Revision, rev_id), today=dt.date(2026, 11, 20))
        assert entry.changes["nom"] == ["Point numérique 1", "Point numérique de la médiathèque"]
    with factory() as s:
        site = s.get(Site, "test--num-1")
        assert site.nom == "Point numérique de la médiathèque" and site.version == 2
        log = history.history_of(s, "sites", "test--num-1")
        assert [(e.action, e.user_label, e.version) for e in log] == [("update", "modo1@example.org", 2)]
        assert s.get(Revision, rev_id).status == "published"

    # The contributors' spaces render from PostgreSQL too (login writes and reads the session token).
    from mapapp.web import create_app
    from tests.catalog.contrib import logged_in

    app = create_app(load_settings({"MAPAPP_DATABASE_URL": url, "MAPAPP_DATA_DIR": str(tmp_path / "var"),
                                    **WEB_ENV}))
    for name in ("ml", "modo1"):
        client = logged_in(app, name)
        for page in ("/espace/", f"/espace/demande/{rev_id}"):
            response = client.get(page)
            assert response.status_code == 200, (name, page, response.get_data(as_text=True)[:1000])


def test_parallel_failed_logins_get_exactly_five_password_checks(contrib_factory, monkeypatch):
    """The login limit's reservation holds under READ COMMITTED: 30 attempts at once, 5 password checks."""
    import threading

    import mapapp.catalog.users as users
    from mapapp.catalog.users import LoginBlocked, authenticate

    factory, _ = contrib_factory
    from tests.catalog.contrib import count_calls

    checks = count_calls(monkeypatch, users, "check_password_hash")
    outcomes, lock = [], threading.Lock()
    start = threading.Barrier(30)

    def attempt():
        start.wait()
        with factory() as s:
            try:
                outcome = authenticate(s, "fs@example.org", "wrong password", "203.0.113.50")
                s.commit()
            except LoginBlocked:
                outcome = "blocked"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count(None) == 5 and outcomes.count("blocked") == 25
    assert len(checks) == 5


def test_nul_characters_are_refused_not_a_500(demo_loaded, pg_env, tmp_path):
    """PostgreSQL refuses NUL in text: the web layer and the importer refuse it first, in French, with the line."""
    from mapapp.web import create_app

    client = create_app(load_settings(pg_env)).test_client()
    assert client.get("/api/communes/96%0001").status_code == 404
    assert client.get("/api/sites?commune=96%0001").status_code == 400
    assert client.get("/api/communes/96001").status_code == 200
    engine, _ = demo_loaded
    before = counts(engine)
    path = tmp_path / "nul.csv"
    path.write_text("type_fiche;id;nom\nstructure;nul--1;Asso\x00ciation\nstructure;nul--2;Association saine\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(path)], env=pg_env, catch_exceptions=False)
    assert result.exit_code == 1 and "(ligne 2) : caractère nul" in result.output, result.output
    assert counts(engine) == before
