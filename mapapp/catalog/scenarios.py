"""Planners' scenarios in the database: who sees them, their changes, the tables they make.

Scenarios are for planners: moderators and administrators. A scenario is
visible to its author, to administrators, and, when ``shared``, to every
moderator; partners see none (pages answer 404, as for an id that does not
exist). Only its author or an administrator edits it.

:func:`scenario_tables` builds the scenario's (sites, offers) from the live
catalog (:func:`mapapp.catalog.frames.catalog_tables`) and its changes
(:func:`mapapp.access.scenario_changes.apply_changes`); it only reads.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mapapp.access.themes import CATEGORIES, THEMATIQUES, default_themes
from mapapp.access.scenario_changes import KIND_LABELS, ChangeError, apply_changes
from mapapp.catalog import vocab
from mapapp.catalog.frames import catalog_tables
from mapapp.catalog.models import Commune, Offer, Site, Structure
from mapapp.catalog.models_scenarios import Scenario, ScenarioChange
from mapapp.catalog.models_users import User
from mapapp.catalog.moderation_records import commune_at

PLANNER_ROLES = ("admin", "moderator")
#: What an added site or offer may carry: data·inclusion categories (``famille``) or thématiques.
THEMATIQUE_CODES = {**CATEGORIES, **THEMATIQUES}


class ScenarioError(ValueError):
    """Bad input for a scenario (French message)."""


def is_planner(user: User | None) -> bool:
    return user is not None and user.is_active and user.role in PLANNER_ROLES


def can_see(user: User | None, scenario: Scenario) -> bool:
    if not is_planner(user):
        return False
    return user.is_admin or scenario.author_id == user.id or bool(scenario.shared)


def can_edit(user: User | None, scenario: Scenario) -> bool:
    return is_planner(user) and (user.is_admin or scenario.author_id == user.id)


def visible_scenarios(session: Session, user: User | None) -> list[Scenario]:
    if not is_planner(user):
        return []
    query = select(Scenario).order_by(Scenario.updated_at.desc(), Scenario.id.desc())
    if not user.is_admin:
        query = query.where(or_(Scenario.author_id == user.id, Scenario.shared.is_(True)))
    return list(session.scalars(query))


def get_visible(session: Session, user: User | None, scenario_id: int) -> Scenario | None:
    scenario = session.get(Scenario, scenario_id)
    return scenario if scenario is not None and can_see(user, scenario) else None


def create_scenario(session: Session, author: User | None, title: str, description: str = "",
                    shared: bool = False) -> Scenario:
    if author is not None and not is_planner(author):
        raise ScenarioError("Seuls les modérateurs et les administrateurs créent des scénarios.")
    try:
        scenario = Scenario(title=title, description=description or "", shared=bool(shared),
                            author_id=author.id if author is not None else None)
    except vocab.RecordError as exc:
        raise ScenarioError(str(exc)) from None
    session.add(scenario)
    session.flush()
    return scenario


def _float(value, name: str, limit: float) -> float:
    try:
        out = float(str(value).replace(",", "."))
    except (TypeError, ValueError):
        raise ScenarioError(f"{name} invalide : {value!r} (un nombre, par exemple 2.35)") from None
    if not -limit <= out <= limit:
        raise ScenarioError(f"{name} hors limites : {value!r}")
    return out


def _codes(values, vocabulary: dict | None, what: str) -> list[str]:
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",")]
    out = [v for v in (values or []) if v]
    if vocabulary is not None:
        unknown = [v for v in out if v not in vocabulary]
        if unknown:
            raise ScenarioError(f"{what} inconnue(s) : {', '.join(unknown)}")
    return out


def _site(session: Session, site_id: str) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise ScenarioError(f"Aucun lieu du catalogue n'a l'identifiant {site_id!r}.")
    return site


def _known_site(session: Session, scenario: Scenario, site_id: str) -> None:
    """A site of the catalog or one the scenario adds."""
    added = {c.data.get("site_id") for c in scenario.changes if c.kind == "add_site"}
    if site_id not in added:
        _site(session, site_id)


def theme_payload(theme_keys) -> dict:
    """``thematiques`` and ``reseaux`` that make a new site count for the themes ``theme_keys`` (the web form)."""
    themes = {t.key: t for t in default_themes()}
    unknown = [k for k in theme_keys if k not in themes]
    if unknown:
        raise ScenarioError(f"Thème inconnu : {', '.join(unknown)}")
    thematiques, reseaux = set(), set()
    for key in theme_keys:
        thematiques |= set(themes[key].thematiques or ())
        reseaux |= set(themes[key].networks or ())
    return {"thematiques": sorted(thematiques), "reseaux": sorted(reseaux)}


def _next_number(scenario: Scenario, kind: str, field: str) -> int:
    """1 + the highest number of the ids the scenario gave (``scenario-<id>-lieu-<n>``): never reused."""
    numbers = [int(str(c.data.get(field, "")).rsplit("-", 1)[-1]) for c in scenario.changes
               if c.kind == kind and str(c.data.get(field, "")).rsplit("-", 1)[-1].isdigit()]
    return 1 + max(numbers, default=0)


def normalize_change(session: Session, scenario: Scenario, kind: str, data: dict) -> dict:
    """The checked ``data`` of a new change (French :class:`ScenarioError` naming the field otherwise)."""
    if kind not in KIND_LABELS:
        raise ScenarioError(f"Type de modification inconnu : {kind!r} (parmi {', '.join(KIND_LABELS)})")
    if kind == "add_site":
        lon, lat = _float(data.get("lon"), "Longitude", 180), _float(data.get("lat"), "Latitude", 90)
        commune = data.get("commune_code") or None
        if commune is None:
            found = commune_at(session, lon, lat)
            if found is None:
                raise ScenarioError(f"Le point ({lon:.5f}, {lat:.5f}) est hors du territoire : aucune commune.")
            commune = found.code
        elif session.get(Commune, commune) is None:
            raise ScenarioError(f"Commune inconnue : {commune!r}")
        kind_site = data.get("kind_site") or "departement_permanence"
        if kind_site not in vocab.SITE_KINDS:
            raise ScenarioError(f"Type de lieu inconnu : {kind_site!r}")
        thematiques = _codes(data.get("thematiques"), THEMATIQUE_CODES, "Thématique")
        reseaux = _codes(data.get("reseaux"), None, "Réseau")
        if not thematiques and not reseaux:
            raise ScenarioError("Indiquez au moins une thématique (ou un réseau) que le nouveau lieu propose.")
        n = _next_number(scenario, "add_site", "site_id")
        nom = (data.get("nom") or "").strip() or f"Nouveau lieu {n}"
        return {"site_id": f"scenario-{scenario.id}-lieu-{n}", "nom": nom, "kind_site": kind_site,
                "lon": lon, "lat": lat, "commune_code": commune, "thematiques": thematiques, "reseaux": reseaux,
                "publics": _codes(data.get("publics"), None, "Public")}
    if kind == "close_structure":
        sid = (data.get("structure_id") or "").strip()
        if session.get(Structure, sid) is None:
            raise ScenarioError(f"Aucune structure n'a l'identifiant {sid!r}.")
        return {"structure_id": sid}
    if kind == "include_planned":
        sid = (data.get("site_id") or "").strip()
        if sid:
            _site(session, sid)
        return {"site_id": sid or None}
    sid = (data.get("site_id") or "").strip()
    if not sid:
        raise ScenarioError("Identifiant du lieu manquant.")
    _known_site(session, scenario, sid)
    if kind == "close_site":
        return {"site_id": sid}
    if kind == "move_site":
        return {"site_id": sid, "lon": _float(data.get("lon"), "Longitude", 180),
                "lat": _float(data.get("lat"), "Latitude", 90)}
    if kind == "set_hours":
        from mapapp.catalog.hours import validate_hours

        try:
            hours = validate_hours("horaires_accueil", (data.get("horaires_accueil") or "").strip() or None)
        except vocab.RecordError as exc:
            raise ScenarioError(str(exc)) from None
        return {"site_id": sid, "horaires_accueil": hours}
    if kind == "add_offer":
        thematiques = _codes(data.get("thematiques"), THEMATIQUE_CODES, "Thématique")
        reseaux = _codes(data.get("reseaux"), None, "Réseau")
        if not thematiques and not reseaux:
            raise ScenarioError("Indiquez au moins une thématique (ou un réseau) de l'offre ajoutée.")
        n = _next_number(scenario, "add_offer", "offer_id")
        return {"site_id": sid, "offer_id": f"scenario-{scenario.id}-offre-{n}",
                "nom": (data.get("nom") or "").strip() or f"Offre ajoutée {n}", "thematiques": thematiques,
                "reseaux": reseaux, "publics": _codes(data.get("publics"), None, "Public")}
    # remove_offer
    oid = (data.get("offer_id") or "").strip()
    if session.get(Offer, oid) is None:
        raise ScenarioError(f"Aucune offre n'a l'identifiant {oid!r}.")
    return {"site_id": sid, "offer_id": oid}


def add_change(session: Session, scenario: Scenario, kind: str, data: dict) -> ScenarioChange:
    """Check and append a change; it must apply on the live catalog with the earlier ones."""
    clean = normalize_change(session, scenario, kind, data)
    position = 1 + max((c.position for c in scenario.changes), default=0)
    change = ScenarioChange(kind=kind, data=clean, position=position)
    trial = [c.as_change() for c in scenario.changes] + [{**clean, "kind": kind}]
    sites, offers = live_tables(session)
    try:
        apply_changes(sites, offers, trial)
    except ChangeError as exc:
        raise ScenarioError(str(exc)) from None
    scenario.changes.append(change)
    scenario.touch()
    session.flush()
    return change


def remove_change(session: Session, scenario: Scenario, change_id: int) -> None:
    change = next((c for c in scenario.changes if c.id == change_id), None)
    if change is None:
        raise ScenarioError(f"Le scénario n'a pas de modification n° {change_id}.")
    rest = [c.as_change() for c in scenario.changes if c is not change]
    try:
        apply_changes(*live_tables(session), rest)
    except ChangeError as exc:  # a later change needs this one (a site it opened...)
        raise ScenarioError(f"Impossible de supprimer cette modification : une autre en dépend ({exc}).") from None
    scenario.changes.remove(change)
    scenario.touch()
    session.flush()


def live_tables(session: Session, today: dt.date | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The catalog's sites and offers as the engine reads them, sites with ``structure_id`` and hours."""
    sites, offers = catalog_tables(session, today)
    extra = pd.DataFrame(session.execute(select(Site.id, Site.structure_id, Site.horaires_accueil)).all(),
                         columns=["site_id", "structure_id", "horaires_accueil"])
    return sites.merge(extra, on="site_id", how="left"), offers


