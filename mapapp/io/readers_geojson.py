"""JSON catalog files: GeoJSON points (sites, mobility points) and the catalog JSON layout itself."""

from __future__ import annotations

from pathlib import Path

from mapapp.catalog.load import SECTIONS
from mapapp.io.readers_core import SECTION_NAMES, TYPE_COLUMN, ParsedFile, _load_json, _record_from_cells
from mapapp.territory.validation import fatal


def read_geojson(path: Path, source: str | None = None) -> ParsedFile:
    parsed = ParsedFile(source or path.name)
    data = _load_json(path, parsed)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise fatal(parsed.report, parsed.source, None, "FeatureCollection GeoJSON attendue")
    features = data.get("features") or []
    if not isinstance(features, list):
        raise fatal(parsed.report, parsed.source, None, "« features » doit être une liste d'objets GeoJSON")
    for index, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties") or {}, dict):
            parsed.report.error(parsed.source, f"objet {index}", "objet GeoJSON (Feature) attendu, avec ses "
                                                                 "propriétés en objet")
            continue
        props = dict(feature.get("properties") or {})
        where = f"objet {index}" + (f" ({props['id']})" if props.get("id") else "")
        section = SECTION_NAMES.get(str(props.pop(TYPE_COLUMN, "lieu")).strip().lower())
        if section not in ("sites", "mobility_solutions"):
            parsed.report.error(parsed.source, where, f"{TYPE_COLUMN} : un objet GeoJSON est un lieu ou une solution de mobilité")
            continue
        geometry = feature.get("geometry") or {}
        if not isinstance(geometry, dict) or geometry.get("type") != "Point" \
                or not isinstance(geometry.get("coordinates"), list) or len(geometry["coordinates"]) < 2:
            parsed.report.error(parsed.source, where, "géométrie Point attendue (longitude, latitude)")
            continue
        props["lon"], props["lat"] = geometry["coordinates"][0], geometry["coordinates"][1]
        _record_from_cells(parsed, section, props, where)
    return parsed


def read_catalog_json(path: Path, source: str | None = None) -> ParsedFile:
    parsed = ParsedFile(source or path.name)
    data = _load_json(path, parsed)
    if not isinstance(data, dict):
        raise fatal(parsed.report, parsed.source, None, "objet JSON attendu (structures, sites, offers, mobility_solutions)")
    for name in sorted(set(data) - set(SECTIONS)):
        parsed.report.error(parsed.source, name, "section inconnue")
    for section in SECTIONS:
        records = data.get(section) or []
        if not isinstance(records, list):
            parsed.report.error(parsed.source, section, "une liste de fiches est attendue")
            continue
        for index, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                parsed.report.error(parsed.source, f"{section} n° {index}", "objet JSON (une fiche) attendu")
                continue
            parsed.add(section, dict(record), f"{section} n° {index}" + (f" ({record.get('id')})" if record.get("id") else ""))
    return parsed
