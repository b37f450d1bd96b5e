"""The ANCT national list of France Services → catalog records (dry-run friendly).

Source: ANCT, « Liste des structures France services » on data.gouv.fr
(``liste-fs-AAAAMMJJ.csv``, Licence Ouverte 2.0). One row per site, UTF-8,
``,``-separated (``;`` also accepted), quoted fields that may span lines;
columns ``id_fs, insee_dep, lib_fs, adresse, complement_adresse, insee_com,
code_postal, lib_com, latitude, longitude, mail, telephone, h_lundi ...
h_samedi, prise_rdv, commentaire, type_fs (Principal | Antenne), format_fs
(Fixe | Fixe_antenne(s) | Multisites | Bus_équivalent | Itinérante), groupe_fs,
labellisation_fs``.

Output of :func:`parse_france_services`: ``{"structures": [...], "sites": [...]}``,
plain dicts in the catalog's shape (see :mod:`mapapp.catalog.models`):

site
    ``id`` (``anct-fs--<id_fs>``), ``structure_id``, ``nom``, ``kind``,
    ``adresse``, ``code_postal``, ``commune_code``, ``lon``, ``lat``,
    ``horaires_accueil`` (OSM ``opening_hours``, see
    :mod:`mapapp.io.weekday_hours`), ``status`` (``active``), ``date_maj``
    (the data's date, given by the user), ``date_verification`` (None: nobody checked it
    here), ``itinerant_route``.
structure
    ``id``, ``nom``, ``siret`` (None: not in the file), ``reseaux_porteurs``
    (``["france-service"]``), ``telephone``, ``courriel``, ``site_web``,
    ``description``, ``adresse``, ``commune_code``, ``date_maj``,
    ``date_verification``.

Choices:

- **One structure per espace France Services**: a *Principal* row and the
  *Antenne* rows of the same ``groupe_fs`` in the same département share the
  principal's structure (``anct-fs--<id_fs of the principal>``). The file
  names no porteur (no SIRET, no operator column), so grouping by porteur is
  not possible; ``groupe_fs`` links antennes to their espace, except for
  networks like « PI14 » where several principals share a group: each
  principal is then its own structure, and so is an antenne whose group has
  no single principal.
- **Itinerant formats** (``Bus_équivalent``, ``Itinérante``) become
  ``kind="france_services_itinerant_stop"`` with ``itinerant_route`` = the
  site's name. The file gives only the bus's home address, not its stops
  (they are in free text in ``commentaire``): the point is that address, and
  a warning counts these sites. ``Multisites`` rows are kept as fixed sites at
  the given address.
- ``commentaire`` and ``prise_rdv`` go into the structure's ``description``.
- Swapped latitude/longitude (the swap lands in the right territory) are
  fixed with a warning; other coordinates outside the site's département
  zone, or unreadable, are errors and the row is skipped, as are bad INSEE
  codes and duplicate ids.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection
from pathlib import Path

import geopandas as gpd
import shapely

from mapapp.io.weekday_hours import weekday_cells_to_opening_hours
from mapapp.territory.tabular import find_column, parse_number, read_csv_table
from mapapp.territory.validation import INSEE_CODE_RE, ImportReport, departement_of, fatal, normalize_insee

ID_PREFIX = "anct-fs--"
DAY_COLUMNS = ("h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi", "h_dimanche")
REQUIRED_COLUMNS = ("id_fs", "lib_fs", "insee_com", "latitude", "longitude")
ITINERANT_FORMATS = {"bus_equivalent", "itinerante"}
KNOWN_FORMATS = ITINERANT_FORMATS | {"fixe", "fixe_antenne(s)", "multisites"}

#: (min_lon, min_lat, max_lon, max_lat) where a site of these départements may lie.
ZONES = {
    "metropole": (-5.6, 41.2, 9.8, 51.2),
    "971": (-61.9, 15.8, -60.9, 16.6),
    "972": (-61.3, 14.3, -60.7, 14.95),
    "973": (-54.7, 2.0, -51.5, 6.0),
    "974": (55.1, -21.5, 55.9, -20.8),
    "975": (-56.5, 46.7, -56.0, 47.2),
    "976": (44.9, -13.1, 45.4, -12.5),
    "977": (-63.0, 17.8, -62.7, 18.0),
    "978": (-63.2, 18.0, -62.9, 18.2),
}


def _ascii_key(text: str) -> str:
    return unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().strip().lower()


def _zone_of(code: str) -> tuple[float, float, float, float] | None:
    dep = departement_of(code)
    return ZONES.get(dep) if dep.startswith("97") else ZONES["metropole"]


def _in_zone(lon: float, lat: float, zone) -> bool:
    return zone[0] <= lon <= zone[2] and zone[1] <= lat <= zone[3]


def _date_from_name(path: Path) -> str | None:
    m = re.search(r"(20\d{2})(\d{2})(\d{2})", path.name)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def _row_departement(insee_dep: str, insee_com: str) -> str | None:
    """The département of a row: ``insee_dep`` when given, else its commune code's (None when neither reads)."""
    if insee_dep.strip():
        return insee_dep.strip().upper().zfill(2)
    code = normalize_insee(insee_com)
    return departement_of(code) if code and INSEE_CODE_RE.match(code) else None


