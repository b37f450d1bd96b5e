"""The demo catalog: structures, sites, offers and mobility solutions.

Records use data·inclusion v1 vocabularies (checked here against the enums of
``data_inclusion.schema.v1``) plus mapapp's extensions (site kind, status,
itinerant route, delivery mode, pilot and funders, verification date). All
people, organisations, phone numbers and addresses are fictional; phone numbers
are in the 04 65 71 range that French numbering keeps for fiction, e-mails and
web sites use the reserved ``.example`` domain.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta

import numpy as np
import shapely
from data_inclusion.schema.v1 import Frais, ModeAccueil, Public, ReseauPorteur, Thematique, TypeService
from opening_hours import OpeningHours
from shapely.geometry import Point

from mapapp.catalog import vocab

from . import names
from .geography import Commune, Geography, rng_for, to_wgs84

# The catalog's own vocabularies: the demo must produce exactly what the catalog accepts.
SITE_KINDS = frozenset(vocab.SITE_KINDS)
STATUSES = frozenset(vocab.STATUSES)
DELIVERY_MODES = frozenset(vocab.DELIVERY_MODES)
MOBILITY_KINDS = frozenset(vocab.MOBILITY_KINDS)
MOBILITY_CATEGORIES = frozenset(vocab.MOBILITY_CATEGORIES)
#: the demo's "today": every date is before it, some verifications are more than a year old
REFERENCE_DATE = date(2026, 11, 1)
DOMAIN = "val-darlenc.example"
#: The demo structures' note on orientation for professionals (mapapp.catalog.professional).
PRO_NOTE = ("Avant d'orienter une personne, appelez la ligne directe des référents et envoyez la fiche de liaison "
            "par courriel : un rendez-vous est proposé sous 8 jours.")


def check_vocabulary(enum, values):
    """Return ``values`` (a list) after checking each against a data·inclusion enum."""
    if values is None:
        return None
    return [enum(v).value for v in values]


class Catalog:
    def __init__(self, geo: Geography, grid_rows: list[dict], seed: int):
        self.geo = geo
        self.rng = rng_for(seed, 30)
        self.by_code = {c.code: c for c in geo.communes}
        self.units: dict[str, dict[str, dict]] = {}
        for r in grid_rows:
            unit = self.units.setdefault(r["grid"], {}).setdefault(r["code"], {"nom": r["nom"], "communes": []})
            unit["communes"].append(r["commune"])
        self.unit_of = {(r["grid"], r["commune"]): r["code"] for r in grid_rows}
        self.structures: list[dict] = []
        self.sites: list[dict] = []
        self.offers: list[dict] = []
        self.mobility: list[dict] = []
        self._spots: dict[int, np.ndarray] = {}
        self._slugs: set[str] = set()
        self.postal = self._postal_codes()

    # -- helpers ---------------------------------------------------------------------------
    def _postal_codes(self) -> dict[str, str]:
        out = {}
        cantons = sorted(self.units["canton"])
        for rank, code in enumerate(cantons, start=1):
            for commune in self.units["canton"][code]["communes"]:
                out[commune] = f"96{rank * 70:03d}"
        for c in self.geo.communes:
            if c.kind == "prefecture":
                out[c.code] = "96000"
            elif c.is_buffer:
                out[c.code] = f"969{c.index % 10}0"
        return out

    def dates(self, stale: float = 0.2) -> tuple[str, str]:
        """(date_maj, date_verification): a human check, then technical updates."""
        if self.rng.random() < stale:
            verif = REFERENCE_DATE - timedelta(days=int(self.rng.integers(370, 900)))
        else:
            verif = REFERENCE_DATE - timedelta(days=int(self.rng.integers(5, 360)))
        maj = min(verif + timedelta(days=int(self.rng.integers(0, 120))), REFERENCE_DATE - timedelta(days=1))
        return maj.isoformat(), verif.isoformat()

    def phone(self) -> str:
        return f"04 65 71 {self.rng.integers(0, 100):02d} {self.rng.integers(0, 100):02d}"

    def siret(self) -> str:
        """A 14-digit number passing the Luhn check, as real SIRETs do."""
        digits = [9, 6] + [int(d) for d in self.rng.integers(0, 10, 11)]
        for check in range(10):
            cand = digits + [check]
            total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(cand)))
            if total % 10 == 0:
                return "".join(map(str, cand))
        raise AssertionError("unreachable")

    def unique_slug(self, text: str) -> str:
        base = names.slug(text)[:60].strip("-")
        s, k = base, 2
        while s in self._slugs:
            s, k = f"{base}-{k}", k + 1
        self._slugs.add(s)
        return s

    def spot(self, c: Commune, place: str = "centre") -> np.ndarray:
        """A plausible location in commune ``c``: its town hall, or a street near the centre."""
        if place == "mairie" and c.index in self._spots:
            return self._spots[c.index]
        inside = c.polygon.buffer(-20)
        reach = max(60.0, 0.45 * c.urban_radius) if place != "mairie" else 60.0
        for _ in range(200):
            ang = self.rng.uniform(0, 2 * np.pi)
            p = c.seat + self.rng.uniform(15, reach) * np.array([np.cos(ang), np.sin(ang)])
            if inside.contains(Point(p)):
                break
        else:
            p = c.seat.copy()
        if place == "mairie":
            self._spots[c.index] = p
        return p

    # -- records -------------------------------------------------------------------------
    def structure(
        self,
        nom: str,
        reseaux: list[str],
        commune: Commune,
        description: str,
        sid: str | None = None,
        siret: bool = True,
        site_web: bool = True,
    ) -> str:
        sid = sid or f"demo--{self.unique_slug(nom)}"
        slug = sid.removeprefix("demo--")
        self.structures.append(
            {
                "id": sid,
                "nom": nom,
                "siret": self.siret() if siret else None,
                "reseaux_porteurs": check_vocabulary(ReseauPorteur, reseaux),
                "telephone": self.phone(),
                "courriel": f"contact@{_host(slug)}.{DOMAIN}",
                "site_web": f"https://www.{DOMAIN}/structures/{slug}" if site_web else None,
                "description": description,
                "adresse": names.street_address(self.rng),
                "commune_code": commune.code,
                # What only logged-in professionals see (issue 13 §6); derived from the id, not drawn,
                # so the rest of the demo stays the same.
                "contact_pro_telephone": f"04 65 72 {zlib.crc32(slug.encode()) % 100:02d} "
                                         f"{zlib.crc32(slug.encode()[::-1]) % 100:02d}",
                "contact_pro_courriel": f"referents@{_host(slug)}.{DOMAIN}",
                "note_orientation": PRO_NOTE,
            }
        )
        return sid

    def site(
        self,
        structure_id: str,
        nom: str,
        kind: str,
        commune: Commune,
        horaires: str | None,
        place: str = "centre",
        status: str = "active",
        route: str | None = None,
        closed: tuple[str, str] | None = None,
        adresse: str | None = None,
    ) -> str:
        assert kind in SITE_KINDS and status in STATUSES
        if horaires is not None:
            OpeningHours(horaires)  # raises on invalid syntax
        x, y = self.spot(commune, place)
        lon, lat = to_wgs84([x], [y])
        maj, verif = self.dates()
        sid = f"demo--site-{len(self.sites) + 1:04d}"
        if adresse is None:
            adresse = "place de la Mairie" if place == "mairie" else names.street_address(self.rng)
        self.sites.append(
            {
                "id": sid,
                "structure_id": structure_id,
                "nom": nom,
                "kind": kind,
                "adresse": adresse,
                "code_postal": self.postal[commune.code],
                "commune_code": commune.code,
                "lon": round(float(lon[0]), 6),
                "lat": round(float(lat[0]), 6),
                "horaires_accueil": horaires,
                "status": status,
                "closed_from": closed[0] if closed else None,
                "closed_until": closed[1] if closed else None,
                "itinerant_route": route,
                "date_maj": maj,
                "date_verification": verif,
            }
        )
        return sid

    def offer(
        self,
        structure_id: str,
        template: tuple,
        site_ids: list[str],
        delivery: str = "on_site",
        lieu: str = "",
        zone: list[str] | None = None,
        status: str | None = None,
        **extra,
    ) -> str:
        nom, typ, thematiques, publics, description = template
        assert delivery in DELIVERY_MODES
        if delivery in ("remote", "departement_wide"):
            assert not site_ids
        else:
            assert site_ids
        nom = nom.format(lieu=lieu)
        if status is None:
            roll = self.rng.random()
            status = (
                "active"
                if roll < 0.88
                else "experimental"
                if roll < 0.93
                else "planned"
                if roll < 0.96
                else "temporarily_closed"
                if roll < 0.985
                else "closed"
            )
        maj, verif = self.dates()
        remote = delivery == "remote"
        modes = extra.pop(
            "modes_accueil",
            ["a-distance"]
            if remote
            else (["en-presentiel", "a-distance"] if self.rng.random() < 0.15 else ["en-presentiel"]),
        )
        frais = extra.pop("frais", "gratuit" if self.rng.random() < 0.9 else None)
        oid = f"demo--offre-{len(self.offers) + 1:04d}"
        contact = self.rng.random() < 0.2
        rec = {
            "id": oid,
            "structure_id": structure_id,
            "nom": nom,
            "description": description.format(lieu=lieu),
            "type": TypeService(typ).value,
            "thematiques": check_vocabulary(Thematique, thematiques),
            "publics": check_vocabulary(Public, publics),
            "publics_precisions": extra.pop("publics_precisions", None),
            "modes_accueil": check_vocabulary(ModeAccueil, modes),
            "frais": None if frais is None else Frais(frais).value,  # one value, as in data·inclusion v1
            "frais_precisions": extra.pop("frais_precisions", None),
            "zone_eligibilite": zone,
            "telephone": self.phone(),
            "courriel": f"accueil@{_host(structure_id.removeprefix('demo--'))}.{DOMAIN}",
            "contact_nom_prenom": _CONTACTS[int(self.rng.integers(len(_CONTACTS)))] if contact else None,
            "lien_source": f"https://www.{DOMAIN}/offres/{oid.removeprefix('demo--')}"
            if self.rng.random() < 0.7
            else None,
            "horaires_accueil": extra.pop("horaires_accueil", None),
            "delivery_mode": delivery,
            "site_ids": list(site_ids),
            "pilote": extra.pop("pilote", None),
            "financeurs": extra.pop("financeurs", []),
            "status": status,
            "date_maj": maj,
            "date_verification": verif,
        }
        if rec["horaires_accueil"]:
            OpeningHours(rec["horaires_accueil"])
        assert not extra, extra
        assert 3 <= len(rec["nom"]) <= 150 and len(rec["description"]) >= 5
        self.offers.append(rec)
        return oid

    def mobility_solution(
        self,
        structure_id: str,
        nom: str,
        kind: str,
        category: str,
        description: str,
        publics: list[str],
        conditions: str,
        commune: Commune | None = None,
        served: list[str] | None = None,
        status: str = "active",
    ) -> str:
        assert kind in MOBILITY_KINDS and category in MOBILITY_CATEGORIES and status in STATUSES
        lon = lat = None
        if kind == "point":
            x, y = self.spot(commune)
            lo, la = to_wgs84([x], [y])
            lon, lat = round(float(lo[0]), 6), round(float(la[0]), 6)
        maj, verif = self.dates()
        mid = f"demo--mobilite-{len(self.mobility) + 1:02d}"
        self.mobility.append(
            {
                "id": mid,
                "structure_id": structure_id,
                "nom": nom,
                "kind": kind,
                "category": category,
                "description": description,
                "lon": lon,
                "lat": lat,
                "commune_code": commune.code if kind == "point" else None,
                "served_communes": sorted(served) if kind == "area" else None,
                "publics": check_vocabulary(Public, publics),
                "conditions": conditions,
                "status": status,
                "date_maj": maj,
                "date_verification": verif,
            }
        )
        return mid

    def structure_id(self, nom: str) -> str:
        return next(s["id"] for s in self.structures if s["nom"] == nom)

    # -- territory look-ups ---------------------------------------------------------------
    def communes_of(self, grid: str, code: str) -> list[Commune]:
        return [self.by_code[k] for k in self.units[grid][code]["communes"]]

    def spread(self, candidates: list[Commune], k: int, avoid: list[Commune] = ()) -> list[Commune]:
        """``k`` communes among ``candidates``, far from each other and from ``avoid``."""
        chosen: list[Commune] = []
        pool = list(candidates)
        for _ in range(min(k, len(pool))):
            ref = [c.seat for c in (*avoid, *chosen)]
            if ref:
                d = [min(float(np.linalg.norm(c.seat - r)) for r in ref) * self.rng.uniform(0.8, 1.0) for c in pool]
                best = pool[int(np.argmax(d))]
            else:
                best = max(pool, key=lambda c: c.population)
            chosen.append(best)
            pool.remove(best)
        return chosen


def _host(slug: str) -> str:
    """A valid DNS label from a slug (at most 40 characters, no dash at either end)."""
    return slug[:40].strip("-")


_CONTACTS = [
    "Camille Arnaud",
    "Dominique Chabrol",
    "Claude Vidal",
    "Sacha Delmas",
    "Alix Fabre",
    "Morgane Roux",
    "Yann Bessière",
    "Nadia Lacombe",
    "Karim Soulié",
    "Inès Mazet",
]


def build_catalog(geo: Geography, grid_rows: list[dict], seed: int) -> dict:
    """The whole demo catalog as ``{"structures", "sites", "offers", "mobility_solutions"}``."""
    from .networks import build_networks

    cat = Catalog(geo, grid_rows, seed)
    build_networks(cat)
    for s in cat.sites:
        c = cat.by_code[s["commune_code"]]
        assert shapely.contains_xy(_wgs_polygon(c), s["lon"], s["lat"]), s["id"]
    return {"structures": cat.structures, "sites": cat.sites, "offers": cat.offers, "mobility_solutions": cat.mobility}


def _wgs_polygon(c: Commune):
    return shapely.transform(c.polygon, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1])))
