from mapapp.catalog.datainclusion import check_offer, offer_to_services
from mapapp.catalog.load import load_catalog
from mapapp.catalog.models import Offer
from tests.catalog.records import OFFER, SITE, catalog, with_fields


def test_offer_becomes_one_valid_service_per_site(session):
    data = catalog(sites=[SITE, with_fields(SITE, id="test--site-2", commune_code="96002", lon=2.6)],
                   offers=[with_fields(OFFER, site_ids=["test--site-1", "test--site-2"])])
    load_catalog(session, data, known_communes={"96001", "96002"})
    offer = session.get(Offer, OFFER["id"])
    services = check_offer(offer)
    assert [s.id for s in services] == ["test--offre-1--test--site-1", "test--offre-1--test--site-2"]
    assert services[1].code_insee == "96002" and services[1].longitude == 2.6
    assert {t.value for t in services[0].thematiques} == set(OFFER["thematiques"])
    assert services[0].horaires_accueil == SITE["horaires_accueil"]  # the site's hours when the offer has none


def test_remote_offer_has_no_address(session):
    data = catalog(offers=[with_fields(OFFER, delivery_mode="remote", site_ids=[], modes_accueil=["a-distance"])])
    load_catalog(session, data, known_communes={"96001", "96002"})
    [service] = offer_to_services(session.get(Offer, OFFER["id"]))
    assert service["id"] == OFFER["id"] and "code_insee" not in service