def _clean_text(text: str) -> str:
    return re.sub(r"\s*\n\s*", "\n", re.sub(r"[ \t]+", " ", text or "")).strip()


def parse_france_services(path: str | Path, *, date_maj: str | dt.date | None,
                          departements: Collection[str] | None = None) -> tuple[dict[str, list[dict]], ImportReport]:
    """Parse the ANCT France Services CSV; nothing is written anywhere.

    Args:
        path: the CSV file.
        date_maj: the date of the data (``mapapp import --date``). The file
            has no date column, and a file's name is not evidence of its
            date (files get renamed, copied, re-downloaded): without it the
            file is refused, the message quoting the date its name suggests.
        departements: when given, rows of other départements (by
            ``insee_dep``, else their commune code) are set aside **before**
            any check, so that a bad row elsewhere in France neither blocks
            nor clutters the import; one information line counts them.

    Returns:
        ``(records, report)``: ``records = {"structures": [...], "sites": [...]}``
        (module doc); ``report`` holds per-line errors (rows skipped),
        warnings (rows kept, something fixed or doubtful) and infos (counts).

    Raises:
        TerritoryImportError: the file is missing, empty, or lacks a required column.
    """
    path = Path(path)
    source = path.name
    report = ImportReport()
    table = read_csv_table(path, report, source)
    cols = {name: find_column(table.columns, (), name) for name in (*REQUIRED_COLUMNS, *DAY_COLUMNS, "insee_dep", "adresse", "complement_adresse", "code_postal", "mail", "telephone", "prise_rdv", "commentaire", "type_fs", "format_fs", "groupe_fs", "labellisation_fs")}
    missing = [c for c in REQUIRED_COLUMNS if cols[c] is None]
    if missing:
        raise fatal(report, source, 1, f"colonne(s) absente(s) : {', '.join(missing)} (fichier ANCT France services attendu)")
    if date_maj is None:
        hint = _date_from_name(path)
        raise fatal(report, source, None, "date des données inconnue : la liste ANCT n'a pas de colonne de date ; "
                    "précisez la date de publication du fichier avec --date AAAA-MM-JJ"
                    + (f" (son nom suggère {hint} : --date {hint})" if hint else ""))
    date_maj = date_maj.isoformat() if isinstance(date_maj, dt.date) else str(date_maj)
    wanted = {d.upper() for d in departements} if departements is not None else None

    def get(row: dict, name: str) -> str:
        col = cols.get(name)
        return row.get(col, "").strip() if col else ""

    rows = []  # (line, row, site) for valid rows
    seen_ids: dict[str, int] = {}
    stats = {"placeholders": 0, "no_hours": 0, "unconvertible": 0, "itinerant": [], "elsewhere": 0}
    for row, line in zip(table.rows, table.lines):
        if wanted is not None and _row_departement(get(row, "insee_dep"), get(row, "insee_com")) not in wanted:
            stats["elsewhere"] += 1
            continue
        id_fs = get(row, "id_fs")
        if not id_fs:
            report.error(source, line, "id_fs vide")
            continue
        if id_fs in seen_ids:
            report.error(source, line, f"id_fs {id_fs} en double (déjà ligne {seen_ids[id_fs]})")
            continue
        seen_ids[id_fs] = line
        nom = get(row, "lib_fs")
        if not nom:
            report.error(source, line, f"lib_fs vide (id_fs {id_fs})")
            continue
        raw_code = get(row, "insee_com")
        code = normalize_insee(raw_code)
        if code is None or not INSEE_CODE_RE.match(code):
            report.error(source, line, f"code INSEE invalide « {raw_code} » (id_fs {id_fs})")
            continue
        dep = get(row, "insee_dep").upper()
        if dep and dep.zfill(2) != departement_of(code):
            report.warning(source, line, f"insee_dep {dep} ≠ département du code commune {code}")
        coords = _coordinates(get(row, "longitude"), get(row, "latitude"), code, source, line, report)
        if coords is None:
            continue
        lon, lat = coords

        hours = weekday_cells_to_opening_hours({i: get(row, c) for i, c in enumerate(DAY_COLUMNS) if cols.get(c)})
        stats["placeholders"] += hours.placeholders
        if hours.problem:
            stats["unconvertible"] += 1
            report.warning(source, line, f"horaires non convertis ({hours.problem}) : horaires_accueil vide")
        elif hours.expression is None:
            stats["no_hours"] += 1
        notes = [n for n in hours.notes if n != "aucun horaire renseigné"]
        if notes:
            report.warning(source, line, "horaires : " + " ; ".join(notes))

        fmt = _ascii_key(get(row, "format_fs"))
        if fmt and fmt not in KNOWN_FORMATS:
            report.warning(source, line, f"format_fs inconnu « {get(row, 'format_fs')} » : traité comme un site fixe")
        itinerant = fmt in ITINERANT_FORMATS
        if itinerant:
            stats["itinerant"].append(line)
        postal = get(row, "code_postal")
        if postal and not re.fullmatch(r"\d{5}", postal):
            report.warning(source, line, f"code postal invalide « {postal} » ignoré")
            postal = ""
        address = ", ".join(p for p in (get(row, "adresse"), get(row, "complement_adresse")) if p)
        site = {
            "id": f"{ID_PREFIX}{id_fs}",
            "structure_id": None,  # set below, once espaces are grouped
            "nom": nom,
            "kind": "france_services_itinerant_stop" if itinerant else "france_services",
            "adresse": address or None,
            "code_postal": postal or None,
            "commune_code": code,
            "lon": lon,
            "lat": lat,
            "horaires_accueil": hours.expression,
            "status": "active",
            "date_maj": date_maj,
            "date_verification": None,
            "itinerant_route": nom if itinerant else None,
        }
        rows.append((line, row, site))

    structures = _group_structures(rows, get, date_maj, report, source)
    sites = [site for _line, _row, site in rows]
    if stats["itinerant"]:
        shown = ", ".join(str(x) for x in stats["itinerant"][:20])
        more = f"... (+{len(stats['itinerant']) - 20})" if len(stats["itinerant"]) > 20 else ""
        report.warning(source, None, f"{len(stats['itinerant'])} France services itinérants : seule l'adresse de rattachement est connue, pas les arrêts (lignes {shown}{more})")
    if stats["elsewhere"]:
        report.info(source, None, f"{stats['elsewhere']} ligne(s) d'autres départements écartée(s) avant tout contrôle "
                    f"(départements gardés : {', '.join(sorted(wanted))})")
    report.info(source, None, f"{len(sites)} sites et {len(structures)} structures lus sur {len(table.rows)} lignes")
    if stats["placeholders"]:
        report.info(source, None, f"{stats['placeholders']} plage(s) « 00:00 - 00:00 » ignorée(s)")
    if stats["no_hours"]:
        report.info(source, None, f"{stats['no_hours']} site(s) sans aucun horaire renseigné")
    return {"structures": structures, "sites": sites}, report


