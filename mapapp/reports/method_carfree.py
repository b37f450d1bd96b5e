"""The method sentences of the car-free modes (issue 17), in French, for pages and reports.

The rules are :mod:`mapapp.access.carfree`'s; the values (day, window, speeds,
service hours) are read from the manifest's ``graph`` entry that
:mod:`mapapp.compute_carfree` writes, so the text says what was computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from mapapp import formats


def _hhmm(seconds) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"


def carfree_lines(mode: str, graph: Mapping | None) -> list[str]:
    """The sentences of ``transit``, ``tad`` or ``sans_voiture`` (empty for another mode)."""
    graph = graph or {}
    spec = graph.get("carfree") or {}
    window = spec.get("window") or [8 * 3600, 10 * 3600]
    step = int(spec.get("step_s", 300)) // 60
    span = f"départs de {_hhmm(window[0])} à {_hhmm(window[1])} toutes les {step} minutes"
    if mode == "transit":
        day = graph.get("service_date")
        day_fr = formats.date(dt.date.fromisoformat(day)) if day else "un mardi de période scolaire"
        return [f"Transport en commun : horaires GTFS du {day_fr} ({', '.join(graph.get('feeds') or [])}), {span} ; "
                "pour chaque habitant, le temps médian jusqu'au lieu le plus tôt atteint, attente au domicile "
                "comprise, marche jusqu'à l'arrêt et depuis l'arrêt en ligne droite × 1,3 à 4,5 km/h (au plus "
                f"{formats.number(spec.get('access_m', 1200), 0)} m), correspondances à pied, marche de bout en bout "
                "comprise. Seuls comptent les lieux ouverts à toutes les communes (Connection Scan Algorithm, "
                "profils). Retour dans la demi-journée : arrivée, une heure sur place, retour avant "
                f"{_hhmm(spec.get('home_by_s', 45000))}."]
    if mode == "tad":
        tad, sol = spec.get("tad") or {}, spec.get("solidaire") or {}

        def rule(r, default):
            f = r.get("speed_factor", default[0])
            s = r.get("service") or default[1]
            return f"temps en voiture × {formats.number(f, 2)}, de {_hhmm(s[0])} à {_hhmm(s[1])} du lundi au vendredi"
        return [f"Transport à la demande : là où une zone de transport à la demande du catalogue dessert la commune "
                f"de l'habitant, {rule(tad, (1.25, (30600, 63000)))} ; transport solidaire ouvert à tous : "
                f"{rule(sol, (1.0, (32400, 61200)))}. Médiane sur les {span} (départ hors service : "
                "impossible). La réservation se fait à l'avance (délai indiqué par la solution), non comptée dans "
                "le temps."]
    if mode == "sans_voiture":
        means = "marche, vélo, transport en commun et transport à la demande" if graph.get("transit") else \
            "marche, vélo et transport à la demande (aucun horaire de transport importé)"
        return [f"Sans voiture : pour chaque habitant, le plus rapide de : {means} ; le moyen retenu est indiqué. "
                "Une commune est desservie seulement en voiture quand un habitant au moins est sous le seuil en "
                "voiture et aucun sans voiture."]
    return []
