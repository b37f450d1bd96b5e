"""The moderation queue: partners propose, moderators publish or reject.

A :class:`~mapapp.catalog.models_users.Revision` holds a whole proposed record
in the catalog JSON layout. Its life cycle::

    draft ──submit──▶ submitted ──publish──▶ published
      ▲                  │  └─────reject (reason)──▶ rejected
      └────withdraw──────┘

- Partners create and edit drafts of their own structures' records (the
  structure itself, its sites, offers and mobility solutions), submit them,
  and withdraw a submitted one to change it again. Members of a structure
  share its drafts. A record has at most one open (draft or submitted)
  revision: editing it again continues that revision.
- Moderators of the record's territory (and administrators) edit submitted
  revisions, publish them (the live record is created or updated through
  :func:`mapapp.catalog.history.apply_live`, so validation is that of
  :func:`mapapp.catalog.load.load_catalog` and the change enters the history)
  or reject them with a reason the partner sees. They may also edit live
  records themselves: a revision they publish at once.
- A proposal is validated when saved with the same model validators as the
  live tables (:func:`validate_data`), and again when published.

Optimistic locking, two levels:

- a revision's ``lock_version`` (given back by the form): saving a draft that
  someone else saved in the meantime is a :class:`ConflictError`;
- a revision's ``base_version`` (the live record's version when the draft
  started): if the live record changed since, publication merges field by
  field: fields changed on one side only are taken from that side, a field
  changed on both sides to different values is a conflict listing both
  values; :func:`rebase` then moves the proposal onto the current version so
  the moderator can review it. Nothing is ever overwritten silently.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from collections.abc import Iterable

import shapely
import shapely.affinity
from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.catalog import vocab
from mapapp.catalog.datainclusion import check_offer, check_structure
from mapapp.catalog.history import (
    ConflictError,
    ContributionError,
    PermissionDenied,
    ValidationFailed,
    apply_live,
    columns_of,
    diff,
    display_value,
    live_object,
    normalized,
    record_to_data,
)
from mapapp.catalog.load import RELATION_FIELDS, SECTIONS, _coerce
from mapapp.catalog.models import Commune, MobilitySolution, Offer, Site, Structure
from mapapp.catalog.models_users import OPEN_STATUSES, ChangeLog, Revision, User, utcnow
from mapapp.catalog.users import can_moderate, is_member, known_communes, moderated_communes, structure_ids

__all__ = [
    "ConflictError", "ContributionError", "PermissionDenied", "ValidationFailed",
    "save_draft", "submit", "withdraw", "publish", "reject", "rebase", "merge", "validate_data",
]

#: Fields whose concurrent changes never conflict: the later date wins (date_maj is set at publication).
BOOKKEEPING_FIELDS = {"date_maj", "date_verification"}
ID_PREFIXES = {"structures": "structure", "sites": "lieu", "offers": "offre", "mobility_solutions": "mobilite"}


# --------------------------------------------------------------------------- records


def owner_of(section: str, data: dict) -> str:
    """The structure a record belongs to (itself for a structure)."""
    return str(data.get("id") if section == "structures" else data.get("structure_id") or "")


def new_record_id(session: Session, section: str, structure_id: str) -> str:
    """A fresh id ``<structure>--<kind>-<random>`` not used by any live record or revision."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", structure_id)[:150]
    while True:
        rid = f"{base}--{ID_PREFIXES[section]}-{secrets.token_hex(4)}"
        if live_object(session, section, rid) is None and session.scalar(
                select(Revision.id).where(Revision.section == section, Revision.record_id == rid)) is None:
            return rid


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
    its commune and its sites' communes.
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
    if section == "structures" and data.get("id"):
        codes |= set(session.scalars(select(Site.commune_code).where(Site.structure_id == data["id"])))
    return codes


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


# --------------------------------------------------------------------------- permissions


def revision_communes(session: Session, rev: Revision) -> set[str]:
    codes = record_communes(session, rev.section, rev.data, pending_sites(session, rev.structure_id))
    if rev.base_data:
        codes |= record_communes(session, rev.section, rev.base_data)
    return codes


