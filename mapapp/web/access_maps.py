"""How accessibility looks on the maps: classed colour scales, legends, and the commune layers.

Colour scales are ColorBrewer sequential schemes, all marked colour-blind
safe: *YlGnBu* for travel times (light = near, dark = far), *BuPu* for the
number of offers within reach. Consecutive classes differ in luminance
(contrast ratio >= 1.25, tested), the legend and the tables give the same
information as text, and a commune where nobody reaches an offer
(« injoignable ») is near-black, outside the scale. Zones blanches are drawn
as a thick red outline over any layer.

User text (commune names) only reaches the page as plain text in
:class:`~mapapp.web.leaflet.StyledGeoJson`'s JSON literal, put in popups and
tooltips with ``textContent``; layer labels are fixed wording.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from mapapp import formats
from mapapp.web import access_data as ad
from mapapp.web import access_tables as at
from mapapp.web.maps import CommuneLayer

#: ColorBrewer YlGnBu, by number of classes (at most 7: beyond, light steps are too close to tell apart).
YLGNBU = {
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
    6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
    7: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
}
MAX_BREAKS = max(YLGNBU) - 1
#: ColorBrewer BuPu, 5 classes: offers within reach.
BUPU5 = ("#edf8fb", "#b3cde3", "#8c96c6", "#8856a7", "#810f7c")
UNREACHABLE_COLOUR = "#1b1b1b"
NO_POPULATION_STYLE = {"fillOpacity": 0, "color": "#6a6a6a", "dashArray": "3 3"}
ZONE_BLANCHE_COLOUR = "#ce0500"
#: Car versus no car (ColorBrewer PuOr ends, colour-blind safe).
COMPARISON_COLOURS = {ad.COVERED_WITHOUT_CAR: "#f7f7f7", ad.CAR_ONLY: "#e66101", ad.NOT_COVERED: "#5e3c99"}
COMPARISON_LABELS = {
    ad.COVERED_WITHOUT_CAR: "Desservie sans voiture",
    ad.CAR_ONLY: "Desservie seulement en voiture",
    ad.NOT_COVERED: "Desservie ni en voiture ni sans",
    ad.NO_POPULATION: "Sans habitant recensé",
}
OVERLAP_LABELS = ("Aucun lieu", "Moins de 1 lieu", "1 à 2 lieux", "2 à 3 lieux", "3 lieux ou plus")

BASE_STYLE = {"color": "#4a4a4a", "weight": 1, "fillOpacity": 0.75, "opacity": 0.9}


def time_palette(n_classes: int) -> tuple[str, ...]:
    if n_classes <= 2:
        p = YLGNBU[3]
        return (p[0], p[2])[:n_classes]
    return YLGNBU[min(n_classes, max(YLGNBU))]


@dataclass
class LegendEntry:
    colour: str | None  # None: no fill (outline only)
    label: str
    count: int = 0
    outline: str | None = None
    dashed: bool = False


@dataclass
class TimeClasses:
    """Classes of travel times in minutes, bounded by the theme's bands: (-inf, b0], (b0, b1], ... (b_last, inf)."""

    breaks: tuple[float, ...]

    @classmethod
    def for_bands(cls, bands, main: float) -> TimeClasses:
        """The bands as breaks; with more than :data:`MAX_BREAKS`, the main one and evenly spread others."""
        bands = sorted({float(b) for b in bands})
        if len(bands) <= MAX_BREAKS:
            return cls(tuple(bands))
        keep = [bands[round(i * (len(bands) - 1) / (MAX_BREAKS - 1))] for i in range(MAX_BREAKS)]
        if float(main) not in keep:
            keep[min(range(len(keep)), key=lambda i: abs(keep[i] - main))] = float(main)
        return cls(tuple(sorted(keep)))

    @property
    def colours(self) -> tuple[str, ...]:
        return time_palette(len(self.breaks) + 1)

    def index(self, minutes: float) -> int:
        return sum(1 for b in self.breaks if minutes > b)

    def labels(self) -> list[str]:
        b = [formats.threshold(x) for x in self.breaks]
        if not b:
            return ["Toutes durées"]
        out = [f"{b[0]} ou moins"]
        out += [f"{b[i - 1].replace(chr(160) + 'min', '')} à {b[i]}" for i in range(1, len(b))]
        out.append(f"Plus de {b[-1]}")
        return out

    def colour_of(self, minutes, status: str) -> str | None:
        if status == ad.NO_POPULATION:
            return None
        if status == ad.UNREACHABLE or not ad.is_number(minutes) or math.isinf(float(minutes)):
            return UNREACHABLE_COLOUR
        return self.colours[self.index(float(minutes))]

    def label_of(self, minutes, status: str) -> str:
        if status == ad.NO_POPULATION:
            return "Sans habitant recensé"
        if status == ad.UNREACHABLE or not ad.is_number(minutes) or math.isinf(float(minutes)):
            return "Injoignable"
        return self.labels()[self.index(float(minutes))]


