"""The stored accessibility results as the pages and the API show them (no Flask, no routing).

Everything here reads :class:`mapapp.results.ResultStore` tables (columns:
:mod:`mapapp.access.indicators`) and derives what a view needs for one theme,
one mode and one threshold ``T`` chosen among the theme's bands:

- **Zone blanche at T.** The stored ``zone_blanche`` is for the theme's *main*
  threshold. For another band ``T`` it is derived from ``commune_bands``: a
  commune is a zone blanche at ``T`` when it has inhabitants and all of them
  are beyond ``T`` (``population_beyond == population_points``, i.e.
  ``share_beyond == 1``), unreachable inhabitants included. At the main
  threshold both rules give the same communes (tested).
- **Superposition des offres** (overlap) is stored for the main threshold
  only (``mean_sites_within``, ``share_population_2plus``): views say so.
- **Car versus no car** at ``T``: per population point (same points in every
  mode), within ``T`` by car and beyond ``T`` on foot (or bike) gives the
  *inhabitants covered only by car*. A commune is *desservie seulement en
  voiture* when it is not a zone blanche by car at ``T`` and is one on foot
  (or bike) at ``T``: someone can drive there within ``T``, nobody can walk.
- Times are minutes; ``inf`` means unreachable and is never shown as a number;
  a commune with inhabitants none of whom can reach an eligible site has
  ``mean_time_min = NaN`` and the status ``injoignable``; one without
  inhabitant in the population points has the status ``sans_habitant``.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mapapp.access.themes import Theme, Thresholds
from mapapp.results import ModeManifest, ResultStore
from mapapp.territory.bundle import GRID_LABELS

#: Display order of the modes, their URL values (French) and labels.
MODES = ("car", "bike", "walk")
MODE_PARAM = {"car": "voiture", "bike": "velo", "walk": "marche"}
MODE_LABEL = {"car": "Voiture", "bike": "Vélo", "walk": "Marche"}
MODE_PHRASE = {"car": "en voiture", "bike": "à vélo", "walk": "à pied"}
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


def minutes_fr(value, unreachable: str = "injoignable", missing: str = "—") -> str:
    """``12.34`` → ``12,3 min``; ``inf`` → « injoignable »; NaN/None → ``missing``."""
    if not is_number(value):
        return missing
    value = float(value)
    if math.isinf(value):
        return unreachable
    return f"{value:.1f}".replace(".", ",") + "\u00a0min"


def threshold_fr(value) -> str:
    """``20.0`` → ``20 min``, ``7.5`` → ``7,5 min``."""
    value = float(value)
    text = f"{value:g}".replace(".", ",")
    return f"{text}\u00a0min"


def percent_fr(share, missing: str = "—") -> str:
    """``0.1234`` → ``12,3 %`` (``< 0,1 %`` for tiny non-zero shares)."""
    if not is_number(share):
        return missing
    pct = float(share) * 100
    if 0 < pct < 0.05:
        return "<\u00a00,1\u00a0%"
    return f"{pct:.1f}".replace(".", ",") + "\u00a0%"


def count_fr(value, missing: str = "—") -> str:
    if not is_number(value):
        return missing
    return f"{round(float(value)):,}".replace(",", "\u202f")


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


def parse_mode(value: str | None, *, available: Sequence[str] | None = None, default: str | None = None) -> str:
    """The engine key of a ``mode`` parameter (``voiture``/``velo``/``marche``, or ``car``/``bike``/``walk``).

    Raises:
        AccessError: 400 for an unknown value, 404 when ``available`` is given and lacks it.
    """
    if not value:
        if default is None:
            raise AccessError("paramètre « mode » manquant : voiture, velo ou marche", 400)
        return default
    mode = _MODE_OF_PARAM.get(value.strip().lower())
    if mode is None:
        raise AccessError(f"mode « {value} » inconnu : voiture, velo ou marche", 400)
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
        raise AccessError(f"thème « {key} » inconnu : voir la liste des thèmes calculés", 400)

    def mode(self, value: str | None) -> str:
        if self.empty:
            raise AccessError(NO_RESULTS_MESSAGE, 404)
        return parse_mode(value, available=self.modes, default=self.default_mode())

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
        return self.memo(("table", mode, name, theme), lambda: _theme_rows(self.store.table(mode, name), theme))

    def memo(self, key: tuple, compute):
        """``compute()`` once per version of the results (a small LRU shared by the process's requests).

        The value is shared: callers must not modify it.
        """
        k = (self.version, key)
        with _MEMO_LOCK:
            if k in _MEMO:
                _MEMO.move_to_end(k)
                return _MEMO[k]
        value = compute()
        with _MEMO_LOCK:
            _MEMO[k] = value
            while len(_MEMO) > MEMO_SIZE:
                _MEMO.popitem(last=False)
        return value


#: Derived tables kept per process (per theme and mode: a few hundred kB each on a large département).
MEMO_SIZE = 128
_MEMO: OrderedDict = OrderedDict()
_MEMO_LOCK = threading.Lock()


def _theme_rows(df: pd.DataFrame, theme: str) -> pd.DataFrame:
    return df[df["theme"] == theme]


def parse_threshold(value: str | None, main: float, bands: Sequence[float]) -> tuple[float, str | None]:
    """The chosen threshold in minutes and, when ``value`` is not one of ``bands``, why the main one is used.

    Raises:
        AccessError: 400 when ``value`` is not a number.
    """
    if value is None or value.strip() == "":
        return main, None
    try:
        t = float(value.replace(",", "."))
    except ValueError:
        raise AccessError(f"seuil « {value} » invalide : un nombre de minutes est attendu", 400) from None
    if not math.isfinite(t):
        raise AccessError(f"seuil « {value} » invalide : un nombre de minutes est attendu", 400)
    for b in bands:
        if abs(b - t) < 1e-9:
            return b, None
    allowed = ", ".join(threshold_fr(b) for b in bands)
    return main, f"Le seuil de {threshold_fr(t)} n'est pas calculé pour ce thème et ce mode (seuils : {allowed})"


def strict_threshold(value: str | None, main: float, bands: Sequence[float]) -> float:
    """:func:`parse_threshold` for the API: a threshold outside the bands is an error."""
    t, note = parse_threshold(value, main, bands)
    if note:
        raise AccessError(f"seuil « {value} » non calculé : valeurs possibles "
                          f"{', '.join(f'{b:g}' for b in bands)}", 400)
    return t


def grid_order(grids: Iterable[str]) -> list[str]:
    order = list(GRID_LABELS)
    return sorted(set(grids), key=lambda g: (order.index(g) if g in order else 99, g))


# --------------------------------------------------------------------------- communes


def commune_status(population_points, population_reachable) -> str:
    if not is_number(population_points) or population_points <= 0:
        return NO_POPULATION
    if not is_number(population_reachable) or population_reachable <= 0:
        return UNREACHABLE
    return OK


def _zone_blanche(pop: np.ndarray, beyond: np.ndarray) -> np.ndarray:
    """object array of True/False/None: all inhabitants beyond (None without inhabitant)."""
    out = np.where(beyond >= pop, True, False).astype(object)
    out[~(pop > 0)] = None
    return out


def commune_table(results: Results, mode: str, theme: str, threshold: float, main: float) -> pd.DataFrame:
    """One row per commune of the département: the stored indicators plus those at ``threshold``.

    Added columns: ``population_beyond``, ``share_beyond`` (at the threshold),
    ``zone_blanche_t`` (True/False/None), ``status`` (ok, injoignable, sans_habitant).
    Shared between requests (:meth:`Results.memo`): do not modify it.
    """
    return results.memo(("communes", mode, theme, threshold, main),
                        lambda: _commune_table(results, mode, theme, threshold, main))


def _commune_table(results: Results, mode: str, theme: str, threshold: float, main: float) -> pd.DataFrame:
    communes = results.table(mode, "communes", theme).reset_index(drop=True)
    bands = results.table(mode, "commune_bands", theme)
    at = bands[np.isclose(bands["threshold_min"].to_numpy(dtype=float), threshold)]
    at = at.set_index("commune")
    if not communes["commune"].isin(at.index).all():
        raise AccessError(f"seuil de {threshold_fr(threshold)} absent des résultats : relancez « mapapp compute »",
                          404)
    out = communes.copy()
    out["population_beyond"] = at["population_beyond"].reindex(out["commune"]).to_numpy(dtype=float)
    out["share_beyond"] = at["share_beyond"].reindex(out["commune"]).to_numpy(dtype=float)
    pop = out["population_points"].to_numpy(dtype=float)
    if abs(threshold - main) < 1e-9:
        zb = np.array([None if pd.isna(v) else bool(v) for v in out["zone_blanche"]], dtype=object)
    else:
        zb = _zone_blanche(pop, out["population_beyond"].to_numpy(dtype=float))
    out["zone_blanche_t"] = zb
    out["nearest_site_id"] = [v if isinstance(v, str) and v else None for v in out["nearest_site_id"]]
    out["status"] = [commune_status(p, r) for p, r in zip(out["population_points"], out["population_reachable"])]
    return out


def territory_table(results: Results, mode: str, theme: str, threshold: float, grid: str,
                    members: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``grid`` (and the whole département, ``grid = code = "all"``, last) at ``threshold``.

    Args:
        members: ``grid, code, nom, commune`` (:func:`mapapp.catalog.territory_store.read_grids`).
        communes: :func:`commune_table` for the same theme, mode and threshold
            (for the number of zones blanches at the threshold).

    Columns: the stored ``territories`` ones, ``nom``, ``population_beyond``,
    ``share_beyond`` (at the threshold) and ``n_zones_blanches_t``. Shared
    between requests (:meth:`Results.memo`, keyed by the grids' content too): do not modify it.
    """
    grids_key = hashlib.sha256(pd.util.hash_pandas_object(members, index=False).to_numpy().tobytes()).hexdigest()
    return results.memo(("territories", mode, theme, threshold, grid, grids_key),
                        lambda: _territory_table(results, mode, theme, threshold, grid, members, communes))


def _territory_table(results: Results, mode: str, theme: str, threshold: float, grid: str,
                     members: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    terr = results.table(mode, "territories", theme)
    rows = terr[(terr["grid"] == grid) | (terr["grid"] == ALL)].copy()
    if not (rows["grid"] == grid).any():
        raise AccessError(f"découpage « {grid} » inconnu dans les résultats", 400)
    bands = results.table(mode, "territory_bands", theme)
    at = bands[np.isclose(bands["threshold_min"].to_numpy(dtype=float), threshold)
               & ((bands["grid"] == grid) | (bands["grid"] == ALL))]
    key = pd.MultiIndex.from_frame(rows[["grid", "code"]])
    at = at.set_index(["grid", "code"])
    rows["population_beyond"] = at["population_beyond"].reindex(key).to_numpy(dtype=float)
    rows["share_beyond"] = at["share_beyond"].reindex(key).to_numpy(dtype=float)
    zb = communes.set_index("commune")["zone_blanche_t"].map(lambda v: v is True)
    m = members[members["grid"] == grid]
    per_unit = m.assign(zb=m["commune"].map(zb).fillna(False).astype(bool)).groupby("code")["zb"].sum()
    names = m.drop_duplicates("code").set_index("code")["nom"]
    is_all = rows["grid"] == ALL
    rows["n_zones_blanches_t"] = np.where(is_all, int(zb.sum()),
                                          rows["code"].map(per_unit).fillna(0).to_numpy()).astype(int)
    rows["nom"] = np.where(is_all, "Ensemble du département", rows["code"].map(names).fillna(rows["code"]))
    rows = pd.concat([rows[~is_all].sort_values("nom", key=lambda s: s.str.lower()), rows[is_all]])
    return rows.reset_index(drop=True)


def available_grids(results: Results, mode: str, theme: str) -> list[str]:
    terr = results.table(mode, "territories", theme)
    return grid_order(g for g in terr["grid"].unique() if g != ALL)


# --------------------------------------------------------------------------- car versus no car


@dataclass
class Comparison:
    """Per commune: car versus ``other`` mode at one threshold (see the module doc)."""

    other: str
    threshold: float
    table: pd.DataFrame  # commune, population_points, within_car, within_other, car_only_population, class

    def counts(self) -> dict[str, int]:
        return self.table["class"].value_counts().to_dict()


def compare_car(results: Results, theme: str, threshold: float, other: str) -> Comparison:
    """Communes and inhabitants within ``threshold`` by car but not by ``other`` (walk or bike).

    Shared between requests (:meth:`Results.memo`): do not modify it.

    Raises:
        AccessError: 404 when a mode is missing or the two modes' points differ
            (results computed from different territories).
    """
    return results.memo(("compare", theme, threshold, other), lambda: _compare_car(results, theme, threshold, other))


def _compare_car(results: Results, theme: str, threshold: float, other: str) -> Comparison:
    for m in ("car", other):
        if m not in results.modes:
            raise AccessError(f"aucun résultat pour le mode « {MODE_PARAM.get(m, m)} » : lancez « mapapp compute »",
                              404)
        results.theme_in(m, theme)
    cols = ["point_id", "commune", "population", "time_min"]
    car = results.table("car", "points", theme)[cols]
    alt = results.table(other, "points", theme)[cols]
    merged = car.merge(alt, on=["point_id", "commune"], how="outer", suffixes=("_car", "_alt"), indicator=True)
    if (merged["_merge"] != "both").any() or not np.allclose(merged["population_car"], merged["population_alt"]):
        raise AccessError("les résultats voiture et " + MODE_PHRASE.get(other, other) + " ne portent pas sur les "
                          "mêmes points de population : relancez « mapapp compute » pour tous les modes", 404)
    w = merged["population_car"].to_numpy(dtype=float)
    in_car = merged["time_min_car"].to_numpy(dtype=float) <= threshold
    in_alt = merged["time_min_alt"].to_numpy(dtype=float) <= threshold
    frame = pd.DataFrame({"commune": merged["commune"].to_numpy(), "population_points": w,
                          "within_car": w * in_car, "within_other": w * in_alt,
                          "car_only_population": w * (in_car & ~in_alt)})
    table = frame.groupby("commune", sort=True).sum().reset_index()
    pop = table["population_points"].to_numpy()
    zb_car = table["within_car"].to_numpy() <= 0
    zb_alt = table["within_other"].to_numpy() <= 0
    table["class"] = np.select([~(pop > 0), ~zb_alt, ~zb_car], [NO_POPULATION, COVERED_WITHOUT_CAR, CAR_ONLY],
                               NOT_COVERED)
    with np.errstate(invalid="ignore", divide="ignore"):
        for col in ("within_car", "within_other", "car_only_population"):
            table["share_" + col] = np.where(pop > 0, table[col] / np.where(pop > 0, pop, 1), np.nan)
    return Comparison(other, threshold, table)


# --------------------------------------------------------------------------- fiches


def commune_access(results: Results, code: str) -> list[dict]:
    """For the fiche commune: per theme, per computed mode, the commune's row (``None`` if absent).

    Each item: ``{"theme": spec, "modes": {mode: dict | None}}``; a mode's dict
    has the stored columns plus ``status`` and ``main_min``.
    """
    by_mode: dict[str, dict[str, dict]] = {}
    for mode in results.modes:
        df = results.store.table(mode, "communes")
        rows = df[df["commune"] == code]
        by_mode[mode] = {r["theme"]: r for r in rows.to_dict("records")}
    out = []
    for spec in results.themes:
        modes = {}
        for mode in results.modes:
            row = by_mode[mode].get(spec["key"])
            if row is not None:
                row = dict(row, status=commune_status(row["population_points"], row["population_reachable"]))
                zb = row.get("zone_blanche")
                row["zone_blanche"] = None if zb is None or pd.isna(zb) else bool(zb)
            modes[mode] = row
        if any(v is not None for v in modes.values()):
            out.append({"theme": spec, "modes": modes})
    return out


def site_access(results: Results, site_id: str, mode: str) -> pd.DataFrame:
    """The ``sites`` rows of ``site_id`` for ``mode``, one per theme it serves, in the themes' order."""
    df = results.store.table(mode, "sites")
    rows = df[df["site_id"] == site_id]
    order = {t["key"]: i for i, t in enumerate(results.themes)}
    return rows.assign(_o=rows["theme"].map(order).fillna(len(order))).sort_values("_o").drop(columns="_o")


def site_detail(results: Results, site_id: str, mode: str, theme: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(catchment bands, communes whose inhabitants have it nearest) of a site for one theme."""
    bands = results.table(mode, "site_bands", theme)
    bands = bands[bands["site_id"] == site_id].sort_values("threshold_min")
    communes = results.table(mode, "site_communes", theme)
    communes = communes[communes["site_id"] == site_id].sort_values(["population", "commune"],
                                                                      ascending=[False, True])
    return bands, communes
