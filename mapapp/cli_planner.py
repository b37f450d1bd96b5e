"""``mapapp scenario best-place | fermetures | tournee``: the planner's proposals from the command line (issue 14).

Registered on the ``scenario`` group by :func:`mapapp.cli_scenario.register`;
the work is :mod:`mapapp.placement_run` (which asks the engine).
"""

from __future__ import annotations

from pathlib import Path

import click

MODES = click.Choice(["car", "walk", "bike"])


def _common(f):
    f = click.option("--scenario", "scenario_id", type=int, default=None, metavar="N",
                     help="Sur le catalogue du scénario n° N (ses lieux ouverts, fermés, déplacés comptent) ; "
                          "par défaut le catalogue publié.")(f)
    f = click.option("--public", default=None, metavar="CLE",
                     help="Public des réglages (ex. jeunes) : seules les offres qui lui sont ouvertes comptent ; "
                          "par défaut tout le monde.")(f)
    f = click.option("--mode", type=MODES, default="car", show_default=True, help="Mode de déplacement.")(f)
    f = click.option("--theme", "theme_key", required=True, metavar="CLE",
                     help="Thème (clé des réglages, ex. accueil_departement).")(f)
    return f


def _read_candidates(path: Path):
    """The checked candidates of the planner's file (one French message per bad line, nothing computed)."""
    from mapapp.catalog.candidates import CandidateError, read_candidates
    from mapapp.catalog.db import make_engine, make_sessionmaker
    from mapapp.config import load_settings

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # a spreadsheet's « CSV (séparateur : point-virgule) »
    engine = make_engine(load_settings().database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return read_candidates(session, text)
    except CandidateError as exc:
        raise click.ClickException(f"{path.name} : {exc}") from None
    finally:
        engine.dispose()


def _run(fn, *args, **kwargs):
    from mapapp.compute import ComputeError
    from mapapp.config import load_settings

    try:
        return fn(load_settings(), *args, progress=lambda m: click.echo(m, err=True), **kwargs)
    except ComputeError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("best-place", help="Proposer les k meilleurs emplacements d'un nouveau lieu pour un thème : ceux qui "
               "couvrent le plus d'habitants aujourd'hui au-delà du seuil (problème de couverture maximale, "
               "résolu exactement par HiGHS), parmi les points principaux (mairies) des communes et les lieux "
               "partenaires actifs du territoire, ou parmi vos propres candidats (--candidats).")
@_common
@click.option("--k", "k_max", type=click.IntRange(1, 10), default=3, show_default=True,
              help="Nombre de nouveaux lieux (les solutions pour 1 à k sont données).")
@click.option("--seuil", "threshold", type=click.FloatRange(0.5, 600), default=None,
              help="Seuil en minutes (par défaut : le seuil principal du thème pour ce mode).")
@click.option("--candidats", "candidates_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, metavar="FICHIER",
              help="Fichier CSV de vos candidats : colonnes « nom, lon, lat » (WGS 84) ou « site_id » (lieux du "
                   "catalogue), ou une simple liste d'identifiants de lieux, un par ligne.")
def best_place(theme_key, mode, public, scenario_id, k_max, threshold, candidates_path) -> None:
    from mapapp.formats import integer, percent, threshold as fmt_threshold
    from mapapp.placement_run import best_place_report

    candidates = _read_candidates(candidates_path) if candidates_path is not None else None
    answer = _run(best_place_report, theme_key, mode, k_max, threshold_min=threshold, public=public,
                  scenario_id=scenario_id, candidates=candidates)
    placement = answer.placement
    places = answer.places.set_index("id")
    names = {i: f"{r['nom']} ({r['origine']}" + (f", {r['commune_nom']}" if r["origine"] != "mairie" else "") + ")"
             for i, r in places.iterrows()}
    click.echo(f"Thème « {placement.theme} », {mode}, public « {answer.public} », "
               f"seuil {fmt_threshold(placement.threshold_min)} :")
    for row in placement.summary.itertuples(index=False):
        chosen = placement.choices[placement.choices["k"] == row.k].sort_values("rank")
        sites = ", ".join(f"{names.get(c, c)} [{c}, +{integer(p)} hab.]"
                          for c, p in zip(chosen["candidate_id"], chosen["population_new"]))
        gain = row.population_newly_covered
        click.echo(f"  k = {row.k} : {sites} — {integer(gain)} habitants nouvellement à moins du seuil "
                   f"({percent(row.population_covered_after / row.population_total)} couverts, contre "
                   f"{percent(row.population_covered_before / row.population_total)}) ; "
                   f"{'optimum' if row.optimal else 'approché (glouton)'}")


@click.command("fermetures", help="Les lieux d'un thème dont la fermeture seule ferait perdre le moins d'habitants "
               "sous le seuil principal (habitants que ce lieu est seul à desservir).")
@_common
@click.option("--nombre", "limit", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Nombre de lieux listés.")
def fermetures(theme_key, mode, public, scenario_id, limit) -> None:
    from mapapp.formats import integer, threshold as fmt_threshold
    from mapapp.placement_run import closure_report

    answer = _run(closure_report, theme_key, mode, limit, public=public, scenario_id=scenario_id)
    places = answer.places.set_index("id")
    click.echo(f"Thème « {answer.theme.label} », {mode}, public « {answer.public} », seuil "
               f"{fmt_threshold(answer.threshold_min)} : fermer ce lieu seul laisserait au-delà du seuil…")
    if answer.closures.empty:
        click.echo("  aucun lieu ne propose ce thème.")
    for r in answer.closures.itertuples(index=False):
        nom = places.at[r.site_id, "nom"] if r.site_id in places.index else r.site_id
        click.echo(f"  {nom} ({r.site_id}) : {integer(r.population_only_site)} habitant(s) "
                   f"(il en dessert {integer(r.population_reached)} sous le seuil)")


@click.command("tournee", help="Proposer les arrêts et les fréquences d'une tournée itinérante (bus France Services) "
               "qui touchent le plus d'habitants aujourd'hui au-delà du seuil, pour un nombre de demi-journées "
               "par période (programme linéaire en nombres entiers résolu exactement par HiGHS).")
@_common
@click.option("--tournee", "route", required=True, help="Nom de la tournée (champ « tournée » des arrêts itinérants).")
@click.option("--demi-journees", "half_days", type=click.IntRange(0, 62), required=True,
              help="Demi-journées disponibles par période (semaine ou mois).")
@click.option("--max-par-arret", "max_per_stop", type=click.IntRange(1, 62), default=1, show_default=True,
              help="Demi-journées au plus par arrêt et par période.")
@click.option("--visites-utiles", "visits_needed", type=click.IntRange(1, 62), default=1, show_default=True,
              help="Visites par période pour qu'un habitant soit pleinement servi (ex. 4 sur un mois : chaque "
                   "semaine) ; en dessous, il compte au prorata.")
@click.option("--seuil", "threshold", type=click.FloatRange(0.5, 600), default=None,
              help="Seuil en minutes (par défaut : le seuil principal du thème pour ce mode).")
def tournee(theme_key, mode, public, scenario_id, route, half_days, max_per_stop, visits_needed, threshold) -> None:
    from mapapp.formats import integer, threshold as fmt_threshold
    from mapapp.placement_run import schedule_report

    answer = _run(schedule_report, theme_key, route, half_days, mode, max_per_stop=max_per_stop,
                  visits_needed=visits_needed, threshold_min=threshold, public=public, scenario_id=scenario_id)
    s, places = answer.schedule, answer.places.set_index("id")
    click.echo(f"Tournée « {route} », thème « {answer.theme.label} », {mode}, seuil {fmt_threshold(s.threshold_min)}, "
               f"{s.half_days} demi-journée(s) : {integer(s.population_reached)} des {integer(s.population_beyond)} "
               f"habitants au-delà du seuil des lieux fixes sont à moins du seuil d'un arrêt retenu "
               f"({'optimum' if s.optimal else 'approché (glouton)'}).")
    if s.stops.empty:
        click.echo("  aucun arrêt ne rapproche quelqu'un du seuil.")
    for r in s.stops.itertuples(index=False):
        click.echo(f"  {places.at[r.stop_id, 'nom']} ({r.stop_id}) : {r.visits} demi-journée(s), "
                   f"{integer(r.population_reached)} habitant(s) à moins du seuil")


def register(group: click.Group) -> None:
    for command in (best_place, fermetures, tournee):
        group.add_command(command)
