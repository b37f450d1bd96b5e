"""The demo ships aggregated need counts, loaded under statistical secrecy, and loading twice changes nothing."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner
from sqlalchemy import select

from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.catalog.models import NeedSeries
from mapapp.catalog.needs_store import read_need_counts
from mapapp.cli import main
from mapapp.config import load_settings
from mapapp.demo.needs import DEMO_NEEDS


def test_need_files_are_aggregated_counts_of_every_commune(demo_dir):
    inner = {f["properties"]["code"] for f in json.loads((demo_dir / "communes.geojson").read_text())["features"]
             if not f["properties"].get("is_buffer")}
    for _key, _label, filename, *_ in DEMO_NEEDS:
        rows = list(csv.DictReader((demo_dir / filename).open(encoding="utf-8"), delimiter=";"))
        assert {r["commune"] for r in rows} == inner and len(rows) == len(inner)
        counts = [int(r["effectif"]) for r in rows]
        assert min(counts) < 11 < max(counts)  # some fall under the secrecy threshold, others do not


def test_demo_load_stores_the_needs_with_secrecy_and_is_idempotent(demo_env):
    env, output = demo_env
    assert "Besoins « Bénéficiaires du RSA » 2025" in output and "effectifs masqués" in output
    factory = make_sessionmaker(make_engine(load_settings(env).database_url))
    with factory() as session:
        before = [(s.id, s.indicator, s.year) for s in session.scalars(select(NeedSeries).order_by(NeedSeries.id))]
        series, counts = read_need_counts(session, "rsa")
        assert counts["secret"].notna().any() and counts["count"].notna().any()
        assert counts.loc[counts["secret"].notna(), "count"].isna().all()
    again = CliRunner().invoke(main, ["demo", "load"], env=env)
    assert again.exit_code == 0, again.output
    with factory() as session:
        after = [(s.id, s.indicator, s.year) for s in session.scalars(select(NeedSeries).order_by(NeedSeries.id))]
    assert after == before and len(before) == len(DEMO_NEEDS)
