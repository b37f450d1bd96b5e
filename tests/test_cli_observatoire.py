"""``mapapp territory besoins`` / ``references``: French messages, secrecy on import, nothing written on error."""

from click.testing import CliRunner
from sqlalchemy import func, select

from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.catalog.models import NeedCount, NeedSeries, ReferenceValue
from mapapp.catalog.needs_store import read_need_counts, reference_values
from mapapp.catalog.territory_store import store_territory
from mapapp.cli import main
from tests.env import WEB_ENV
from tests.territory.bundles import tiny_bundle


def _env(settings, db_url, **extra):
    factory = make_sessionmaker(make_engine(db_url))
    with factory() as session:
        store_territory(session, tiny_bundle())
        session.commit()
    return {"MAPAPP_DATA_DIR": str(settings.data_dir), **WEB_ENV, **extra}, factory


def test_besoins_stores_with_secrecy_and_never_the_secret_value(settings, db_url, tmp_path):
    env, factory = _env(settings, db_url)
    path = tmp_path / "rsa.csv"
    path.write_text("commune;effectif\n96001;154\n96002;7\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["territory", "besoins", str(path), "--indicateur", "rsa", "--annee", "2025",
                                       "--libelle", "Bénéficiaires du RSA"], env=env)
    assert result.exit_code == 0, result.output
    assert "2 effectifs masqués" in result.output
    with factory() as session:
        series, counts = read_need_counts(session, "rsa")
        assert series.label == "Bénéficiaires du RSA" and series.year == 2025 and series.secrecy_threshold == 11
        # 96002 (7) is primary; 96001 is then the only other cell of the EPCI: secondary
        assert dict(zip(counts["zone"], counts["secret"])) == {"96001": "secondaire", "96002": "primaire"}
        assert session.scalar(select(func.count()).select_from(NeedCount).where(NeedCount.count.is_not(None))) == 0


def test_besoins_with_errors_writes_nothing_and_keeps_the_previous_series(settings, db_url, tmp_path):
    env, factory = _env(settings, db_url)
    good = tmp_path / "rsa.csv"
    good.write_text("commune;effectif\n96001;154\n96002;70\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["territory", "besoins", str(good), "--indicateur", "rsa", "--annee", "2025"],
                              env=env).exit_code == 0
    bad = tmp_path / "rsa2.csv"
    bad.write_text("commune;effectif\n96001;154\n96777;70\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["territory", "besoins", str(bad), "--indicateur", "rsa", "--annee", "2025"],
                                env=env)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "ligne 3" in result.output and "96777" in result.output and "rien n'a été enregistré" in result.output
    with factory() as session:
        _, counts = read_need_counts(session, "rsa", 2025)
        assert dict(zip(counts["zone"], counts["count"])) == {"96001": 154, "96002": 70}


def test_besoins_threshold_setting_and_individual_files(settings, db_url, tmp_path):
    env, factory = _env(settings, db_url, MAPAPP_SECRET_THRESHOLD="100")
    path = tmp_path / "de.csv"
    path.write_text("commune;effectif\n96001;154\n96002;70\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["territory", "besoins", str(path), "--indicateur", "demandeurs_emploi",
                                       "--annee", "2024", "--dry-run"], env=env)
    assert result.exit_code == 0 and "rien n'a été enregistré" in result.output
    assert CliRunner().invoke(main, ["territory", "besoins", str(path), "--indicateur", "demandeurs_emploi",
                                     "--annee", "2024"], env=env).exit_code == 0
    with factory() as session:
        assert session.scalar(select(NeedSeries)).secrecy_threshold == 100
        _, counts = read_need_counts(session, "demandeurs_emploi")
        # 70 is under 100 (primary), 154 then the only other count of the EPCI (secondary)
        assert counts["secret"].tolist() == ["secondaire", "primaire"]
    individuals = tmp_path / "individus.csv"
    individuals.write_text("matricule;commune;effectif\nA1;96001;1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["territory", "besoins", str(individuals), "--indicateur", "x", "--annee",
                                       "2024"], env=env)
    assert result.exit_code != 0 and "données individuelles" in result.output
    result = CliRunner().invoke(main, ["territory", "besoins", str(path), "--indicateur", "RSA é", "--annee",
                                       "2024"], env=env)
    assert result.exit_code != 0 and "clé d'indicateur" in result.output


def test_references_import_and_lookup(settings, db_url, tmp_path):
    env, factory = _env(settings, db_url)
    path = tmp_path / "ref.csv"
    path.write_text("indicateur;zone;valeur;annee;source;unite\n"
                    "part_au_dela:france_services:car:20;France métropolitaine;5;2021;Insee Première;%\n"
                    "part_au_dela:france_services:car:20;47;9;2021;Insee Analyses;%\n"
                    "part_au_dela:france_services:car:20;France;5,2;2021;Insee Première;%\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["territory", "references", str(path)], env=env)
    assert result.exit_code == 0, result.output
    with factory() as session:
        refs = reference_values(session, "part_au_dela:france_services:car:20")
        assert [(r.zone, r.value) for r in refs] == [("france", 5.2), ("france_metro", 5.0), ("departement:47", 9.0)]
    bad = tmp_path / "bad.csv"
    bad.write_text("indicateur;zone;valeur;annee;source\nx;Atlantide;5;2021;s\nx;France;5;21;s\nx;France;5;2021;\n",
                   encoding="utf-8")
    result = CliRunner().invoke(main, ["territory", "references", str(bad)], env=env)
    assert result.exit_code != 0
    for line in ("ligne 2", "ligne 3", "ligne 4"):
        assert line in result.output
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ReferenceValue)) == 3