def _coordinates(raw_lon: str, raw_lat: str, code: str, source: str, line: int, report: ImportReport) -> tuple[float, float] | None:
    try:
        lon, lat = parse_number(raw_lon), parse_number(raw_lat)
    except ValueError:
        lon = lat = None
    if lon is None or lat is None:
        report.error(source, line, f"coordonnées manquantes ou illisibles ({raw_lat}, {raw_lon})")
        return None
    zone = _zone_of(code)
    if zone is None:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            report.error(source, line, f"coordonnées hors limites ({lat}, {lon})")
            return None
        return lon, lat
    if _in_zone(lon, lat, zone):
        return lon, lat
    if _in_zone(lat, lon, zone):
        report.warning(source, line, f"latitude et longitude inversées ({raw_lat}, {raw_lon}) : corrigées")
        return lat, lon
    report.error(source, line, f"coordonnées ({lat}, {lon}) hors du département de la commune {code}")
    return None


def _group_structures(rows, get, date_maj: str, report: ImportReport, source: str) -> list[dict]:
    """Attach each site to its espace's structure (module doc) and build the structures."""
    principals: dict[tuple[str, str], list[int]] = {}
    for i, (_line, row, site) in enumerate(rows):
        group = get(row, "groupe_fs")
        if group and _ascii_key(get(row, "type_fs")) != "antenne":
            principals.setdefault((departement_of(site["commune_code"]), group), []).append(i)
    members: dict[int, list[int]] = {}
    for i, (_line, row, site) in enumerate(rows):
        owner = i
        group = get(row, "groupe_fs")
        if group and _ascii_key(get(row, "type_fs")) == "antenne":
            candidates = principals.get((departement_of(site["commune_code"]), group), [])
            if len(candidates) == 1:
                owner = candidates[0]
        members.setdefault(owner, []).append(i)
    structures = []
    for owner, idx in members.items():
        _line, row, site = rows[owner]
        structure_id = site["id"]
        for i in idx:
            rows[i][2]["structure_id"] = structure_id
        description = []
        label = get(row, "labellisation_fs")
        if label:
            description.append(f"{label} (ANCT).")
        rdv = get(row, "prise_rdv")
        if rdv:
            description.append(f"Prise de rendez-vous : {rdv.lower()}.")
        for i in idx:
            comment = _clean_text(get(rows[i][1], "commentaire"))
            if comment:
                description.append(f"{rows[i][2]['nom']} : {comment}" if len(idx) > 1 else comment)
        structures.append(
            {
                "id": structure_id,
                "nom": site["nom"],
                "siret": None,
                "reseaux_porteurs": ["france-service"],
                "telephone": get(row, "telephone") or None,
                "courriel": get(row, "mail") or None,
                "site_web": None,
                "description": "\n".join(description) or None,
                "adresse": site["adresse"],
                "commune_code": site["commune_code"],
                "date_maj": date_maj,
                "date_verification": None,
            }
        )
    return structures


