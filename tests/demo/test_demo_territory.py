"""Communes tile the département, grids partition it, population points add up."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapapp.demo.geography import build_geography, to_wgs84


def test_commune_columns_and_codes(communes):
    assert list(communes.columns) == ["code", "nom", "population", "departement", "is_buffer", "geometry"]
    assert communes.crs.to_epsg() == 4326
    inner = communes[~communes.is_buffer]
    assert sorted(inner.code) == [f"{96000 + k}" for k in range(1, 151)]
    assert all(re.fullmatch(r"965\d\d", c) for c in communes[communes.is_buffer].code)
    assert communes.nom.is_unique and communes.code.is_unique
    assert (communes.departement == "96").all()
    assert communes.population.dtype.kind == "i" and (communes.population > 0).all()
    assert any("'" in n for n in communes.nom) and any(re.search("[éèêç]", n) for n in communes.nom)


def test_population_is_skewed(communes):
    pop = communes[~communes.is_buffer].population.sort_values(ascending=False).to_numpy()
    assert 45_000 <= pop[0] <= 55_000  # the préfecture
    assert 3 <= ((pop >= 5_000) & (pop <= 15_000)).sum() <= 8
    assert (pop < 500).sum() >= 50
    assert 200_000 <= pop.sum() <= 250_000


def test_extent_is_in_metropolitan_france_and_about_80_by_70_km(communes_l93, communes):
    x0, y0, x1, y1 = communes_l93[~communes_l93.is_buffer].total_bounds
    assert 65_000 <= x1 - x0 <= 100_000 and 55_000 <= y1 - y0 <= 90_000
    lon0, lat0, lon1, lat1 = communes.total_bounds
    assert -5 < lon0 < lon1 < 9.6 and 41.3 < lat0 < lat1 < 51.1


def test_polygons_tile_without_gaps_or_overlaps(communes_l93):
    geo = build_geography(96)
    outline = shapely.Polygon(np.column_stack(to_wgs84(*np.asarray(geo.outline.exterior.coords).T)))
    assert communes_l93.is_valid.all()
    assert (communes_l93.geom_type == "Polygon").all()
    for buffer_flag in (False, True):
        part = communes_l93[communes_l93.is_buffer == buffer_flag].geometry.to_numpy()
        union = shapely.union_all(part)
        assert union.geom_type == "Polygon"  # connected
        # no overlaps: areas add up to the union's (rounding to 1e-6° leaves < 1 m² per km of border)
        assert abs(sum(p.area for p in part) - union.area) < 2_000
        tree = shapely.STRtree(part)
        left, right = tree.query(part, predicate="intersects")
        pairs = left < right
        overlap = shapely.area(shapely.intersection(part[left[pairs]], part[right[pairs]]))
        assert overlap.max() < 50
    inner = shapely.union_all(communes_l93[~communes_l93.is_buffer].geometry.to_numpy())
    assert len(inner.interiors) == 0  # no holes in the département
    outline_l93 = gpd.GeoSeries([outline], crs=4326).to_crs(2154).iloc[0]
    assert abs(inner.area - outline_l93.area) / outline_l93.area < 1e-5
    # the files are rounded to 1e-6° (~0.1 m): a few m² per km of border, no real gap
    assert inner.symmetric_difference(outline_l93).area < 20_000
    ring = shapely.union_all(communes_l93[communes_l93.is_buffer].geometry.to_numpy())
    assert inner.intersection(ring).area < 5_000
    assert len(ring.interiors) == 1  # a ring around the département


def test_grids_partition_communes_into_contiguous_units(demo_dir, communes):
    grids = pd.read_csv(demo_dir / "grids.csv", dtype=str)
    assert list(grids.columns) == ["grid", "code", "nom", "commune"]
    inner = set(communes[~communes.is_buffer].code)
    expected = {"territoire_action_sociale": (3, 4), "epci": (8, 12), "canton": (8, 15), "bassin_de_vie": (8, 12)}
    assert set(grids.grid) == set(expected)
    geom = dict(zip(communes.code, communes.geometry))
    for grid, (lo, hi) in expected.items():
        g = grids[grids.grid == grid]
        assert g.commune.is_unique and set(g.commune) == inner, grid
        assert lo <= g.code.nunique() <= hi, grid
        assert g.groupby("code").nom.nunique().eq(1).all()
        for code, unit in g.groupby("code"):
            union = shapely.union_all([geom[c] for c in unit.commune]).buffer(0)
            assert union.geom_type == "Polygon", (grid, code)  # contiguous
    assert grids[grids.grid == "epci"].code.str.fullmatch(r"\d{9}").all()


def test_population_points(demo_dir, communes):
    pts = pd.read_csv(demo_dir / "population.csv", dtype={"commune": str})
    assert list(pts.columns) == ["lon", "lat", "population", "commune"]
    assert len(pts) >= 2_000
    assert pts.population.dtype.kind == "i" and (pts.population > 0).all()
    inner = communes[~communes.is_buffer].set_index("code")
    assert set(pts.commune) == set(inner.index)  # every commune has points, buffer communes none
    sums = pts.groupby("commune").population.sum()
    assert (sums == inner.population.loc[sums.index]).all()
    for code, group in pts.groupby("commune"):
        assert shapely.contains_xy(inner.geometry.loc[code], group.lon.to_numpy(), group.lat.to_numpy()).all(), code
    # denser in towns: the préfecture has many more points than a village
    counts = pts.commune.value_counts()
    assert counts.loc[inner.population.idxmax()] > 10 * counts.median()
