"""Fictional capacities for part of the demo catalog (issue 16 §3), so the demo's 2SFCA score means something.

The optional ``capacite`` field (:mod:`mapapp.catalog.models`) is set on:

- **fixed France Services sites**: their agents d'accueil, at least two as the label asks, more in
  bigger communes (:data:`FS_AGENTS`); the bus stops keep an unknown capacity (a half-day a week
  of the same two agents is not a site's staff), so the 2SFCA's « lieux sans capacité connue »
  shows;
- **ateliers and formations** at a place (``on_site`` or ``itinerant``): the places of a session at
  each of their places (:data:`PLACES`), fewer in a computer room.

Every other site and offer gets ``capacite: null`` (unknown, not zero). The numbers are drawn from
their own random stream (:func:`mapapp.demo.geography.rng_for`), so adding them reshuffles nothing
else, and the same seed gives the same capacities.
"""

from __future__ import annotations

from .geography import rng_for

RNG_KEY = 70
#: Agents of a fixed France Services site by the kind of its commune: (fewest, most).
FS_AGENTS = {"prefecture": (4, 6), "town": (3, 4), "bourg": (2, 3), "village": (2, 2)}
#: Places of a session by offer type: (fewest, most); ``numerique`` ateliers by the room's computers.
PLACES = {"atelier": (8, 15), "formation": (10, 16), "numerique": (6, 10)}


def add_capacities(catalog: dict, kinds: dict[str, str], seed: int) -> None:
    """Set ``capacite`` on every site and offer of ``catalog`` (in place); ``kinds``: commune code -> kind."""
    rng = rng_for(seed, RNG_KEY)
    for site in catalog["sites"]:
        capacity = None
        if site["kind"] == "france_services":
            low, high = FS_AGENTS.get(kinds.get(site["commune_code"], ""), (2, 3))
            capacity = int(rng.integers(low, high + 1))
        site["capacite"] = capacity
    for offer in catalog["offers"]:
        capacity = None
        if offer["type"] in ("atelier", "formation") and offer["site_ids"]:
            category = offer["thematiques"][0].split("--")[0] if offer["thematiques"] else ""
            low, high = PLACES["numerique" if category == "numerique" else offer["type"]]
            capacity = int(rng.integers(low, high + 1))
        offer["capacite"] = capacity