#: A site whose INSEE code is a commune of the territory (département or buffer alike) is kept
#: when its point lies this close outside that commune (simplified coastlines put harbour sites in the sea).
OWN_COMMUNE_TOLERANCE_M = 1000.0


def filter_to_territory(records, communes: gpd.GeoDataFrame, buffer_m: float = 15000.0, *, report: ImportReport | None = None):
    """Keep the sites of a territory: inside a commune polygon, or within ``buffer_m`` of the département.

    Args:
        records: ``{"structures": [...], "sites": [...]}`` as returned by
            :func:`parse_france_services`, or a plain list of site dicts.
        communes: the territory's communes (``is_buffer`` marks communes
            outside the département; the département's outline is the union
            of the others, or of all when none is marked).
        buffer_m: distance from the département's outline within which sites
            are kept (people cross borders), in metres.
        report: receives consistency warnings: a kept site lying more than
            1 km from the commune its INSEE code names, and every site of one
            of the territory's communes left out because of its coordinates,
            by name and id.

    A site outside every commune (and the buffer) whose own commune — the one
    its INSEE code names, in the département or in the buffer, one rule for
    both — is within ``OWN_COMMUNE_TOLERANCE_M`` is kept: simplified outlines
    put coastal sites in the sea (Propriano). Sites of communes foreign to the
    territory are simply not part of it and are not listed.

    Returns:
        The same shape as ``records``: with a dict, only the structures of
        kept sites remain.
    """
    sites = records["sites"] if isinstance(records, dict) else list(records)
    if not sites:
        return {"structures": [], "sites": []} if isinstance(records, dict) else []
    crs = communes.estimate_utm_crs()
    com = communes.to_crs(crs)
    inner = com[~com["is_buffer"].astype(bool)] if "is_buffer" in com and (~com["is_buffer"].astype(bool)).any() else com
    outline = shapely.union_all(inner.geometry.values)
    zone = shapely.union_all([shapely.union_all(com.geometry.values), outline.buffer(buffer_m)])
    shapely.prepare(zone)
    pts = gpd.GeoSeries(gpd.points_from_xy([s["lon"] for s in sites], [s["lat"] for s in sites]), crs=4326).to_crs(crs)
    keep = shapely.contains_xy(zone, pts.x.to_numpy(), pts.y.to_numpy())
    geom_of = dict(zip(com["code"], com.geometry))
    inner_codes = set(inner["code"])
    kept = []
    for site, point, inside in zip(sites, pts, keep):
        commune_geom = geom_of.get(site["commune_code"])
        if inside:
            kept.append(site)
            if report is not None and commune_geom is not None:
                d = commune_geom.distance(point)
                if d > 1000:
                    report.warning("filtre territoire", site["id"], f"{site['nom']} : coordonnées à {d / 1000:.1f} km de sa commune {site['commune_code']}")
        elif commune_geom is not None:
            d = commune_geom.distance(point)
            if d <= OWN_COMMUNE_TOLERANCE_M:
                # just outside its own commune's (simplified) outline, typically on the coast: keep it
                kept.append(site)
            elif report is not None:
                where = "du département" if site["commune_code"] in inner_codes else "hors département"
                report.warning("filtre territoire", site["id"], f"{site['nom']} (id {site['id']}, commune {site['commune_code']} {where}) exclu : "
                                                               f"coordonnées à {d / 1000:.1f} km de sa commune")
    if not isinstance(records, dict):
        return kept
    used = {s["structure_id"] for s in kept}
    return {"structures": [s for s in records.get("structures", []) if s["id"] in used], "sites": kept}
