"""The method as the pages and the report state it: origins, access legs, speeds, and their effect.

One source for the « Méthode » section of ``/accessibilite`` and the report's
« Note de méthode »: what a figure means depends on these choices (issue 10 §3),
so both say which were made (from the results' manifest: the settings that
produced them, never today's settings) and what they change on this
département's figures:

- **access legs**: the share beyond the threshold as stored, with every
  origin's leg walked, and with none (:func:`mapapp.access.method_effect.access_leg_effect`,
  from the stored per-point legs; any threshold);
- **placement**: the share had every square's population stayed at its centre
  (``centre_placement`` of the manifest, computed by ``mapapp compute`` at the
  theme's bands only).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from mapapp import formats
from mapapp.access.method_effect import access_leg_effect
from mapapp.method import MethodError, MethodSettings
from mapapp.network.profile import PROFILE_VERSION, WALK_KMH
from mapapp.territory.dasymetric import POINTS_PER_KM2, POPULATED_CLASSES

MODE_NOUN = {"car": "voiture", "walk": "marche", "bike": "vélo"}


def settings_of(method: Mapping | None) -> MethodSettings | None:
    """The :class:`MethodSettings` a manifest records (None for results computed before they were)."""
    try:
        return MethodSettings.from_manifest(method)
    except MethodError:
        return None


def origins_sentence(method: Mapping | None, n_points: int | None = None) -> str:
    """Where the trips start from, with the placement counts of the manifest."""
    settings = settings_of(method)
    summary = (method or {}).get("placement_summary") or {}
    if settings is None:
        return ("Origines : les points de population du département (centre de chaque carreau INSEE, ou un point "
                "par commune) ; la méthode de ces résultats n'est pas enregistrée : relancez « mapapp compute ».")
    on_roads = summary.get("routes_habitees", {})
    other = summary.get("autres_routes", {})
    buildings = summary.get("batiments", {})
    centre = summary.get("centre", {})
    if settings.placement == "centre" or not (on_roads or other or buildings):
        text = "Origines : chaque carreau INSEE part de son centre (placement « centre »)" \
            if centre else "Origines : les points de population du territoire (un point par commune ou fichier de points)"
        return text + " ; un chiffre communal est la moyenne pondérée par la population de ses points."
    classes = "rues résidentielles, zones de rencontre, voies de desserte et routes locales : OSM " + \
        ", ".join(sorted(POPULATED_CLASSES))
    weights = ("pondérée par les bâtiments OpenStreetMap" if (method or {}).get("n_buildings")
               else "au prorata de la longueur de rue (le fichier OpenStreetMap ne contient pas de bâtiments)")
    parts = [f"la population de {formats.integer(on_roads.get('squares', 0))} carreaux INSEE est répartie sur leurs rues "
             f"habitées ({classes}), {weights}, en au plus {POINTS_PER_KM2:g} points par km²"]
    if other:
        parts.append(f"{formats.integer(other['squares'])} carreaux sans rue habitée ({formats.integer(other['population'])} hab.) "
                     "sur leurs autres routes")
    if buildings:
        parts.append(f"{formats.integer(buildings['squares'])} carreaux sans route au centre de leurs bâtiments")
    if centre:
        parts.append(f"{formats.integer(centre['squares'])} carreaux sans route ni bâtiment ({formats.integer(centre['population'])} hab.) "
                     "à leur centre")
    points = f" ({formats.integer(n_points)} points)" if n_points else ""
    return ("Origines" + points + " : " + " ; ".join(parts) + ". C'est une cartographie dasymétrique (Wright, 1936 ; "
            "Mennis, 2003) : le centre d'un carreau de 1 km est un point arbitraire, pas l'endroit où l'on habite. "
            "Un chiffre communal est la moyenne pondérée par la population de ses points.")


def access_sentence(method: Mapping | None, mode: str) -> str:
    settings = settings_of(method)
    if settings is None:
        return f"Accès à la route : à pied à {formats.number(WALK_KMH)} km/h depuis chaque point (méthode non enregistrée)."
    leg = settings.access_leg(mode)
    text = f"Accès à la route ({MODE_NOUN.get(mode, mode)}) : {leg.describe_fr()}"
    if mode == "car" and leg.kind == "none":
        text += ", comme les indicateurs de l'INSEE et de l'Observatoire des territoires, pour que les chiffres se " \
                "comparent aux chiffres publiés"
    return text + ". Le trajet sur la route jusqu'au premier carrefour est compté à la vitesse de la route."


def speeds_sentence(method: Mapping | None, graph: Mapping | None = None) -> str:
    settings = settings_of(method)
    factor = settings.maxspeed_factor if settings else None
    profile = (graph or {}).get("profile_version") or PROFILE_VERSION
    if factor is None:
        return f"Vitesses : profil {profile}."
    return (f"Vitesses : profil {profile} ; en voiture, vitesse maxspeed indiquée × {formats.number(factor)}"
            + (" (le fichier donne déjà des vitesses pratiquées)" if factor == 1.0 else "")
            + ", sinon vitesse par type de route.")


def effect_sentences(method: Mapping | None, points: pd.DataFrame | None, mode: str, theme: str,
                     threshold_min: float) -> list[str]:
    """What the access legs and the placement change, for one (mode, theme) at ``threshold_min``."""
    out = []
    effect = access_leg_effect(points, threshold_min) if points is not None else None
    t = formats.threshold(threshold_min)
    if effect is not None:
        out.append(f"Effet de l'accès à la route : {formats.percent(effect.share_current)} des habitants à plus de {t} "
                   f"(résultats affichés) ; {formats.percent(effect.share_walked)} si la marche du point à la route était "
                   f"comptée à {formats.number(WALK_KMH)} km/h ; {formats.percent(effect.share_no_leg)} sans aucun trajet d'accès. "
                   f"{formats.percent(effect.share_points_on_road)} des habitants sont à 10 m ou moins de leur route (marche "
                   f"moyenne {formats.number(effect.mean_walk_leg_min, 1)} min, au plus {formats.number(effect.max_walk_leg_min, 0)} min). "
                   "Les trajets d'accès des lieux d'arrivée ne changent pas dans cette comparaison.")
    centre = ((method or {}).get("centre_placement") or {}).get(theme)
    share = (centre or {}).get("share_beyond", {}).get(f"{threshold_min:g}")
    if share is not None:
        out.append(f"Effet du placement : {formats.percent(share)} des habitants à plus de {t} si la population restait au "
                   "centre de chaque carreau (mêmes règles d'accès).")
    return out


def common_lines(method: Mapping | None, graph: Mapping | None, n_points: int | None = None) -> list[str]:
    """The sentences every mode shares: origins and speeds."""
    return [origins_sentence(method, n_points), speeds_sentence(method, graph)]


def mode_lines(method: Mapping | None, points: pd.DataFrame | None, mode: str, theme: str,
               threshold_min: float) -> list[str]:
    """The sentences of one mode: its access leg and the effects of the choices."""
    if mode in ("transit", "tad", "sans_voiture"):  # issue 17: see method_carfree.carfree_lines
        return []
    return [access_sentence(method, mode), *effect_sentences(method, points, mode, theme, threshold_min)]


def method_lines(method: Mapping | None, graph: Mapping | None, points: pd.DataFrame | None, mode: str,
                 theme: str, threshold_min: float, n_points: int | None = None) -> list[str]:
    """Every sentence above, in reading order (one mode)."""
    from mapapp.reports.method_carfree import carfree_lines

    if carfree := carfree_lines(mode, graph):  # issue 17: no access leg of their own
        return [origins_sentence(method, n_points), *carfree]
    return [*common_lines(method, graph, n_points), *mode_lines(method, points, mode, theme, threshold_min)]
