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
