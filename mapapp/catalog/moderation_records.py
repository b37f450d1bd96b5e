"""Proposed records, before any permission: where they are, whether they are valid.

- where a record belongs: its structure (:func:`owner_of`) and its communes
  (:func:`record_communes`, what decides which moderators handle it), the
  stored commune containing a point (:func:`commune_at`, :func:`derive_commune`);
- whether it is valid: :func:`validate_data` checks a proposal with the same
  model validators as the live tables;
- what a structure has: its unpublished sites (:func:`pending_sites`) and
  live records (:func:`live_records_of`).

The revision workflow is :mod:`mapapp.catalog.moderation`; who may do what,
:mod:`mapapp.catalog.moderation_permissions`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import shapely
import shapely.affinity
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.catalog import vocab
from mapapp.catalog.datainclusion import check_offer, check_structure
from mapapp.catalog.history import columns_of, record_to_data
from mapapp.catalog.load import RELATION_FIELDS, SECTIONS, _coerce
from mapapp.catalog.models import Commune, MobilitySolution, Offer, Site, Structure
from mapapp.catalog.models_users import OPEN_STATUSES, Revision
from mapapp.catalog.users import known_communes


def owner_of(section: str, data: dict) -> str:
    """The structure a record belongs to (itself for a structure)."""
    return str(data.get("id") if section == "structures" else data.get("structure_id") or "")


#: A point this close outside the commune its record names is accepted: commune outlines
#: are simplified, and coastal sites then fall in the sea.
NEAR_OWN_COMMUNE_M = 1000.0


def _distance_m(commune: Commune, lon: float, lat: float) -> float:
    """Distance in metres from a point to a commune, in a local equirectangular projection.

    Longitudes are scaled by cos(latitude) *before* measuring, so that a degree
    north and a degree east weigh what they do on the ground (good to ~0.1 %
    over the few kilometres this tolerance is about).
    """
    scale = math.cos(math.radians(lat))
    geometry = shapely.affinity.scale(shapely.from_wkb(commune.geometry_wkb), xfact=scale, yfact=1.0, origin=(0, 0))
    return geometry.distance(shapely.Point(lon * scale, lat)) * 111_320.0


def commune_at(session: Session, lon: float, lat: float) -> Commune | None:
    """The stored commune containing the point (border points: the first by code)."""
    candidates = session.scalars(select(Commune).where(
        Commune.min_lon <= lon, Commune.max_lon >= lon, Commune.min_lat <= lat, Commune.max_lat >= lat)
        .order_by(Commune.code)).all()
    point = shapely.Point(lon, lat)
    for commune in candidates:
        if shapely.from_wkb(commune.geometry_wkb).covers(point):
            return commune
    return None


def pending_sites(session: Session, structure_id: str) -> dict[str, dict]:
    """Sites proposed by a structure and not yet published: id -> proposed record."""
    rows = session.scalars(select(Revision).where(Revision.section == "sites", Revision.structure_id == structure_id,
                                                  Revision.status.in_(OPEN_STATUSES)))
    return {r.record_id: r.data for r in rows}


def record_communes(session: Session, section: str, data: dict, extra_sites: dict[str, dict] | None = None) -> set[str]:
    """The communes a record is located in (what decides which moderators handle it).

    A site: its commune; a mobility solution: its commune and served communes;
    an offer: its sites' communes, else its structure's commune; a structure:
    its own commune only. A structure's sites do not place the structure: a
    moderator of the territory of one of its sites handles that site, not the
    structure's own fields (else a moderator of A could attach a site in A to a
    structure of B and then edit that structure). A structure without commune
    has no place: only département-wide moderators and administrators handle it.
    """
    codes: set[str] = set()
    if section in ("sites", "mobility_solutions", "structures") and data.get("commune_code"):
        codes.add(data["commune_code"])
    if section == "mobility_solutions":
        codes |= set(data.get("served_communes") or [])
    if section == "offers":
        for sid in data.get("site_ids") or []:
            if extra_sites and sid in extra_sites:
                code = extra_sites[sid].get("commune_code")
            else:
                site = session.get(Site, sid)
                code = site.commune_code if site is not None else None
            if code:
                codes.add(code)
        if not codes and data.get("structure_id"):
            structure = session.get(Structure, data["structure_id"])
            if structure is not None and structure.commune_code:
                codes.add(structure.commune_code)
    return codes


def foreign_sites(
    session: Session,
    data: dict,
    *,
    allowed: Iterable[str] = (),
    extra_sites: dict[str, dict] | None = None,
) -> list[tuple[str, str]]:
    """An offer's sites that belong to another structure than the offer's, as ``[(field, message)]``.

    A partner builds offers from its own structure's sites only (live, or
    proposed: ``extra_sites`` with their ``structure_id``); sites in
    ``allowed`` (those the record already had, attached by a moderator or an
    administrator) may stay. Moderators and administrators are not held to
    this: the caller decides who is.
    """
    owner = str(data.get("structure_id") or "")
    keep = set(allowed)
    issues = []
    for sid in dict.fromkeys(data.get("site_ids") or []):
        if sid in keep:
            continue
        if extra_sites and sid in extra_sites:
            site_owner, name = extra_sites[sid].get("structure_id"), extra_sites[sid].get("nom")
        else:
            site = session.get(Site, sid)
            if site is None:
                continue  # an unknown site: validate_data names it
            site_owner, name = site.structure_id, site.nom
        if site_owner != owner:
            issues.append(("site_ids", f"site_ids : le lieu « {name or sid} » ({sid}) appartient à une autre structure : "
                                       f"une offre ne peut utiliser que les lieux de sa propre structure"))
    return issues


def derive_commune(session: Session, section: str, data: dict) -> list[tuple[str, str]]:
    """Give a site or mobility point without commune the stored commune containing its point (in place).

    Returns the problem when no stored commune contains the point.
    """
    if section not in ("sites", "mobility_solutions") or data.get("lon") in (None, "") or data.get("lat") in (None, ""):
        return []
    try:
        lon, lat = float(data["lon"]), float(data["lat"])
    except (TypeError, ValueError):
        return []  # the validators name the field
    found = commune_at(session, lon, lat)
    if found is None:
        own = session.get(Commune, data["commune_code"]) if data.get("commune_code") else None
        if own is not None and _distance_m(own, lon, lat) <= NEAR_OWN_COMMUNE_M:
            return []  # just outside its own commune's (simplified) outline, e.g. a harbour on the coast
        return [("lon", f"coordonnées ({lat:.5f}, {lon:.5f}) hors du territoire : aucune commune connue ne contient ce point")]
    if not data.get("commune_code"):
        data["commune_code"] = found.code
    return []


def required_fields(section: str) -> list[str]:
    """Columns that must be given (not nullable, no default)."""
    table = SECTIONS[section].__table__
    return [c.key for c in table.columns
            if c.key not in ("version",) and not c.nullable and c.default is None and c.server_default is None]


def _transient(section: str, data: dict, issues: list[tuple[str, str]]):
    """An unsaved model object built through the validators; field problems go to ``issues``."""
    model = SECTIONS[section]
    obj = model()
    for name in columns_of(section):
        if name not in data:
            continue
        try:
            setattr(obj, name, _coerce(name, data[name]))
        except (vocab.RecordError, ValueError, TypeError) as exc:
            issues.append((getattr(exc, "field", name).split(".")[-1], str(exc)))
    return obj


def validate_data(
    session: Session,
    section: str,
    data: dict,
    *,
    extra_sites: dict[str, dict] | None = None,
    extra_structures: set[str] | None = None,
    communes: set[str] | None | object = ...,
) -> list[tuple[str, str]]:
    """Check a proposed record as the live tables would; return ``[(field, message)]`` (empty: valid).

    ``data`` is completed in place: a site or mobility point without commune
    gets the commune containing its point.

    Args:
        extra_sites: sites an offer may use besides the live ones (the
            structure's unpublished proposals, the other rows of an import).
        communes: known INSEE codes (default: the stored communes; None: no check).
    """
    if section not in SECTIONS:
        return [("section", f"type de fiche inconnu « {section} »")]
    issues: list[tuple[str, str]] = []
    allowed = set(columns_of(section)) | RELATION_FIELDS.get(section, set())
    extra = sorted(set(data) - allowed)
    if extra:
        issues.append(("-", f"champ(s) inconnu(s) : {', '.join(extra)}"))
    if communes is ...:
        communes = known_communes(session)
    if communes is not None:
        issues += derive_commune(session, section, data)
    for name in required_fields(section):
        if data.get(name) in (None, "", []):
            issues.append((name, f"{name} : champ obligatoire"))
    obj = _transient(section, data, issues)
    if issues:
        return issues
    if communes is not None:
        for name in ("commune_code",):
            code = data.get(name)
            if code and code not in communes and section in ("sites", "mobility_solutions"):
                issues.append((name, f"{name} : commune inconnue du territoire « {code} »"))
        for code in data.get("served_communes") or []:
            if code not in communes:
                issues.append(("served_communes", f"served_communes : commune inconnue du territoire « {code} »"))
    if (section != "structures" and data.get("structure_id") not in (extra_structures or ())
            and session.get(Structure, data.get("structure_id")) is None):
        issues.append(("structure_id", f"structure_id : structure inconnue « {data.get('structure_id')} »"))
    if section == "offers":
        sites = []
        for sid in dict.fromkeys(data.get("site_ids") or []):
            live = session.get(Site, sid)
            if extra_sites and sid in extra_sites:
                site_issues: list = []
                sites.append(_transient("sites", extra_sites[sid], site_issues))
            elif live is not None:
                sites.append(_transient("sites", record_to_data(live, "sites"), []))
            else:
                issues.append(("site_ids", f"site_ids : lieu inconnu « {sid} »"))
        obj.sites = sites
    if issues:
        return issues
    try:
        obj.check()
        if section == "structures":
            check_structure(obj)
        elif section == "offers":
            check_offer(obj)
    except vocab.RecordError as exc:
        issues.append((exc.field.split(".")[-1], str(exc)))
    return issues


def live_records_of(session: Session, structure_id: str) -> dict[str, list]:
    """The live records of a structure, per section."""
    return {
        "structures": [s for s in [session.get(Structure, structure_id)] if s is not None],
        "sites": list(session.scalars(select(Site).where(Site.structure_id == structure_id).order_by(Site.nom))),
        "offers": list(session.scalars(select(Offer).where(Offer.structure_id == structure_id).order_by(Offer.nom))),
        "mobility_solutions": list(session.scalars(select(MobilitySolution).where(
            MobilitySolution.structure_id == structure_id).order_by(MobilitySolution.nom))),
    }
