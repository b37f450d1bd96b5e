"""A year of fictional change history for the demo catalog (issue 16 §4), so the observatoire can compare dates.

:func:`build_history` lists dated changes (``historique.json``) that lead to
the catalog as generated (``catalog.json`` is the state at the end of the
year). ``mapapp demo load`` records them in the change history
(:func:`mapapp.services.load_territory_and_catalog`), with the live record as
each change's snapshot, so the catalog of any date of that year can be rebuilt
(:func:`mapapp.catalog.history_at.catalog_at`):

- **openings**: a few open sites, created during the year, with their offers
  (an offer also at other sites had that site added);
- **closures**: the catalog's closed sites and offers, open until a date of the year;
- **changes**: a few open offers whose description was reworded.

The year ends on the catalog's latest ``date_maj``; dates are drawn from the
seed, so the same seed gives the same history.
"""

from __future__ import annotations

import datetime as dt

from .geography import rng_for

N_OPENINGS = 3
N_CHANGES = 2
RNG_KEY = 60


def history_end(catalog: dict) -> dt.date:
    dates = [r["date_maj"] for section in ("sites", "offers") for r in catalog.get(section, []) if r.get("date_maj")]
    return dt.date.fromisoformat(max(dates)) if dates else dt.date(2026, 10, 31)


def build_history(catalog: dict, seed: int) -> list[dict]:
    """``[{"date", "section", "id", "action": "create"|"update", "changes": {field: [old, new]}}]`` by date."""
    rng = rng_for(seed, RNG_KEY)
    end = history_end(catalog)

    def day() -> str:
        return (end - dt.timedelta(days=int(rng.integers(20, 345)))).isoformat()

    events = []
    closing = {i for o in catalog["offers"] if o["status"] == "closed" for i in o.get("site_ids") or []}
    open_sites = [s for s in catalog["sites"] if s["status"] == "active" and not s.get("closed_from")
                  and s["id"] not in closing]
    chosen = sorted(rng.choice(len(open_sites), size=min(N_OPENINGS, len(open_sites)), replace=False))
    opened = {open_sites[int(index)]["id"]: day() for index in chosen}
    for site_id, when in opened.items():
        events.append({"date": when, "section": "sites", "id": site_id, "action": "create", "changes": {}})
    for offer in catalog["offers"]:
        ids = sorted(offer.get("site_ids") or [])
        added = sorted(((opened[i], i) for i in ids if i in opened), reverse=True)  # latest opening first
        for when, site_id in added:  # each opening undone in turn, going back in time
            if ids == [site_id]:
                events.append({"date": when, "section": "offers", "id": offer["id"], "action": "create",
                               "changes": {}})
                break
            before = [i for i in ids if i != site_id]
            events.append({"date": when, "section": "offers", "id": offer["id"], "action": "update",
                           "changes": {"site_ids": [before, ids]}})
            ids = before
    for section in ("sites", "offers"):
        for record in catalog[section]:
            if record["status"] == "closed":
                events.append({"date": day(), "section": section, "id": record["id"], "action": "update",
                               "changes": {"status": ["active", "closed"]}})
    touched = {e["id"] for e in events}
    described = [o for o in catalog["offers"] if o["status"] == "active" and o.get("description")
                 and o["id"] not in touched]
    for index in sorted(rng.choice(len(described), size=min(N_CHANGES, len(described)), replace=False)):
        offer = described[int(index)]
        events.append({"date": day(), "section": "offers", "id": offer["id"], "action": "update",
                       "changes": {"description": [offer["description"] + " (ancienne présentation)",
                                                   offer["description"]]}})
    return sorted(events, key=lambda e: (e["date"], e["section"] != "sites", e["id"]))
