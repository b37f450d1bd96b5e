"""A scenario's changes applied to the engine's ``sites`` and ``offers`` tables (pure: no database).

A planner's scenario is a list of changes to the live catalog (see
:mod:`mapapp.catalog.models_scenarios`); :func:`apply_changes` turns the live
tables into the scenario's, in order, and never modifies its inputs. Closing
and opening go through :func:`mapapp.access.scenario.apply_scenario`; the
tables keep the columns of :func:`mapapp.catalog.frames.catalog_tables`
(``structure_id`` and ``horaires_accueil`` on sites when the caller adds them).

Change kinds (``kind`` and its fields):

- ``add_site``: ``site_id, nom, kind, lon, lat, commune_code``, and what it
  carries: ``thematiques``, ``reseaux`` (networks, e.g. ``france-service``),
  ``publics`` (one offer is made for it, on site, for the whole territory);
- ``move_site``: ``site_id, lon, lat``;
- ``close_site``: ``site_id`` (its offers stop there);
- ``close_structure``: ``structure_id`` (every site of the structure);
- ``set_hours``: ``site_id, horaires_accueil`` (OSM opening_hours);
- ``include_planned``: ``site_id`` or none (every planned site and offer):
  planned sites and offers count as open (status ``active``);
- ``add_offer``: ``site_id, offer_id, nom, thematiques, reseaux, publics``;
- ``remove_offer``: ``site_id, offer_id`` (the offer stops at this site).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from mapapp.access.scenario import apply_scenario

KINDS = ("add_site", "move_site", "close_site", "close_structure", "set_hours", "include_planned", "add_offer",
         "remove_offer")

#: French labels of the change kinds (pages, CLI, exports).
KIND_LABELS = {
    "add_site": "Ouvrir un lieu",
    "move_site": "Déplacer un lieu",
    "close_site": "Fermer un lieu",
    "close_structure": "Fermer tous les lieux d'une structure",
    "set_hours": "Changer les horaires d'un lieu",
    "include_planned": "Compter les lieux en projet",
    "add_offer": "Ajouter une offre à un lieu",
    "remove_offer": "Retirer une offre d'un lieu",
}


class ChangeError(ValueError):
    """A change cannot apply to the live tables (French message naming the change)."""


def _offer_row(offer_id: str, nom: str, site_id: str, change: dict) -> dict:
    return {"offer_id": offer_id, "offer_nom": nom, "site_id": site_id,
            "thematiques": list(change.get("thematiques") or []), "publics": list(change.get("publics") or []),
            "delivery_mode": "on_site", "status": "active", "zone_eligibilite": None,
            "reseaux_porteurs": list(change.get("reseaux") or [])}


def _require_site(sites: pd.DataFrame, site_id, where: str) -> None:
    if site_id not in set(sites["site_id"]):
        raise ChangeError(f"{where} : lieu inconnu (ou déjà fermé dans ce scénario) : {site_id!r}")


def apply_changes(sites: pd.DataFrame, offers: pd.DataFrame, changes: Iterable[dict]
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (sites, offers) tables after ``changes``, in order; the inputs are left as they were.

    Raises:
        ChangeError: a change names an unknown site, offer or structure, or lacks a field
            (the message says which change, numbered from 1).
    """
    sites, offers = sites.copy(), offers.copy()
    for number, change in enumerate(changes, start=1):
        kind = change.get("kind")
        where = f"modification n° {number} ({KIND_LABELS.get(kind, kind)})"
        try:
            sites, offers = _apply_one(sites, offers, kind, change, where)
        except KeyError as exc:
            raise ChangeError(f"{where} : champ manquant {exc.args[0]!r}") from None
    return sites.reset_index(drop=True), offers.reset_index(drop=True)


def _apply_one(sites, offers, kind, change, where):
    if kind == "add_site":
        sid = change["site_id"]
        row = {c: None for c in sites.columns}
        row.update(site_id=sid, nom=change["nom"], kind=change["kind_site"], status="active",
                   lon=float(change["lon"]), lat=float(change["lat"]), commune_code=change.get("commune_code"))
        added = pd.DataFrame([row], columns=sites.columns)
        offer = pd.DataFrame([_offer_row(f"{sid}-offre", change["nom"], sid, change)], columns=offers.columns)
        try:
            return apply_scenario(sites, offers, add_sites=added, add_offers=offer)
        except ValueError as exc:
            raise ChangeError(f"{where} : {exc}") from None
    if kind == "move_site":
        _require_site(sites, change["site_id"], where)
        mask = sites["site_id"] == change["site_id"]
        sites.loc[mask, "lon"], sites.loc[mask, "lat"] = float(change["lon"]), float(change["lat"])
        return sites, offers
    if kind == "close_site":
        _require_site(sites, change["site_id"], where)
        return apply_scenario(sites, offers, remove_site_ids=[change["site_id"]])
    if kind == "close_structure":
        if "structure_id" not in sites.columns:
            raise ChangeError(f"{where} : les lieux n'indiquent pas leur structure")
        ids = list(sites.loc[sites["structure_id"] == change["structure_id"], "site_id"])
        if not ids:
            raise ChangeError(f"{where} : aucun lieu ouvert pour la structure {change['structure_id']!r}")
        return apply_scenario(sites, offers, remove_site_ids=ids)
    if kind == "set_hours":
        _require_site(sites, change["site_id"], where)
        if "horaires_accueil" not in sites.columns:
            sites["horaires_accueil"] = None
        sites.loc[sites["site_id"] == change["site_id"], "horaires_accueil"] = change["horaires_accueil"]
        return sites, offers
    if kind == "include_planned":
        sid = change.get("site_id")
        if sid:
            _require_site(sites, sid, where)
            site_mask, offer_mask = sites["site_id"] == sid, offers["site_id"] == sid
        else:
            site_mask, offer_mask = pd.Series(True, index=sites.index), pd.Series(True, index=offers.index)
        sites.loc[site_mask & (sites["status"] == "planned"), "status"] = "active"
        offers.loc[offer_mask & (offers["status"] == "planned"), "status"] = "active"
        return sites, offers
    if kind == "add_offer":
        _require_site(sites, change["site_id"], where)
        row = pd.DataFrame([_offer_row(change["offer_id"], change["nom"], change["site_id"], change)],
                           columns=offers.columns)
        return apply_scenario(sites, offers, add_offers=row)
    if kind == "remove_offer":
        mask = (offers["site_id"] == change["site_id"]) & (offers["offer_id"] == change["offer_id"])
        if not mask.any():
            raise ChangeError(f"{where} : l'offre {change['offer_id']!r} n'est pas proposée au lieu "
                              f"{change['site_id']!r}")
        return sites, offers[~mask]
    raise ChangeError(f"{where} : type de modification inconnu")
