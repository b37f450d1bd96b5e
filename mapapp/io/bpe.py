"""The INSEE Base permanente des équipements (BPE) as sites of the everyday basket (issue 16 §5).

**Input**: the BPE « ensemble des équipements » detail file as INSEE publishes
it (CSV, ``;``, one row per equipment): ``DEPCOM`` (commune), ``TYPEQU`` (type),
and the position — ``LONGITUDE``/``LATITUDE`` (WGS84, in the recent editions)
or ``LAMBERT_X``/``LAMBERT_Y`` in the local projection (Lambert-93 in
metropolitan France, UTM in the overseas départements; the ``EPSG`` column when
present says which). Other columns (``AN``, ``NOMRS``, ``QUALITE_XY``, ``DCIRIS``…)
are optional; ``NOMRS`` (the name, recent editions) names the site when given.
Read by the project's strict CSV reader; a national file is fine: rows of
communes outside the territory are skipped and counted.

**Basket** (:data:`EVERYDAY_BASKET`): the equipments used every day or nearly,
after the INSEE « gamme de proximité » (post office, bank, grocery, bakery,
hairdresser, school, GP, nurse, pharmacy), codes of the BPE nomenclature in force
since 2021 (``B207`` boulangerie-pâtisserie, ``D265`` médecin généraliste,
``D307`` pharmacie…). It is narrower than the INSEE gamme (no tradesmen:
plumbers and electricians come to people, not the reverse) and it is a parameter
(``--typequ``): check it against the nomenclature of the edition used.

**Catalog records**: one :class:`~mapapp.catalog.models.Site` of kind
``equipement_quotidien`` per (type, position) — INSEE lists one row per
professional, so three GPs of one surgery are one site of capacity 3
(``capacite``) — each with one on-site offer (the engine measures access to
offers), under the structure ``insee-bpe``. The offers have no thématique, so
no thematic theme counts them; the theme « Équipements utiles au quotidien »
(:func:`mapapp.access.themes.everyday_equipment_theme`) selects them by site
kind. Ids are stable (a digest of type, commune and position), so importing the
next edition updates the sites; :func:`store_bpe` removes those that are gone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from pyproj import Transformer
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.territory.tabular import find_column, parse_number, read_csv_table
from mapapp.territory.validation import (ImportReport, TerritoryImportError, departement_of, finish, normalize_insee,
                                         start)

STRUCTURE_ID = "insee-bpe"
SITE_KIND = "equipement_quotidien"
#: TYPEQU code -> French label: the everyday basket (see the module docstring).
EVERYDAY_BASKET: Mapping[str, str] = {
    "A203": "Banque, caisse d'épargne",
    "A206": "Bureau de poste",
    "A207": "Relais poste",
    "A208": "Agence postale",
    "A501": "Coiffure",
    "B105": "Supermarché",
    "B201": "Supérette",
    "B202": "Épicerie",
    "B207": "Boulangerie-pâtisserie",
    "C107": "École maternelle",
    "C108": "École primaire",
    "C109": "École élémentaire",
    "D265": "Médecin généraliste",
    "D281": "Infirmier",
    "D307": "Pharmacie",
}
#: Projection of LAMBERT_X/LAMBERT_Y by département when the file has no EPSG column (INSEE documentation).
LOCAL_EPSG = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}
METRO_EPSG = 2154


def _transformer(epsg: int, cache: dict) -> Transformer:
    if epsg not in cache:
        cache[epsg] = Transformer.from_crs(epsg, 4326, always_xy=True)
    return cache[epsg]


def read_bpe(path: str | Path, communes: Iterable[str], *, basket: Mapping[str, str] = EVERYDAY_BASKET,
             report: ImportReport | None = None, source: str | None = None) -> dict:
    """Read a BPE detail CSV into catalog records (``structures``, ``sites``, ``offers``) of the basket.

    Args:
        communes: INSEE codes of the territory (buffer included: people cross borders).

    Raises:
        TerritoryImportError: unreadable file or missing columns (and, when ``report`` is None, any error).
    """
    report, owned = start(report)
    path = Path(path)
    source = source or path.name
    table = read_csv_table(path, report, source, multiline=())
    col = {name: find_column(table.columns, (name,)) for name in
           ("DEPCOM", "TYPEQU", "LONGITUDE", "LATITUDE", "LAMBERT_X", "LAMBERT_Y", "EPSG", "NOMRS", "AN")}
    missing = [c for c in ("DEPCOM", "TYPEQU") if col[c] is None]
    if not (col["LONGITUDE"] and col["LATITUDE"]) and not (col["LAMBERT_X"] and col["LAMBERT_Y"]):
        missing.append("LONGITUDE/LATITUDE ou LAMBERT_X/LAMBERT_Y")
    if missing:
        report.error(source, 1, f"colonnes de la BPE absentes : {', '.join(missing)} (fichier « ensemble des "
                                "équipements » de l'Insee, séparateur « ; »)")
        raise TerritoryImportError(report.errors, report.warnings)
    known = set(communes)
    transformers: dict = {}
    sites: dict[str, dict] = {}
    outside = other_types = 0
    for row, line in zip(table.rows, table.lines):
        typequ = row[col["TYPEQU"]].strip().upper()
        if typequ not in basket:
            other_types += 1
            continue
        commune = normalize_insee(row[col["DEPCOM"]])
        if commune not in known:
            outside += 1
            continue
        position = _position(row, col, commune, transformers, report, source, line)
        if position is None:
            continue
        lon, lat = position
        key = f"{typequ}|{commune}|{lon:.5f}|{lat:.5f}"
        site_id = "bpe-" + hashlib.sha1(key.encode()).hexdigest()[:12]
        if site_id in sites:
            sites[site_id]["capacite"] += 1
            continue
        name = (row[col["NOMRS"]].strip() if col["NOMRS"] else "") or basket[typequ]
        sites[site_id] = {"id": site_id, "structure_id": STRUCTURE_ID, "nom": name[:300], "kind": SITE_KIND,
                          "commune_code": commune, "lon": round(lon, 6), "lat": round(lat, 6), "status": "active",
                          "capacite": 1, "_typequ": typequ}
    report.info(source, None, f"{len(sites)} équipements du panier retenus ; {outside} ligne(s) hors du territoire "
                              f"et {other_types} d'autres types ignorées")
    finish(report, owned)
    return _records(sites.values(), basket)


def _position(row, col, commune, transformers, report, source, line) -> tuple[float, float] | None:
    try:
        if col["LONGITUDE"] and col["LATITUDE"] and row[col["LONGITUDE"]] and row[col["LATITUDE"]]:
            lon, lat = parse_number(row[col["LONGITUDE"]]), parse_number(row[col["LATITUDE"]])
        elif col["LAMBERT_X"] and col["LAMBERT_Y"] and row[col["LAMBERT_X"]] and row[col["LAMBERT_Y"]]:
            x, y = parse_number(row[col["LAMBERT_X"]]), parse_number(row[col["LAMBERT_Y"]])
            epsg_text = row[col["EPSG"]].strip() if col["EPSG"] else ""
            epsg = int(epsg_text) if epsg_text.isdigit() else LOCAL_EPSG.get(departement_of(commune), METRO_EPSG)
            lon, lat = _transformer(epsg, transformers).transform(x, y)
        else:
            report.warning(source, line, "équipement non géolocalisé (coordonnées vides) : ignoré")
            return None
    except ValueError:
        report.error(source, line, "coordonnées illisibles")
        return None
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        report.error(source, line, f"coordonnées hors limites ({lon}, {lat})")
        return None
    return float(lon), float(lat)


def _records(sites: Iterable[dict], basket: Mapping[str, str]) -> dict:
    site_list, offers = [], []
    for site in sorted(sites, key=lambda s: s["id"]):
        typequ = site.pop("_typequ")
        site_list.append(site)
        offers.append({"id": site["id"], "structure_id": STRUCTURE_ID, "nom": basket[typequ][:150],
                       "description": f"Équipement du quotidien recensé par la Base permanente des équipements de "
                                      f"l'Insee (type {typequ} : {basket[typequ]}).",
                       "delivery_mode": "on_site", "status": "active", "thematiques": [], "publics": [],
                       "site_ids": [site["id"]], "capacite": site["capacite"]})
    structure = {"id": STRUCTURE_ID, "nom": "Insee – Base permanente des équipements",
                 "site_web": "https://www.insee.fr/fr/metadonnees/source/serie/s1161", "reseaux_porteurs": []}
    return {"structures": [structure], "sites": site_list, "offers": offers}


def store_bpe(session: Session, data: dict, known_communes: set[str] | None = None) -> tuple[int, int]:
    """Upsert the BPE records and remove the BPE sites and offers absent from ``data`` (the caller commits).

    Returns ``(kept, removed)`` site counts. Raises :class:`mapapp.catalog.load.CatalogLoadError`.
    """
    from mapapp.catalog.load import load_catalog
    from mapapp.catalog.models import Offer, Site

    load_catalog(session, data, known_communes=known_communes)
    wanted = {s["id"] for s in data["sites"]}
    removed = 0
    for offer in session.scalars(select(Offer).where(Offer.structure_id == STRUCTURE_ID)):
        if offer.id not in wanted:
            session.delete(offer)
    session.flush()
    for site in session.scalars(select(Site).where(Site.structure_id == STRUCTURE_ID)):
        if site.id not in wanted:
            session.delete(site)
            removed += 1
    session.flush()
    return len(wanted), removed
