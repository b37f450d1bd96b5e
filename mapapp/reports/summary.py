"""The plain-language summary of a report: short French sentences generated from the figures.

Every number in a sentence comes from :class:`~mapapp.reports.data.ReportData`
and is formatted by :mod:`mapapp.formats`, so the summary says exactly
what the tables say (« 5,4 % des habitants sont à plus de 20 minutes en
voiture d'une France Services »). Sentences are plain text; the renderers
escape them.
"""

from __future__ import annotations

import math

from mapapp import formats
from mapapp.reports.data import ReportData, ThemeInfo
from mapapp.reports.units import grid_label

#: How a theme reads after « à plus de 20 minutes en voiture … ». Others: « d'une offre « Label » ».
THEME_PHRASES = {
    "france_services": "d'une France Services",
    "accueil_departement": "d'un lieu d'accueil du Département",
    "aide_alimentaire": "d'une aide alimentaire",
    "permis_de_conduire": "d'une offre pour préparer le permis",
}


def _count(n, singular: str, plural_form: str | None = None) -> str:
    """A count of people or places, rounded to a whole number first (weights sum to fractions of a person)."""
    return formats.count(formats.round_half_up(float(n)), singular, plural_form)


def theme_phrase(theme: ThemeInfo) -> str:
    return THEME_PHRASES.get(theme.key, f"d'une offre « {theme.label} »")


def access_phrase(theme: ThemeInfo) -> str:
    """« à une France Services », « à une offre « Mobilité » »."""
    phrase = theme_phrase(theme)
    for de, a in (("d'une ", "à une "), ("d'un ", "à un ")):
        if phrase.startswith(de):
            return a + phrase[len(de):]
    return phrase


def unit_phrase(report: ReportData) -> str:
    if report.unit.is_departement:
        return f"Le département « {report.territory_name} »"
    if report.unit.kind == "commune":
        return f"La commune de {report.unit.name}"
    label = grid_label(report.unit.kind)
    if report.unit.name.lower().startswith(label.lower()):
        return f"Le territoire « {report.unit.name} »"
    return f"Le territoire « {report.unit.name} » ({label})"


def summary_sentences(report: ReportData) -> list[str]:
    """The summary, one sentence per item, most important first."""
    out = [f"{unit_phrase(report)} compte {_count(report.population, 'habitant')} "
           f"{'dans une commune' if report.n_communes == 1 else f'répartis dans {formats.integer(report.n_communes)} communes'}."]
    cat = report.catalog
    families = cat.sites_by_family()
    n_sites = sum(families.values())
    detail = ", ".join(f"{formats.integer(n)} {label}" for label, n in (
        ("du Département", families.get("Département", 0)), ("France Services", families.get("France Services", 0)),
        ("de partenaires", families.get("Partenaires", 0))) if n)
    sentence = (f"On y trouve {_count(n_sites, 'lieu', 'lieux')} d'accueil ouvert{'s' if n_sites > 1 else ''}"
                f"{f' ({detail})' if detail else ''} et {_count(len(cat.offers_present), 'offre')} sur place "
                "ou itinérante" + ("s" if len(cat.offers_present) > 1 else ""))
    if len(cat.offers_distance):
        sentence += (f" ; {_count(len(cat.offers_distance), 'offre')} à distance ou départementale"
                     f"{'s' if len(cat.offers_distance) > 1 else ''} s'y ajoute{'nt' if len(cat.offers_distance) > 1 else ''}, "
                     "sans compter comme présence sur place")
    out.append(sentence + ".")

    main_mode = report.modes[0]
    for i, theme in enumerate(report.themes):
        out.extend(_theme_sentences(report, theme, main_mode, detailed=i == 0))
    if report.themes:
        out.append(_zones_blanches_sentence(report, main_mode))

    fresh = report.freshness
    total = int(fresh["total"].sum())
    stale = int(fresh["never_verified"].sum() + fresh["verified_before"].sum())
    never = int(fresh["never_verified"].sum())
    if total:
        if stale:
            verb = "n'ont" if stale > 1 else "n'a"
            out.append(f"{formats.integer(stale)} fiche{'s' if stale > 1 else ''} sur {formats.integer(total)} "
                       f"{verb} pas été vérifiée{'s' if stale > 1 else ''} depuis plus de "
                       f"{report.stale_months} mois" + (f" (dont {formats.integer(never)} jamais)" if never else "") + ".")
        else:
            out.append(f"Toutes les fiches ({formats.integer(total)}) ont été vérifiées depuis moins de "
                       f"{report.stale_months} mois.")
    return out


