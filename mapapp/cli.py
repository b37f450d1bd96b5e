"""The ``mapapp`` command line.

Every command reads its settings from the environment (see :mod:`mapapp.config`):
``MAPAPP_DATA_DIR``, ``MAPAPP_DATABASE_URL``, ``MAPAPP_DEMO_DIR``, ``MAPAPP_SECRET_KEY``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from mapapp.config import load_settings


def _progress(message: str) -> None:
    click.echo(message, err=True)


class _ByteProgress:
    """Download progress on stderr: ``progress(done_bytes, total_bytes | None)`` (one bar per file)."""

    def __init__(self):
        self._bar = None

    def __call__(self, done: int, total: int | None) -> None:
        from tqdm import tqdm

        if self._bar is None or done < self._bar.n:
            if self._bar is not None:
                self._bar.close()
            self._bar = tqdm(total=total, unit="B", unit_scale=True, desc="téléchargement", file=sys.stderr)
        self._bar.update(done - self._bar.n)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mapapp")
def main() -> None:
    """mapapp : cartographie de l'offre d'insertion d'un département et de son accessibilité.

    Settings come from the environment: MAPAPP_DATA_DIR (./var), MAPAPP_DATABASE_URL
    (SQLite file in the data folder), MAPAPP_DEMO_DIR (./geodata/demo), MAPAPP_SECRET_KEY.
    """


# --------------------------------------------------------------------------- db


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Apply the migrations to the configured database (creates it if needed)."""
    from mapapp.catalog.db import upgrade

    settings = load_settings()
    upgrade(settings.database_url, revision)
    click.echo(f"Base de données à jour ({settings.database_url}).")


# --------------------------------------------------------------------------- demo


@main.group()
def demo() -> None:
    """The fictional demo département (generated deterministically)."""


@demo.command("generate")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: MAPAPP_DEMO_DIR, ./geodata/demo).")
@click.option("--seed", type=int, default=96, show_default=True, help="Random seed; same seed, same bytes.")
def demo_generate(out_dir: Path | None, seed: int) -> None:
    """Generate the demo territory files: communes, grids, population, roads (OSM XML), catalog."""
    from mapapp.demo import generate_demo

    out_dir = out_dir or load_settings().demo_dir
    start = time.perf_counter()
    summary = generate_demo(out_dir, seed=seed, progress=_progress)
    click.echo(f"Territoire de démonstration écrit dans {out_dir} en {time.perf_counter() - start:.1f} s")
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))


@demo.command("load")
@click.option("--generate/--no-generate", default=True, show_default=True,
              help="Generate the demo files first if they are missing.")
def demo_load(generate: bool) -> None:
    """Load the demo territory and catalog into the database (idempotent)."""
    from mapapp.services import load_territory_and_catalog

    settings = load_settings()
    if not (settings.demo_dir / "territory.json").exists():
        if not generate:
            raise click.ClickException(f"Pas de territoire de démonstration dans {settings.demo_dir}")
        from mapapp.demo import generate_demo

        generate_demo(settings.demo_dir, progress=_progress)
    report = load_territory_and_catalog(settings, settings.demo_dir, progress=_progress)
    click.echo(report)


# --------------------------------------------------------------------------- territory


@main.group()
def territory() -> None:
    """Bring a real territory: communes, populations, grids and the OSM road file."""


def _report_issues(report) -> None:
    for issue in report.infos:
        click.echo(f"info : {issue}", err=True)
    for issue in report.warnings:
        click.echo(f"avertissement : {issue}", err=True)
    for issue in report.errors:
        click.echo(f"ERREUR : {issue}", err=True)


