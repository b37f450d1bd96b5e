"""The engine on a real OpenStreetMap network (Corse-du-Sud), against networkx.

Uses ../shared/realdata (skipped when absent) and the network package to build
and snap; checks the access engine only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mapapp.access.frames import attach_snap
from mapapp.access.run import compute_access
from mapapp.access.themes import default_themes
from tests.access.helpers import node_to_site_s, origin_to_site_s

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
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
