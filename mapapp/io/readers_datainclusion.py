"""data·inclusion schema v1 files (JSON or CSV): structures, and services as offers at derived sites."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from mapapp.io.readers_core import MULTILINE_FIELDS, ParsedFile, _load_json, _parse_date, convert
from mapapp.territory.tabular import find_column, parse_number, read_csv_table
from mapapp.territory.validation import fatal, normalize_insee


def _site_id(structure_id: str, lon: float, lat: float) -> str:
    digest = hashlib.sha1(f"{lon:.5f},{lat:.5f}".encode()).hexdigest()[:8]
    return f"{structure_id}--lieu-{digest}"


def _di_rows(path: Path, parsed: ParsedFile) -> tuple[list[tuple[Any, dict]], list[tuple[Any, dict]]]:
    """(where, row) of structures and of services."""
    if path.suffix.lower() == ".csv":
        table = read_csv_table(path, parsed.report, parsed.source, multiline=MULTILINE_FIELDS)
        rows = list(zip(table.lines, table.rows))
        if find_column(table.columns, ("structure_id",)):
            return [], rows
        return rows, []
    data = _load_json(path, parsed)
    if isinstance(data, dict):
        out = []
        for key in ("structures", "services"):
            items = data.get(key) or []
            if not isinstance(items, list):
                parsed.report.error(parsed.source, key, "une liste d'objets est attendue")
                items = []
            for i, r in enumerate(items, start=1):
                if not isinstance(r, dict):
                    parsed.report.error(parsed.source, f"{key} n° {i}", "objet JSON attendu")
            out.append([(f"{key} n° {i}", r) for i, r in enumerate(items, start=1) if isinstance(r, dict)])
        return out[0], out[1]
    if isinstance(data, list):
        services = [(f"objet {i}", r) for i, r in enumerate(data, start=1) if isinstance(r, dict) and "structure_id" in r]
        structures = [(f"objet {i}", r) for i, r in enumerate(data, start=1) if isinstance(r, dict) and "structure_id" not in r]
        return structures, services
    raise fatal(parsed.report, parsed.source, None, "JSON data·inclusion attendu (structures et/ou services)")


def _di_id(row: dict, key: str = "id") -> str:
    source = str(row.get("source") or "di").strip()
    return f"{source}--{str(row.get(key) or '').strip()}" if row.get(key) else ""


def _text(row: dict, key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_datainclusion(path: Path, source: str | None = None) -> ParsedFile:
    """data·inclusion v1 structures -> structures; services -> offers, their addresses -> sites.

    Ids become ``<source>--<id>``. A service received in person (``en-presentiel``)
    with coordinates (its own, else its structure's) is an on-site offer at a site
    for that point (one site per structure and point, id derived from the point,
    so re-importing gives the same ids); otherwise it is a remote offer.
    """
    parsed = ParsedFile(source or path.name)
    structures, services = _di_rows(path, parsed)
    locations: dict[str, tuple[float, float, dict]] = {}
    names: dict[str, str] = {}
    for where, row in structures:
        sid = _di_id(row)
        try:
            record = {
                "id": sid, "nom": _text(row, "nom"), "siret": _text(row, "siret"),
                "reseaux_porteurs": convert("structures", "reseaux_porteurs", row.get("reseaux_porteurs")),
                "telephone": _text(row, "telephone"), "courriel": _text(row, "courriel"),
                "site_web": _text(row, "site_web"), "description": _text(row, "description"),
                "adresse": _text(row, "adresse"), "commune_code": normalize_insee(row.get("code_insee")),
                "date_maj": _parse_date(row.get("date_maj")),
            }
            lon, lat = parse_number(row.get("longitude")), parse_number(row.get("latitude"))
        except ValueError as exc:
            parsed.report.error(parsed.source, where, str(exc))
            continue
        if lon is not None and lat is not None:
            locations[sid] = (lon, lat, row)
        names[sid] = record["nom"] or sid
        parsed.add("structures", {k: v for k, v in record.items() if v is not None or k in ("siret",)}, where)
    sites: dict[str, dict] = {}
    for where, row in services:
        oid, structure_id = _di_id(row), _di_id(row, "structure_id")
        try:
            modes = convert("offers", "modes_accueil", row.get("modes_accueil"))
            record = {
                "id": oid, "structure_id": structure_id, "nom": _text(row, "nom"),
                "description": _text(row, "description"), "type": _text(row, "type"),
                "thematiques": convert("offers", "thematiques", row.get("thematiques")),
                "publics": convert("offers", "publics", row.get("publics")),
                "publics_precisions": _text(row, "publics_precisions"),
                "modes_accueil": modes, "frais": convert("offers", "frais", row.get("frais")),
                "frais_precisions": _text(row, "frais_precisions"),
                "conditions_acces": _text(row, "conditions_acces"),
                "zone_eligibilite": convert("offers", "zone_eligibilite", row.get("zone_eligibilite")),
                "telephone": _text(row, "telephone"), "courriel": _text(row, "courriel"),
                "contact_nom_prenom": _text(row, "contact_nom_prenom"), "lien_source": _text(row, "lien_source"),
                "lien_mobilisation": _text(row, "lien_mobilisation"),
                "modes_mobilisation": convert("offers", "modes_mobilisation", row.get("modes_mobilisation")),
                "mobilisable_par": convert("offers", "mobilisable_par", row.get("mobilisable_par")),
                "mobilisation_precisions": _text(row, "mobilisation_precisions"),
                "horaires_accueil": _text(row, "horaires_accueil"),
                "date_maj": _parse_date(row.get("date_maj")),
            }
            lon, lat = parse_number(row.get("longitude")), parse_number(row.get("latitude"))
        except ValueError as exc:
            parsed.report.error(parsed.source, where, str(exc))
            continue
        code = normalize_insee(row.get("code_insee"))
        address = ", ".join(x for x in (_text(row, "adresse"), _text(row, "complement_adresse")) if x) or None
        if (lon is None or lat is None) and structure_id in locations:
            lon, lat, srow = locations[structure_id]
            code, address = normalize_insee(srow.get("code_insee")), _text(srow, "adresse")
        if "en-presentiel" in modes and lon is not None and lat is not None:
            site_id = _site_id(structure_id, lon, lat)
            if site_id not in sites:
                sites[site_id] = {"id": site_id, "structure_id": structure_id,
                                  "nom": names.get(structure_id) or record["nom"],
                                  "kind": "partner", "adresse": address, "code_postal": _text(row, "code_postal"),
                                  "commune_code": code, "lon": lon, "lat": lat, "status": "active",
                                  "date_maj": record["date_maj"]}
                parsed.add("sites", sites[site_id], where)
            record.update(delivery_mode="on_site", site_ids=[site_id])
        else:
            if "en-presentiel" in modes:
                parsed.report.warning(parsed.source, where, "service en présentiel sans coordonnées (ni les siennes, "
                                      "ni celles de sa structure) : importé comme offre à distance")
            record.update(delivery_mode="remote", site_ids=[])
        parsed.add("offers", {k: v for k, v in record.items() if v is not None}, where)
    if not structures and not services:
        parsed.report.error(parsed.source, None, "aucune structure ni aucun service data·inclusion")
    return parsed
