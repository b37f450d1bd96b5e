"""Eligibility zones: expansion of INSEE codes and grouping of communes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mapapp.access.eligibility import ZoneIndex, departement_of, eligibility_groups

COMMUNES = pd.DataFrame({"commune": ["47001", "47002", "47003", "2A004", "97101"],
                         "epci": ["200000001", "200000001", "200000002", None, "249710047"]})


def test_expand_each_kind_of_code():
    z = ZoneIndex(COMMUNES)
    assert z.expand(["47002"]) == {"47002"}
    assert z.expand(["200000001"]) == {"47001", "47002"}
    assert z.expand(["47"]) == {"47001", "47002", "47003"}
    assert z.expand(["2A"]) == {"2A004"}
    assert z.expand(["971"]) == {"97101"}
    assert z.expand(["47003", "2A"]) == {"47003", "2A004"}
    assert z.expand(["99134"]) == frozenset()  # another country
    assert z.expand(["12345", "999999999"]) == frozenset()  # unknown codes add nothing
    for everywhere in (None, [], ["france"], ["99100"], ["47001", "france"]):
        assert z.expand(everywhere) is None


def test_departement_of():
    assert [departement_of(c) for c in ("47001", "2B033", "97411")] == ["47", "2B", "974"]


def test_groups_by_eligible_site_set():
    z = ZoneIndex(COMMUNES)
    dest = pd.DataFrame({"site_id": ["a", "b", "c", "c", "d"],
                         "zone_eligibilite": [None, ["47001"], ["200000001"], ["2A"], ["99134"]]})
    site_ids = ["a", "b", "c", "d", "e"]
    g = eligibility_groups(dest, site_ids, COMMUNES.commune.tolist(), z)
    got = {c: g.sites[g.group_of_commune[i]].tolist() for i, c in enumerate(COMMUNES.commune)}
    assert got == {"47001": [0, 1, 2], "47002": [0, 2], "47003": [0], "2A004": [0, 2], "97101": [0]}
    assert len(g.sites) == 3  # 47002 and 2A004 share a set, as do 47003 and 97101
    assert g.everywhere.tolist() == [0]
    m = g.membership(5)
    assert m.shape == (3, 5) and not m[:, 3:].any()


def test_no_destination_gives_one_empty_group():
    g = eligibility_groups(pd.DataFrame({"site_id": [], "zone_eligibilite": []}), ["a"], ["47001", "47002"],
                           ZoneIndex(COMMUNES))
    assert len(g.sites) == 1 and g.sites[0].size == 0 and np.all(g.group_of_commune == 0)