def overlap_index(mean_sites_within) -> int:
    v = float(mean_sites_within)
    if v <= 0:
        return 0
    if v < 1:
        return 1
    return min(4, int(v) + 1)


def _fill(colour: str | None) -> dict:
    if colour is None:
        return dict(NO_POPULATION_STYLE)
    return {"fillColor": colour}


def _entry(code: str, colour: str | None, tooltip: str, lines: Sequence[str] = ()) -> dict:
    """A :class:`~mapapp.web.leaflet.StyledGeoJson` entry: plain text, shown with ``textContent``."""
    out = {"id": code, "style": _fill(colour), "tooltip": tooltip}
    if lines:
        out["lines"] = [x for x in lines if x]
    return out


def commune_link(commune_url: Callable[[str], str]) -> dict:
    """The popups' link to the fiche commune (``__ID__`` replaced by the code in the page)."""
    return {"template": commune_url("__ID__"), "text": "Voir la fiche de la commune"}


@dataclass
class AccessLayers:
    """The layers of the accessibility page and their legends."""

    layers: list[CommuneLayer]
    legends: dict[str, list[LegendEntry]]


def access_layers(communes: pd.DataFrame, *, classes: TimeClasses, threshold: float, main: float, mode: str,
                  comparison: at.Comparison | None, view: str) -> AccessLayers:
    """Choropleth of mean times, superposition, car-only (exclusive views) and zones blanches (overlay)."""
    phrase = ad.MODE_PHRASE[mode]
    t_txt = formats.threshold(threshold)
    time_entries, overlap_entries, zb_entries = [], [], []
    time_counts = [0] * (len(classes.breaks) + 1)
    unreachable = no_pop = 0
    overlap_counts = [0] * 5
    for r in communes.itertuples(index=False):
        code = r.commune
        status = r.status
        label = classes.label_of(r.mean_time_min, status)
        colour = classes.colour_of(r.mean_time_min, status)
        if status == ad.NO_POPULATION:
            no_pop += 1
        elif colour == UNREACHABLE_COLOUR:
            unreachable += 1
        else:
            time_counts[classes.index(float(r.mean_time_min))] += 1
        time_txt = formats.minutes(r.mean_time_min) if status == ad.OK else label.lower()
        lines = [f"Temps moyen {phrase} : {time_txt}",
                 f"Au-delà de {t_txt} : {formats.integer(r.population_beyond)} habitants "
                 f"({formats.percent(r.share_beyond)})" if status != ad.NO_POPULATION else "",
                 "Zone blanche à ce seuil" if r.zone_blanche_t is True else ""]
        time_entries.append(_entry(code, colour, time_txt, lines))
        if r.zone_blanche_t is True:
            zb_entries.append({"id": code, "tooltip": f"zone blanche ({t_txt} {phrase})"})
        if status == ad.NO_POPULATION or not ad.is_number(r.mean_sites_within):
            overlap_entries.append(_entry(code, None, "sans habitant recensé"))
        else:
            i = overlap_index(r.mean_sites_within)
            overlap_counts[i] += 1
            text = (f"{str(round(float(r.mean_sites_within), 1)).replace('.', ',')} lieu(x) en moyenne "
                    f"à {formats.threshold(main)} ou moins")
            overlap_entries.append(_entry(
                code, BUPU5[i], text,
                [text, f"Habitants avec 2 lieux ou plus : {formats.percent(r.share_population_2plus)}",
                 f"Lieux distincts à portée : {int(r.n_sites_reaching)}"]))
    layers = [CommuneLayer("temps", "Temps moyen d'accès", time_entries, BASE_STYLE, show=view == "temps",
                           overlay=False),
              CommuneLayer("superposition", "Superposition des offres", overlap_entries, BASE_STYLE,
                           show=view == "superposition", overlay=False)]
    legends = {
        "temps": [LegendEntry(c, lab, n) for c, lab, n in zip(classes.colours, classes.labels(), time_counts)]
        + [LegendEntry(UNREACHABLE_COLOUR, "Injoignable", unreachable),
           LegendEntry(None, "Sans habitant recensé", no_pop, outline="#6a6a6a", dashed=True)],
        "superposition": [LegendEntry(c, lab, n) for c, lab, n in zip(BUPU5, OVERLAP_LABELS, overlap_counts)],
    }
    if comparison is not None:
        entries, counts = [], {k: 0 for k in COMPARISON_LABELS}
        table = {r["commune"]: r for r in comparison.table.to_dict("records")}
        other = ad.MODE_PHRASE[comparison.other]
        for code in communes["commune"]:
            row = table.get(code)
            if row is None:
                continue
            cls = row["class"]
            counts[cls] += 1
            colour = COMPARISON_COLOURS.get(cls)
            lines = [f"{COMPARISON_LABELS[cls]} ({t_txt})",
                     f"Habitants à {t_txt} ou moins en voiture : {formats.percent(row['share_within_car'])}",
                     f"Habitants à {t_txt} ou moins {other} : {formats.percent(row['share_within_other'])}",
                     f"Habitants desservis seulement en voiture : {formats.integer(row['car_only_population'])}"]
            entries.append(_entry(code, colour, COMPARISON_LABELS[cls].lower(), lines))
        layers.append(CommuneLayer("voiture", "Voiture ou sans voiture", entries, BASE_STYLE,
                                   show=view == "voiture", overlay=False))
        legends["voiture"] = [LegendEntry(COMPARISON_COLOURS.get(k), lab, counts[k],
                                          outline="#6a6a6a" if k == ad.NO_POPULATION else None,
                                          dashed=k == ad.NO_POPULATION)
                              for k, lab in COMPARISON_LABELS.items()]
    layers.append(CommuneLayer("zones-blanches", "Contour des zones blanches", zb_entries,
                               {"color": ZONE_BLANCHE_COLOUR, "weight": 4, "fill": False, "opacity": 1},
                               show=True, overlay=True))
    legends["zones-blanches"] = [LegendEntry(None, "Zone blanche", len(zb_entries), outline=ZONE_BLANCHE_COLOUR)]
    return AccessLayers(layers, legends)


def catchment_layer(site_communes: pd.DataFrame, *, classes: TimeClasses, mode: str
                    ) -> tuple[CommuneLayer, list[LegendEntry]]:
    """The communes whose inhabitants have the site nearest, coloured by their mean time to it."""
    entries = []
    counts = [0] * (len(classes.breaks) + 1)
    phrase = ad.MODE_PHRASE[mode]
    for r in site_communes.itertuples(index=False):
        status = ad.OK if ad.is_number(r.mean_time_min) and math.isfinite(float(r.mean_time_min)) \
            else ad.UNREACHABLE
        colour = classes.colour_of(r.mean_time_min, status)
        if status == ad.OK:
            counts[classes.index(float(r.mean_time_min))] += 1
        text = f"{formats.integer(r.population)} habitants, {formats.travel_time(r.mean_time_min)} {phrase} en moyenne"
        entries.append(_entry(r.commune, colour, text, [text]))
    layer = CommuneLayer("desserte", "Communes desservies en premier", entries, BASE_STYLE, show=True)
    legend = [LegendEntry(c, lab, n) for c, lab, n in zip(classes.colours, classes.labels(), counts)]
    return layer, legend
