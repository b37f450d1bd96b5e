"""The report's « Évolution » section (issue 16 §2): the report's indicators over the dated snapshots.

For the report's first mode, its variant (public, schedule rule) and each of its
detailed themes, from every snapshot up to the report's date
(:mod:`mapapp.snapshots`):

- a small time-series chart per theme (matplotlib, SVG like the report's maps):
  the share of the inhabitants beyond the theme's main threshold, in the unit
  (and in the département for a unit's report);
- a table per canton and per territoire d'action sociale (when those grids
  exist): the share beyond the main threshold at the first and the last
  snapshot and the change, in percentage points.

A report's results live in a store; the snapshots beside it are found from the
store's folder (:func:`snapshots_near`), so a report of a snapshot
(``--date``) shows the evolution up to that date only.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mapapp.results import VARIANTS_DIR, ResultStore
from mapapp.snapshots import SNAPSHOTS_DIR, Snapshot, list_snapshots

#: Grids given a table per unit, when they exist.
EVOLUTION_GRIDS = ("canton", "territoire_action_sociale")


@dataclass
class Evolution:
    """Figures of the section: ``series`` is ``theme, day, grid, code, share_beyond_main, population_beyond_main``."""

    mode: str
    days: list[dt.date]
    series: pd.DataFrame
    unit: tuple[str, str]  # (grid, code) of the report's unit; ("all", "all") for the département
    grids: list[str] = field(default_factory=list)
    unit_names: dict[tuple[str, str], str] = field(default_factory=dict)  # (grid, code) → nom
    #: The snapshot date the report reads (``--date``), None for the live results.
    situation: dt.date | None = None


def snapshots_near(store: ResultStore) -> tuple[list[Snapshot], dt.date | None]:
    """The snapshots of the data folder ``store`` belongs to, and the date of the snapshot it is (or None)."""
    root = store.root.parent.parent if store.variant_key else store.root  # variants/<key> → the headline
    if root.name == "results" and root.parent.parent.name == SNAPSHOTS_DIR:  # snapshots/<date>/results
        try:
            day = dt.date.fromisoformat(root.parent.name)
        except ValueError:
            day = None
        return list_snapshots(root.parent.parent), day
    return list_snapshots(Path(root) / SNAPSHOTS_DIR), None


def build_evolution(store: ResultStore, themes: list[str], mode: str, unit: tuple[str, str],
                    grids: pd.DataFrame | None = None) -> Evolution | None:
    """The section's figures, or None when there is no snapshot (with the report's mode and variant).

    ``grids``: the territory's grids (``grid, code, nom, commune``) for the units' names; a unit's
    report keeps only the cantons and territoires d'action sociale that share communes with it.
    """
    snaps, until = snapshots_near(store)
    key = store.variant_key
    rows = []
    days = []
    for snap in snaps:
        if until is not None and snap.day > until:
            continue
        s = snap.store if not key else ResultStore(snap.store.root / VARIANTS_DIR / key, key)
        if mode not in s.modes():
            continue
        territories = s.table(mode, "territories")
        territories = territories[territories["theme"].isin(themes)]
        if unit[0] == "commune":
            communes = s.table(mode, "communes")
            communes = communes[communes["theme"].isin(themes) & (communes["commune"] == unit[1])]
            extra = communes.assign(grid="commune", code=communes["commune"])[
                ["theme", "grid", "code", "share_beyond_main", "population_beyond_main"]]
            territories = pd.concat([territories, extra], ignore_index=True)
        days.append(snap.day)
        rows.append(territories[["theme", "grid", "code", "share_beyond_main", "population_beyond_main"]].assign(
            day=snap.day))
    if not rows:
        return None
    series = pd.concat(rows, ignore_index=True)
    names = {}
    if grids is not None and len(grids):
        names = {(g, c): n for g, c, n in grids[["grid", "code", "nom"]].drop_duplicates().itertuples(index=False)}
        if unit[0] not in ("all", "commune"):
            inside = set(grids.loc[(grids["grid"] == unit[0]) & (grids["code"] == unit[1]), "commune"])
            near = {(g, c) for g, c, m in grids[["grid", "code", "commune"]].itertuples(index=False) if m in inside}
            keep = [(g, c) in near or g in ("all", unit[0]) or g not in EVOLUTION_GRIDS
                    for g, c in zip(series["grid"], series["code"])]
            series = series[keep]
    used = [g for g in EVOLUTION_GRIDS if g in set(series["grid"])]
    return Evolution(mode, days, series, unit, used, names, until)


def evolution_charts(evo: Evolution, labels: dict[str, str], fmt: str = "svg") -> list:
    """One small line chart per theme: share beyond the main threshold at each snapshot date."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from mapapp import formats
    from mapapp.reports.maps import MapImage

    out = []
    whole = evo.unit != ("all", "all")
    for theme in dict.fromkeys(evo.series["theme"]):
        rows = evo.series[evo.series["theme"] == theme]
        fig = Figure(figsize=(5.5, 2.4))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        lines = [(evo.unit, "Territoire du rapport" if whole else "Département", "#1f4e9c", "-")]
        if whole:
            lines.append((("all", "all"), "Département", "#7a7a7a", "--"))
        for (grid, code), label, color, style in lines:
            r = rows[(rows["grid"] == grid) & (rows["code"] == code)].sort_values("day")
            ax.plot(pd.to_datetime(r["day"]), r["share_beyond_main"], style, color=color, marker="o", label=label)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: formats.percent(v, 0)))
        ax.set_xticks(pd.to_datetime(sorted(set(rows["day"]))))
        ax.set_xticklabels([formats.date(d) for d in sorted(set(rows["day"]))], fontsize=7, rotation=20)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("au-delà du seuil", fontsize=8)
        ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, metadata={"Date": None} if fmt == "svg" else None, facecolor="white")
        label = labels.get(theme, theme)
        out.append(MapImage(f"evolution-{theme}", f"Évolution : {label}",
                            f"{label} : part des habitants au-delà du seuil principal ({formats.MODE_PHRASES.get(evo.mode, evo.mode)}) "
                            "à chaque instantané.", buf.getvalue(), fmt))
    return out


