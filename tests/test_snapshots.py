"""Dated snapshots on a copy of the computed demo (issue 16 §1–2, §4).

The copy (database and results; the graph cache shared) is changed by the tests, never the
session's demo. « Done when »: a snapshot rebuilt from the history equals the snapshot taken at
that date; the report's evolution section is read back from the PDF.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mapapp.catalog.db import make_engine, make_sessionmaker, transaction
from mapapp.config import load_settings
from mapapp.snapshots import (SnapshotError, get_snapshot, list_snapshots, monthly_snapshot, policy,
                              rebuild_snapshot, snapshots_root, take_snapshot)

YESTERDAY = dt.date.today() - dt.timedelta(days=1)
JANUARY = dt.date(2026, 1, 1)  # inside the demo's year of history (which ends on 31 October 2026)
TABLES = ("communes", "commune_bands", "territories", "territory_bands", "sites", "site_communes")
CLOSED_SITE = "demo--site-0001"


@pytest.fixture(scope="module")
def copy_env(demo_computed, tmp_path_factory):
    env, _ = demo_computed
    source = Path(env["MAPAPP_DATA_DIR"])
    target = tmp_path_factory.mktemp("snapshots") / "var"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("cache", "snapshots", ".rebuild-*"))
    (target / "cache").symlink_to(source / "cache", target_is_directory=True)
    return {**env, "MAPAPP_DATA_DIR": str(target), "MAPAPP_INSTANTANES": "manuel"}


@pytest.fixture(scope="module")
def settings(copy_env):
    return load_settings(copy_env)


def _tables(store, mode="car"):
    return {t: store.table(mode, t) for t in TABLES}


@pytest.fixture(scope="module")
def taken_then_rebuilt(settings):
    """Take yesterday's snapshot of the live state, change the catalog today, rebuild yesterday from history."""
    from mapapp.catalog.history import apply_live, live_object, record_to_data

    taken = take_snapshot(settings, YESTERDAY)
    original = {"catalog": taken.catalog(), "headline": _tables(taken.store),
                "jeunes": _tables(taken.store.variant("jeunes")), "manifest": taken.store.manifest("car")}
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            site = record_to_data(live_object(session, "sites", CLOSED_SITE), "sites")
            apply_live(session, "sites", {**site, "status": "closed"}, user=None, action="update")
    finally:
        engine.dispose()
    rebuilt = rebuild_snapshot(settings, YESTERDAY, modes=["car"])
    return original, rebuilt


def test_a_snapshot_rebuilt_from_history_equals_the_one_taken_that_day(taken_then_rebuilt, settings):
    original, rebuilt = taken_then_rebuilt
    assert rebuilt.kind == "retroactif" and rebuilt.day == YESTERDAY
    assert rebuilt.catalog() == original["catalog"]
    closed = [s for s in rebuilt.catalog()["sites"] if s["id"] == CLOSED_SITE][0]
    assert closed["status"] == "active"  # the change made today is not in yesterday's catalog
    for name, table in original["headline"].items():
        pd.testing.assert_frame_equal(rebuilt.store.table("car", name), table, obj=name)
    for name, table in original["jeunes"].items():
        pd.testing.assert_frame_equal(rebuilt.store.variant("jeunes").table("car", name), table, obj=name)
    manifest = rebuilt.store.manifest("car")
    assert manifest.inputs_digest == original["manifest"].inputs_digest
    assert manifest.settings_digest == original["manifest"].settings_digest
    # The live catalog and results were not touched by the rebuild.
    from mapapp.results import ResultStore

    live = ResultStore(settings.data_dir / "results")
    assert live.modes() == ["bike", "car", "walk"]
    assert not list(settings.data_dir.glob(".rebuild-*"))


def test_snapshots_are_compact_and_listed(taken_then_rebuilt, settings):
    _, rebuilt = taken_then_rebuilt
    assert [s.day for s in list_snapshots(snapshots_root(settings))] == [YESTERDAY]
    assert len(rebuilt.store.table("car", "points")) > 0  # the headline keeps its points
    assert rebuilt.store.variant("jeunes").table("car", "points").empty  # variants keep the tables only
    assert set(rebuilt.store.variant("jeunes").table("car", "points").columns) == set(
        rebuilt.store.table("car", "points").columns)
    meta = json.loads((rebuilt.path / "snapshot.json").read_text(encoding="utf-8"))
    assert meta["counts"]["sites"] == len(rebuilt.catalog()["sites"])


@pytest.fixture(scope="module")
def january(taken_then_rebuilt, settings):
    """A retroactive snapshot of 1 January (demo history) and today's live one."""
    snap = rebuild_snapshot(settings, JANUARY, modes=["car"])
    today = take_snapshot(settings)
    return snap, today


def test_demo_history_rebuilds_january(january):
    snap, today = january
    jan_sites = {s["id"]: s for s in snap.catalog()["sites"]}
    assert "demo--site-0024" in jan_sites and jan_sites["demo--site-0024"]["status"] == "active"  # closed in April
    now_sites = {s["id"]: s for s in today.catalog()["sites"]}
    assert now_sites["demo--site-0024"]["status"] == "closed"
    assert len(jan_sites) < len(now_sites)  # sites opened during the year


