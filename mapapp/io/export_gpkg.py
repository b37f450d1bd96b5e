"""The report as GIS layers: a GeoPackage for QGIS, or GeoJSON files.

Layers (French, ASCII names; one row per feature):

``communes`` (polygons)
    the unit's communes: ``code, nom, population`` (official), one column per
    grid the commune belongs to (``epci``, ``canton``...), then **one column
    set per theme × mode of the report** (*wide*): ``<theme>_<mode>_`` (mode in
    French: ``voiture``, ``marche``, ``velo``, :func:`wide_prefix`) +
    ``temps_moy_min`` (population-weighted mean time to the nearest site;
    NULL when no inhabitant can reach one, or none lives there),
    ``pct_au_dela`` (percentage of inhabitants beyond the main threshold),
    ``hab_au_dela``, ``injoignables`` (inhabitants without road access),
    ``zone_blanche`` (1/0, NULL without inhabitants), ``nb_lieux``
    (distinct sites within the threshold). Wide because a QGIS user styles a
    choropleth by picking one attribute; the themes not detailed in the report
    are in ``indicateurs_communes``.
``indicateurs_communes`` (table without geometry; GeoPackage only)
    *long*: one row per commune × theme × mode, for every stored theme; join
    it to ``communes`` on ``code_commune`` = ``code`` in QGIS.
``territoires`` (polygons)
    the sub-territories of the report (bassins de vie...) or the unit itself,
    with the same wide columns.
``lieux`` (points)
    sites in the unit (for the département: also the sites beyond the
    border, which count: ``hors_departement = 1``).
``offres`` (points)
    one feature per (offer, site) at the sites of ``lieux``; remote and
    département-wide offers open to the unit have no site: NULL geometry
    (as the JSON API does).
``mobilite_points`` (points) and ``mobilite_zones`` (multipolygons: the
    union of the served communes). Non-located aids are not a layer: see the
    XLSX/JSON exports.

**Projection.** GeoPackage: **Lambert-93 (EPSG:2154)**, the official
projection of metropolitan France (decree 2000-1302), in metres, what the
départements' GIS teams use; overseas départements get their official UTM
projection (:data:`OVERSEAS_CRS`). Override with ``crs=``. GeoJSON is always
WGS84 (EPSG:4326) longitude/latitude, as RFC 7946 requires.

**QGIS.** The GeoPackage (version :data:`GPKG_VERSION`) also holds ``layer_styles``,
one QML per layer with French field aliases (:mod:`mapapp.io.qgis_styles`).
"""

from __future__ import annotations

import io
import math
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mapapp.catalog import vocab
from mapapp.catalog.models import MobilitySolution, Offer, Site, Structure
from mapapp.catalog.territory_store import read_grids
from mapapp.reports.data import ReportData

LAMBERT_93 = "EPSG:2154"
WGS84 = "EPSG:4326"
#: Official projections of the overseas départements (RGAF09, RGFG95, RGR92, RGM04).
OVERSEAS_CRS = {"971": "EPSG:5490", "972": "EPSG:5490", "973": "EPSG:2972", "974": "EPSG:2975",
                "976": "EPSG:4471"}


def default_crs(departement: str) -> str:
    return OVERSEAS_CRS.get(departement, LAMBERT_93)


def _finite_or_none(values) -> list:
    return [None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v) for v in values]


#: The modes in the wide field names, in French (ASCII): ``france_services_voiture_temps_moy_min``.
FIELD_MODES = {"car": "voiture", "walk": "marche", "bike": "velo", "sans_voiture": "sansvoit", "transit": "tc",
               "tad": "tad"}


def wide_prefix(theme: str, mode: str) -> str:
    """The start of the wide fields of one theme and mode: ``france_services_voiture_``."""
    return f"{theme}_{FIELD_MODES.get(mode, mode)}_"


