"""``mapapp observatoire``: dated snapshots and the comparison of two dates (issue 16 §1–2).

- ``instantane creer``: keep the current results and catalog as today's snapshot, or with
  ``--date`` rebuild the catalog of a past date from the change history and compute on it
  (:mod:`mapapp.snapshots`; the live catalog and results are not touched);
- ``instantane liste`` / ``instantane supprimer``;
- ``comparer D1 D2``: sites and offers opened, closed, changed, inhabitants gained or lost
  under the main threshold, zones blanches appeared or resolved (:mod:`mapapp.snapshot_compare`),
  with ``--export`` to CSV (ZIP) or XLSX (:mod:`mapapp.io.export_evolution`).
"""

from __future__ import annotations

from pathlib import Path

import click

from mapapp.config import load_settings
from mapapp.formats import count, date as date_fr, integer


@click.group("observatoire", help="Observatoire : instantanés datés des résultats et comparaison de deux dates.")
def observatoire() -> None:
    """Observatoire: dated snapshots and comparisons."""


@observatoire.group("instantane", help="Instantanés datés : catalogue, réglages et résultats gardés pour une date.")
def instantane() -> None:
    """Dated snapshots."""


def _day(value: str | None, what: str = "--date"):
    from mapapp.snapshots import SnapshotError, parse_day

    try:
        return parse_day(value, what)
    except SnapshotError as exc:
        raise click.BadParameter(str(exc)) from None


@instantane.command("creer", help="Garder un instantané daté.\n\nSans --date : les résultats du dernier « mapapp "
                    "compute » et le catalogue actuel, datés d'aujourd'hui. Avec --date AAAA-MM-JJ : le catalogue "
                    "de ce jour (fin de journée) reconstitué depuis l'historique des modifications, puis les temps "
                    "d'accès calculés dessus, sans toucher au catalogue ni aux résultats actuels (le territoire et "
                    "les réglages sont ceux d'aujourd'hui). Un instantané du même jour est remplacé.")
@click.option("--date", "day", default=None, metavar="AAAA-MM-JJ", help="Date passée à reconstituer.")
@click.option("--mode", "modes", multiple=True, type=click.Choice(["car", "walk", "bike"]),
              help="Modes calculés pour une date passée (par défaut : ceux des résultats actuels).")
@click.option("--workers", type=int, default=1, show_default=True, help="Processus de calcul (date passée).")
def creer(day, modes, workers) -> None:
    """Take a snapshot (today's results, or a past date rebuilt from history)."""
    from mapapp.cli import _progress
    from mapapp.snapshots import SnapshotError, rebuild_snapshot, take_snapshot

    settings = load_settings()
    try:
        if day is None:
            snap = take_snapshot(settings, kind="marque")
        else:
            snap = rebuild_snapshot(settings, _day(day), modes=modes, workers=workers, progress=_progress)
    except SnapshotError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Instantané du {date_fr(snap.day)} ({snap.kind_label}) : "
               f"{count(snap.counts.get('sites', 0), 'lieu', 'lieux')}, {count(snap.counts.get('offers', 0), 'offre')}"
               f" ; {snap.path}")


@instantane.command("liste", help="Lister les instantanés gardés, du plus ancien au plus récent.")
def liste() -> None:
    from mapapp.snapshots import list_snapshots, snapshots_root

    snaps = list_snapshots(snapshots_root(load_settings()))
    if not snaps:
        click.echo("Aucun instantané : « mapapp observatoire instantane creer » en garde un.")
    for s in snaps:
        click.echo(f"{s.key}\t{s.kind_label}\t{integer(s.counts.get('sites', 0))} lieux\t"
                   f"{integer(s.counts.get('offers', 0))} offres\t{s.by}")


@instantane.command("supprimer", help="Supprimer l'instantané d'une date.")
@click.argument("day", metavar="AAAA-MM-JJ")
def supprimer(day) -> None:
    from mapapp.snapshots import SnapshotError, remove_snapshot

    try:
        remove_snapshot(load_settings(), _day(day, "date"))
    except SnapshotError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Instantané du {day} supprimé.")


