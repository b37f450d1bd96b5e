import pytest
from sqlalchemy import func, select

from mapapp.catalog.load import CatalogLoadError, load_catalog
from mapapp.catalog.models import MobilitySolution, Offer, Site, Structure
from tests.catalog.records import MOBILITY, OFFER, SITE, STRUCTURE, catalog, with_fields

KNOWN = {"96001", "96002"}


def counts(session):
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Structure, Site, Offer, MobilitySolution))


def test_load_then_reload_changes_nothing(session):
    report = load_catalog(session, catalog(), known_communes=KNOWN)
    session.commit()
    assert report.created["offers"] == 1 and report.changed == 4
    again = load_catalog(session, catalog(), known_communes=KNOWN)
    assert again.changed == 0
    assert again.unchanged["sites"] == 1
    assert not session.dirty and not session.new


def test_changed_record_is_updated(session):
    load_catalog(session, catalog(), known_communes=KNOWN)
    session.commit()
    report = load_catalog(session, catalog(offers=[with_fields(OFFER, nom="Nouveau nom de l'offre")]), known_communes=KNOWN)
    session.commit()
    assert report.updated["offers"] == 1
    assert session.get(Offer, OFFER["id"]).nom == "Nouveau nom de l'offre"


@pytest.mark.parametrize("section, record, expected", [
    ("sites", with_fields(SITE, commune_code="96999"), "commune inconnue du territoire « 96999 »"),
    ("sites", with_fields(SITE, kind="mairie"), "site.kind : valeur inconnue « mairie »"),
    ("sites", with_fields(SITE, horaires_accueil="tous les jours"), "site.horaires_accueil"),
    ("sites", with_fields(SITE, colour="red"), "champ(s) inconnu(s) : colour"),
    ("offers", with_fields(OFFER, site_ids=["nope"]), "lieu(x) inconnu(s) « nope »"),
    ("offers", with_fields(OFFER, thematiques=["sante--yoga"]), "sante--yoga"),
    ("offers", with_fields(OFFER, structure_id="ghost"), "structure inconnue « ghost »"),
    ("offers", with_fields(OFFER, delivery_mode="remote"), "n'a pas de lieu"),
    ("mobility_solutions", with_fields(MOBILITY, served_communes=["96001", "12345"]), "12345"),
    ("offers", with_fields(OFFER, courriel="pas-un-courriel"), "offer.courriel"),
    ("offers", with_fields(OFFER, date_maj="2999-01-01"), "offer.date_maj"),
    ("offers", with_fields(OFFER, lien_source="ftp:/x"), "offer.lien_source"),
    ("structures", with_fields(STRUCTURE, site_web="pas une url"), "structure.site_web"),
    ("structures", with_fields(STRUCTURE, id=...), "identifiant (id) manquant"),
])
def test_bad_record_fails_whole_load_and_names_it(session, section, record, expected):
    data = catalog(**{section: [record]})
    if section == "structures" and "id" not in record:
        data["structures"].append(STRUCTURE)
    before = counts(session)
    with pytest.raises(CatalogLoadError) as err:
        load_catalog(session, data, known_communes=KNOWN)
    session.rollback()
    assert expected in str(err.value)
    assert counts(session) == before == (0, 0, 0, 0)


def test_duplicate_id_reported(session):
    with pytest.raises(CatalogLoadError, match="test--site-1 : identifiant en double"):
        load_catalog(session, catalog(sites=[SITE, SITE]), known_communes=KNOWN)


def test_all_problems_are_reported_at_once(session):
    data = catalog(sites=[with_fields(SITE, kind="x"), with_fields(SITE, id="test--site-2", status="y")])
    with pytest.raises(CatalogLoadError) as err:
        load_catalog(session, data, known_communes=KNOWN)
    ids = {i.record_id for i in err.value.issues}
    assert {"test--site-1", "test--site-2"} <= ids


def test_failed_reload_leaves_previous_data_intact(session):
    load_catalog(session, catalog(), known_communes=KNOWN)
    session.commit()
    bad = catalog(offers=[with_fields(OFFER, nom="Renommée"), with_fields(OFFER, id="test--o2", publics=["x"])])
    with pytest.raises(CatalogLoadError):
        load_catalog(session, bad, known_communes=KNOWN)
    session.rollback()
    assert session.get(Offer, OFFER["id"]).nom == OFFER["nom"]
    assert session.get(Offer, "test--o2") is None