def _wide(rows: pd.DataFrame, key: str, r: ReportData) -> pd.DataFrame:
    """One column set per (theme, mode) of the report, indexed by ``key``."""
    out = pd.DataFrame(index=pd.Index(sorted(set(rows[key])), name=key))
    for theme in r.themes:
        for mode in r.modes:
            part = rows[(rows["theme"] == theme.key) & (rows["mode"] == mode)].set_index(key)
            p = wide_prefix(theme.key, mode)
            out[p + "temps_moy_min"] = pd.Series(_finite_or_none(part["mean_time_min"]), index=part.index,
                                                 dtype="float64")
            out[p + "pct_au_dela"] = part["share_beyond_main"] * 100.0
            out[p + "hab_au_dela"] = part["population_beyond_main"].round()
            out[p + "injoignables"] = part["population_unreachable"].round()
            if "zone_blanche" in part.columns:
                out[p + "zone_blanche"] = part["zone_blanche"].map(lambda v: None if v is pd.NA else int(bool(v)))
                out[p + "nb_lieux"] = part["n_sites_reaching"]
            else:
                out[p + "nb_zones_blanches"] = part["n_zones_blanches"]
    return out


def report_layers(session: Session, r: ReportData) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """Every layer, in WGS84 (see the module doc); the writers project them."""
    geo = r.geometry
    unit = geo[geo["in_unit"]].set_index("code")
    grids = read_grids(session)
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {}

    communes = gpd.GeoDataFrame({"code": unit.index, "nom": unit["nom"].to_numpy(),
                                 "population": unit["population"].to_numpy()}, geometry=unit.geometry.values,
                                crs=geo.crs)
    for grid in sorted(set(grids["grid"])):
        member = grids[grids["grid"] == grid].drop_duplicates("commune").set_index("commune")["code"]
        communes[grid] = communes["code"].map(member)
    communes = communes.join(_wide(r.communes, "commune", r), on="code")
    layers["communes"] = communes

    c = r.communes
    layers["indicateurs_communes"] = pd.DataFrame({
        "code_commune": c["commune"], "nom": c["nom"], "theme": c["theme"],
        "theme_libelle": c["theme"].map(r.theme_labels), "mode": c["mode"],
        "habitants": c["population_points"].round(), "temps_moy_min": _finite_or_none(c["mean_time_min"]),
        "seuil_min": c["main_threshold_min"], "hab_au_dela": c["population_beyond_main"].round(),
        "pct_au_dela": c["share_beyond_main"] * 100.0, "injoignables": c["population_unreachable"].round(),
        "zone_blanche": c["zone_blanche"].map(lambda v: None if v is pd.NA else int(bool(v))),
        "lieu_proche_id": c["nearest_site_id"], "lieu_proche": c["nearest_site"],
        "pct_2_lieux_ou_plus": c["share_population_2plus"] * 100.0, "lieux_sous_seuil_moy": c["mean_sites_within"],
        "nb_lieux": c["n_sites_reaching"],
    }).reset_index(drop=True)

    subs = r.subterritories
    if r.sub_grid == "commune":  # communes are already a layer: keep the unit and the département
        subs = subs[subs["level"] != "sub"]
    keys = subs[["level", "grid", "code", "nom"]].drop_duplicates()
    by_code = geo.set_index("code").geometry
    dep_codes = list(geo[geo["in_departement"]]["code"])
    shapes = []
    for level, grid, code in zip(keys["level"], keys["grid"], keys["code"]):
        if level == "sub":
            members = grids[(grids["grid"] == grid) & (grids["code"] == code)]["commune"]
        else:
            members = r.unit.communes if level == "unit" else dep_codes
        shapes.append(shapely.union_all(by_code.loc[list(members)].values))
    terr = gpd.GeoDataFrame({"niveau": keys["level"].to_numpy(), "decoupage": keys["grid"].to_numpy(),
                             "code": keys["code"].to_numpy(), "nom": keys["nom"].to_numpy()},
                            geometry=shapes, crs=geo.crs)
    wide = _wide(subs.assign(key=subs["level"] + ":" + subs["grid"] + ":" + subs["code"]), "key", r)
    terr.index = terr["niveau"] + ":" + terr["decoupage"] + ":" + terr["code"]
    layers["territoires"] = terr.join(wide).reset_index(drop=True)

    layers.update(_catalog_layers(session, r))
    return layers


