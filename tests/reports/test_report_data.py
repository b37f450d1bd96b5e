"""build_report: the figures are the engine's, and a unit's report only holds its own communes."""

import datetime as dt
import math

import pytest

from mapapp.catalog.models import Offer, Site
from mapapp.reports import ReportError, build_report
from mapapp.reports.catalog import months_before
from tests.reports.fixtures import EPCI, MODES, THEMES, TODAY


def test_unit_report_only_contains_the_unit_communes(epci_report, epci_communes):
    r = epci_report
    assert r.unit.key == EPCI and set(r.unit.communes) == epci_communes and r.n_communes == len(epci_communes)
    assert set(r.communes["commune"]) == epci_communes
    assert set(r.zones_blanches["commune"]) <= epci_communes
    assert set(r.overlaps["commune"]) <= epci_communes
    subs = r.subterritories[r.subterritories["level"] == "sub"]
    assert r.sub_grid == "commune" and set(subs["code"]) == epci_communes
    assert set(r.geometry[r.geometry["in_unit"]]["code"]) == epci_communes
    assert set(r.catalog.sites[r.catalog.sites["in_unit"]]["commune"]) <= epci_communes
    stale_sites = r.stale_records[r.stale_records["kind"] == "site"]
    assert set(stale_sites["commune"]) <= epci_communes
    offers = r.offers_by_theme[~r.offers_by_theme["code"].isin(["total"])]
    assert set(offers["code"]) == epci_communes


def test_unit_figures_are_the_engine_rows(epci_report, demo_store):
    grid, code = EPCI.split(":")
    for mode in MODES:
        terr = demo_store.table(mode, "territories")
        for theme in [t.key for t in epci_report.all_themes]:
            row = terr[(terr["theme"] == theme) & (terr["grid"] == grid) & (terr["code"] == code)].iloc[0]
            fig = epci_report.figure(theme, mode)
            assert fig["share_beyond_main"] == row["share_beyond_main"]
            assert fig["population_beyond_main"] == row["population_beyond_main"]
            assert fig["n_zones_blanches"] == row["n_zones_blanches"]
            if row["population_reachable"] > 0:
                assert fig["mean_time_min"] == row["mean_time_min"]
            else:  # nobody can reach a site: unreachable, never a number
                assert math.isinf(fig["mean_time_min"])
            ref = terr[(terr["theme"] == theme) & (terr["grid"] == "all")].iloc[0]
            assert epci_report.figure(theme, mode, reference=True)["share_beyond_main"] == ref["share_beyond_main"]


def test_zones_blanches_and_overlaps_follow_the_engine(epci_report, demo_store):
    for mode in MODES:
        communes = demo_store.table(mode, "communes")
        for theme in THEMES:
            c = communes[(communes["theme"] == theme) & communes["commune"].isin(epci_report.unit.communes)]
            expected = set(c[c["zone_blanche"].fillna(False).astype(bool)]["commune"])
            zb = epci_report.zones_blanches
            assert set(zb[(zb["theme"] == theme) & (zb["mode"] == mode)]["commune"]) == expected
            ov = epci_report.overlaps
            assert set(ov[(ov["theme"] == theme) & (ov["mode"] == mode)]["commune"]) == set(
                c[c["share_population_2plus"] >= 0.5]["commune"])


def test_departement_report_uses_the_whole_territory_and_bassins_de_vie(departement_report, demo_store):
    r = departement_report
    assert r.unit.is_departement and r.n_communes == 150 and r.sub_grid == "bassin_de_vie"
    row = demo_store.table("car", "territories")
    row = row[(row["theme"] == "france_services") & (row["grid"] == "all")].iloc[0]
    assert r.figure("france_services", "car")["share_beyond_main"] == row["share_beyond_main"]
    subs = r.subterritories[(r.subterritories["theme"] == "france_services")]
    assert list(subs["level"]).count("departement") == 1 and (subs["grid"].iloc[:-1] == "bassin_de_vie").all()
    # sites beyond the border count: they are their own column of offers by theme
    assert "outside" in set(r.offers_by_theme["code"])


def test_commune_report_reads_the_commune_row(demo_sessions, demo_store):
    with demo_sessions() as s:
        r = build_report(s, demo_store, "commune:96002", themes=["france_services"], modes=["car"])
    row = demo_store.table("car", "communes")
    row = row[(row["theme"] == "france_services") & (row["commune"] == "96002")].iloc[0]
    assert r.n_communes == 1 and r.figure("france_services", "car")["share_beyond_main"] == row["share_beyond_main"]


@pytest.mark.parametrize("kwargs, message", [
    ({"unit": "epci:nope"}, "Aucun territoire"), ({"unit": "planete:1"}, "Découpage"), ({"unit": "epci"}, "invalide"),
    ({"themes": ["pas-un-theme"]}, "Thème"), ({"modes": ["avion"]}, "Mode"), ({"sub_grid": "nope"}, "Découpage"),
])
def test_bad_requests_are_french_errors(demo_sessions, demo_store, kwargs, message):
    with demo_sessions() as s, pytest.raises(ReportError, match=message):
        build_report(s, demo_store, **kwargs)


def test_remote_offers_are_never_presence(epci_report, demo_sessions):
    with demo_sessions() as s:
        remote = {o.id for o in s.query(Offer).filter(Offer.delivery_mode.in_(["remote", "departement_wide"]))}
    assert remote and not remote & set(epci_report.catalog.offers_present["offer_id"])
    assert set(epci_report.catalog.offers_distance["offer_id"]) <= remote


def test_freshness_counts_records_not_verified_for_n_months(demo_sessions, demo_store, epci_report):
    with demo_sessions() as s:
        sites = [x for x in s.query(Site) if x.commune_code in epci_report.unit.communes and x.status != "closed"]
        for months in (6, 24):
            r = build_report(s, demo_store, EPCI, themes=["france_services"], modes=["car"], stale_months=months,
                             today=TODAY)
            cutoff = months_before(TODAY, months)
            row = r.freshness.set_index("kind").loc["site"]
            assert row["total"] == len(sites)
            assert row["never_verified"] == sum(x.date_verification is None for x in sites)
            assert row["verified_before"] == sum(x.date_verification is not None and x.date_verification < cutoff
                                                 for x in sites)
            assert len(r.stale_records) == r.freshness["never_verified"].sum() + r.freshness["verified_before"].sum()


def test_months_before_clamps_to_month_end():
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 12) == dt.date(2025, 1, 15)


@pytest.mark.parametrize("dates", [[None, None, None], [], [dt.date(2020, 1, 1), None], [dt.date(2026, 1, 1)] * 2])
def test_freshness_holds_when_no_record_was_ever_verified(dates):
    """Right after an ANCT import no record has a verification date: the summary must still work."""
    import pandas as pd

    from mapapp.reports.catalog import freshness
    records = pd.DataFrame({"kind": ["site"] * len(dates), "id": [f"s{i}" for i in range(len(dates))],
                            "nom": [f"Lieu {i}" for i in range(len(dates))], "structure": "x", "commune": "96001",
                            "status": "active", "date_verification": pd.Series(dates, dtype=object),
                            "date_maj": None})
    summary, stale = freshness(records, TODAY, 12)
    row = summary.set_index("kind").loc["site"]
    cutoff = months_before(TODAY, 12)
    assert row["total"] == len(dates)
    assert row["never_verified"] == sum(d is None for d in dates)
    assert row["verified_before"] == sum(d is not None and d < cutoff for d in dates)
    assert len(stale) == row["never_verified"] + row["verified_before"]
    assert not {"never", "_k", "_d"} & set(stale.columns)
