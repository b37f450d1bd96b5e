"""Store a :class:`~mapapp.territory.bundle.TerritoryBundle` in the database, and read it back.

Storing is idempotent: communes, grid units and population points equal to
the stored ones are left untouched, so storing the same bundle twice changes
nothing. A territory replaces the previous one: communes absent from the new
bundle are removed with their points and grid memberships.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mapapp.catalog.models import Commune, GridUnit, PopulationPoint, Territory, grid_member
from mapapp.territory.bundle import SQUARE_COLUMNS, TerritoryBundle


@dataclass
class StoreReport:
    communes_changed: int = 0
    communes_removed: int = 0
    grid_units_changed: int = 0
    points_replaced: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.communes_changed or self.communes_removed or self.grid_units_changed or self.points_replaced)


def _commune_values(row) -> dict:
    geom = row.geometry
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    point = geom.representative_point()
    return dict(
        nom=str(row.nom), population=int(row.population), departement=str(row.departement),
        is_buffer=bool(row.is_buffer), geometry_wkb=shapely.to_wkb(geom),
        min_lon=min_lon, min_lat=min_lat, max_lon=max_lon, max_lat=max_lat,
        point_lon=float(point.x), point_lat=float(point.y),
    )


def store_territory(session: Session, bundle: TerritoryBundle) -> StoreReport:
    """Write ``bundle`` into ``session`` (the caller commits); return what changed."""
    report = StoreReport()
    territory = session.scalar(select(Territory)) or Territory(id=1)
    for name, value in dict(
        name=bundle.name, departement=bundle.departement, fictional=bundle.fictional,
        description=bundle.description, sources=dict(bundle.sources),
        osm_path=str(bundle.osm_path) if bundle.osm_path else None,
    ).items():
        if getattr(territory, name) != value:
            setattr(territory, name, value)
    session.add(territory)

    existing = {c.code: c for c in session.scalars(select(Commune))}
    wanted = set(bundle.communes["code"])
    for row in bundle.communes.itertuples(index=False):
        values = _commune_values(row)
        commune = existing.get(row.code)
        if commune is None:
            session.add(Commune(code=row.code, **values))
            report.communes_changed += 1
        elif any(getattr(commune, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(commune, k, v)
            report.communes_changed += 1
    for code in set(existing) - wanted:
        session.delete(existing[code])
        report.communes_removed += 1
    session.flush()

    _store_grids(session, bundle.grids, report)
    _store_points(session, bundle.population_points, report)
    return report


def _store_grids(session: Session, grids: pd.DataFrame, report: StoreReport) -> None:
    units = {(u.grid, u.code): u for u in session.scalars(select(GridUnit))}
    wanted = set()
    for (grid, code), rows in grids.groupby(["grid", "code"], sort=True):
        wanted.add((grid, code))
        nom = str(rows["nom"].iloc[0])
        members = sorted(set(rows["commune"]))
        unit = units.get((grid, code))
        if unit is None:
            unit = GridUnit(grid=grid, code=code, nom=nom)
            session.add(unit)
            session.flush()
            current: list[str] = []
        else:
            current = [c.code for c in unit.communes]
            if unit.nom != nom:
                unit.nom = nom
                report.grid_units_changed += 1
        if current != members:
            session.execute(delete(grid_member).where(grid_member.c.grid_unit_id == unit.id))
            session.execute(grid_member.insert(), [{"grid_unit_id": unit.id, "commune_code": c} for c in members])
            session.expire(unit, ["communes"])
            report.grid_units_changed += 1
    for key in set(units) - wanted:
        session.delete(units[key])
        report.grid_units_changed += 1


def _points_frame(session: Session) -> pd.DataFrame:
    rows = session.execute(
        select(PopulationPoint.lon, PopulationPoint.lat, PopulationPoint.population, PopulationPoint.commune_code,
               PopulationPoint.square_id, PopulationPoint.square_wkb)
        .order_by(PopulationPoint.id)
    ).all()
    return pd.DataFrame(rows, columns=["lon", "lat", "population", "commune", *SQUARE_COLUMNS])


def _optional(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _store_points(session: Session, points: pd.DataFrame, report: StoreReport) -> None:
    new = points.reindex(columns=["lon", "lat", "population", "commune", *SQUARE_COLUMNS]).reset_index(drop=True)
    new[SQUARE_COLUMNS] = new[SQUARE_COLUMNS].astype(object).where(new[SQUARE_COLUMNS].notna(), None)
    old = _points_frame(session)
    if len(old) == len(new) and len(new) and (old["commune"].values == new["commune"].astype(str).values).all() \
            and np.allclose(old[["lon", "lat", "population"]].to_numpy(float), new[["lon", "lat", "population"]].to_numpy(float), rtol=0, atol=1e-9) \
            and (old[SQUARE_COLUMNS].to_numpy(object) == new[SQUARE_COLUMNS].to_numpy(object)).all():
        return
    session.execute(delete(PopulationPoint))
    session.execute(
        PopulationPoint.__table__.insert(),
        [{"lon": float(r.lon), "lat": float(r.lat), "population": float(r.population), "commune_code": str(r.commune),
          "square_id": _optional(r.square_id), "square_wkb": _optional(r.square_wkb)}
         for r in new.itertuples(index=False)],
    )
    report.points_replaced = True


def read_communes(session: Session, include_buffer: bool = True) -> gpd.GeoDataFrame:
    """The stored communes as a GeoDataFrame (bundle columns plus ``point_lon``/``point_lat``)."""
    query = select(Commune).order_by(Commune.code)
    if not include_buffer:
        query = query.where(Commune.is_buffer.is_(False))
    rows = session.scalars(query).all()
    return gpd.GeoDataFrame(
        {
            "code": [c.code for c in rows], "nom": [c.nom for c in rows],
            "population": [c.population for c in rows], "departement": [c.departement for c in rows],
            "is_buffer": [c.is_buffer for c in rows],
            "point_lon": [c.point_lon for c in rows], "point_lat": [c.point_lat for c in rows],
        },
        geometry=shapely.from_wkb([c.geometry_wkb for c in rows]) if rows else [],
        crs="EPSG:4326",
    )


def read_grids(session: Session) -> pd.DataFrame:
    """The stored grids in the bundle's long format ``grid, code, nom, commune``."""
    rows = session.execute(
        select(GridUnit.grid, GridUnit.code, GridUnit.nom, grid_member.c.commune_code)
        .join(grid_member, grid_member.c.grid_unit_id == GridUnit.id)
        .order_by(GridUnit.grid, GridUnit.code, grid_member.c.commune_code)
    ).all()
    return pd.DataFrame(rows, columns=["grid", "code", "nom", "commune"])


def read_population_points(session: Session) -> pd.DataFrame:
    return _points_frame(session)
