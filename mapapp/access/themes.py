"""Themes: which offers make a destination set, and how far is too far.

A :class:`Theme` is a catalog filter (data·inclusion v1 vocabulary) plus travel
time thresholds per mode. :func:`select_destinations` applies it to the offers
table and returns the (offer, site) pairs that count as *physical presence*.

**Offers table** (one row per offer at one site; an offer given at several
sites has one row per site):

======================  ===============================================================
column                  meaning
======================  ===============================================================
``offer_id``            identifier of the offer (service)
``site_id``             the site where it is delivered (``sites.site_id``); may be
                        missing for remote and département-wide offers
``thematiques``         list of data·inclusion v1 thématique slugs
                        (``mobilite--preparer-un-permis``)
``publics``             list of data·inclusion v1 publics; missing or empty means
                        everyone, as does ``tous-publics``
``delivery_mode``       ``on_site``, ``itinerant`` (outreach, bus stop, *aller-vers*),
                        ``remote`` (phone, online) or ``departement_wide`` (no site)
``status``              ``planned``, ``experimental``, ``active``,
                        ``temporarily_closed``, ``closed``
``zone_eligibilite``    list of INSEE codes (communes, EPCI SIREN, départements,
                        ``france``/``99100``) where the offer is open; missing means
                        no restriction (see :mod:`mapapp.access.eligibility`)
``reseaux_porteurs``    optional, list of data·inclusion v1 networks
                        (``france-service``, ``maisons-des-solidarites``...)
======================  ===============================================================

Rules (from DOMAIN.md, "Offers"):

- only ``on_site`` and ``itinerant`` offers are presence; ``remote`` and
  ``departement_wide`` offers never are, whatever their site;
- only open offers count: ``active`` and ``experimental`` (an experiment is a
  running service the public can use today); ``planned``,
  ``temporarily_closed`` and ``closed`` do not. A scenario may pass
  ``statuses=`` to count planned offers. A site with its own ``status``
  column must also be open;
- a theme's ``thematiques`` match an offer when any value equals one of the
  offer's thématiques or is its category (``mobilite`` matches every
  ``mobilite--...``); publics, networks and site kinds likewise match on any
  common value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
from data_inclusion.schema import v1

from mapapp.access.frames import require_columns

DELIVERY_MODES = ("on_site", "itinerant", "remote", "departement_wide")
PRESENCE_MODES = frozenset({"on_site", "itinerant"})
STATUSES = ("planned", "experimental", "active", "temporarily_closed", "closed")
OPEN_STATUSES = frozenset({"active", "experimental"})
OFFER_COLUMNS = ("offer_id", "site_id", "thematiques", "publics", "delivery_mode", "status",
                 "zone_eligibilite")

CATEGORIES = {c.value: c.label for c in v1.Categorie}
THEMATIQUES = {t.value: t.label for t in v1.Thematique}
PUBLICS = frozenset(p.value for p in v1.Public)
NETWORKS = frozenset(r.value for r in v1.ReseauPorteur)
EVERYONE = "tous-publics"


@dataclass(frozen=True)
class Thresholds:
    """Travel-time thresholds of one theme for one mode, in minutes.

    Attributes:
        main_min: the threshold of the zone blanche rule and of overlap counts
            (a person at exactly ``main_min`` minutes is *within*: beyond means
            strictly greater).
        bands_min: thresholds reported as counts and shares of inhabitants
            beyond (always includes ``main_min``).
    """

    main_min: float
    bands_min: tuple[float, ...] = ()

    def __post_init__(self):
        bands = tuple(sorted({float(b) for b in self.bands_min} | {float(self.main_min)}))
        if bands[0] <= 0:
            raise ValueError("thresholds must be > 0 minutes")
        object.__setattr__(self, "main_min", float(self.main_min))
        object.__setattr__(self, "bands_min", bands)


#: Everyday services. Car: 7 and 10 min are the field's thresholds (DOMAIN.md:
#: Lot-et-Garonne's "plus de 7 minutes", Meuse's "plus de 10 minutes des
#: équipements utiles au quotidien"); 10 is the main one. Walk and bike:
#: project defaults (15 min, "quart d'heure"), no field reference yet.
EVERYDAY = MappingProxyType({
    "car": Thresholds(10, (7, 10, 20, 30)),
    "bike": Thresholds(15, (10, 15, 20, 30)),
    "walk": Thresholds(15, (10, 15, 20, 30)),
})
#: France Services and the Département's reception network. Car: 20 and 30 min
#: (DOMAIN.md: the national claim "99.7 % within 20 minutes"; 30 min is the
#: programme's commitment); 20 is the main one so figures compare with the
#: national claim. Walk and bike: project defaults.
FRANCE_SERVICES = MappingProxyType({
    "car": Thresholds(20, (7, 10, 20, 30)),
    "bike": Thresholds(30, (15, 20, 30, 45)),
    "walk": Thresholds(30, (15, 20, 30, 45)),
})


def _frozen(values, vocabulary, what: str) -> frozenset[str] | None:
    if values is None:
        return None
    out = frozenset([values] if isinstance(values, str) else values)
    unknown = sorted(out - set(vocabulary))
    if unknown:
        raise ValueError(f"unknown {what}: {unknown}")
    return out


@dataclass(frozen=True, eq=False)
class Theme:
    """A destination set to measure access to, and its thresholds.

    Attributes:
        key: short identifier (``mobilite``, ``france_services``), used in results.
        label: French label for reports.
        thematiques: data·inclusion v1 thématiques or categories, any of;
            ``None`` means any thématique.
        publics: data·inclusion v1 publics, any of; ``None`` means any. Offers
            for everyone (no publics, or ``tous-publics``) always match.
        networks: data·inclusion v1 ``reseaux_porteurs``, any of (on the
            offer or on its site); ``None`` means any.
        site_kinds: values of ``sites.kind``, any of; ``None`` means any.
        thresholds: :class:`Thresholds` per mode (``car``, ``walk``, ``bike``).
        description: what the theme is meant to show.
        min_weekly_hours: the theme's own « H » of the schedule rule (a site counts under the
            rule when open at least this many hours a week); ``None``: the settings' global value
            (:class:`mapapp.access.settings.ScheduleRule`).
    """

    key: str
    label: str
    thematiques: frozenset[str] | None = None
    publics: frozenset[str] | None = None
    networks: frozenset[str] | None = None
    site_kinds: frozenset[str] | None = None
    thresholds: Mapping[str, Thresholds] = field(default_factory=lambda: EVERYDAY)
    description: str = ""
    min_weekly_hours: float | None = None

    def __post_init__(self):
        if self.min_weekly_hours is not None:
            if isinstance(self.min_weekly_hours, bool) or not float(self.min_weekly_hours) >= 0:
                raise ValueError("min_weekly_hours must be >= 0")
            object.__setattr__(self, "min_weekly_hours", float(self.min_weekly_hours))
        object.__setattr__(self, "thematiques",
                           _frozen(self.thematiques, CATEGORIES.keys() | THEMATIQUES.keys(), "thématiques"))
        object.__setattr__(self, "publics", _frozen(self.publics, PUBLICS, "publics"))
        object.__setattr__(self, "networks", _frozen(self.networks, NETWORKS, "réseaux porteurs"))
        if self.site_kinds is not None:
            object.__setattr__(self, "site_kinds", frozenset([self.site_kinds] if isinstance(
                self.site_kinds, str) else self.site_kinds))
        object.__setattr__(self, "thresholds", MappingProxyType(dict(self.thresholds)))

    def thresholds_for(self, mode: str) -> Thresholds:
        try:
            return self.thresholds[mode]
        except KeyError:
            raise ValueError(f"theme {self.key!r} has no thresholds for mode {mode!r}") from None

    def spec(self) -> dict:
        """A JSON-serialisable description (for digests, exports and the UI)."""
        def srt(s):
            return None if s is None else sorted(s)
        own = {} if self.min_weekly_hours is None else {"min_weekly_hours": self.min_weekly_hours}
        return {**own, "key": self.key, "label": self.label, "thematiques": srt(self.thematiques),
                "publics": srt(self.publics), "networks": srt(self.networks),
                "site_kinds": srt(self.site_kinds),
                "thresholds": {m: {"main_min": t.main_min, "bands_min": list(t.bands_min)}
                               for m, t in sorted(self.thresholds.items())}}

    def spec_json(self) -> str:
        return json.dumps(self.spec(), sort_keys=True, ensure_ascii=False)


def default_themes() -> list[Theme]:
    """The 16 data·inclusion categories, France Services, the Département's
    reception network, and two frequent needs of RSA recipients (driving
    licence, food aid): 20 themes."""
    themes = [Theme(key=slug.replace("-", "_"), label=label, thematiques={slug}) for slug, label in
              CATEGORIES.items()]
    themes += [
        Theme("france_services", "France Services", networks={"france-service", "msap"},
              thresholds=FRANCE_SERVICES, description="Sites et bus labellisés France Services."),
        Theme("accueil_departement", "Accueil du Département (MSP, CMS, MDS)",
              networks={"departements", "maisons-des-solidarites", "cms", "delegataire-conseil-departemental"},
              thresholds=FRANCE_SERVICES, description="Sièges, antennes et permanences du Département."),
        Theme("permis_de_conduire", "Préparer un permis", thematiques={"mobilite--preparer-un-permis"}),
        Theme("aide_alimentaire", "Aide alimentaire", thematiques={"equipement-et-alimentation--alimentation"}),
    ]
    return themes


#: ``sites.kind`` of the INSEE BPE everyday equipments (:mod:`mapapp.io.bpe`).
EVERYDAY_EQUIPMENT_KIND = "equipement_quotidien"


def everyday_equipment_theme() -> Theme:
    """« Équipements utiles au quotidien »: the sites of the BPE everyday basket, selected by site kind.

    A filter on ``site_kinds`` rather than on thématiques: BPE equipments (bakeries, GPs, post
    offices) are not insertion offers and have no data·inclusion thématique, so no other theme
    counts them. Car thresholds are the everyday ones (Meuse: « plus de 10 minutes »).
    """
    return Theme("equipements_quotidien", "Équipements utiles au quotidien (BPE)",
                 site_kinds={EVERYDAY_EQUIPMENT_KIND}, thresholds=EVERYDAY,
                 description="Équipements de la Base permanente des équipements de l'Insee (poste, commerce "
                             "alimentaire, école, médecin, pharmacie…).")


def themes_for_catalog(themes: list[Theme], sites: pd.DataFrame) -> list[Theme]:
    """``themes`` plus the everyday equipment theme when the catalog holds BPE sites and it is not there yet."""
    keys = {t.key for t in themes}
    has_bpe = "kind" in sites.columns and (sites["kind"] == EVERYDAY_EQUIPMENT_KIND).any()
    theme = everyday_equipment_theme()
    return [*themes, theme] if has_bpe and theme.key not in keys else list(themes)


def _as_set(value) -> frozenset[str]:
    if value is None or (not isinstance(value, (list, tuple, set, frozenset)) and pd.isna(value)):
        return frozenset()
    if isinstance(value, str):
        return frozenset([value])
    return frozenset(value)


def _matches_thematiques(offer: frozenset[str], wanted: frozenset[str]) -> bool:
    return any(t in wanted or t.split("--", 1)[0] in wanted for t in offer)


def presence_offers(offers: pd.DataFrame, sites: pd.DataFrame,
                    statuses: Iterable[str] = OPEN_STATUSES) -> pd.DataFrame:
    """Offers that are physical presence today: on site or itinerant, open, at an open known site.

    Returns the offers rows (same columns) restricted to those, with the site's
    ``kind`` and ``reseaux_porteurs`` (as ``site_kind``, ``site_networks``) added.
    """
    require_columns(offers, "offers", OFFER_COLUMNS)
    statuses = frozenset(statuses)
    unknown = sorted(set(offers["delivery_mode"].dropna()) - set(DELIVERY_MODES))
    if unknown:
        raise ValueError(f"offers: unknown delivery_mode {unknown}")
    unknown = sorted(set(offers["status"].dropna()) - set(STATUSES))
    if unknown:
        raise ValueError(f"offers: unknown status {unknown}")
    keep = offers["delivery_mode"].isin(PRESENCE_MODES) & offers["status"].isin(statuses)
    site_cols = ["site_id"] + [c for c in ("kind", "status", "reseaux_porteurs") if c in sites.columns]
    info = sites[site_cols].rename(columns={"kind": "site_kind", "status": "site_status",
                                            "reseaux_porteurs": "site_networks"})
    out = offers[keep].merge(info, on="site_id", how="inner", validate="many_to_one")
    if "site_status" in out.columns:
        out = out[out["site_status"].fillna("active").isin(statuses)].drop(columns="site_status")
    return out.reset_index(drop=True)


def select_destinations(offers: pd.DataFrame, sites: pd.DataFrame, theme: Theme,
                        statuses: Iterable[str] = OPEN_STATUSES, *, presence: pd.DataFrame | None = None
                        ) -> pd.DataFrame:
    """The (offer, site) pairs that count as presence for ``theme``.

    Args:
        offers: the offers table (columns above).
        sites: the sites table (``site_id``, optional ``kind``, ``status``,
            ``reseaux_porteurs``).
        theme: the filter.
        statuses: offer (and site) statuses that count as open.
        presence: the result of :func:`presence_offers` for the same inputs,
            to reuse across themes.

    Returns:
        DataFrame ``offer_id``, ``site_id``, ``zone_eligibilite`` (list or None)
        and ``opening_hours`` when the offers have it, one row per matching offer row; empty (same columns) when nothing matches.
    """
    p = presence_offers(offers, sites, statuses) if presence is None else presence
    ok = np.ones(len(p), dtype=bool)
    if theme.thematiques is not None:
        ok &= np.array([_matches_thematiques(_as_set(v), theme.thematiques) for v in p["thematiques"]], bool)
    if theme.publics is not None:
        ok &= np.array([not s or EVERYONE in s or bool(s & theme.publics) for s in map(_as_set, p["publics"])],
                       bool)
    if theme.networks is not None:
        offer_nets = p["reseaux_porteurs"] if "reseaux_porteurs" in p.columns else [None] * len(p)
        site_nets = p["site_networks"] if "site_networks" in p.columns else [None] * len(p)
        ok &= np.array([bool((_as_set(a) | _as_set(b)) & theme.networks) for a, b in zip(offer_nets, site_nets)],
                       bool)
    if theme.site_kinds is not None:
        kinds = p["site_kind"] if "site_kind" in p.columns else pd.Series(None, index=p.index, dtype=object)
        ok &= kinds.isin(theme.site_kinds).to_numpy(dtype=bool)
    cols = ["offer_id", "site_id", "zone_eligibilite"] + (["opening_hours"] if "opening_hours" in p.columns else [])
    return p.loc[ok, cols].reset_index(drop=True)
