"""INSEE BPE detail files (both layouts) as everyday-equipment sites; the theme selects them by site kind."""

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from mapapp.access.themes import default_themes, everyday_equipment_theme, select_destinations, themes_for_catalog
from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.catalog.frames import catalog_tables
from mapapp.catalog.models import Site
from mapapp.catalog.territory_store import store_territory
from mapapp.cli import main
from mapapp.io.bpe import read_bpe
from mapapp.territory.validation import ImportReport, TerritoryImportError
from tests.env import WEB_ENV
from tests.territory.bundles import tiny_bundle

COMMUNES = {"96001", "96002", "96501"}
# The recent layout (BPE 2023 onwards: WGS84 LONGITUDE/LATITUDE beside LAMBERT_X/LAMBERT_Y and EPSG), trimmed of
# the type-specific columns; one row per equipment (two GPs at the same address), other types and communes mixed in.
RECENT = """AN;NOMRS;CNOMRS;NUMVOIE;INDREP;TYPVOIE;LIBVOIE;CADR;CODPOS;DEPCOM;DEP;REG;DOM;SDOM;TYPEQU;SIRET;STATUT_DIFFUSION;LAMBERT_X;LAMBERT_Y;LONGITUDE;LATITUDE;QUALITE_XY;EPSG;QUALITE_GEOLOC;DCIRIS
2023;BOULANGERIE DU CENTRE;;3;;RUE;DE LA MAIRIE;;96100;96001;96;84;B;B2;B207;12345678900011;O;625209.2;6439422.1;2.05;45.05;Bonne;2154;;960010000
2023;CABINET MEDICAL;;1;;PL;DE L EGLISE;;96100;96001;96;84;D;D2;D265;;O;625209.2;6439422.1;2.05;45.05;Bonne;2154;;960010000
2023;CABINET MEDICAL;;1;;PL;DE L EGLISE;;96100;96001;96;84;D;D2;D265;;O;625209.2;6439422.1;2.05;45.05;Bonne;2154;;960010000
2023;PLOMBERIE MARTIN;;8;;RTE;NATIONALE;;96100;96001;96;84;A;A4;A404;;O;625209.2;6439422.1;2.05;45.05;Bonne;2154;;960010000
2023;;;;;;;;96200;96002;96;84;D;D3;D307;;O;633093.6;6440442.9;2.15;45.06;Bonne;2154;;960020000
2023;PHARMACIE DU LAC;;;;;;;01000;01053;01;84;D;D3;D307;;O;849143.2;6768512.6;5.0;48.0;Bonne;2154;;010530000
2023;ECOLE PUBLIQUE;;;;;;;96200;96002;96;84;C;C1;C108;;O;;;;;Non géolocalisé;;;960020000
"""
# The older layout (BPE 2018-2021 « ensemble_xy »): Lambert-93 only.
OLD = """REG;DEP;DEPCOM;DCIRIS;AN;TYPEQU;LAMBERT_X;LAMBERT_Y;QUALITE_XY
84;96;96501;965010000;2021;A206;640954.1;6439252.6;Bonne
84;96;96001;960010000;2021;B207;625209.2;6439422.1;Bonne
"""


