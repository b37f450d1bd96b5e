"""`mapapp territory import --gtfs` (with a territory, or alone) and `mapapp territory gtfs`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mapapp.cli import main
from tests.test_cli_territory import count, write_territory
from tests.territory.gtfs_fixtures import BASE, write_feed
from tests.territory.territory_fixtures import communes_lambert93


def _inside_stops() -> dict:
    """The base feed's three stops moved inside the fixture communes (Seine-et-Marne)."""
    west, south, east, north = communes_lambert93().to_crs(4326).total_bounds
    rows = [BASE["stops.txt"][0]]
    for k, row in enumerate(BASE["stops.txt"][1:]):
        lon = west + (east - west) * (0.3 + 0.2 * k)
        lat = south + (north - south) * (0.3 + 0.2 * k)
        rows.append([row[0], row[1], f"{lat:.6f}", f"{lon:.6f}"])
    return {"stops.txt": rows}


@pytest.fixture
def env(tmp_path):
    return {"MAPAPP_DATA_DIR": str(tmp_path / "var")}


def _manifest(tmp_path):
    path = tmp_path / "var" / "gtfs" / "feeds.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _zips(tmp_path):
    folder = tmp_path / "var" / "gtfs"
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".zip") if folder.exists() else []


def test_territory_and_feed_imported_together_then_listed(tmp_path, env):
    feed = write_feed(tmp_path / "Cars 77.zip", _inside_stops())
    result = CliRunner().invoke(main, write_territory(tmp_path) + ["--gtfs", str(feed)], env=env)
    assert result.exit_code == 0, result.output
    assert "Horaires GTFS : cars-77 ajouté" in result.output
    assert "hors du territoire" not in result.output
    assert count(tmp_path / "var" / "mapapp.sqlite", "commune") == 5
    entry, = _manifest(tmp_path)["feeds"]
    assert (entry["name"], entry["first_date"], entry["last_date"], entry["departement"]) == \
        ("cars-77", "2026-09-01", "2026-12-18", "77")
    assert (tmp_path / "var" / "gtfs" / entry["file"]).read_bytes() == feed.read_bytes()
    listing = CliRunner().invoke(main, ["territory", "gtfs"], env=env)
    assert listing.exit_code == 0
    assert listing.output.startswith("cars-77 : du 01/09/2026 au 18/12/2026")
    assert "1 ligne, 2 courses, 3 arrêts" in listing.output


def test_gtfs_alone_keeps_the_territory_and_warns_about_stops_outside(tmp_path, env):
    assert CliRunner().invoke(main, write_territory(tmp_path), env=env).exit_code == 0
    db = tmp_path / "var" / "mapapp.sqlite"
    before = db.read_bytes()
    far = write_feed(tmp_path / "loin.zip")  # the base stops are in the Massif central, not in Seine-et-Marne
    result = CliRunner().invoke(main, ["territory", "import", "--gtfs", str(far)], env=env)
    assert result.exit_code == 0, result.output
    assert "3 arrêt(s) hors du territoire" in result.output and "arrêt « C » (Charlie) hors du territoire" in result.output
    assert "Horaires GTFS : loin ajouté" in result.output
    assert db.read_bytes() == before  # the territory is untouched
    again = CliRunner().invoke(main, ["territory", "import", "--gtfs", str(far)], env=env)
    assert "loin inchangé" in again.output


def test_gtfs_alone_without_a_territory_is_refused(tmp_path, env):
    result = CliRunner().invoke(main, ["territory", "import", "--gtfs", str(write_feed(tmp_path / "f.zip"))], env=env)
    assert result.exit_code != 0
    assert "Aucun territoire enregistré" in result.output
    assert _manifest(tmp_path) is None


def test_partial_territory_options_say_what_is_missing(tmp_path, env):
    result = CliRunner().invoke(main, ["territory", "import", "--name", "X", "--gtfs",
                                       str(write_feed(tmp_path / "f.zip"))], env=env)
    assert result.exit_code == 2
    assert "Option(s) manquante(s) pour importer un territoire : --departement, --communes, --osm" in result.output
    nothing = CliRunner().invoke(main, ["territory", "import"], env=env)
    assert nothing.exit_code == 2 and "--name, --departement, --communes, --osm" in nothing.output


