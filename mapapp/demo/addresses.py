"""The demo's addresses, in the format of the Base Adresse Nationale (``adresses-96.csv``).

Every named street of the demo road network (« Rue … », « Avenue … », « Impasse … »,
« Allée … ») gets numbered addresses at its nodes, in the commune containing
each node, so that « Trouver une offre » can geocode an address of the demo
offline exactly as it does a real département's BAN file
(:mod:`mapapp.territory.addresses`). The postcode of a demo commune is its
INSEE code (fictional, like everything else in the demo).
"""

from __future__ import annotations

import csv
from pathlib import Path

import shapely
from shapely import STRtree

from .geography import Geography, to_wgs84
from .osm import Network

HEADER = ["id", "id_fantoir", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune",
          "code_insee_ancienne_commune", "nom_ancienne_commune", "x", "y", "lon", "lat", "type_position", "alias",
          "nom_ld", "libelle_acheminement", "nom_afnor", "source_position", "source_nom_voie",
          "certification_commune", "cad_parcelles"]
STREET_PREFIXES = ("Rue ", "Avenue ", "Impasse ", "Allée ", "Place ", "Boulevard ")
#: Numbers per street at most (a long avenue is not numbered to 400).
MAX_NUMBER = 60


def _afnor(text: str) -> str:
    from .names import strip_accents

    return strip_accents(text).upper().replace("'", " ").replace("-", " ")


def write_addresses(geo: Geography, net: Network, path: Path) -> int:
    """Write the BAN-format file of the demo's streets; return the number of addresses."""
    communes = [c for c in geo.communes if not c.is_buffer and c.polygon is not None]
    tree = STRtree([c.polygon for c in communes])
    next_number: dict[tuple[str, str], int] = {}
    street_ids: dict[tuple[str, str], int] = {}
    rows = []
    for ids, tags in net.ways:
        name = tags.get("name", "")
        if not name.startswith(STREET_PREFIXES) or tags.get("access") == "private":
            continue
        xy = net.xy(ids[1:-1] if len(ids) > 2 else ids)  # not the junctions shared with other streets
        hits = tree.query(shapely.points(xy), predicate="within")
        where = dict(zip(hits[0].tolist(), hits[1].tolist()))
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
        for k in range(len(xy)):
            if k not in where:
                continue
            c = communes[where[k]]
            key = (c.code, name)
            number = next_number.get(key, 1)
            if number > MAX_NUMBER:
                continue
            next_number[key] = number + 1
            street = street_ids.setdefault(key, len(street_ids) + 1)
            rows.append([f"{c.code}_{street:05d}_{number:05d}", "", number, "", name, c.code, c.code, c.nom, "", "",
                         round(float(xy[k, 0]), 2), round(float(xy[k, 1]), 2), f"{float(lon[k]):.6f}",
                         f"{float(lat[k]):.6f}", "entrée", "", "", _afnor(c.nom), _afnor(name), "commune", "commune",
                         "1", ""])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return len(rows)
