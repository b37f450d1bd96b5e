"""One filtering function for the carte, its tables and the API (mapapp.catalog.filters and .query)."""

from __future__ import annotations

import pytest

from mapapp.catalog.filters import CatalogFilters, FilterError, parse_filters
from mapapp.catalog.query import PlaceNotFound, first_opening_offset, itinerant_routes, resolve_commune, select_catalog


def _select(session_factory, **params):
    with session_factory() as s:
        sel = select_catalog(s, parse_filters(params))
        return ({e.site.id for e in sel.sites}, {o.id for o in sel.offers}, {m.id for m in sel.mobility}, sel)


ALL_SHOWN_SITES = {"test--site-1", "test--antenne", "test--perm", "test--fs-arlenc", "test--bus-a", "test--bus-b",
                   "test--xss", "test--num-1", "test--num-2", "test--outside"}


def test_default_shows_everything_but_closed(loaded):
    sites, offers, mobility, sel = _select(loaded)
    assert sites == ALL_SHOWN_SITES  # test--closed is hidden
    assert offers == {"test--offre-1", "test--o-xss", "test--o-num", "test--o-fs", "test--o-outside",
                      "test--o-remote", "test--o-remote-elsewhere"}  # test--o-closed is hidden
    assert mobility == {"test--tad", "test--garage", "test--aide"}
    # Physical offers first, with their shown sites; offers without a site last, with none.
    assert [o.id for o in sel.offers_without_site] == ["test--o-remote", "test--o-remote-elsewhere"]
    assert [s.id for s in sel.offer_sites["test--o-fs"]] == ["test--bus-a", "test--bus-b", "test--fs-arlenc"]
    assert sel.offer_sites["test--o-remote"] == []


def test_thematique_by_category_or_value(loaded):
    sites, offers, mobility, _ = _select(loaded, thematique=["numerique"])
    assert sites == {"test--xss", "test--num-1", "test--num-2"}
    assert offers == {"test--o-xss", "test--o-num"}
    assert mobility == set()  # mobility solutions belong to the mobilite category only
    sites, offers, _, _ = _select(loaded, thematique=["numerique--acquerir-un-equipement"])
    assert sites == {"test--num-1", "test--num-2"} and offers == {"test--o-num"}
    sites, offers, mobility, _ = _select(loaded, thematique=["mobilite"])
    assert sites == {"test--site-1"} and offers == {"test--offre-1"}
    assert mobility == {"test--tad", "test--garage", "test--aide"}
    # Several values: any of them.
    sites, _, _, _ = _select(loaded, thematique=["mobilite", "numerique--acquerir-un-equipement"])
    assert sites == {"test--site-1", "test--num-1", "test--num-2"}


def test_public_matches_tous_publics_too(loaded):
    sites, offers, mobility, _ = _select(loaded, public=["jeunes"])
    assert offers == {"test--o-xss", "test--o-num", "test--o-fs", "test--o-outside"}
    assert sites == {"test--xss", "test--num-1", "test--num-2", "test--fs-arlenc", "test--bus-a", "test--bus-b",
                     "test--outside"}
    assert mobility == {"test--tad", "test--garage"}  # the aid is for minima recipients only


def test_delivery_and_reception_modes(loaded):
    sites, offers, _, sel = _select(loaded, delivrance=["remote"])
    assert sites == set() and offers == {"test--o-remote", "test--o-remote-elsewhere"}
    assert _select(loaded, mode_accueil=["a-distance"])[1] == {"test--o-remote", "test--o-remote-elsewhere"}
    assert _select(loaded, delivrance=["on_site"])[1] == {"test--offre-1", "test--o-xss", "test--o-num",
                                                          "test--o-fs", "test--o-outside"}


def test_status_filter(loaded):
    sites, offers, mobility, _ = _select(loaded, statut=["tous"])
    assert sites == ALL_SHOWN_SITES | {"test--closed"}
    assert "test--o-closed" in offers and "test--tad-closed" in mobility
    sites, offers, _, _ = _select(loaded, statut=["temporarily_closed"])
    assert sites == {"test--perm"} and offers == set()
    sites, _, _, _ = _select(loaded, statut=["closed"])
    assert sites == {"test--closed"}


