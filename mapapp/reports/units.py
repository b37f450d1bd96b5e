"""What a report is about: the whole département or one unit of a grid.

A unit is written ``<grid>:<code>`` on the command line and in URLs:
``epci:200096001``, ``canton:9601``, ``bassin_de_vie:96001``,
``territoire_action_sociale:TAS1``, ``commune:96001``; nothing (or
``departement``) means the whole département. Only the département's own
communes belong to a unit (buffer communes outside the border are context:
their sites count as destinations, their inhabitants are not counted).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mapapp.territory.bundle import GRID_LABELS

DEPARTEMENT = "departement"
COMMUNE = "commune"


class ReportError(ValueError):
    """The report cannot be made as asked (unknown unit, theme or mode; no results). French message."""


@dataclass(frozen=True)
class ReportUnit:
    """The territory a report covers.

    Attributes:
        kind: ``departement``, ``commune`` or a grid key (``epci``, ``canton``...).
        code: the unit's code (``all`` for the département).
        name: its name (« Communauté de communes du Caminac »).
        communes: INSEE codes of the département's communes in the unit, sorted.
    """

    kind: str
    code: str
    name: str
    communes: tuple[str, ...]

    @property
    def is_departement(self) -> bool:
        return self.kind == DEPARTEMENT

    @property
    def key(self) -> str:
        """The ``grid:code`` form (``departement`` for the whole territory)."""
        return DEPARTEMENT if self.is_departement else f"{self.kind}:{self.code}"

    @property
    def kind_label(self) -> str:
        return grid_label(self.kind)


def grid_label(grid: str) -> str:
    if grid == DEPARTEMENT:
        return "Département"
    if grid == COMMUNE:
        return "Commune"
    return GRID_LABELS.get(grid, grid.replace("_", " ").capitalize())


def grid_label_plural(grid: str) -> str:
    plurals = {"epci": "EPCI", "canton": "Cantons", "bassin_de_vie": "Bassins de vie",
               "territoire_action_sociale": "Territoires d'action sociale", "zone_emploi": "Zones d'emploi",
               COMMUNE: "Communes"}
    return plurals.get(grid, grid_label(grid))


def parse_unit(value: str | None) -> tuple[str, str] | None:
    """``"epci:200096001"`` → ``("epci", "200096001")``; None, ``""`` or ``departement`` → None."""
    if value is None or not value.strip() or value.strip().lower() in (DEPARTEMENT, "all"):
        return None
    grid, sep, code = value.strip().partition(":")
    if not sep or not grid or not code:
        raise ReportError(f"Territoire « {value} » invalide : écrivez <découpage>:<code>, par exemple "
                          "epci:200096001, canton:9601 ou commune:96001.")
    return grid.strip(), code.strip()


def resolve_unit(value: str | None, communes: pd.DataFrame, grids: pd.DataFrame, territory_name: str) -> ReportUnit:
    """The :class:`ReportUnit` for ``value``.

    Args:
        communes: the département's communes (``code``, ``nom``), buffer excluded.
        grids: the grids in long format (``grid, code, nom, commune``).
        territory_name: the département's name.
    """
    parsed = parse_unit(value)
    codes = set(communes["code"])
    if parsed is None:
        return ReportUnit(DEPARTEMENT, "all", territory_name, tuple(sorted(codes)))
    grid, code = parsed
    if grid == COMMUNE:
        row = communes[communes["code"] == code]
        if row.empty:
            raise ReportError(f"Commune {code} inconnue dans le département.")
        return ReportUnit(COMMUNE, code, str(row["nom"].iloc[0]), (code,))
    known = sorted(set(grids["grid"]))
    if grid not in known:
        raise ReportError(f"Découpage « {grid} » inconnu ; découpages disponibles : "
                          f"{', '.join(known + [COMMUNE])}.")
    rows = grids[(grids["grid"] == grid) & (grids["code"] == code)]
    if rows.empty:
        raise ReportError(f"Aucun territoire de code « {code} » dans le découpage « {grid_label(grid)} ».")
    members = tuple(sorted(set(rows["commune"]) & codes))
    return ReportUnit(grid, code, str(rows["nom"].iloc[0]), members)


def unit_choices(communes: pd.DataFrame, grids: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Every unit a report can cover: ``(key, grid label, name)``, grids first, then communes."""
    out = []
    order = list(GRID_LABELS)
    units = grids[["grid", "code", "nom"]].drop_duplicates().copy()
    units["rank"] = units["grid"].map(lambda g: order.index(g) if g in order else len(order))
    for row in units.sort_values(["rank", "grid", "nom", "code"]).itertuples(index=False):
        out.append((f"{row.grid}:{row.code}", grid_label(row.grid), str(row.nom)))
    for row in communes.sort_values(["nom", "code"]).itertuples(index=False):
        out.append((f"{COMMUNE}:{row.code}", grid_label(COMMUNE), str(row.nom)))
    return out
