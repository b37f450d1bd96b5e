"""The catalog as engine tables; eligibility zones that match nobody are found."""

from mapapp.catalog.frames import catalog_tables, commune_zone_table, engine_inputs, offers_with_empty_zone
from mapapp.catalog.load import load_catalog
from mapapp.catalog.territory_store import store_territory
from tests.catalog.records import OFFER, SITE, catalog, with_fields
from tests.territory.bundles import tiny_bundle

KNOWN = {"96001", "96002", "96501"}


def load(session, offers):
    store_territory(session, tiny_bundle())
    load_catalog(session, catalog(sites=[SITE, with_fields(SITE, id="test--site-2", commune_code="96501")],
                                  offers=offers), known_communes=KNOWN)
    session.flush()


def test_engine_inputs_origins_are_the_departement_destinations_anywhere(session):
    load(session, [with_fields(OFFER, site_ids=["test--site-1", "test--site-2"])])
    inputs = engine_inputs(session)
    assert list(inputs.communes["commune"]) == ["96001", "96002"]  # the buffer commune is no origin
    assert list(inputs.communes["epci"]) == ["200096001", "200096001"]
    assert set(inputs.points["commune"]) == {"96001", "96002"}
    assert list(inputs.sites["site_id"]) == ["test--site-1", "test--site-2"]  # a buffer site is a destination
    assert list(inputs.offers["site_id"]) == ["test--site-1", "test--site-2"]  # one row per offer × site
    assert inputs.offers["reseaux_porteurs"].iloc[0] == ["departements"]


def test_offers_whose_zone_names_no_commune_are_reported(session):
    load(session, [
        OFFER,                                                                    # zone "96": fine
        with_fields(OFFER, id="o-epci", zone_eligibilite=["200096001"]),          # the stored EPCI: fine
        with_fields(OFFER, id="o-typo", zone_eligibilite=["200096999"]),          # no such EPCI here
        with_fields(OFFER, id="o-ailleurs", zone_eligibilite=["47001", "47"]),    # another département
        with_fields(OFFER, id="o-partout", zone_eligibilite=None),                # no restriction
    ])
    _sites, offers = catalog_tables(session)
    empty = offers_with_empty_zone(offers, commune_zone_table(session))
    assert empty == [("o-ailleurs", ["47001", "47"]), ("o-typo", ["200096999"])]


def test_site_status_follows_the_closure_dates(session):
    import datetime as dt

    closed = with_fields(SITE, id="test--ferme", status="temporarily_closed",
                         closed_from="2026-07-01", closed_until="2026-08-31")
    planned_closure = with_fields(SITE, id="test--travaux", status="active",
                                  closed_from="2026-12-01", closed_until="2026-12-15")
    store_territory(session, tiny_bundle())
    load_catalog(session, catalog(sites=[SITE, closed, planned_closure]), known_communes=KNOWN)
    session.flush()

    def statuses(day):
        sites, _ = catalog_tables(session, today=day)
        return dict(zip(sites.site_id, sites.status))

    assert statuses(dt.date(2026, 7, 15))["test--ferme"] == "temporarily_closed"
    assert statuses(dt.date(2026, 9, 1))["test--ferme"] == "active"          # the closure is over
    assert statuses(dt.date(2026, 12, 5))["test--travaux"] == "temporarily_closed"  # closed during works
    assert statuses(dt.date(2026, 12, 16))["test--travaux"] == "active"
    assert statuses(dt.date(2026, 12, 5))["test--site-1"] == "active"
