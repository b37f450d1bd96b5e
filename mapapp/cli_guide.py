"""``mapapp guide``: the territorial guide (PDF or HTML booklet, or its easy-to-read version) from the live catalog."""

from __future__ import annotations

import time
from pathlib import Path

import click

from mapapp.config import load_settings
from mapapp.formats import duration, number


@click.command("guide", help=(
    "Écrire le guide d'un territoire à partir du catalogue en ligne : pour chaque thème, les offres ouvertes, "
    "leurs lieux et horaires, les contacts, la façon de les solliciter et un QR code vers chaque fiche en ligne "
    "(adresses construites depuis MAPAPP_BASE_URL).\n\n"
    "Deux versions : « livret » (complet) et « facile » (facile à lire et à comprendre, FALC : phrases courtes, "
    "gros caractères, un pictogramme par thème). --professionnel ajoute les contacts directs et les notes "
    "d'orientation réservés aux professionnels : ne remettez pas ce guide au public."))
@click.option("--unit", "--territoire", "unit", default=None, metavar="MAILLE:CODE",
              help="Territoire : epci:200096001, canton:9601, territoire_action_sociale:TAS1, commune:96001 ; "
                   "sans option, tout le département (voir --list-units).")
@click.option("--theme", "themes", multiple=True, metavar="THÈME",
              help="Thème (catégorie data·inclusion, par exemple trouver-un-emploi ; répétable ; « all » pour tous). "
                   "Par défaut : emploi, mobilité, numérique, démarches, santé, logement (voir --list-themes).")
@click.option("--variant", "--version", "variant", type=click.Choice(["livret", "facile"]), default="livret",
              show_default=True, help="Livret complet, ou version courte facile à lire (FALC).")
@click.option("--professionnel", "professional", is_flag=True,
              help="Version professionnelle : ajoute les contacts directs et les notes d'orientation.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), default="pdf", show_default=True,
              help="PDF (A4, balisé PDF/UA) ou fichier HTML autonome.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Fichier de sortie (par défaut : guide-<territoire>[-facile].<format> dans le dossier courant).")
@click.option("--list-units", is_flag=True, help="Lister les territoires possibles, puis s'arrêter.")
@click.option("--list-themes", is_flag=True, help="Lister les thèmes possibles, puis s'arrêter.")
def guide(unit, themes, variant, professional, fmt, out, list_units, list_themes) -> None:
    """Write a territory's guide from the live catalog (booklet or easy-to-read, PDF or HTML)."""
    from mapapp.catalog import vocab
    from mapapp.cli import _open_session, _progress
    from mapapp.guides import GuideError, build_guide, render_guide

    if list_themes:
        for key, label in vocab.CATEGORIES.items():
            click.echo(f"{key}\t{label}")
        return
    settings = load_settings()
    engine, session = _open_session(settings)
    try:
        if list_units:
            from mapapp.catalog.territory_store import read_communes, read_grids
            from mapapp.reports.units import unit_choices

            for key, grid, name in unit_choices(read_communes(session, include_buffer=False), read_grids(session)):
                click.echo(f"{key}\t{grid}\t{name}")
            return
        start = time.perf_counter()
        _progress("Lecture du catalogue")
        try:
            data = build_guide(session, unit=unit, themes=themes, variant=variant, professional=professional,
                               base_url=settings.public_url)
        except GuideError as exc:
            raise click.ClickException(str(exc)) from None
        _progress("Mise en page" + (" du PDF" if fmt == "pdf" else " HTML"))
        content = render_guide(data, fmt)
        suffix = ("-facile" if variant == "facile" else "") + ("-pro" if professional else "")
        out = out or Path(f"guide-{data.unit.key.replace(':', '-')}{suffix}.{fmt}")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
        click.echo(f"Guide écrit dans {out} : {data.n_offers} offre(s), "
                   f"{number(len(content) // 1024)}\u00a0Ko, {duration(time.perf_counter() - start)}.")
    finally:
        session.close()
        engine.dispose()


def register(main: click.Group) -> None:
    main.add_command(guide)