def scenario_tables(session: Session, scenario: Scenario, today: dt.date | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sites, offers) of the scenario: the live catalog with its changes applied. Reads only."""
    sites, offers = live_tables(session, today)
    try:
        return apply_changes(sites, offers, [c.as_change() for c in scenario.changes])
    except ChangeError as exc:  # the catalog changed since (a site was deleted...)
        raise ScenarioError(f"Le scénario ne s'applique plus au catalogue : {exc}") from None


def describe_change(change: ScenarioChange) -> str:
    """One French line for a change (pages, CLI, exports)."""
    d, label = change.data or {}, KIND_LABELS.get(change.kind, change.kind)
    if change.kind == "add_site":
        what = ", ".join(d.get("thematiques", []) + d.get("reseaux", []))
        return f"{label} « {d.get('nom')} » ({d.get('lon'):.5f}, {d.get('lat'):.5f}, commune " \
               f"{d.get('commune_code')}) : {what}"
    if change.kind == "move_site":
        return f"{label} {d.get('site_id')} vers ({d.get('lon'):.5f}, {d.get('lat'):.5f})"
    if change.kind == "close_structure":
        return f"{label} {d.get('structure_id')}"
    if change.kind == "include_planned":
        return f"{label} : {d.get('site_id') or 'tous'}"
    if change.kind == "set_hours":
        return f"{label} {d.get('site_id')} : {d.get('horaires_accueil') or 'aucun horaire'}"
    if change.kind in ("add_offer", "remove_offer"):
        return f"{label} {d.get('offer_id')} au lieu {d.get('site_id')}"
    return f"{label} {d.get('site_id')}"
