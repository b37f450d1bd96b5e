"""A small territory and catalog covering every family on the map, with hostile names.

Territory: :func:`tests.territory.bundles.tiny_bundle` (96001 Arlenc, 96002
Saint-Jo l'Ancien, 96501 Hors-Limite in the buffer; EPCI 200096001 over the
first two; TAS1 = Arlenc, TAS2 = Saint-Jo).
"""

from __future__ import annotations

import pytest

from mapapp.catalog.db import make_engine, make_sessionmaker, transaction, upgrade
from mapapp.catalog.load import load_catalog
from mapapp.catalog.territory_store import store_territory
from mapapp.config import load_settings
from mapapp.web import create_app
from tests.catalog.records import MOBILITY, OFFER, SITE, STRUCTURE, catalog, with_fields
from tests.env import WEB_ENV
from tests.territory.bundles import tiny_bundle

XSS = "<script>alert(1)</script>"
#: Breaks out of a JS template literal if a name ever reaches one unescaped, and is evaluated
#: on the server if it reaches a Jinja template as source (branca re-compiles folium output).
XSS_TEMPLATE = "${alert(2)}`</div>{{ 7*7 }}{% if true %}X{% endif %}{# c #}"


def web_catalog() -> dict:
    partner = with_fields(STRUCTURE, id="test--ml", nom=f"Mission locale {XSS}", siret=None,
                          reseaux_porteurs=["mission-locale"], telephone=XSS)
    fs = with_fields(STRUCTURE, id="test--fs", nom="France Services du Test", siret=None,
                     reseaux_porteurs=["france-service"], site_web="https://france-services.example/test")
    sites = [
        with_fields(SITE, lon=2.05, lat=45.05),  # test--site-1, siège, Arlenc
        with_fields(SITE, id="test--antenne", nom="Antenne de Saint-Jo", kind="departement_antenne",
                    commune_code="96002", lon=2.15, lat=45.05, horaires_accueil="Tu,Th 09:00-12:00"),
        with_fields(SITE, id="test--perm", nom="Permanence de la mairie", kind="departement_permanence",
                    commune_code="96002", lon=2.12, lat=45.02, horaires_accueil="Th[2] 09:00-12:00",
                    status="temporarily_closed", closed_from="2026-07-01", closed_until="2026-08-31"),
        with_fields(SITE, id="test--fs-arlenc", structure_id="test--fs", nom="France Services d'Arlenc",
                    kind="france_services", lon=2.03, lat=45.08),
        # Stop ids in reverse of their weekly order: the route must follow the hours, not the ids.
        with_fields(SITE, id="test--bus-a", structure_id="test--fs", nom="Bus : arrêt de la place",
                    kind="france_services_itinerant_stop", itinerant_route="Bus France Services du plateau",
                    commune_code="96002", lon=2.18, lat=45.08, horaires_accueil="Th 09:00-12:00"),
        with_fields(SITE, id="test--bus-b", structure_id="test--fs", nom="Bus : arrêt de l'école",
                    kind="france_services_itinerant_stop", itinerant_route="Bus France Services du plateau",
                    commune_code="96001", lon=2.08, lat=45.01, horaires_accueil="Tu 14:00-16:00"),
        with_fields(SITE, id="test--xss", structure_id="test--ml", nom=XSS, kind="partner",
                    adresse=XSS_TEMPLATE, commune_code="96002", lon=2.16, lat=45.07, horaires_accueil=None),
        # Two partner sites a few metres apart: one cluster of 2 at the département scale.
        with_fields(SITE, id="test--num-1", structure_id="test--ml", nom="Point numérique 1", kind="partner",
                    commune_code="96001", lon=2.0401, lat=45.0301),
        with_fields(SITE, id="test--num-2", structure_id="test--ml", nom="Point numérique 2", kind="partner",
                    commune_code="96001", lon=2.0402, lat=45.0302),
        with_fields(SITE, id="test--closed", structure_id="test--ml", nom="Ancien local fermé", kind="partner",
                    commune_code="96001", lon=2.06, lat=45.06, status="closed"),
        with_fields(SITE, id="test--outside", structure_id="test--ml", nom="Mission locale hors département",
                    kind="partner", commune_code="96501", lon=2.25, lat=45.05),
    ]
    offers = [
        OFFER,  # mobilite--preparer-un-permis at the siège, minimas sociaux
        with_fields(OFFER, id="test--o-xss", structure_id="test--ml", nom=XSS, description=XSS_TEMPLATE,
                    thematiques=["numerique--acceder-a-une-connexion-internet"], publics=["jeunes"], site_ids=["test--xss"]),
        with_fields(OFFER, id="test--o-num", structure_id="test--ml", nom="Ateliers numériques",
                    thematiques=["numerique--acquerir-un-equipement"], publics=["tous-publics"],
                    site_ids=["test--num-1", "test--num-2"]),
        with_fields(OFFER, id="test--o-fs", structure_id="test--fs", nom="Aide aux démarches administratives",
                    thematiques=["difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"],
                    publics=["tous-publics"], site_ids=["test--fs-arlenc", "test--bus-a", "test--bus-b"],
                    delivery_mode="on_site", mobilisable_par=["usagers", "professionnels"],
                    modes_mobilisation=["se-presenter", "telephoner"], lien_mobilisation="https://rdv.example/fs",
                    conditions_acces="Sans rendez-vous le matin", mobilisation_precisions=f"Apporter ses papiers {XSS}"),
        with_fields(OFFER, id="test--o-remote", nom="Permanence téléphonique emploi", delivery_mode="remote",
                    modes_accueil=["a-distance"], thematiques=["trouver-un-emploi--convaincre-un-recruteur-en-entretien"],
                    site_ids=[], zone_eligibilite=["96"]),
        with_fields(OFFER, id="test--o-remote-elsewhere", nom="Plateforme d'un autre département",
                    delivery_mode="remote", modes_accueil=["a-distance"], site_ids=[], zone_eligibilite=["97"],
                    thematiques=["trouver-un-emploi--convaincre-un-recruteur-en-entretien"]),
        with_fields(OFFER, id="test--o-closed", nom="Offre arrêtée", status="closed", site_ids=["test--antenne"]),
        with_fields(OFFER, id="test--o-outside", structure_id="test--ml", nom="Accompagnement des jeunes",
                    thematiques=["trouver-un-emploi--convaincre-un-recruteur-en-entretien"], publics=["jeunes"],
                    site_ids=["test--outside"]),
    ]
    mobility = [
        MOBILITY,  # TAD over 96001 + 96002
        with_fields(MOBILITY, id="test--garage", nom=f"Garage solidaire {XSS}", kind="point",
                    category="garage_solidaire", served_communes=[], commune_code="96002", lon=2.14, lat=45.09,
                    conditions=XSS_TEMPLATE),
        with_fields(MOBILITY, id="test--aide", nom="Aide au permis", kind="aid", category="aide_financiere",
                    served_communes=[], publics=["beneficiaires-des-minimas-sociaux"]),
        with_fields(MOBILITY, id="test--tad-closed", nom="Ancien TAD", status="closed"),
    ]
    return catalog(structures=[STRUCTURE, partner, fs], sites=sites, offers=offers, mobility_solutions=mobility)


def load_web_data(session_factory) -> None:
    with transaction(session_factory) as s:
        store_territory(s, tiny_bundle())
        load_catalog(s, web_catalog(), known_communes={"96001", "96002", "96501"})


@pytest.fixture(scope="session")
def web_settings(tmp_path_factory):
    """One migrated and loaded database for the read-only web tests (loading it takes ~0.5 s)."""
    folder = tmp_path_factory.mktemp("web")
    settings = load_settings({"MAPAPP_DATA_DIR": str(folder / "var"), **WEB_ENV,
                              "MAPAPP_DEMO_DIR": str(folder / "demo")})
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        load_web_data(make_sessionmaker(engine))
    finally:
        engine.dispose()
    return settings


@pytest.fixture(scope="session")
def loaded(web_settings):
    """A session factory on the shared web database: tests must not commit changes."""
    engine = make_engine(web_settings.database_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def app(web_settings):
    return create_app(web_settings)


@pytest.fixture
def client(app):
    return app.test_client()
