from mapapp.catalog.db import transaction
from mapapp.catalog.load import load_catalog
from mapapp.catalog.territory_store import store_territory
from mapapp.web import create_app
from tests.catalog.records import OFFER, SITE, catalog, with_fields
from tests.territory.bundles import tiny_bundle


def test_home_without_territory_explains_what_to_do(settings, db_url):
    client = create_app(settings).test_client()
    page = client.get("/").get_data(as_text=True)
    assert "Aucun territoire chargé" in page and "mapapp demo load" in page


def test_home_names_territory_and_counts_by_family(settings, db_url, session_factory):
    data = catalog(
        sites=[SITE, with_fields(SITE, id="test--fs", kind="france_services")],
        offers=[OFFER, with_fields(OFFER, id="test--o2", thematiques=["numerique--acquerir-un-equipement"],
                                   site_ids=["test--fs"])],
    )
    with transaction(session_factory) as s:
        store_territory(s, tiny_bundle())
        load_catalog(s, data, known_communes={"96001", "96002", "96501"})
    response = create_app(settings).test_client().get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in page
    assert "Territoire de test" in page and "Territoire fictif" in page
    # 2 communes of the département (the buffer commune is not counted), 1 500 inhabitants
    assert "<strong>2</strong> communes" in page
    assert "1\u202f500</strong> habitants" in page  # CLDR French: narrow no-break space
    assert "<td>Département</td><td class=\"num\">1</td>" in page
    assert "<td>France Services</td><td class=\"num\">1</td>" in page
    assert "<td>Mobilité</td><td class=\"num\">1</td>" in page
    assert "<td>Numérique</td><td class=\"num\">1</td>" in page
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_app_refuses_to_start_without_a_secret_key(tmp_path):
    import pytest

    from mapapp.config import load_settings

    settings = load_settings({"MAPAPP_DATA_DIR": str(tmp_path / "var"), "MAPAPP_BASE_URL": "https://carto.example.fr"})
    with pytest.raises(RuntimeError, match="MAPAPP_SECRET_KEY"):
        create_app(settings)
    assert len(create_app(settings, dev_key=True).secret_key) == 64  # --debug: a random key for this process