@observatoire.command("comparer", help="Comparer deux instantanés : lieux et offres ouverts, fermés, modifiés ; "
                      "habitants gagnés ou perdus sous le seuil principal par thème, public et territoire ; zones "
                      "blanches apparues ou résorbées.")
@click.argument("day1", metavar="D1")
@click.argument("day2", metavar="D2")
@click.option("--mode", default="car", show_default=True, type=click.Choice(["car", "walk", "bike"]),
              help="Mode résumé à l'écran (l'export les contient tous).")
@click.option("--export", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Écrire toute la comparaison : fichier .xlsx, ou .zip (un CSV par tableau).")
def comparer(day1, day2, mode, out) -> None:
    from mapapp.catalog.db import make_engine, make_sessionmaker, schema_problem
    from mapapp.io.export_evolution import comparison_bytes, comparison_tables, labels
    from mapapp.snapshot_compare import compare
    from mapapp.snapshots import SnapshotError, get_snapshot, snapshots_root

    settings = load_settings()
    root = snapshots_root(settings)
    try:
        a, b = get_snapshot(root, _day(day1, "D1")), get_snapshot(root, _day(day2, "D2"))
    except SnapshotError as exc:
        raise click.ClickException(str(exc)) from None
    comp = compare(a, b)
    engine = make_engine(settings.database_url)
    try:
        if problem := schema_problem(engine):
            raise click.ClickException(problem)
        with make_sessionmaker(engine)() as session:
            communes, units, variants = labels(session, b.store)
    finally:
        engine.dispose()
    for line in summary_lines(comp, communes, mode):
        click.echo(line)
    if out is not None:
        fmt = "xlsx" if out.suffix.lower() == ".xlsx" else "csv" if out.suffix.lower() == ".zip" else None
        if fmt is None:
            raise click.BadParameter("l'export est un fichier .xlsx ou .zip", param_hint="--export")
        out.write_bytes(comparison_bytes(fmt, comparison_tables(comp, communes, units, variants)))
        click.echo(f"Écrit : {out}")


def summary_lines(comp, communes: dict, mode: str) -> list[str]:
    """The French summary of a comparison (everyone, every site; ``mode``)."""
    lines = [f"Du {date_fr(comp.day_before)} au {date_fr(comp.day_after)} :"]
    for section, (one, many) in (("sites", ("lieu", "lieux")), ("offers", ("offre", "offres"))):
        lines.append(f"  {many} : {integer(comp.count(section, 'ouvert'))} ouvert(e)s, "
                     f"{integer(comp.count(section, 'ferme'))} fermé(e)s, {integer(comp.count(section, 'modifie'))} "
                     "modifié(e)s")
    pop = comp.population[(comp.population["variant"] == "tous") & (comp.population["mode"] == mode)
                          & (comp.population["grid"] == "all")]
    zones = comp.zones[(comp.zones["variant"] == "tous") & (comp.zones["mode"] == mode)]
    for row in pop.itertuples(index=False):
        gained = int(round(row.gained))
        z = zones[zones["theme"] == row.theme]
        if gained == 0 and z.empty:
            continue
        appeared = [communes.get(c, c) for c in z.loc[z["change"] == "apparue", "commune"]]
        resolved = [communes.get(c, c) for c in z.loc[z["change"] == "resorbee", "commune"]]
        text = f"  {comp.themes.get(row.theme, row.theme)} : {'+' if gained > 0 else ''}{integer(gained)} habitants " \
               "sous le seuil"
        if appeared:
            text += f" ; zones blanches apparues : {', '.join(appeared)}"
        if resolved:
            text += f" ; résorbées : {', '.join(resolved)}"
        lines.append(text)
    if len(lines) == 3:
        lines.append("  aucun changement d'accès (tous publics)")
    return lines


def register(main: click.Group) -> None:
    main.add_command(observatoire)