def test_territory_filter_uses_grid_units_and_eligibility(loaded):
    sites, offers, mobility, sel = _select(loaded, territoire=["territoire_action_sociale:TAS1"])
    assert sites == {"test--site-1", "test--fs-arlenc", "test--bus-b", "test--num-1", "test--num-2"}
    # The remote offer open to the whole département stays, the one for another département goes.
    assert offers == {"test--offre-1", "test--o-fs", "test--o-num", "test--o-remote"}
    assert mobility == {"test--tad", "test--aide"}  # the garage is in 96002
    assert sel.area.territory.nom == "Territoire Nord"
    assert [s.id for s in sel.offer_sites["test--o-fs"]] == ["test--bus-b", "test--fs-arlenc"]
    sites, _, _, _ = _select(loaded, territoire=["epci:200096001"])
    assert sites == ALL_SHOWN_SITES - {"test--outside"}


def test_commune_filter_accepts_code_label_and_name(loaded):
    expected = {"test--antenne", "test--perm", "test--bus-a", "test--xss"}
    for text in ("96002", "Saint-Jo l'Ancien (96002)", "saint jo l'ancien", "  SAINT-JO L’ANCIEN "):
        sites, _, mobility, sel = _select(loaded, commune=[text])
        assert sites == expected, text
        assert sel.area.commune.code == "96002"
    assert mobility == {"test--tad", "test--garage", "test--aide"}
    # Commune and territory together: their intersection (here empty).
    assert _select(loaded, commune=["96002"], territoire=["territoire_action_sociale:TAS1"])[0] == set()


def test_bbox_filter(loaded):
    sites, offers, mobility, _ = _select(loaded, bbox=["2.0,45.0,2.1,45.1"])
    assert sites == {"test--site-1", "test--fs-arlenc", "test--bus-b", "test--num-1", "test--num-2"}
    assert "test--o-remote" not in offers  # an offer without a site is in no box
    assert mobility == {"test--tad"}  # area overlapping the box; the garage (2.14) is outside; aids have no place


def test_site_kind_filter(loaded):
    sites, offers, _, _ = _select(loaded, type_lieu=["france_services_itinerant_stop"])
    assert sites == {"test--bus-a", "test--bus-b"} and offers == {"test--o-fs"}


@pytest.mark.parametrize("params, param, value", [
    ({"thematique": ["pas-une-thematique"]}, "thematique", "pas-une-thematique"),
    ({"public": ["martiens"]}, "public", "martiens"),
    ({"statut": ["ouvert"]}, "statut", "ouvert"),
    ({"mode_accueil": ["sur-place"]}, "mode_accueil", "sur-place"),
    ({"delivrance": ["teleportation"]}, "delivrance", "teleportation"),
    ({"type_lieu": ["chateau"]}, "type_lieu", "chateau"),
    ({"territoire": ["sans-deux-points"]}, "territoire", "sans-deux-points"),
    ({"bbox": ["1,2,3"]}, "bbox", "1,2,3"),
    ({"bbox": ["200,0,201,1"]}, "bbox", "200"),
    ({"bbox": ["a,b,c,d"]}, "bbox", "a"),
    ({"commune": ["96001", "96002"]}, "commune", "96001, 96002"),
])
def test_bad_filter_values_are_named(params, param, value):
    with pytest.raises(FilterError) as info:
        parse_filters(params)
    assert info.value.param == param
    assert value in str(info.value)


def test_a_bbox_is_two_opposite_corners_in_either_order():
    assert parse_filters({"bbox": ["3,0,1,1"]}).bbox == parse_filters({"bbox": ["1,0,3,1"]}).bbox == (1.0, 0.0, 3.0, 1.0)


def test_unknown_places(loaded):
    with loaded() as s:
        for params in ({"commune": ["99999"]}, {"commune": ["Atlantide"]}, {"territoire": ["epci:000000000"]},
                       {"territoire": ["inconnu:TAS1"]}):
            with pytest.raises(PlaceNotFound):
                select_catalog(s, parse_filters(params))


