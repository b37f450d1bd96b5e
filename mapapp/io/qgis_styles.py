"""QGIS styles of the GeoPackage layers: one QML per layer in the ``layer_styles`` table, so it opens styled.

``layer_styles`` is the table QGIS itself writes with « Enregistrer le style dans la
base de données » (columns :data:`STYLE_COLUMNS`); QGIS applies the row with
``useAsDefault`` when it loads the layer, and lists the others in its style manager.
Each QML carries:

- the symbology: ``communes`` and ``territoires`` graduated by the mean travel time
  of the report's first theme and mode, with the theme's own thresholds as class
  breaks (ColorBrewer YlGnBu, as on the web map; NULL, i.e. unreachable or without
  inhabitant, is left unfilled); ``communes`` has a second style « Zones blanches »
  (categorised on ``…_zone_blanche``); ``lieux`` categorised by site kind; the other
  layers one symbol;
- the French alias of every field (``<aliases>``): « France Services — voiture :
  temps moyen (min) » for ``france_services_voiture_temps_moy_min``. The field names
  themselves stay short ASCII snake case (stable for scripts and joins); the alias
  is what QGIS shows in the attribute table and forms.

The QML is written with :mod:`xml.etree.ElementTree` (the QGIS format has no
Python writer outside QGIS itself).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

import pandas as pd

from mapapp import formats
from mapapp.catalog import vocab
from mapapp.io.export_gpkg import wide_prefix
from mapapp.reports.data import ReportData

STYLE_COLUMNS = ("f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName", "styleQML",
                 "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time")
QGIS_VERSION = "3.28.0-Firenze"
#: ColorBrewer YlGnBu by number of classes (as the web map, mapapp.web.access_maps).
YLGNBU = {
    2: ("#edf8b1", "#2c7fb8"),
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
    6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
    7: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
}
ZONE_BLANCHE_COLOUR = "#ce0500"
#: One colour per site kind (ColorBrewer Set1/Dark2, colour-blind friendly enough for 7 classes with shapes).
SITE_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#666666")

#: Aliases of the fields common to several layers.
FIELD_ALIASES = {
    "code": "Code", "nom": "Nom", "population": "Population (INSEE)", "id": "Identifiant",
    "epci": "EPCI", "canton": "Canton", "bassin_de_vie": "Bassin de vie", "arrondissement": "Arrondissement",
    "niveau": "Niveau", "decoupage": "Découpage", "type": "Type de lieu", "statut": "Statut",
    "structure": "Structure", "adresse": "Adresse", "code_postal": "Code postal", "code_commune": "Code commune",
    "commune": "Commune", "horaires": "Horaires d'accueil", "itineraire": "Itinéraire",
    "nb_offres_ouvertes": "Offres ouvertes", "hors_departement": "Hors du département (1 = oui)",
    "date_verification": "Dernière vérification", "date_maj": "Dernière mise à jour", "offre_id": "Identifiant de l'offre",
    "thematiques": "Thématiques", "categories": "Catégories", "publics": "Publics",
    "mode_delivrance": "Mode de délivrance", "zone_eligibilite": "Zone d'éligibilité", "lieu_id": "Identifiant du lieu",
    "lieu": "Lieu", "categorie": "Catégorie", "conditions": "Conditions", "communes_desservies": "Communes desservies",
    "theme": "Code du thème", "theme_libelle": "Thème", "mode": "Mode", "habitants": "Habitants",
    "temps_moy_min": "Temps moyen (min)", "seuil_min": "Seuil (min)", "hab_au_dela": "Habitants au-delà du seuil",
    "pct_au_dela": "Part au-delà du seuil (%)", "injoignables": "Habitants sans accès routier",
    "zone_blanche": "Zone blanche (1 = oui)", "lieu_proche_id": "Identifiant du lieu le plus proche",
    "lieu_proche": "Lieu le plus proche", "pct_2_lieux_ou_plus": "Part avec 2 lieux ou plus (%)",
    "lieux_sous_seuil_moy": "Lieux sous le seuil (moyenne)", "nb_lieux": "Lieux sous le seuil",
    "nb_zones_blanches": "Communes en zone blanche",
}
MODE_WORDS = {"car": "voiture", "walk": "à pied", "bike": "vélo", "sans_voiture": "sans voiture",
              "transit": "transport en commun", "tad": "transport à la demande"}


def field_aliases(columns: Sequence[str], r: ReportData) -> dict[str, str]:
    """The French alias of every column (wide ``<theme>_<mode>_<measure>`` columns included)."""
    wide = {wide_prefix(t.key, m): f"{t.label} — {MODE_WORDS.get(m, m)} : " for t in r.themes for m in r.modes}
    out = {}
    for col in columns:
        prefix = next((p for p in wide if col.startswith(p)), None)
        if prefix:
            measure = col[len(prefix):]
            out[col] = wide[prefix] + FIELD_ALIASES.get(measure, measure).lower()
        else:
            out[col] = FIELD_ALIASES.get(col, col.replace("_", " ").capitalize())
    return out


# --------------------------------------------------------------------------- QML


def _rgba(colour: str, alpha: int = 255) -> str:
    colour = colour.lstrip("#")
    return ",".join(str(int(colour[i:i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


def _options(parent: ET.Element, values: Mapping[str, str]) -> None:
    opts = ET.SubElement(parent, "Option", type="Map")
    for key, value in values.items():
        ET.SubElement(opts, "Option", name=key, type="QString", value=str(value))


def _symbol(parent: ET.Element, name: str, kind: str, colour: str, *, alpha: int = 255) -> None:
    """A QGIS symbol: ``fill`` (polygons, grey outline) or ``marker`` (points, circle)."""
    symbol = ET.SubElement(parent, "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    if kind == "fill":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
        _options(layer, {"color": _rgba(colour, alpha), "outline_color": "110,110,110,255", "outline_width": "0.2",
                         "outline_width_unit": "MM", "style": "solid" if alpha else "no"})
    else:
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleMarker", "enabled": "1", "locked": "0", "pass": "0"})
        _options(layer, {"color": _rgba(colour), "name": "circle", "outline_color": "255,255,255,255",
                         "outline_width": "0.3", "size": "2.6", "size_unit": "MM"})


def _renderer(root: ET.Element, kind: str, **attrs) -> ET.Element:
    return ET.SubElement(root, "renderer-v2", {"type": kind, "symbollevels": "0", "enableorderby": "0",
                                               "forceraster": "0", **attrs})


def graduated(root: ET.Element, field: str, breaks: Sequence[float]) -> None:
    """Graduated colours on ``field`` (minutes), classes cut at ``breaks``: « 10 min ou moins », « 10 à 20 min »..."""
    edges = sorted({float(b) for b in breaks})
    colours = YLGNBU[min(max(len(edges) + 1, 2), max(YLGNBU))]
    edges = edges[:len(colours) - 1]
    bounds = [0.0, *edges, 100_000.0]
    renderer = _renderer(root, "graduatedSymbol", attr=field, graduatedMethod="GraduatedColor")
    ranges, symbols = ET.SubElement(renderer, "ranges"), ET.SubElement(renderer, "symbols")
    for i, (lo, hi) in enumerate(zip(bounds, bounds[1:])):
        if i == 0:
            label = f"{formats.threshold(hi)} ou moins"
        elif i == len(bounds) - 2:
            label = f"plus de {formats.threshold(lo)}"
        else:
            label = f"{formats.threshold(lo)} à {formats.threshold(hi)}"
        ET.SubElement(ranges, "range", lower=f"{lo:g}", upper=f"{hi:g}", symbol=str(i), label=label, render="true")
        _symbol(symbols, str(i), "fill", colours[i])


def categorised(root: ET.Element, field: str, categories: Sequence[tuple[object, str, str]], kind: str) -> None:
    """Categories ``(value, label, colour)`` on ``field``; ``kind`` is ``fill`` or ``marker``."""
    renderer = _renderer(root, "categorizedSymbol", attr=field)
    cats, symbols = ET.SubElement(renderer, "categories"), ET.SubElement(renderer, "symbols")
    for i, (value, label, colour) in enumerate(categories):
        ET.SubElement(cats, "category", value=str(value), label=label, symbol=str(i), render="true")
        _symbol(symbols, str(i), kind, colour, alpha=255 if colour else 0)


def single(root: ET.Element, kind: str, colour: str, alpha: int = 255) -> None:
    renderer = _renderer(root, "singleSymbol")
    _symbol(ET.SubElement(renderer, "symbols"), "0", kind, colour, alpha=alpha)


def qml(columns: Sequence[str], aliases: Mapping[str, str], draw=None) -> str:
    """A QML document: the symbology drawn by ``draw(root)`` (none for a table) and the field aliases."""
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology|Fields")
    if draw is not None:
        draw(root)
    ali = ET.SubElement(root, "aliases")
    for i, col in enumerate(columns):
        ET.SubElement(ali, "alias", field=col, index=str(i), name=aliases.get(col, col))
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


# --------------------------------------------------------------------------- one style per layer


def layer_styles(layers: Mapping[str, pd.DataFrame], r: ReportData, geometry_column: str = "geom") -> pd.DataFrame:
    """The ``layer_styles`` rows of ``layers`` (see the module doc), ready to be written as a table."""
    theme, mode = r.themes[0], r.modes[0]
    time_field = wide_prefix(theme.key, mode) + "temps_moy_min"
    breaks = theme.bands_min.get(mode) or (theme.main_min[mode],)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    rows = []

    def add(name: str, layer, style: str, description: str, draw=None, default: bool = True) -> None:
        columns = [c for c in layer.columns if c != "geometry"]
        is_geo = "geometry" in layer.columns
        rows.append({"f_table_catalog": "", "f_table_schema": "", "f_table_name": name,
                     "f_geometry_column": geometry_column if is_geo else "", "styleName": style,
                     "styleQML": qml(columns, field_aliases(columns, r), draw), "styleSLD": "",
                     "useAsDefault": default, "description": description, "owner": "mapapp", "ui": "",
                     "update_time": now})

    time_title = f"Temps d'accès {formats.MODE_PHRASES.get(mode, mode)} — {theme.label}"
    for name in ("communes", "territoires"):
        if name in layers and time_field in layers[name].columns:
            add(name, layers[name], time_title, f"Temps moyen d'accès (minutes), seuils du thème « {theme.label} »",
                lambda root: graduated(root, time_field, breaks))
    zb_field = wide_prefix(theme.key, mode) + "zone_blanche"
    if "communes" in layers and zb_field in layers["communes"].columns:
        threshold = formats.threshold(theme.main_min[mode])
        add("communes", layers["communes"], f"Zones blanches {formats.MODE_PHRASES.get(mode, mode)} — {theme.label}",
            f"Communes dont personne n'est à {threshold} ou moins",
            lambda root: categorised(root, zb_field, [(1, f"Zone blanche (personne à {threshold} ou moins)",
                                                       ZONE_BLANCHE_COLOUR), (0, "Desservie", "#f0f0f0")], "fill"),
            default="communes" not in {row["f_table_name"] for row in rows})
    if "lieux" in layers:
        kinds = [(label, label, SITE_COLOURS[i % len(SITE_COLOURS)])
                 for i, label in enumerate(vocab.SITE_KINDS.values())]
        add("lieux", layers["lieux"], "Lieux par type", "Lieux d'accueil, une couleur par type",
            lambda root: categorised(root, "type", kinds, "marker"))
    singles = {"offres": ("marker", "#7570b3", 255), "mobilite_points": ("marker", "#e6ab02", 255),
               "mobilite_zones": ("fill", "#e6ab02", 90)}
    for name, (kind, colour, alpha) in singles.items():
        if name in layers:
            add(name, layers[name], "Style mapapp", "Style par défaut",
                lambda root, k=kind, c=colour, a=alpha: single(root, k, c, a))
    for name, layer in layers.items():
        if name not in {row["f_table_name"] for row in rows}:
            add(name, layer, "Libellés des champs", "Noms des champs en français")
    return pd.DataFrame(rows, columns=list(STYLE_COLUMNS))