def _theme_sentences(report: ReportData, theme: ThemeInfo, mode: str, detailed: bool) -> list[str]:
    """The share beyond the threshold; for the first theme (``detailed``) also the other modes and the range
    of mean times across sub-territories."""
    out = []
    fig = report.figure(theme.key, mode)
    if fig is None or not fig["population_points"]:
        return out
    phrase = formats.MODE_PHRASES.get(mode, mode)
    if fig["population_reachable"] <= 0:
        out.append(f"Aucun lieu proposant une offre « {theme.label} » n'est joignable {phrase} "
                   "depuis le territoire : tous ses habitants sont « injoignables ».")
        return out
    threshold = formats.threshold(fig["main_threshold_min"]).replace("min", "minutes")
    sentence = (f"{formats.percent(fig['share_beyond_main'])} des habitants ({_count(fig['population_beyond_main'], 'personne')}) "
                f"sont à plus de {threshold} {phrase} {theme_phrase(theme)}")
    ref = report.figure(theme.key, mode, reference=True)
    unreachable = fig["population_unreachable"]
    if unreachable >= 0.5:
        sentence += f", dont {_count(unreachable, 'injoignable')} faute d'accès routier"
    if not report.unit.is_departement and ref is not None:
        sentence += f", contre {formats.percent(ref['share_beyond_main'])} dans l'ensemble du département"
    out.append(sentence + ".")
    if not detailed:
        return out
    others = []
    for other in report.modes[1:]:
        f = report.figure(theme.key, other)
        if f is not None:
            others.append(f"{formats.MODE_PHRASES.get(other, other)}, {formats.percent(f['share_beyond_main'])} sont au-delà de "
                          f"{formats.threshold(f['main_threshold_min'])}")
    if others:
        text = " ; ".join(others)
        out.append(text[0].upper() + text[1:] + ".")
    subs = report.subterritories
    subs = subs[(subs["theme"] == theme.key) & (subs["mode"] == mode) & (subs["level"] == "sub")
                & (subs["population_points"] > 0)]
    finite = subs[subs["mean_time_min"].map(lambda v: math.isfinite(v))]
    if len(finite) >= 2:
        lo = finite.loc[finite["mean_time_min"].idxmin()]
        hi = finite.loc[finite["mean_time_min"].idxmax()]
        out.append(f"Le temps moyen d'accès {phrase} {access_phrase(theme)} va de {formats.minutes(lo['mean_time_min'])} "
                   f"({lo['nom']}) à {formats.minutes(hi['mean_time_min'])} ({hi['nom']}), pour "
                   f"{formats.minutes(fig['mean_time_min'])} en moyenne.")
    return out


def _zones_blanches_sentence(report: ReportData, mode: str) -> str:
    """One sentence for the zones blanches of every theme of the report."""
    with_zb, without = [], []
    for theme in report.themes:
        zb = report.zones_blanches
        zb = zb[(zb["theme"] == theme.key) & (zb["mode"] == mode)]
        if len(zb):
            with_zb.append(f"{theme.label}, {_count(len(zb), 'commune')} "
                           f"({_count(zb['population_points'].sum(), 'habitant')})")
        else:
            without.append(theme.label)
    phrase = formats.MODE_PHRASES.get(mode, mode)
    if not with_zb:
        return f"Aucune commune n'est en zone blanche {phrase} pour les thèmes de ce rapport."
    text = f"Zones blanches {phrase} (aucun habitant sous le seuil) : " + " ; ".join(with_zb)
    if without:
        text += f" ; aucune pour {', '.join(without)}"
    return text + "."