def test_a_bad_feed_with_the_territory_writes_nothing(tmp_path, env):
    bad = write_feed(tmp_path / "bad.zip", drop=("stop_times.txt",))
    result = CliRunner().invoke(main, write_territory(tmp_path) + ["--gtfs", str(bad)], env=env)
    assert result.exit_code != 0
    assert "bad.zip (stop_times.txt) : fichier obligatoire absent ou vide" in result.output
    assert "rien n'a été enregistré" in result.output
    assert not (tmp_path / "var" / "mapapp.sqlite").exists() and _manifest(tmp_path) is None


def test_a_bad_feed_alone_leaves_the_stored_feeds_as_they_were(tmp_path, env):
    good = write_feed(tmp_path / "cars.zip", _inside_stops())
    assert CliRunner().invoke(main, write_territory(tmp_path) + ["--gtfs", str(good)], env=env).exit_code == 0
    manifest, zips = _manifest(tmp_path), _zips(tmp_path)
    # same name, broken content: must not replace the good one
    broken = write_feed(tmp_path / "new" / "cars.zip", {"stop_times.txt": BASE["stop_times.txt"] + [
        ["T1", "7h", "7h", "A", "9"]]})
    result = CliRunner().invoke(main, ["territory", "import", "--gtfs", str(broken)], env=env)
    assert result.exit_code != 0 and "heure illisible « 7h »" in result.output
    assert _manifest(tmp_path) == manifest and _zips(tmp_path) == zips


def test_a_database_failure_leaves_the_stored_feeds_as_they_were(tmp_path, env, monkeypatch):
    import mapapp.services

    def failing(session, bundle):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(mapapp.services, "store_territory", failing)
    feed = write_feed(tmp_path / "cars.zip", _inside_stops())
    result = CliRunner().invoke(main, write_territory(tmp_path) + ["--gtfs", str(feed)], env=env)
    assert isinstance(result.exception, RuntimeError)
    assert _manifest(tmp_path) is None and _zips(tmp_path) == []


def test_dry_run_and_removal(tmp_path, env):
    assert CliRunner().invoke(main, write_territory(tmp_path), env=env).exit_code == 0
    feed = write_feed(tmp_path / "cars.zip", _inside_stops())
    dry = CliRunner().invoke(main, ["territory", "import", "--gtfs", str(feed), "--dry-run"], env=env)
    assert dry.exit_code == 0 and "cars du 01/09/2026 au 18/12/2026 ; rien n'a été enregistré" in dry.output
    assert _manifest(tmp_path) is None
    assert CliRunner().invoke(main, ["territory", "import", "--gtfs", str(feed)], env=env).exit_code == 0
    unknown = CliRunner().invoke(main, ["territory", "gtfs", "--supprimer", "bus"], env=env)
    assert unknown.exit_code != 0 and "Réseau inconnu : bus" in unknown.output
    removed = CliRunner().invoke(main, ["territory", "gtfs", "--supprimer", "cars"], env=env)
    assert removed.exit_code == 0 and "cars retiré" in removed.output
    assert _manifest(tmp_path)["feeds"] == [] and _zips(tmp_path) == []
    empty = CliRunner().invoke(main, ["territory", "gtfs"], env=env)
    assert "Aucun horaire GTFS importé" in empty.output


def test_stored_feeds_read_back_under_their_names(tmp_path, env):
    from mapapp.territory.gtfs import timetable_for_day
    from mapapp.territory.gtfs_store import load_stored_feeds

    feed = write_feed(tmp_path / "Cars 77.zip", _inside_stops())
    assert CliRunner().invoke(main, write_territory(tmp_path) + ["--gtfs", str(feed)], env=env).exit_code == 0
    feed.unlink()  # the store keeps its own copy
    loaded = load_stored_feeds(tmp_path / "var")
    assert [f.name for f in loaded] == ["cars-77"]
    assert timetable_for_day(loaded, "2026-09-15").n_connections == 4