def _catalog_layers(session: Session, r: ReportData) -> dict[str, gpd.GeoDataFrame]:
    unit_codes = set(r.unit.communes)
    dep_codes = set(r.geometry[r.geometry["in_departement"]]["code"])
    names = dict(zip(r.geometry["code"], r.geometry["nom"]))
    structures = {s.id: s.nom for s in session.scalars(select(Structure))}

    def site_wanted(code: str) -> bool:
        return code in unit_codes or (r.unit.is_departement and code not in dep_codes)

    sites = [s for s in session.scalars(select(Site).order_by(Site.id)) if site_wanted(s.commune_code)]
    n_open = dict(zip(r.catalog.sites["site_id"], r.catalog.sites["n_open_offers"]))
    lieux = gpd.GeoDataFrame({
        "id": [s.id for s in sites], "nom": [s.nom for s in sites],
        "type": [vocab.SITE_KINDS.get(s.kind, s.kind) for s in sites],
        "statut": [vocab.STATUSES.get(s.status, s.status) for s in sites],
        "structure": [structures.get(s.structure_id, s.structure_id) for s in sites],
        "adresse": [s.adresse for s in sites], "code_postal": [s.code_postal for s in sites],
        "code_commune": [s.commune_code for s in sites], "commune": [names.get(s.commune_code) for s in sites],
        "horaires": [s.horaires_accueil for s in sites], "itineraire": [s.itinerant_route for s in sites],
        "nb_offres_ouvertes": [int(n_open.get(s.id, 0)) for s in sites],
        "hors_departement": [int(s.commune_code not in dep_codes) for s in sites],
        "date_verification": [s.date_verification.isoformat() if s.date_verification else None for s in sites],
        "date_maj": [s.date_maj.isoformat() if s.date_maj else None for s in sites],
    }, geometry=gpd.points_from_xy([s.lon for s in sites], [s.lat for s in sites]), crs=WGS84)

    wanted_sites = {s.id: s for s in sites}
    distance_ids = set(r.catalog.offers_distance["offer_id"]) | set(r.catalog.offers_not_open["offer_id"])
    rows, geoms = [], []
    for o in session.scalars(select(Offer).options(selectinload(Offer.sites)).order_by(Offer.id)):
        at = [s for s in o.sites if s.id in wanted_sites]
        if not at and not (not o.sites and o.id in distance_ids):
            continue
        base = {"offre_id": o.id, "nom": o.nom, "structure": structures.get(o.structure_id, o.structure_id),
                "thematiques": ", ".join(o.thematiques or []),
                "categories": ", ".join(sorted({vocab.category_of(t) for t in o.thematiques or []})),
                "publics": ", ".join(o.publics or []),
                "mode_delivrance": vocab.DELIVERY_MODES.get(o.delivery_mode, o.delivery_mode),
                "statut": vocab.STATUSES.get(o.status, o.status),
                "zone_eligibilite": ", ".join(o.zone_eligibilite) if o.zone_eligibilite else None,
                "date_verification": o.date_verification.isoformat() if o.date_verification else None}
        for s in at or [None]:
            rows.append({**base, "id": f"{o.id}@{s.id}" if s else o.id, "lieu_id": s.id if s else None,
                         "lieu": s.nom if s else None, "code_commune": s.commune_code if s else None})
            geoms.append(shapely.Point(s.lon, s.lat) if s else None)
    offres = gpd.GeoDataFrame(rows, geometry=geoms, crs=WGS84) if rows else gpd.GeoDataFrame(
        {"id": []}, geometry=[], crs=WGS84)

    mob = session.scalars(select(MobilitySolution).order_by(MobilitySolution.id)).all()
    mob_ids = set(r.catalog.mobility["id"])

    def mob_row(m):
        return {"id": m.id, "nom": m.nom, "categorie": vocab.MOBILITY_CATEGORIES.get(m.category, m.category),
                "structure": structures.get(m.structure_id, m.structure_id),
                "statut": vocab.STATUSES.get(m.status, m.status), "publics": ", ".join(m.publics or []),
                "conditions": m.conditions,
                "date_verification": m.date_verification.isoformat() if m.date_verification else None}

    points = [m for m in mob if m.id in mob_ids and m.kind == "point" and m.lon is not None]
    mob_points = gpd.GeoDataFrame([{**mob_row(m), "code_commune": m.commune_code} for m in points] or {"id": []},
                                  geometry=gpd.points_from_xy([m.lon for m in points], [m.lat for m in points]),
                                  crs=WGS84)
    areas = [m for m in mob if m.id in mob_ids and m.kind == "area"]
    shapes = r.geometry.set_index("code").geometry
    area_geoms = [shapely.union_all([shapes[c] for c in m.served_communes if c in shapes.index]) for m in areas]
    area_geoms = [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in area_geoms]
    mob_areas = gpd.GeoDataFrame([{**mob_row(m), "communes_desservies": ", ".join(m.served_communes)}
                                  for m in areas] or {"id": []}, geometry=area_geoms, crs=WGS84)
    return {"lieux": lieux, "offres": offres, "mobilite_points": mob_points, "mobilite_zones": mob_areas}