def can_moderate_revision(session: Session, user: User | None, rev: Revision) -> bool:
    """May ``user`` (a moderator or an administrator) decide on or edit ``rev``?

    A revision that moves its record (its proposed communes differ from those
    of the record it started from, or of the live record) needs a moderator of
    both sides: the moderator of the old place and of the new one (a
    moderator of A alone may not pull a record of B into A, nor push one of
    A into B). Département-wide moderators and administrators moderate
    everything.
    """
    if user is None or not user.is_active or user.is_partner:
        return False
    if moderated_communes(session, user) is None:
        return True
    new = record_communes(session, rev.section, rev.data, pending_sites(session, rev.structure_id))
    olds = []
    if rev.base_data:
        olds.append(record_communes(session, rev.section, rev.base_data))
    live = live_object(session, rev.section, rev.record_id)
    if live is not None:
        olds.append(record_communes(session, rev.section, record_to_data(live, rev.section)))
    moved = [old for old in olds if old and old != new]
    if moved:
        return all(can_moderate(session, user, codes) for codes in [new, *moved])
    return can_moderate(session, user, new.union(*olds))


def can_view(session: Session, user: User | None, rev: Revision) -> bool:
    if user is None or not user.is_active:
        return False
    if user.is_partner:
        return is_member(user, rev.structure_id)
    return can_moderate(session, user, revision_communes(session, rev))


def can_edit(session: Session, user: User | None, rev: Revision) -> bool:
    """Partners edit their structure's drafts; moderators in scope edit open revisions."""
    if user is None or not rev.is_open:
        return False
    if user.is_partner:
        return rev.status == "draft" and is_member(user, rev.structure_id)
    return can_moderate_revision(session, user, rev)


def can_contribute(session: Session, user: User | None, section: str, data: dict) -> bool:
    """May ``user`` propose this record? Partners: their structures only; moderators: their territory."""
    if user is None or not user.is_active:
        return False
    if user.is_partner:
        return is_member(user, owner_of(section, data))
    return can_moderate(session, user, record_communes(session, section, data, pending_sites(session, owner_of(section, data))))


def can_moderate_record(session: Session, user: User | None, section: str, data: dict) -> bool:
    return user is not None and not user.is_partner and can_moderate(session, user, record_communes(session, section, data))


def _require(condition: bool, message: str = "Vous n'avez pas accès à cette fiche.") -> None:
    if not condition:
        raise PermissionDenied(message)


# --------------------------------------------------------------------------- revisions


def open_revision(session: Session, section: str, record_id: str) -> Revision | None:
    return session.scalar(select(Revision).where(Revision.section == section, Revision.record_id == record_id,
                                                 Revision.status.in_(OPEN_STATUSES)))


def save_draft(
    session: Session,
    user: User | None,
    section: str,
    data: dict,
    *,
    revision: Revision | None = None,
    lock_version: int | None = None,
    submit: bool = False,
    note: str | None = None,
    batch: str | None = None,
) -> Revision:
    """Create or update the open revision of a record with ``data`` (validated); the caller commits.

    Raises:
        PermissionDenied: not the user's structure / territory.
        ConflictError: the draft was saved by someone else since ``lock_version``,
            or the record already has another open revision.
        ValidationFailed: the proposed record is invalid.
    """
    data = dict(data)
    record_id = str(data.get("id") or "")
    if not record_id:
        raise ValidationFailed([("id", "identifiant (id) manquant")])
    derive_commune(session, section, data)  # the territory (and so the moderators) follow from the point
    if revision is None:
        existing = open_revision(session, section, record_id)
        if existing is not None:
            raise ConflictError(f"Une modification de cette fiche est déjà en cours (demande n° {existing.id}) : "
                                "reprenez-la plutôt que d'en commencer une autre.")
        live = live_object(session, section, record_id)
        base = record_to_data(live, section) if live is not None else None
        _require(can_contribute(session, user, section, data)
                 and (base is None or can_contribute(session, user, section, base)))
        revision = Revision(section=section, record_id=record_id, action="update" if live is not None else "create",
                            status="draft", base_version=live.version if live is not None else None,
                            base_data=normalized(base) if base is not None else None,
                            author_id=user.id if user else None, batch=batch, data={})
    else:
        _require(can_edit(session, user, revision), "Cette demande ne peut plus être modifiée par vous.")
        if revision.section != section or revision.record_id != record_id:
            raise ContributionError("La fiche ne correspond pas à cette demande.")
        if lock_version is not None and int(lock_version) != revision.lock_version:
            raise ConflictError("Cette demande a été modifiée par quelqu'un d'autre pendant que vous la modifiiez : "
                                "vos changements n'ont pas été enregistrés. Rechargez la page pour voir sa version actuelle.")
        _require(can_contribute(session, user, section, data))
    owner = owner_of(section, data)
    if revision.structure_id and revision.structure_id != owner:
        raise ContributionError("Une fiche ne peut pas changer de structure.")
    issues = validate_data(session, section, data, extra_sites=pending_sites(session, owner))
    if issues:
        raise ValidationFailed(issues)
    revision.structure_id = owner
    revision.data = normalized(data)
    revision.updated_at = utcnow()
    if note is not None:
        revision.note = note.strip() or None
    if submit:
        revision.status = "submitted"
        revision.submitted_at = utcnow()
    session.add(revision)
    session.flush()
    return revision


