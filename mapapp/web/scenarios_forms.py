"""The proposals form of a scenario page: its choices and the strict reading of its parameters (issue 14).

Shared by the pages (:mod:`mapapp.web.scenarios_proposals`) and the JSON API
(:mod:`mapapp.web.scenarios_api`): the same names, the same limits, the same
French errors (:class:`ProposalError`, a 400).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from mapapp.catalog.models import Site
from mapapp.catalog.settings_store import StoredSettingsError, current_settings
from mapapp.placement_run import ITINERANT_KIND

KINDS = {"meilleur-lieu": "Meilleurs emplacements d'un nouveau lieu",
         "fermetures": "Lieux dont la fermeture ferait perdre le moins d'habitants",
         "tournee": "Arrêts et fréquences d'une tournée itinérante"}
MODES = {"car": "en voiture", "bike": "à vélo", "walk": "à pied"}
PARAMETERS = ("type", "theme", "public", "mode", "seuil", "k", "tournee", "demi_journees", "max_par_arret",
              "visites_utiles", "candidats")
#: Where the planners' candidate lists are kept, under the data folder
#: (:func:`mapapp.catalog.candidates.save_candidates`).
CANDIDATES_DIR = "candidats"


class ProposalError(ValueError):
    """A bad proposals parameter (French message naming it)."""


@dataclass(frozen=True)
class ProposalForm:
    themes: list[tuple[str, str]]
    publics: list[tuple[str, str]]
    routes: list[str]
    kinds: dict
    modes: dict


def proposal_form(session) -> ProposalForm:
    try:
        access = current_settings(session)
        themes = [(t.key, t.label) for t in access.themes]
        publics = [(p.key, p.label) for p in access.publics]
    except StoredSettingsError:
        themes, publics = [], [("tous", "Tout le monde")]
    routes = sorted(set(session.scalars(select(Site.itinerant_route).where(
        Site.kind == ITINERANT_KIND, Site.itinerant_route.is_not(None)))))
    return ProposalForm(themes, publics, routes, KINDS, MODES)


def _int(args, name: str, default: int, low: int, high: int) -> int:
    value = (args.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ProposalError(f"« {name} » doit être un nombre entier de {low} à {high} (reçu : {value!r}).")
    return int(value)


def parse_proposal(args, form: ProposalForm) -> dict:
    """The checked parameters of a proposals request (``args``: a mapping of strings)."""
    kind = args.get("type", "")
    if kind not in KINDS:
        raise ProposalError(f"Type de proposition inconnu : {kind!r} (parmi {', '.join(KINDS)}).")
    theme = args.get("theme", "")
    if theme not in dict(form.themes):
        raise ProposalError(f"Thème inconnu : {theme!r}.")
    public = args.get("public") or "tous"
    if public not in dict(form.publics):
        raise ProposalError(f"Public inconnu : {public!r}.")
    mode = args.get("mode") or "car"
    if mode not in MODES:
        raise ProposalError(f"Mode inconnu : {mode!r} (car, bike ou walk).")
    threshold = (args.get("seuil") or "").strip().replace(",", ".")
    seuil = None
    if threshold:
        try:
            seuil = float(threshold)
        except ValueError:
            seuil = -1.0
        if not 0.5 <= seuil <= 600:
            raise ProposalError(f"Seuil invalide : {threshold!r} (en minutes, de 0,5 à 600).")
    out = {"type": kind, "theme": theme, "public": public, "mode": mode}
    if kind == "meilleur-lieu":
        out.update(seuil=seuil, k=_int(args, "k", 3, 1, 10))
        given = (args.get("candidats") or "").strip()
        if given:
            if len(given) != 16 or any(ch not in "0123456789abcdef" for ch in given):
                raise ProposalError(f"Liste de candidats invalide : {given!r} (envoyez la liste depuis la page "
                                    "du scénario).")
            out["candidats"] = given
    elif kind == "fermetures":
        out.update(k=_int(args, "k", 10, 1, 50))
    else:
        route = args.get("tournee", "")
        if route not in form.routes:
            raise ProposalError(f"Tournée inconnue : {route!r}.")
        out.update(seuil=seuil, tournee=route, demi_journees=_int(args, "demi_journees", 4, 0, 62),
                   max_par_arret=_int(args, "max_par_arret", 1, 1, 62),
                   visites_utiles=_int(args, "visites_utiles", 1, 1, 62))
    return out


def run_proposal(settings, params: dict, progress, scenario_id: int | None = None) -> dict:
    """Compute the proposal (:mod:`mapapp.placement_run`) on the scenario's catalog (the live one without
    ``scenario_id``) and return it as plain JSON-able data."""
    from mapapp import placement_run as pr

    kind = params["type"]
    common = {"progress": progress, "scenario_id": scenario_id}
    if kind == "meilleur-lieu":
        candidates = None
        if params.get("candidats"):
            from mapapp.catalog.candidates import load_candidates
            from mapapp.compute import ComputeError

            candidates = load_candidates(settings.data_dir / CANDIDATES_DIR, params["candidats"])
            if candidates is None:
                raise ComputeError("Liste de candidats introuvable : envoyez-la de nouveau depuis la page du "
                                   "scénario.")
        answer = pr.best_place_report(settings, params["theme"], params["mode"], params["k"],
                                      threshold_min=params["seuil"], public=params["public"],
                                      candidates=candidates, **common)
        k = params["k"]
        summary = answer.placement.summary
        chosen = answer.placement.choices[answer.placement.choices["k"] == k].sort_values("rank")
        best = summary[summary["k"] == k].iloc[0]
        rows = [{"id": r.candidate_id, "population": r.population_new, "population_seule": r.population_only_new}
                for r in chosen.itertuples(index=False)]
        extra = {"population_nouvellement_couverte": float(best["population_newly_covered"]),
                 "optimal": bool(best["optimal"]),
                 "par_k": [{"k": int(r.k), "population_nouvellement_couverte": float(r.population_newly_covered),
                            "optimal": bool(r.optimal)} for r in summary.itertuples(index=False)],
                 "candidats": int(answer.extra.get("candidates", 0)),
                 "candidats_origines": answer.extra.get("origins", {}),
                 "liste_du_planificateur": bool(params.get("candidats"))}
    elif kind == "fermetures":
        answer = pr.closure_report(settings, params["theme"], params["mode"], params["k"], public=params["public"],
                                   **common)
        rows = [{"id": r.site_id, "population": r.population_only_site, "population_desservie": r.population_reached}
                for r in answer.closures.itertuples(index=False)]
        extra = {}
    else:
        answer = pr.schedule_report(settings, params["theme"], params["tournee"], params["demi_journees"],
                                    params["mode"], max_per_stop=params["max_par_arret"],
                                    visits_needed=params["visites_utiles"], threshold_min=params["seuil"],
                                    public=params["public"], **common)
        s = answer.schedule
        rows = [{"id": r.stop_id, "population": r.population_reached, "demi_journees": int(r.visits),
                 "population_seule": r.population_only} for r in s.stops.itertuples(index=False)]
        extra = {"population_au_dela": s.population_beyond, "population_atteinte": s.population_reached,
                 "population_servie": s.population_served, "optimal": s.optimal, "methode": s.method}
    places = answer.places.set_index("id")
    for row in rows:
        p = places.loc[row["id"]] if row["id"] in places.index else None
        row.update(nom=str(p["nom"]) if p is not None else row["id"],
                   commune=str(p["commune"]) if p is not None else None,
                   commune_nom=str(p["commune_nom"]) if p is not None else None,
                   origine=str(p["origine"]) if p is not None and "origine" in p.index and p["origine"] == p["origine"]
                   else None,
                   lon=float(p["lon"]) if p is not None and p["lon"] == p["lon"] else None,
                   lat=float(p["lat"]) if p is not None and p["lat"] == p["lat"] else None)
        row["population"] = float(row["population"])
    return {"parametres": params, "theme_libelle": answer.theme.label, "seuil_min": answer.threshold_min,
            "propositions": rows, **extra}
