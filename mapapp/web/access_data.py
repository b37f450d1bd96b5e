"""The stored accessibility results as the pages and the API show them (no Flask, no routing).

:class:`Results` wraps a :class:`mapapp.results.ResultStore` (columns:
:mod:`mapapp.access.indicators`): the modes and themes of its manifests, a
theme's thresholds, its tables per theme, and a per-process memo of what is
derived from them. Here too: the request parameters (mode, threshold),
:class:`AccessError` and the constants the views share (the French formats of
times, shares and counts are :mod:`mapapp.formats`).

What a view needs for one theme, one mode and one threshold (communes and
territories at the threshold, car versus no car, the fiches) is derived in
:mod:`mapapp.web.access_tables`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from mapapp import formats
from mapapp.access.themes import Theme, Thresholds
from mapapp.results import ModeManifest, ResultStore
from mapapp.territory.bundle import GRID_LABELS
from mapapp.web.lru import LruMemo

#: Display order of the modes, their URL values (French) and labels.
#: The car-free modes (issue 17, :mod:`mapapp.compute_carfree`) follow the road ones; ``transit`` exists only
#: when GTFS timetables were imported.
MODES = ("car", "bike", "walk", "sans_voiture", "transit", "tad")
MODE_PARAM = {"car": "voiture", "bike": "velo", "walk": "marche", "sans_voiture": "sans_voiture",
              "transit": "transport", "tad": "tad"}
MODE_LABEL = {"car": "Voiture", "bike": "Vélo", "walk": "Marche", "sans_voiture": "Sans voiture",
              "transit": "Transport en commun", "tad": "Transport à la demande"}
MODE_PHRASE = {"car": "en voiture", "bike": "à vélo", "walk": "à pied", "sans_voiture": "sans voiture",
               "transit": "à pied et en transport en commun", "tad": "en transport à la demande"}
#: How the ``means`` column of ``sans_voiture`` reads (:data:`mapapp.access.carfree.MEANS`).
MEANS_LABEL = {"walk": "à pied", "bike": "à vélo", "transit": "car ou bus", "tad": "transport à la demande",
               "solidaire": "transport solidaire"}
#: Shown when no GTFS timetable was imported (no ``transit`` results).
NO_TRANSIT_MESSAGE = ("Aucun horaire de transport importé : « sans voiture » compte la marche, le vélo et le "
                      "transport à la demande (importez des horaires avec « mapapp territory import --gtfs »).")
_MODE_WORDS = "voiture, velo, marche, sans_voiture, transport ou tad"
_MODE_OF_PARAM = {**{v: k for k, v in MODE_PARAM.items()}, **{k: k for k in MODE_PARAM}}

#: Default theme of the pages: the national benchmark (99.7 % within 20 minutes by road).
DEFAULT_THEME = "france_services"
#: Default grid of the territory table: Lot-et-Garonne's "temps moyen d'accès par bassin de vie".
DEFAULT_GRID = "bassin_de_vie"
ALL = "all"

#: Statuses of a commune for one (theme, mode).
OK, UNREACHABLE, NO_POPULATION = "ok", "injoignable", "sans_habitant"
#: Classes of the car / no-car comparison.
COVERED_WITHOUT_CAR, CAR_ONLY, NOT_COVERED = "sans_voiture", "voiture_seulement", "aucun"

NO_RESULTS_MESSAGE = ("Aucun temps d'accès n'a encore été calculé : lancez « mapapp compute » "
                      "(après « mapapp demo load » ou l'import de votre territoire).")


class AccessError(Exception):
    """A request the results cannot answer: French message and HTTP status (400, 404 or 503)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- formats


