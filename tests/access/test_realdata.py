"""The engine on a real OpenStreetMap network (Corse-du-Sud), against networkx.

Uses ../shared/realdata (skipped when absent) and the network package to build
and snap; checks the access engine only.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mapapp.access.frames import attach_snap
from mapapp.access.run import compute_access
from mapapp.access.themes import default_themes
from tests.access.helpers import node_to_site_s, origin_to_site_s

# MAPAPP_REALDATA points elsewhere (a git worktree has no ../shared beside it)
REAL = Path(os.environ.get("MAPAPP_REALDATA") or Path(__file__).resolve().parents[2].parent / "shared" / "realdata")
DATE = "2024-08-01"  # publication date of the national France Services list
pytestmark = [pytest.mark.realdata,
              pytest.mark.skipif(not (REAL / "corse-du-sud").exists(), reason="no ../shared/realdata")]


def test_france_services_in_corse_du_sud_match_networkx():
    from mapapp.network.build import build_graph
    from mapapp.network.snap import snap_points

    g = build_graph(REAL / "corse-du-sud" / "roads.osm.pbf", "car")
    com = pd.read_csv(REAL / "corse-du-sud" / "communes.csv", dtype=str)
    fs = pd.read_csv(REAL / "france-services" / "france-services-20240801.csv", dtype=str)
    fs = fs[fs.insee_dep.isin(["2A", "2B"])].reset_index(drop=True)
    site_snap = snap_points(g, fs.longitude.astype(float), fs.latitude.astype(float), direction="in")
    sites = attach_snap(pd.DataFrame({"site_id": "FS" + fs.id_fs}), site_snap)
    # population stand-in: 300 points spread over the network's nodes, in random communes of 2A
    rng = np.random.default_rng(0)
    nodes = rng.choice(g.n_nodes, 300, replace=False)
    pts = snap_points(g, g.lon[nodes] + rng.normal(0, 2e-3, 300), g.lat[nodes] + rng.normal(0, 2e-3, 300))
    points = attach_snap(pd.DataFrame({"commune": rng.choice(com.code, 300), "population": 1.0}), pts)
    offers = pd.DataFrame({"offer_id": sites.site_id, "site_id": sites.site_id, "thematiques": [[]] * len(sites),
                           "publics": None, "delivery_mode": "on_site", "status": "active",
                           "zone_eligibilite": None, "reseaux_porteurs": [["france-service"]] * len(sites)})
    theme = [t for t in default_themes() if t.key == "france_services"]
    res = compute_access(g, points, pd.DataFrame({"commune": com.code}), sites, offers, theme)
    P = origin_to_site_s(node_to_site_s(g, site_snap), pts)
    ranked = np.sort(P, axis=1)
    np.testing.assert_allclose(res.points.time_min.to_numpy() * 60, ranked[:, 0], rtol=1e-12)
    np.testing.assert_allclose(res.points.second_time_min.to_numpy() * 60, ranked[:, 1], rtol=1e-12)
    np.testing.assert_array_equal(res.points.n_sites_within.to_numpy(), (ranked <= 20 * 60).sum(axis=1))
    assert 10 < site_snap.snapped.sum() < len(fs)  # 2A sites on the network, most of 2B beyond the buffer


def test_corse_du_sud_car_access_to_france_services_with_the_1km_grid(capsys):
    """Issue acceptance: the 124 communes, the INSEE 1 km squares, the national France Services list."""
    from mapapp.io.france_services import filter_to_territory, parse_france_services
    from mapapp.network.build import build_graph
    from mapapp.network.snap import snap_points
    from mapapp.territory.io import bundle_from_files

    root = REAL / "corse-du-sud"
    bundle = bundle_from_files("Corse-du-Sud", "2A", root / "communes.geojson", commune_table=root / "communes.csv",
                               population_grid=root / "population-carreaux-1km-2015.gpkg",
                               osm_path=root / "roads.osm.pbf", check_osm=False)
    records, _report = parse_france_services(REAL / "france-services" / "france-services-20240801.csv", date_maj=DATE)
    fs = pd.DataFrame(filter_to_territory(records, bundle.communes)["sites"])
    g = build_graph(root / "roads.osm.pbf", "car")

    pts = bundle.population_points
    points = attach_snap(pts[["commune", "population"]], snap_points(g, pts.lon.to_numpy(), pts.lat.to_numpy()))
    sites = attach_snap(pd.DataFrame({"site_id": fs["id"]}),
                        snap_points(g, fs.lon.to_numpy(), fs.lat.to_numpy(), direction="in"))
    offers = pd.DataFrame({"offer_id": fs["id"], "site_id": fs["id"], "thematiques": [[]] * len(fs),
                           "publics": None, "delivery_mode": "on_site", "status": "active",
                           "zone_eligibilite": None, "reseaux_porteurs": [["france-service"]] * len(fs)})
    communes = pd.DataFrame({"commune": bundle.communes.code, "population": bundle.communes.population})
    grids = bundle.grids[["grid", "code", "commune"]]
    theme = [t for t in default_themes() if t.key == "france_services"]
    res = compute_access(g, points, communes, sites, offers, theme, grids)

    c = res.communes
    assert len(c) == 124
    # population conserved between the squares and the communes
    assert c.population_points.sum() == pytest.approx(pts.population.sum())
    assert pts.population.sum() == pytest.approx(125_936.5)
    # every populated commune reachable; the only unreachable inhabitants are those of squares
    # farther than the snapping distance from any road (one 4-inhabitant square of Sartène, the
    # largest commune of metropolitan France), reported as such and never averaged in
    populated = c[c.population_points > 0]
    assert (populated.population_reachable > 0).all()
    assert np.isfinite(populated.mean_time_min).all()
    assert c.population_unreachable.sum() == pytest.approx(c.population_unsnapped.sum())
    assert c.population_unreachable.sum() < 1e-3 * c.population_points.sum()
    # shares beyond a threshold can only fall as the threshold grows
    whole = res.territory_bands[res.territory_bands.grid == "all"].sort_values("threshold_min")
    assert (np.diff(whole.share_beyond.to_numpy()) <= 1e-12).all()
    dept = res.territories.set_index(["grid", "code"]).loc[("all", "all")]
    shares = whole.set_index("threshold_min").share_beyond
    with capsys.disabled():
        from mapapp import formats

        print(f"\nCorse-du-Sud, voiture → France Services ({len(fs)} sites dont hors département) : "
              f"temps moyen {formats.minutes(dept.mean_time_min)} ; au-delà de 20 min : {formats.percent(shares[20.0])} "
              f"({formats.integer(dept.population_points * shares[20.0])} hab.) ; au-delà de 30 min : "
              f"{formats.percent(shares[30.0])} ; zones blanches (20 min) : {int(dept.n_zones_blanches)} communes ; "
              f"hors réseau (> 3 km d'une route) : {formats.integer(c.population_unsnapped.sum())} hab.")
    assert 0 < shares[20.0] < 0.5 and shares[30.0] <= shares[20.0]