@territory.command("import")
@click.option("--name", required=True, help="Territory name shown to users (e.g. « Corse-du-Sud »).")
@click.option("--departement", required=True, help="Département code (2A, 40, 974...); other communes are buffer.")
@click.option("--communes", "communes_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Commune polygons: GeoJSON, shapefile or GeoPackage, any CRS (IGN ADMIN EXPRESS, france-geojson...).")
@click.option("--commune-table", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with code, population (and code_epci, nom_epci for the EPCI grid).")
@click.option("--population-grid", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="INSEE squares (GeoPackage); without it, one population point per commune.")
@click.option("--population-column", default="Ind", show_default=True, help="Inhabitants column of the squares.")
@click.option("--grid", "grid_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Grid CSV (grid,code,nom,commune or commune + one column per grid); repeatable.")
@click.option("--osm", "osm_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="OpenStreetMap road extract (PBF, XML or .osm.bz2) covering the communes and a buffer.")
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
def territory_import(name, departement, communes_path, commune_table, population_grid, population_column,
                     grid_files, osm_path, dry_run) -> None:
    """Import a real territory from files; every problem is reported with its line or INSEE code.

    Nothing is written when there is any error (or with --dry-run).
    """
    from mapapp.services import store_bundle
    from mapapp.territory.io import bundle_from_files
    from mapapp.territory.validation import ImportReport

    report = ImportReport()
    _progress("Lecture et contrôle des fichiers du territoire")
    bundle = bundle_from_files(
        name, departement, communes_path, commune_table=commune_table, population_grid=population_grid,
        population_weight_col=population_column, grid_files=grid_files, osm_path=osm_path.resolve(),
        sources={"communes": str(communes_path), "osm": str(osm_path),
                 "population": str(population_grid or commune_table or communes_path)},
        report=report,
    )
    _report_issues(report)
    if not report.ok:
        raise click.ClickException(f"{len(report.errors)} erreur(s) : rien n'a été enregistré.")
    if dry_run:
        click.echo(f"Contrôle terminé (--dry-run) : {len(bundle.communes)} communes, "
                   f"{len(bundle.population_points)} points de population ; rien n'a été enregistré.")
        return
    click.echo(store_bundle(load_settings(), bundle))


@territory.command("fetch")
@click.option("--departement", required=True, help="Département code (2A, 40, 974...).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Download cache (default: $MAPAPP_DATA_DIR/downloads).")
@click.option("--refresh", is_flag=True, help="Download again even when cached.")
@click.option("--import/--no-import", "do_import", default=True, show_default=True,
              help="Import the downloaded territory into the database.")
def territory_fetch(departement, cache_dir, refresh, do_import) -> None:
    """Download a département's communes, populations, OSM extract and the France Services list.

    Needs network access to the public sources (see mapapp/territory/fetch.py);
    files are cached, partial downloads resumed, checksums verified.
    """
    from mapapp.services import store_bundle
    from mapapp.territory.fetch import FetchError, OfflineError, bundle_from_fetched, fetch_departement
    from mapapp.territory.validation import ImportReport

    settings = load_settings()
    cache_dir = cache_dir or settings.data_dir / "downloads"
    try:
        paths = fetch_departement(departement, cache_dir, refresh=refresh, progress=_ByteProgress())
    except OfflineError as exc:
        raise click.ClickException(f"Pas de connexion aux sources publiques : {exc}") from None
    except FetchError as exc:
        raise click.ClickException(f"Téléchargement incomplet : {exc}") from None
    for key, path in sorted(paths.items()):
        click.echo(f"{key} : {path}")
    if not do_import:
        return
    report = ImportReport()
    bundle = bundle_from_fetched(departement, paths, report=report)
    _report_issues(report)
    if not report.ok:
        raise click.ClickException(f"{len(report.errors)} erreur(s) : rien n'a été enregistré.")
    click.echo(store_bundle(settings, bundle))


# --------------------------------------------------------------------------- compute


@main.command()
@click.option("--mode", "modes", multiple=True, type=click.Choice(["car", "walk", "bike"]),
              help="Travel mode(s) to compute (default: all three).")
@click.option("--workers", type=int, default=None, help="Worker processes (default: number of cores).")
@click.option("--force", is_flag=True, help="Recompute every theme even if its inputs did not change.")
def compute(modes: tuple[str, ...], workers: int | None, force: bool) -> None:
    """Compute travel-time accessibility for the current territory and store the results.

    Builds (or reloads from cache) the road graph of each mode from the
    territory's OpenStreetMap file, then measures access to every theme;
    only themes whose inputs changed since the last run are recomputed.
    """
    import os

    from mapapp.compute import ComputeError, run_compute
    from mapapp.network import MODES

    settings = load_settings()
    try:
        report = run_compute(settings, modes=modes or MODES, workers=workers or os.cpu_count() or 1,
                             force=force, progress=_progress)
    except ComputeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary())


# --------------------------------------------------------------------------- web


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False, show_default=True)
def serve(host: str, port: int, debug: bool) -> None:
    """Serve the web application (development server; use a WSGI server in production)."""
    from mapapp.web import create_app

    app = create_app()
    app.run(host=host, port=port, debug=debug)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