def submit(session: Session, user: User | None, rev: Revision) -> None:
    _require(can_edit(session, user, rev))
    if rev.status != "draft":
        raise ContributionError("Seul un brouillon peut être soumis.")
    rev.status, rev.submitted_at, rev.updated_at = "submitted", utcnow(), utcnow()
    session.flush()


def withdraw(session: Session, user: User | None, rev: Revision) -> None:
    """Back to draft, to change it again (the author's structure, or a moderator)."""
    _require(can_view(session, user, rev))
    if rev.status != "submitted":
        raise ContributionError("Seule une demande en attente peut être retirée.")
    rev.status, rev.updated_at = "draft", utcnow()
    session.flush()


def merge(base: dict, ours: dict, theirs: dict) -> tuple[dict, list[str]]:
    """Three-way merge of a proposal (``ours``) and the live record (``theirs``) from ``base``.

    Returns the merged record and the fields changed on both sides to different values.
    """
    base, ours, theirs = normalized(base), normalized(ours), normalized(theirs)
    merged, conflicts = {}, []
    for name in list(dict.fromkeys(list(theirs) + list(ours))):
        b, o, t = base.get(name), ours.get(name), theirs.get(name)
        if name == "site_ids":
            b, o, t = sorted(b or []), sorted(o or []), sorted(t or [])
        if name in BOOKKEEPING_FIELDS:
            merged[name] = max((v for v in (o, t) if v), default=None)
        elif o == b or o == t:
            merged[name] = t
        elif t == b:
            merged[name] = o
        else:
            merged[name] = o
            conflicts.append(name)
    return merged, conflicts


def _check_dependencies(session: Session, rev: Revision) -> None:
    if rev.section != "offers":
        return
    for sid in rev.data.get("site_ids") or []:
        if session.get(Site, sid) is None:
            pending = open_revision(session, "sites", sid)
            if pending is not None:
                raise ContributionError(f"Le lieu « {pending.nom} » de cette offre n'est pas encore publié : "
                                        f"publiez d'abord la demande n° {pending.id}.")


def publish(session: Session, user: User | None, rev: Revision, *, today: dt.date | None = None) -> ChangeLog | None:
    """Apply a revision to the live tables (moderators of its territory, administrators); the caller commits.

    ``user`` None is the command line (administrator).

    Raises:
        ConflictError: the record changed on the same fields since the proposal started
            (see :func:`rebase`), or a record with this id was created meanwhile.
    """
    if user is not None:
        _require(can_moderate_revision(session, user, rev),
                 "Seuls les modérateurs de ce territoire peuvent publier cette demande "
                 "(si elle déplace la fiche : ceux de l'ancien et du nouveau territoire).")
    if not rev.is_open:
        raise ContributionError("Cette demande a déjà été traitée.")
    today = today or dt.date.today()
    live = live_object(session, rev.section, rev.record_id)
    data = dict(rev.data)
    expected = rev.base_version
    if rev.action == "create":
        if live is not None:
            raise ConflictError(f"Une fiche « {live.nom} » avec l'identifiant {rev.record_id} a été publiée entre-temps.")
    else:
        if live is None:
            raise ConflictError("La fiche modifiée n'existe plus.")
        if live.version != rev.base_version:
            current = record_to_data(live, rev.section)
            data, conflicts = merge(rev.base_data or {}, rev.data, current)
            if conflicts:
                details = "; ".join(
                    f"{name} : publié entre-temps « {display_value(name, normalized(current).get(name))} », "
                    f"proposé « {display_value(name, rev.data.get(name))} »" for name in conflicts)
                raise ConflictError(f"La fiche a été modifiée depuis le début de cette demande, sur les mêmes champs "
                                    f"({details}). Rien n'a été écrasé : « Reprendre sur la version actuelle » "
                                    f"permet de revoir la demande avant de la publier.")
            expected = live.version
    _check_dependencies(session, rev)
    data["date_maj"] = today.isoformat()
    entry = apply_live(session, rev.section, data, user=user, action=rev.action, revision=rev,
                       known_communes=known_communes(session), expected_version=expected)
    rev.status, rev.decided_at, rev.decided_by_id = "published", utcnow(), user.id if user else None
    rev.updated_at = utcnow()
    session.flush()
    return entry


