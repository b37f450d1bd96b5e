import datetime as dt

import pytest

from mapapp.catalog.models import MobilitySolution, Offer, Site, Structure
from mapapp.catalog.vocab import RecordError


def test_valid_records_persist(session):
    s = Structure(id="x--s", nom="CCAS de Test", siret="12345678901234", reseaux_porteurs=["ccas-cias"])
    site = Site(id="x--site", structure=s, nom="Accueil", kind="partner", commune_code="96001", lon=2.0, lat=45.0,
                horaires_accueil="Th[2] 09:00-12:00", status="active")
    offer = Offer(id="x--o", structure=s, nom="Aide alimentaire", description="Colis alimentaires chaque semaine",
                  thematiques=["equipement-et-alimentation--alimentation"], publics=["tous-publics"],
                  delivery_mode="on_site", sites=[site], zone_eligibilite=["96001", "200096001", "96"])
    session.add_all([s, site, offer])
    session.commit()
    got = session.get(Offer, "x--o")
    assert got.sites[0].id == "x--site"
    assert got.zone_eligibilite == ["96001", "200096001", "96"]
    assert got.is_physical
    assert got.date_maj == dt.date.today()


@pytest.mark.parametrize(
    "model, field, value, message",
    [
        (Site, "kind", "mairie", "site.kind"),
        (Site, "status", "open", "site.status"),
        (Site, "commune_code", "123", "site.commune_code"),
        (Site, "horaires_accueil", "lundi matin", "site.horaires_accueil"),
        (Site, "lat", 123.0, "site.lat"),
        (Offer, "thematiques", ["mobilite--voler"], "offer.thematiques"),
        (Offer, "publics", ["rsa"], "offer.publics"),
        (Offer, "publics", ["tous-publics", "jeunes"], "tous-publics"),
        (Offer, "modes_accueil", ["sur-place"], "offer.modes_accueil"),
        (Offer, "frais", "cher", "offer.frais"),
        (Offer, "modes_mobilisation", ["pigeon"], "offer.modes_mobilisation"),
        (Offer, "type", "conseil", "offer.type"),
        (Offer, "zone_eligibilite", ["Paris"], "zone_eligibilite"),
        (Offer, "zone_eligibilite", [], "zone_eligibilite"),
        (Offer, "delivery_mode", "postal", "offer.delivery_mode"),
        (Offer, "nom", "ab", "offer.nom"),
        (Structure, "siret", "123", "structure.siret"),
        (Structure, "reseaux_porteurs", ["cms", "mairie-de-paris"], "structure.reseaux_porteurs"),
        (MobilitySolution, "kind", "bus", "mobility.kind"),
        (MobilitySolution, "category", "taxi", "mobility.category"),
    ],
)
def test_unknown_values_are_rejected_naming_field_and_value(model, field, value, message):
    with pytest.raises(RecordError) as err:
        model(**{field: value})
    assert message in str(err.value)
    if isinstance(value, str):
        assert value in str(err.value)


def test_error_suggests_close_value():
    with pytest.raises(RecordError, match="mobilite--preparer-un-permis"):
        Offer(thematiques=["mobilite--preparer-un-permi"])


def test_cross_field_rules_checked_at_flush(session):
    s = Structure(id="x--s", nom="Structure")
    session.add(s)
    session.add(Site(id="x--closed", structure=s, nom="Fermé", kind="partner", commune_code="96001", lon=2, lat=45,
                     status="temporarily_closed"))
    with pytest.raises(RecordError, match="closed_from"):
        session.flush()
    session.rollback()

    session.add(Offer(id="x--o", structure=Structure(id="x--s2", nom="S"), nom="Offre sur site",
                      description="Sans lieu", delivery_mode="on_site"))
    with pytest.raises(RecordError, match="site_ids"):
        session.flush()
    session.rollback()

    session.add(MobilitySolution(id="x--m", structure=Structure(id="x--s3", nom="S"), nom="TAD", kind="area",
                                 category="transport_a_la_demande", served_communes=[]))
    with pytest.raises(RecordError, match="served_communes"):
        session.flush()


def test_itinerant_stop_needs_route(session):
    s = Structure(id="x--s", nom="S")
    session.add(Site(id="x--stop", structure=s, nom="Arrêt", kind="france_services_itinerant_stop",
                     commune_code="96001", lon=2, lat=45, status="active"))
    with pytest.raises(RecordError, match="itinerant_route"):
        session.flush()


def test_frais_written_as_a_list_is_stored_as_one_value():
    """data·inclusion v0 wrote ``frais`` as a list: the catalog keeps one string (never a list)."""
    assert Offer(frais=["payant"]).frais == "payant"
    assert Offer(frais=[]).frais is None
    with pytest.raises(RecordError, match="une seule valeur"):
        Offer(frais=["gratuit", "payant"])