def is_number(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and not pd.isna(value)


def json_number(value, digits: int | None = None):
    """A JSON-safe number: ``None`` for NaN, ``inf`` and missing values."""
    if not is_number(value):
        return None
    value = float(value)
    if math.isinf(value):
        return None
    return round(value, digits) if digits is not None else value


def sort_key(value) -> str:
    """``data-sort`` value of a table cell: numbers sort numerically, unreachable last."""
    if not is_number(value):
        return ""
    value = float(value)
    return "1e12" if math.isinf(value) else repr(value)


# --------------------------------------------------------------------------- themes and modes


def theme_from_spec(spec: Mapping) -> Theme:
    """The :class:`Theme` of a manifest's theme spec (for :func:`select_destinations`)."""
    return Theme(
        key=spec["key"], label=spec.get("label", spec["key"]), thematiques=spec.get("thematiques"),
        publics=spec.get("publics"), networks=spec.get("networks"), site_kinds=spec.get("site_kinds"),
        thresholds={m: Thresholds(t["main_min"], tuple(t.get("bands_min") or ())) for m, t in
                    (spec.get("thresholds") or {}).items()})


def parse_mode(value: str | None, *, available: Sequence[str] | None = None, default: str | None = None,
               strict: bool = False) -> str:
    """The engine key of a ``mode`` parameter (``voiture``/``velo``/``marche``, or ``car``/``bike``/``walk``).

    Pages trim and lower-case it; the API (``strict``) takes exactly these values (an empty one is an error).

    Raises:
        AccessError: 400 for an unknown value, 404 when ``available`` is given and lacks it.
    """
    if value is None or (not value and not strict):
        if default is None:
            raise AccessError(f"paramètre « mode » manquant : {_MODE_WORDS}", 400)
        return default
    mode = _MODE_OF_PARAM.get(value if strict else value.strip().lower())
    if mode is None:
        raise AccessError(f"mode « {value} » inconnu : {_MODE_WORDS}", 400)
    if available is not None and mode not in available:
        raise AccessError(f"aucun résultat pour le mode « {MODE_PARAM[mode]} » : lancez « mapapp compute »", 404)
    return mode


@dataclass
class Results:
    """The result store with the themes of its manifests."""

    store: ResultStore
    modes: list[str] = field(init=False)
    manifests: dict[str, ModeManifest] = field(init=False)
    themes: list[dict] = field(init=False)

    def __post_init__(self):
        found = set(self.store.modes())
        self.modes = [m for m in MODES if m in found] + sorted(found - set(MODES))
        self.manifests = {m: mf for m in self.modes if (mf := self.store.manifest(m)) is not None}
        self.modes = [m for m in self.modes if m in self.manifests]
        #: Changes whenever ``mapapp compute`` rewrites a mode (each write is a new version folder).
        self.version = (str(self.store.root), tuple((m, self.store.version(m)) for m in self.modes))
        seen: dict[str, dict] = {}
        for m in self.modes:
            for spec in self.manifests[m].themes:
                seen.setdefault(spec["key"], spec)
        self.themes = list(seen.values())

    @property
    def empty(self) -> bool:
        return not self.modes

    def default_mode(self) -> str:
        return "car" if "car" in self.modes else self.modes[0]

    def theme(self, key: str | None) -> dict:
        """The spec of theme ``key`` (default: :data:`DEFAULT_THEME`, else the first)."""
        if not self.themes:
            raise AccessError(NO_RESULTS_MESSAGE, 404)
        if not key:
            return next((t for t in self.themes if t["key"] == DEFAULT_THEME), self.themes[0])
        for t in self.themes:
            if t["key"] == key:
                return t
        raise AccessError(f"thème « {key} » inconnu : voir la liste des thèmes calculés", 404)

    def mode(self, value: str | None, *, strict: bool = False) -> str:
        if self.empty:
            raise AccessError(NO_RESULTS_MESSAGE, 404)
        return parse_mode(value, available=self.modes, default=self.default_mode(), strict=strict)

    def has_theme(self, mode: str, theme: str) -> bool:
        return any(t["key"] == theme for t in self.manifests[mode].themes)

    def thresholds(self, theme: dict, mode: str) -> tuple[float, list[float]]:
        """(main, bands) in minutes of ``theme`` for ``mode``."""
        spec = self.theme_in(mode, theme["key"])
        t = (spec.get("thresholds") or {}).get(mode)
        if not t:
            raise AccessError(f"le thème « {theme['key']} » n'a pas de seuil pour le mode « {MODE_PARAM[mode]} »",
                              404)
        main = float(t["main_min"])
        return main, sorted({float(b) for b in t.get("bands_min") or []} | {main})

    def theme_in(self, mode: str, key: str) -> dict:
        for spec in self.manifests[mode].themes:
            if spec["key"] == key:
                return spec
        raise AccessError(f"le thème « {key} » n'a pas été calculé pour le mode « {MODE_PARAM[mode]} » : "
                          "relancez « mapapp compute »", 404)

    def table(self, mode: str, name: str, theme: str) -> pd.DataFrame:
        """The rows of ``theme`` in one stored table (read-only: shared between requests)."""
        return self.memo(("table", mode, name, theme), lambda: self.store.theme_table(mode, name, theme))

    def memo(self, key: tuple, compute):
        """``compute()`` once per version of the results (a small LRU shared by the process's requests).

        The value is shared: callers must not modify it.
        """
        return _MEMO.get((self.version, key), compute)


#: Derived tables kept per process (per theme and mode: a few hundred kB each on a large département).
MEMO_SIZE = 128
_MEMO = LruMemo(MEMO_SIZE)


#: Largest threshold accepted, minutes (a day's travel is not an access threshold: 600 catches typos).
MAX_THRESHOLD_MIN = 600.0


def parse_threshold(value: str | None, main: float, bands: Sequence[float]) -> tuple[float, str | None]:
    """The chosen threshold in minutes and, when it is not one of ``bands``, a note saying how it is computed.

    Any positive number of minutes up to :data:`MAX_THRESHOLD_MIN` is accepted
    (decimal comma too): a threshold outside the theme's bands is computed from
    the stored per-point times (:mod:`mapapp.web.access_tables`).

    Raises:
        AccessError: 400 when ``value`` is not a number of minutes in (0, MAX_THRESHOLD_MIN].
    """
    if value is None or value.strip() == "":
        return main, None
    try:
        t = float(value.strip().replace(",", "."))
    except ValueError:
        raise AccessError(f"seuil « {value} » invalide : un nombre de minutes est attendu", 400) from None
    if not math.isfinite(t) or not 0 < t <= MAX_THRESHOLD_MIN:
        raise AccessError(f"seuil « {value} » invalide : un nombre de minutes supérieur à 0 et d'au plus "
                          f"{MAX_THRESHOLD_MIN:g} est attendu", 400)
    for b in bands:
        if abs(b - t) < 1e-9:
            return b, None
    allowed = ", ".join(formats.threshold(b) for b in bands)
    return t, (f"Le seuil de {formats.threshold(t)} n'est pas un des seuils prévus pour ce thème et ce mode "
               f"({allowed}) : ses chiffres sont calculés à partir des temps de chaque point de population")


def strict_threshold(value: str | None, main: float, bands: Sequence[float]) -> float:
    """:func:`parse_threshold` for the API: a number as JSON writes it (400 otherwise); the note goes in the
    answer's ``thresholds_min`` instead."""
    from mapapp.catalog.filters import parse_number

    if value is not None and parse_number(value) is None:
        raise AccessError(f"seuil « {value} » invalide : un nombre de minutes est attendu", 400)
    return parse_threshold(value, main, bands)[0]


def grid_order(grids: Iterable[str]) -> list[str]:
    order = list(GRID_LABELS)
    return sorted(set(grids), key=lambda g: (order.index(g) if g in order else 99, g))