def reject(session: Session, user: User | None, rev: Revision, reason: str) -> None:
    if user is not None:
        _require(not user.is_partner and can_moderate(session, user, revision_communes(session, rev)),
                 "Seuls les modérateurs de ce territoire peuvent refuser cette demande.")
    if not rev.is_open:
        raise ContributionError("Cette demande a déjà été traitée.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([("reason", "Indiquez la raison du refus : le partenaire la verra.")])
    rev.status, rev.reason = "rejected", reason
    rev.decided_at, rev.decided_by_id, rev.updated_at = utcnow(), user.id if user else None, utcnow()
    session.flush()


def rebase(session: Session, user: User | None, rev: Revision) -> list[str]:
    """Move a conflicting proposal onto the current live version; return the fields changed on both sides.

    The proposal keeps its value for those fields: the moderator reviews them
    (the revision page shows each against the published value) before publishing.
    """
    _require(user is None or can_moderate_revision(session, user, rev))
    live = live_object(session, rev.section, rev.record_id)
    if live is None or rev.action != "update" or not rev.is_open:
        raise ContributionError("Cette demande ne peut pas être reprise.")
    current = record_to_data(live, rev.section)
    merged, conflicts = merge(rev.base_data or {}, rev.data, current)
    rev.data, rev.base_data, rev.base_version = merged, normalized(current), live.version
    rev.updated_at = utcnow()
    session.flush()
    return conflicts


def changes_of(session: Session, rev: Revision) -> dict[str, list]:
    """What publishing would change: ``{field: [live value, proposed value]}``."""
    live = live_object(session, rev.section, rev.record_id)
    before = record_to_data(live, rev.section) if live is not None else None
    changes = diff(before, rev.data)
    changes.pop("date_maj", None)
    return changes


def is_stale(session: Session, rev: Revision) -> bool:
    """The live record changed since the proposal started (publication will merge or conflict)."""
    if rev.action != "update" or not rev.is_open:
        return False
    live = live_object(session, rev.section, rev.record_id)
    return live is not None and live.version != rev.base_version


def visible_revisions(session: Session, user: User, statuses: Iterable[str] = OPEN_STATUSES) -> list[Revision]:
    """Revisions ``user`` may see, newest first: their structures' (partners), their territory's (moderators)."""
    query = select(Revision).where(Revision.status.in_(list(statuses))).order_by(Revision.updated_at.desc(), Revision.id.desc())
    if user.is_partner:
        ids = structure_ids(user)
        if not ids:
            return []
        return list(session.scalars(query.where(Revision.structure_id.in_(sorted(ids)))))
    if moderated_communes(session, user) is None:
        return list(session.scalars(query))
    return [r for r in session.scalars(query) if can_view(session, user, r)]


def live_records_of(session: Session, structure_id: str) -> dict[str, list]:
    """The live records of a structure, per section."""
    return {
        "structures": [s for s in [session.get(Structure, structure_id)] if s is not None],
        "sites": list(session.scalars(select(Site).where(Site.structure_id == structure_id).order_by(Site.nom))),
        "offers": list(session.scalars(select(Offer).where(Offer.structure_id == structure_id).order_by(Offer.nom))),
        "mobility_solutions": list(session.scalars(select(MobilitySolution).where(
            MobilitySolution.structure_id == structure_id).order_by(MobilitySolution.nom))),
    }