def _write(tmp_path, text, name="bpe.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_recent_layout_keeps_the_basket_of_the_territory(tmp_path):
    report = ImportReport()
    data = read_bpe(_write(tmp_path, RECENT), COMMUNES, report=report)
    sites = {s["nom"]: s for s in data["sites"]}
    assert set(sites) == {"BOULANGERIE DU CENTRE", "CABINET MEDICAL", "Pharmacie"}  # no plumber, no Ain pharmacy
    assert sites["CABINET MEDICAL"]["capacite"] == 2 and sites["BOULANGERIE DU CENTRE"]["capacite"] == 1
    assert sites["Pharmacie"]["commune_code"] == "96002" and sites["Pharmacie"]["lon"] == pytest.approx(2.15)
    assert all(s["kind"] == "equipement_quotidien" for s in data["sites"])
    assert [o["site_ids"] for o in data["offers"]] == [[s["id"]] for s in data["sites"]]
    # the school has no position: a warning with its line, never a guess
    assert [(w.where, "non géolocalisé" in w.message) for w in report.warnings] == [(8, True)]
    assert report.ok


def test_old_layout_is_reprojected_from_lambert93(tmp_path):
    data = read_bpe(_write(tmp_path, OLD), COMMUNES)
    by_commune = {s["commune_code"]: s for s in data["sites"]}
    assert by_commune["96501"]["lon"] == pytest.approx(2.25, abs=1e-5)
    assert by_commune["96501"]["lat"] == pytest.approx(45.05, abs=1e-5)
    assert by_commune["96001"]["nom"] == "Boulangerie-pâtisserie"


def test_ids_are_stable_across_editions(tmp_path):
    a = read_bpe(_write(tmp_path, RECENT), COMMUNES)
    b = read_bpe(_write(tmp_path, RECENT.replace("2023;", "2024;"), "bpe24.csv"), COMMUNES)
    assert [s["id"] for s in a["sites"]] == [s["id"] for s in b["sites"]]


def test_a_file_that_is_not_the_bpe_is_refused_in_french(tmp_path):
    with pytest.raises(TerritoryImportError, match="colonnes de la BPE absentes : TYPEQU"):
        read_bpe(_write(tmp_path, "DEPCOM;LONGITUDE;LATITUDE\n96001;2.0;45.0\n"), COMMUNES)


def test_theme_selects_bpe_sites_only():
    sites = pd.DataFrame({"site_id": ["s1", "s2"], "kind": ["equipement_quotidien", "france_services"],
                          "status": ["active", "active"], "reseaux_porteurs": [[], ["france-service"]]})
    offers = pd.DataFrame({"offer_id": ["o1", "o2"], "site_id": ["s1", "s2"], "thematiques": [[], ["numerique"]],
                           "publics": [[], []], "delivery_mode": ["on_site", "on_site"], "status": ["active", "active"],
                           "zone_eligibilite": [None, None], "reseaux_porteurs": [[], ["france-service"]]})
    assert select_destinations(offers, sites, everyday_equipment_theme())["site_id"].tolist() == ["s1"]
    themes = themes_for_catalog(default_themes(), sites)
    assert themes[-1].key == "equipements_quotidien" and len(themes) == len(default_themes()) + 1
    assert [t.key for t in themes_for_catalog(default_themes(), sites.iloc[1:])] == [t.key for t in default_themes()]
    # no BPE theme in the category themes: the BPE offers have no thématique
    assert all(select_destinations(offers, sites, t)["site_id"].tolist() != ["s1"] for t in default_themes())


def test_cli_bpe_imports_then_replaces(settings, db_url, tmp_path):
    factory = make_sessionmaker(make_engine(db_url))
    with factory() as session:
        store_territory(session, tiny_bundle())
        session.commit()
    env = {"MAPAPP_DATA_DIR": str(settings.data_dir), **WEB_ENV}
    result = CliRunner().invoke(main, ["territory", "bpe", str(_write(tmp_path, RECENT))], env=env)
    assert result.exit_code == 0, result.output
    assert "3 équipements du quotidien" in result.output
    with factory() as session:
        assert len(session.scalars(select(Site).where(Site.kind == "equipement_quotidien")).all()) == 3
        sites, offers = catalog_tables(session)
        assert len(select_destinations(offers, sites, everyday_equipment_theme())) == 3
    result = CliRunner().invoke(main, ["territory", "bpe", str(_write(tmp_path, OLD, "old.csv"))], env=env)
    assert result.exit_code == 0, result.output
    with factory() as session:
        kept = session.scalars(select(Site).where(Site.kind == "equipement_quotidien")).all()
        assert sorted(s.commune_code for s in kept) == ["96001", "96501"]