def evolution_view(evo: Evolution | None, labels: dict[str, str], unit_names: dict[tuple[str, str], str]) -> dict | None:
    """The section as French strings: ``intro``, ``charts``, ``tables`` (via :func:`mapapp.reports.render._table`)."""
    if evo is None:
        return None
    from mapapp import formats
    from mapapp.reports.render import _table
    from mapapp.reports.units import grid_label_plural

    first, last = evo.days[0], evo.days[-1]
    intro = (f"{formats.count(len(evo.days), 'instantané')}, du {formats.date(first)} au {formats.date(last)} "
             f"({formats.MODE_PHRASES.get(evo.mode, evo.mode)}). ")
    if len(evo.days) < 2:
        intro += "Un seul instantané : l'évolution apparaîtra au suivant."
    tables = []
    s = evo.series
    for grid in evo.grids if len(evo.days) >= 2 else []:
        a = s[(s["grid"] == grid) & (s["day"] == first)].set_index(["theme", "code"])["share_beyond_main"]
        b = s[(s["grid"] == grid) & (s["day"] == last)].set_index(["theme", "code"])["share_beyond_main"]
        rows, stable = [], 0
        for theme, code in sorted(set(a.index) | set(b.index), key=lambda k: (labels.get(k[0], k[0]),
                                                                               unit_names.get((grid, k[1]), k[1]))):
            before, after = a.get((theme, code)), b.get((theme, code))
            known = not (before is None or after is None or pd.isna(before) or pd.isna(after))
            if known and abs(after - before) < 1e-9:
                stable += 1
                continue
            change = f"{'+' if after > before else ''}{formats.number((after - before) * 100, 1)} pt" if known \
                else "—"
            rows.append([unit_names.get((grid, code), code), labels.get(theme, theme), formats.percent(before),
                         formats.percent(after), change])
        caption = (f"{grid_label_plural(grid)} : part des habitants au-delà du seuil principal, "
                   f"au {formats.date(first)} et au {formats.date(last)}")
        note = f"{formats.count(stable, 'couple territoire et thème', 'couples territoire et thème')} sans changement, " \
               "non listés." if stable else ""
        if rows:
            tables.append(_table(caption, ["Territoire", "Thème", f"Au {formats.date(first)}",
                                           f"Au {formats.date(last)}", "Évolution"], rows,
                                 num=[False, False, True, True, True], note=note))
        else:
            intro += f" {grid_label_plural(grid)} : aucun changement."
    return {"intro": intro, "tables": tables}