#: GeoPackage version written: 1.3, the newest the GDAL of Debian 12 (3.6) reads without « may only be
#: partially supported » (GDAL ≥ 3.8 writes 1.4 by default).
GPKG_VERSION = "1.3"


def write_gpkg(layers: dict, path: Path, crs: str, report: ReportData | None = None) -> Path:
    """All layers into one GeoPackage (replaced if it exists), projected to ``crs``.

    With ``report``, the ``layer_styles`` table of QGIS is added (:mod:`mapapp.io.qgis_styles`): the
    layers open styled, with French field aliases.
    """
    import pyogrio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    tables = dict(layers)
    if report is not None:
        from mapapp.io.qgis_styles import layer_styles

        tables["layer_styles"] = layer_styles(layers, report)
    for i, (name, layer) in enumerate(tables.items()):
        options = {"dataset_options": {"VERSION": GPKG_VERSION}} if i == 0 else {}
        if isinstance(layer, gpd.GeoDataFrame):
            pyogrio.write_dataframe(layer.to_crs(crs), path, layer=name, driver="GPKG", **options)
        else:  # layer_styles keys its rows by ``id``, as QGIS writes it
            fid = {"layer_options": {"FID": "id"}} if name == "layer_styles" else {}
            pyogrio.write_dataframe(layer, path, layer=name, driver="GPKG", **options, **fid)
    return path


def gpkg_bytes(layers: dict, crs: str, report: ReportData | None = None) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return write_gpkg(layers, Path(tmp) / "rapport.gpkg", crs, report).read_bytes()


def geojson_files(layers: dict) -> dict[str, bytes]:
    """``<layer>.geojson`` → bytes, RFC 7946 (WGS84, lon/lat), spatial layers only."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, layer in layers.items():
            if not isinstance(layer, gpd.GeoDataFrame):
                continue
            path = Path(tmp) / f"{name}.geojson"
            layer.to_crs(WGS84).to_file(path, driver="GeoJSON", engine="pyogrio", RFC7946="YES")
            out[path.name] = path.read_bytes()
    return out


def write_geojson_dir(layers: dict, folder: Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in geojson_files(layers).items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    return paths


def geojson_zip_bytes(layers: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in geojson_files(layers).items():
            z.writestr(name, data)
    return buf.getvalue()


__all__ = ["LAMBERT_93", "WGS84", "default_crs", "report_layers", "write_gpkg", "gpkg_bytes", "geojson_files",
           "write_geojson_dir", "geojson_zip_bytes"]
