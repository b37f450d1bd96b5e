"""How things look on the maps: one symbol (shape, colour, letter) per family, as inline SVG.

Shape and letter, not only colour, tell families apart (WCAG 1.4.1). Every
colour reaches 4.5:1 against the white letter or count it carries and 3:1
against the map background, with or without tiles (checked in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from mapapp.catalog import vocab
from mapapp.catalog.models import Site
from mapapp.catalog.query import SiteEntry

@dataclass(frozen=True)
class Symbol:
    """How a family of things looks on the map and in the legend.

    Shape and letter, not only colour, tell families apart (WCAG 1.4.1); every
    colour reaches 4.5:1 against the white letter it carries and 3:1 against
    the light map background (checked in the tests).
    """

    key: str
    label: str
    shape: str  # square | diamond | circle | triangle | line | area
    colour: str
    letter: str = ""
    hollow: bool = False


def _sym(key, label, shape, colour, letter="", hollow=False) -> Symbol:
    return Symbol(key, label, shape, colour, letter, hollow)


SITE_SYMBOLS: dict[str, Symbol] = {
    "departement_siege": _sym("departement_siege", "Département – sièges", "square", "#000091", "S"),
    "departement_antenne": _sym("departement_antenne", "Département – antennes", "square", "#000091", "A"),
    "departement_permanence": _sym("departement_permanence", "Département – permanences", "square", "#000091", "P",
                                   hollow=True),
    "france_services": _sym("france_services", "France Services – sites fixes", "diamond", "#18753c", "F"),
    "france_services_itinerant_stop": _sym("france_services_itinerant_stop", "France Services itinérant – arrêts",
                                           "diamond", "#18753c", "I", hollow=True),
}
ROUTE_SYMBOL = _sym("route", "France Services itinérant – tournées", "line", "#18753c")

#: Partner sites, by the category of their main thématique: (colour, letters).
CATEGORY_STYLE: dict[str, tuple[str, str]] = {
    "choisir-un-metier": ("#6a3d9a", "Mé"),
    "creer-une-entreprise": ("#7a4b00", "Cr"),
    "difficultes-administratives-ou-juridiques": ("#3f4f75", "Ad"),
    "difficultes-financieres": ("#8c1d40", "Fi"),
    "equipement-et-alimentation": ("#4d5d00", "Al"),
    "famille": ("#a0256f", "Fa"),
    "lecture-ecriture-calcul": ("#275e8c", "Le"),
    "logement-hebergement": ("#6b3a2a", "Lo"),
    "mobilite": ("#b34000", "Mo"),
    "numerique": ("#00626b", "Nu"),
    "preparer-sa-candidature": ("#3d5a1f", "Ca"),
    "remobilisation": ("#80461b", "Re"),
    "sante": ("#c0142b", "Sa"),
    "se-former": ("#2b4c7e", "Fo"),
    "souvrir-a-linternational": ("#55606e", "In"),
    "trouver-un-emploi": ("#006a8e", "Em"),
}
PARTNER_SYMBOLS: dict[str, Symbol] = {
    cat: _sym(f"partner-{cat}", f"Partenaires – {vocab.CATEGORIES.get(cat, cat)}", "circle", colour, letters)
    for cat, (colour, letters) in CATEGORY_STYLE.items()
}
PARTNER_OTHER = _sym("partner-none", "Partenaires – sans thématique renseignée", "circle", "#595959", "?")
MOBILITY_POINT = _sym("mobility-point", "Mobilité – lieux (garages, locations…)", "triangle", "#7d2e68", "M")
MOBILITY_AREA = _sym("mobility-area", "Mobilité – zones de transport à la demande", "area", "#7d2e68")

ALL_SYMBOLS: list[Symbol] = [*SITE_SYMBOLS.values(), ROUTE_SYMBOL, *PARTNER_SYMBOLS.values(), PARTNER_OTHER,
                             MOBILITY_POINT, MOBILITY_AREA]


def symbol_for_site(entry: SiteEntry) -> Symbol:
    """Département and France Services sites by kind; partners by their main thématique category."""
    if entry.site.kind in SITE_SYMBOLS:
        return SITE_SYMBOLS[entry.site.kind]
    return PARTNER_SYMBOLS.get(entry.main_category or "", PARTNER_OTHER)


@lru_cache(maxsize=256)
def symbol_svg(symbol: Symbol, size: int = 26) -> Markup:
    """An inline SVG of the symbol (markers, legend, layer control); decorative (aria-hidden)."""
    s, c = size, symbol.colour
    fill, text = ("#ffffff", c) if symbol.hollow else (c, "#ffffff")
    stroke = f'stroke="{c}" stroke-width="3"' if symbol.hollow else 'stroke="#ffffff" stroke-width="2"'
    if symbol.shape == "square":
        body = f'<rect x="2" y="2" width="{s - 4}" height="{s - 4}" rx="2" fill="{fill}" {stroke}/>'
    elif symbol.shape == "diamond":
        h = s / 2
        body = f'<polygon points="{h},1 {s - 1},{h} {h},{s - 1} 1,{h}" fill="{fill}" {stroke}/>'
    elif symbol.shape == "triangle":
        body = f'<polygon points="{s / 2},1 {s - 1},{s - 2} 1,{s - 2}" fill="{fill}" {stroke}/>'
    elif symbol.shape == "line":
        body = f'<line x1="2" y1="{s / 2}" x2="{s - 2}" y2="{s / 2}" stroke="{c}" stroke-width="4" stroke-dasharray="6 4"/>'
    elif symbol.shape == "area":
        body = (f'<rect x="2" y="4" width="{s - 4}" height="{s - 8}" fill="{c}" fill-opacity="0.25" stroke="{c}" '
                f'stroke-width="2" stroke-dasharray="4 3"/>')
    else:
        body = f'<circle cx="{s / 2}" cy="{s / 2}" r="{s / 2 - 1.5}" fill="{fill}" {stroke}/>'
    label = ""
    if symbol.letter:
        y = s * 0.72 if symbol.shape == "triangle" else s / 2
        font = s * (0.34 if len(symbol.letter) > 1 else 0.46)
        label = (f'<text x="{s / 2}" y="{y}" dy="0.35em" text-anchor="middle" font-family="Arial, sans-serif" '
                 f'font-weight="bold" font-size="{font:.1f}" fill="{text}">{escape(symbol.letter)}</text>')
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" width="{s}" height="{s}" viewBox="0 0 {s} {s}" '
                  f'aria-hidden="true" focusable="false">{body}{label}</svg>')


def symbols_css() -> Markup:
    """Cluster icons in each family's colour (white count on the colour: contrast checked like markers)."""
    rules = []
    for sym in ALL_SYMBOLS:
        radius = {"square": "4px", "diamond": "4px", "triangle": "4px"}.get(sym.shape, "50%")
        rules.append(f".mapapp-cluster-{sym.key}{{background:{sym.colour};border-radius:{radius}}}")
    return Markup("\n".join(rules))



def site_symbol(site: Site, offers=()) -> Symbol:
    """The symbol of a site outside a selection (fiches), from its kind and offers."""
    return symbol_for_site(SiteEntry(site, list(offers)))