def test_compare_cli_and_export(january, copy_env, tmp_path):
    from openpyxl import load_workbook

    from mapapp.cli import main

    snap, today = january
    out = tmp_path / "evolution.xlsx"
    result = CliRunner().invoke(main, ["observatoire", "comparer", snap.key, today.key, "--export", str(out)],
                                env=copy_env)
    assert result.exit_code == 0, result.output
    assert "lieux : 3 ouvert(e)s, 2 fermé(e)s" in result.output  # 3 opened in the demo year; site-0024 and ours
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["Catalogue", "Habitants sous le seuil", "Zones blanches"]
    rows = list(wb["Catalogue"].iter_rows(values_only=True))
    assert ("lieu", "fermé", CLOSED_SITE) in {r[:3] for r in rows}
    habitants = list(wb["Habitants sous le seuil"].iter_rows(values_only=True))
    assert habitants[0][-1] == "Gagnés (+) ou perdus (-)"
    assert any(isinstance(r[-1], int) and r[-1] != 0 for r in habitants[1:])

    listing = CliRunner().invoke(main, ["observatoire", "instantane", "liste"], env=copy_env)
    assert listing.exit_code == 0 and JANUARY.isoformat() in listing.output
    bad = CliRunner().invoke(main, ["observatoire", "comparer", "2026-13-01", today.key], env=copy_env)
    assert bad.exit_code != 0 and "AAAA-MM-JJ" in bad.output and "Traceback" not in bad.output
    missing = CliRunner().invoke(main, ["observatoire", "comparer", "1999-01-01", today.key], env=copy_env)
    assert missing.exit_code != 0 and "Aucun instantané au 1er janvier 1999" in missing.output


def test_report_evolution_section_read_back_from_the_pdf(january, settings):
    from pypdf import PdfReader

    from mapapp.reports import build_report
    from mapapp.reports.render import render_pdf
    from mapapp.results import ResultStore
    from mapapp.formats import percent

    snap, today = january
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            data = build_report(session, ResultStore(settings.data_dir / "results"), None, themes=["sante"],
                                modes=["car"])
    finally:
        engine.dispose()
    assert data.evolution is not None and data.evolution.days == sorted({YESTERDAY, JANUARY, today.day})
    pdf = render_pdf(data, [])
    text = re.sub(r"[\s\u202f\u00a0]+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    section = text[text.index("Évolution 3 instantanés"):]
    assert "Cantons : part des habitants au-delà du seuil principal" in section
    # One canton whose share changed between January and today, as the snapshots store it.
    first = snap.store.table("car", "territories")
    last = today.store.table("car", "territories")
    key = ["theme", "grid", "code"]
    both = first.merge(last, on=key, suffixes=("_a", "_b"))
    both = both[(both["theme"] == "sante") & (both["grid"] == "canton")
                & (both["share_beyond_main_a"] != both["share_beyond_main_b"])]
    assert not both.empty, "the demo year changes access to health for some canton"
    row = both.iloc[0]
    expected = f"{percent(row['share_beyond_main_a'])} {percent(row['share_beyond_main_b'])}"
    assert re.sub(r"[\s\u202f\u00a0]+", " ", expected) in section


def test_report_of_a_snapshot_says_situation_au_in_the_pdf(january, copy_env, tmp_path):
    """``mapapp report --date``: the PDF of a snapshot says its date on the cover; the live one does not."""
    from pypdf import PdfReader

    from mapapp.cli import main

    def cover(*extra):
        out = tmp_path / f"rapport{len(extra)}.pdf"
        result = CliRunner().invoke(main, ["report", "--theme", "sante", "--mode", "car", "--out", str(out),
                                           *extra], env=copy_env)
        assert result.exit_code == 0, result.output
        return re.sub(r"[\s\u202f\u00a0]+", " ", PdfReader(out).pages[0].extract_text())

    assert "Situation au 1er janvier 2026" in cover("--date", JANUARY.isoformat())
    assert "Situation au" not in cover()


def test_monthly_policy(settings, tmp_path):
    assert policy({}) == "mensuel" and policy({"MAPAPP_INSTANTANES": "Manuel"}) == "manuel"
    with pytest.raises(SnapshotError, match="MAPAPP_INSTANTANES"):
        policy({"MAPAPP_INSTANTANES": "hebdo"})
    assert monthly_snapshot(settings, environ={"MAPAPP_INSTANTANES": "manuel"}) is None
    monthly = {"MAPAPP_INSTANTANES": "mensuel"}
    kept = monthly_snapshot(settings, today=dt.date(2030, 5, 3), environ=monthly)
    assert kept is not None and kept.kind == "mensuel" and kept.day == dt.date(2030, 5, 3)
    assert monthly_snapshot(settings, today=dt.date(2030, 5, 28), environ=monthly) is None  # one a month
    shutil.rmtree(kept.path)


def test_past_dates_only_and_unknown_dates(settings):
    with pytest.raises(SnapshotError, match="futur"):
        rebuild_snapshot(settings, dt.date.today() + dt.timedelta(days=2))
    with pytest.raises(SnapshotError, match="Aucun instantané"):
        get_snapshot(snapshots_root(settings), "1999-01-01")


def test_demo_history_is_recorded_once(copy_env, settings):
    from sqlalchemy import func, select

    from mapapp.catalog.models_users import ChangeLog
    from mapapp.cli import main
    from mapapp.services import DEMO_HISTORY_LABEL

    events = json.loads((Path(copy_env["MAPAPP_DEMO_DIR"]) / "historique.json").read_text(encoding="utf-8"))
    assert {e["action"] for e in events} == {"create", "update"} and len(events) >= 6

    def recorded():
        engine = make_engine(settings.database_url)
        try:
            with make_sessionmaker(engine)() as session:
                return session.scalar(select(func.count()).select_from(ChangeLog).where(
                    ChangeLog.user_label == DEMO_HISTORY_LABEL))
        finally:
            engine.dispose()

    assert recorded() == len(events)
    result = CliRunner().invoke(main, ["demo", "load"], env=copy_env)
    assert result.exit_code == 0, result.output
    assert "Historique" not in result.output and recorded() == len(events)