def test_ambiguous_commune_name_lists_the_candidates(loaded):
    from mapapp.catalog.models import Commune

    with loaded() as s:
        s.get(Commune, "96501").nom = "Arlenc"
        with pytest.raises(PlaceNotFound) as info:
            resolve_commune(s, "arlenc")
        assert "Arlenc (96001)" in str(info.value) and "Arlenc (96501)" in str(info.value)
        assert resolve_commune(s, "Arlenc (96501)").code == "96501"


def test_filters_round_trip_through_the_query_string():
    from urllib.parse import parse_qs

    filters = CatalogFilters(thematiques=("numerique", "mobilite--preparer-un-permis"), publics=("jeunes",),
                             modes_accueil=("en-presentiel",), delivery_modes=("on_site", "itinerant"),
                             statuses=("active", "closed"), site_kinds=("partner",), commune="Arlenc (96001)",
                             territory=("epci", "200096001"), bbox=(2.0, 45.0, 2.25, 45.1))
    assert parse_filters(parse_qs(filters.query_string())) == filters
    assert parse_filters({}) == CatalogFilters() and CatalogFilters().query_string() == ""
    everything = parse_filters({"statut": ["tous"]})
    assert everything.query_string() == "statut=tous"
    # Empty values (a GET form's "no choice") are no filter.
    assert parse_filters({"thematique": [""], "commune": [""], "statut": [""]}) == CatalogFilters()


def test_itinerant_stops_follow_the_weekly_schedule(loaded):
    from mapapp.catalog.models import Site

    with loaded() as s:
        routes = itinerant_routes(list(s.query(Site)))
    # bus-b on Tuesday, bus-a on Thursday (ids in the other order).
    assert {k: [x.id for x in v] for k, v in routes.items()} == {
        "Bus France Services du plateau": ["test--bus-b", "test--bus-a"]}
    assert first_opening_offset("Th[2] 09:00-12:00") > first_opening_offset("Fr 09:00-12:00")
    assert first_opening_offset("Mo 00:00-01:00").total_seconds() == 0
    assert first_opening_offset(None) is None


def test_open_on_a_day_keeps_the_offers_open_at_each_site_that_day(loaded):
    # Thursday 10 December 2026: the bus stops on Thursday morning, not the Tuesday one
    sites, offers, _, sel = _select(loaded, ouvert_le=["2026-12-10"])
    assert [s.id for s in sel.offer_sites["test--o-fs"]] == ["test--bus-a", "test--fs-arlenc"]
    _, _, _, afternoon = _select(loaded, ouvert_le=["2026-12-10"], demi_journee=["apres-midi"])
    assert [s.id for s in afternoon.offer_sites["test--o-fs"]] == ["test--fs-arlenc"]  # the bus left at noon
    _, _, _, tuesday = _select(loaded, ouvert_le=["2026-12-08"], demi_journee=["apres-midi"])
    assert "test--bus-b" in {s.id for s in tuesday.offer_sites["test--o-fs"]}
    # a site without hours is unknown, never open: left out and counted
    assert "test--xss" not in sites and sel.unknown_hours >= 1
    _, _, _, christmas = _select(loaded, ouvert_le=["2026-12-25"])
    assert "test--site-1" not in {e.site.id for e in christmas.sites}  # « PH off »
    # offers without a site are not filtered by day
    assert {o.id for o in sel.offers_without_site} == {"test--o-remote", "test--o-remote-elsewhere"}


@pytest.mark.parametrize("params, message", [
    ({"ouvert_le": ["2026-02-30"]}, "date invalide « 2026-02-30 »"),
    ({"ouvert_le": ["10/12/2026"]}, "AAAA-MM-JJ"),
    ({"demi_journee": ["matin"]}, "demande aussi « ouvert_le »"),
    ({"ouvert_le": ["2026-12-10"], "demi_journee": ["soir"]}, "demi-journée « soir » inconnue"),
])
def test_bad_days_are_named(params, message):
    with pytest.raises(FilterError) as info:
        parse_filters(params)
    assert message in str(info.value)


def test_the_day_round_trips_through_the_query_string():
    import datetime as dt
    from urllib.parse import parse_qs

    filters = CatalogFilters(open_day=dt.date(2026, 12, 10), half_day="matin")
    assert filters.query_string() == "ouvert_le=2026-12-10&demi_journee=matin"
    assert parse_filters(parse_qs(filters.query_string())) == filters
