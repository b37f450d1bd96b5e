"""What a territorial guide lists, read from the live catalog: :func:`build_guide` → :class:`Guide`.

A guide covers one territory (the département, a grid unit such as an EPCI, a
canton or a territoire d'action sociale, or a commune: the units of the
reports, :func:`mapapp.reports.units.resolve_unit`) and a set of themes, the
data·inclusion *catégories* (``trouver-un-emploi``, ``mobilite``…). Under each
theme it lists the open offers of that category that a person of the territory
can use:

- offers delivered at a site (on site, itinerant) with at least one open site in
  the territory, with only those sites; a site temporarily closed today is kept
  and says so;
- remote and département-wide offers whose zone d'éligibilité includes one of
  the territory's communes (or has none), under « à distance ».

Only ``active`` and ``experimental`` offers are listed (the engine's rule). The
professional fields (:mod:`mapapp.catalog.professional`) are read only when
``professional=True``; the caller decides who may ask for that version.

Everything here is plain French text (hours through
:func:`mapapp.catalog.hours.describe_fr`, dates through :mod:`mapapp.formats`);
links to the fiches start with the public address given (``MAPAPP_BASE_URL``),
never with the address of a request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mapapp import formats
from mapapp.access.eligibility import ZoneIndex
from mapapp.catalog import vocab
from mapapp.catalog.hours import describe_fr
from mapapp.catalog.models import Offer, Site, Territory
from mapapp.catalog.professional import pro_fields_of
from mapapp.catalog.territory_store import read_communes, read_grids
from mapapp.reports.units import ReportError, ReportUnit, resolve_unit

#: The two layouts: the full booklet and the short easy-to-read one (FALC).
VARIANTS = {"livret": "Livret complet", "facile": "Version courte, facile à lire (FALC)"}
#: Themes of a guide when none are asked for (present in most catalogs, asked by the programmes first).
DEFAULT_THEMES = ("trouver-un-emploi", "mobilite", "numerique", "difficultes-administratives-ou-juridiques",
                  "sante", "logement-hebergement")
OPEN_STATUSES = ("active", "experimental")


class GuideError(ReportError):
    """The guide cannot be made as asked (unknown territory or theme); the message is in French."""


@dataclass
class GuidePlace:
    """One site of an offer, as the guide shows it."""

    nom: str
    adresse: str
    commune: str
    hours: str
    status_note: str  # « Fermé temporairement du … au … », or ""
    url: str


@dataclass
class GuideOffer:
    """One offer under one theme."""

    id: str
    nom: str
    structure: str
    description: str
    url: str
    places: list[GuidePlace]
    #: « Téléphone : … », « Courriel : … » (the offer's, else its structure's).
    contacts: list[str]
    telephone: str
    #: (label, text) pairs on how to mobilise the offer (conditions, who, how, link, details).
    mobilisation: list[tuple[str, str]]
    #: The ways to mobilise it (vocabulary keys), for the easy-to-read sentences.
    modes_mobilisation: list[str]
    frais: str
    publics: str
    remote: bool
    #: Professional fields by French label (empty unless the professional version was asked).
    pro: dict[str, str] = field(default_factory=dict)


@dataclass
class GuideTheme:
    key: str
    label: str
    offers: list[GuideOffer]

    @property
    def on_site(self) -> list[GuideOffer]:
        return [o for o in self.offers if not o.remote]

    @property
    def remote(self) -> list[GuideOffer]:
        return [o for o in self.offers if o.remote]


@dataclass
class Guide:
    territory_name: str
    fictional: bool
    unit: ReportUnit
    themes: list[GuideTheme]
    variant: str
    professional: bool
    today: dt.date
    base_url: str

    @property
    def title(self) -> str:
        prefix = "Guide facile à lire" if self.variant == "facile" else "Guide des ressources"
        return f"{prefix} — {self.unit.name}"

    @property
    def n_offers(self) -> int:
        return len({o.id for t in self.themes for o in t.offers})

    @property
    def date(self) -> str:
        return formats.date(self.today)


def parse_themes(themes: Iterable[str] | None) -> list[str]:
    """Check the asked themes (data·inclusion catégories); none means :data:`DEFAULT_THEMES`; ``all`` every one."""
    asked = [t.strip() for t in (themes or []) if t and t.strip()]
    if not asked:
        return list(DEFAULT_THEMES)
    if "all" in asked:
        return list(vocab.CATEGORIES)
    unknown = [t for t in asked if t not in vocab.CATEGORIES]
    if unknown:
        raise GuideError(f"Thème inconnu « {unknown[0]} » ; thèmes possibles : {', '.join(vocab.CATEGORIES)}.")
    return list(dict.fromkeys(asked))


def fiche_url(base_url: str, kind: str, record_id: str) -> str:
    """The public address of a fiche (``kind`` = ``offre`` or ``site``), from ``MAPAPP_BASE_URL``."""
    return f"{base_url.rstrip('/')}/{kind}/{quote(record_id, safe='')}"


def _mobilisation(offer: Offer) -> list[tuple[str, str]]:
    out = []
    if offer.conditions_acces:
        out.append(("Conditions d'accès", offer.conditions_acces))
    if offer.mobilisable_par:
        out.append(("Qui peut solliciter l'offre",
                    ", ".join(vocab.PERSONNES_MOBILISATRICES.get(v, v) for v in offer.mobilisable_par)))
    if offer.modes_mobilisation:
        out.append(("Comment la solliciter", ", ".join(vocab.MODES_MOBILISATION.get(v, v)
                                                       for v in offer.modes_mobilisation)))
    if offer.lien_mobilisation:
        out.append(("Lien pour la solliciter", offer.lien_mobilisation))
    if offer.mobilisation_precisions:
        out.append(("Précisions", offer.mobilisation_precisions))
    return out


def _place(site: Site, offer: Offer, names: dict[str, str], base_url: str, today: dt.date) -> GuidePlace:
    status = site.status_on(today)
    note = ""
    if status == "temporarily_closed":
        note = (f"Fermé temporairement du {formats.date(site.closed_from)} au {formats.date(site.closed_until)}"
                if site.closed_from and site.closed_until else "Fermé temporairement")
    address = ", ".join(p for p in (site.adresse, site.code_postal) if p)
    return GuidePlace(site.nom, address, names.get(site.commune_code, site.commune_code),
                      describe_fr(offer.horaires_accueil or site.horaires_accueil), note,
                      fiche_url(base_url, "site", site.id))


def _offer(offer: Offer, places: list[GuidePlace], base_url: str, professional: bool) -> GuideOffer:
    st = offer.structure
    telephone = offer.telephone or (st.telephone if st else None) or ""
    courriel = offer.courriel or (st.courriel if st else None) or ""
    contacts = []
    if offer.contact_nom_prenom:
        contacts.append(f"Contact : {offer.contact_nom_prenom}")
    if telephone:
        contacts.append(f"Téléphone : {telephone}")
    if courriel:
        contacts.append(f"Courriel : {courriel}")
    publics = ", ".join(vocab.PUBLICS.get(p, p) for p in offer.publics or [])
    return GuideOffer(
        offer.id, offer.nom, st.nom if st else "", offer.description, fiche_url(base_url, "offre", offer.id),
        places, contacts, telephone, _mobilisation(offer), list(offer.modes_mobilisation or []),
        vocab.FRAIS.get(offer.frais, "") if offer.frais else "", publics, not offer.is_physical,
        pro_fields_of(st, offer) if professional else {})


def _zone_index(session: Session, communes) -> ZoneIndex:
    grids = read_grids(session)
    epci = grids[grids["grid"] == "epci"].set_index("commune")["code"].to_dict()
    frame = communes[["code", "departement"]].rename(columns={"code": "commune"})
    frame = frame.assign(epci=frame["commune"].map(epci))
    return ZoneIndex(frame)


def build_guide(session: Session, *, unit: str | None = None, themes: Sequence[str] | None = None,
                variant: str = "livret", professional: bool = False, base_url: str,
                today: dt.date | None = None) -> Guide:
    """The guide of ``unit`` (``grid:code``, None for the département) for ``themes`` (catégories).

    Raises:
        GuideError: unknown variant, territory or theme (French message).
    """
    if variant not in VARIANTS:
        raise GuideError(f"Version de guide inconnue « {variant} » : {', '.join(VARIANTS)}.")
    today = today or dt.date.today()
    chosen = parse_themes(themes)
    territory = session.scalar(select(Territory))
    all_communes = read_communes(session)
    own = all_communes[~all_communes["is_buffer"]]
    if own.empty:
        raise GuideError("Aucun territoire n'est chargé : importez-en un (mapapp territory import ou mapapp demo load).")
    try:
        the_unit = resolve_unit(unit, own, read_grids(session), territory.name if territory else "Département")
    except GuideError:
        raise
    except ReportError as exc:
        raise GuideError(str(exc)) from None
    members = set(the_unit.communes)
    zones = _zone_index(session, all_communes)
    names = dict(zip(all_communes["code"], all_communes["nom"]))

    offers = session.scalars(
        select(Offer).where(Offer.status.in_(OPEN_STATUSES))
        .options(selectinload(Offer.sites), selectinload(Offer.structure)).order_by(Offer.nom, Offer.id)).all()
    by_theme: dict[str, list[GuideOffer]] = {t: [] for t in chosen}
    for offer in offers:
        categories = {vocab.category_of(t) for t in offer.thematiques or []} & set(chosen)
        if not categories:
            continue
        zone = zones.expand(offer.zone_eligibilite)
        if zone is not None and not (zone & members):
            continue
        if offer.is_physical:
            sites = [s for s in offer.sites if s.commune_code in members and s.status_on(today) != "closed"]
            if not sites:
                continue
            places = [_place(s, offer, names, base_url, today) for s in sorted(sites, key=lambda s: (s.nom, s.id))]
        else:
            places = []
        entry = _offer(offer, places, base_url, professional)
        for category in categories:
            by_theme[category].append(entry)
    guide_themes = [GuideTheme(t, vocab.CATEGORIES[t], sorted(by_theme[t], key=lambda o: (o.remote, o.nom, o.id)))
                    for t in chosen]
    return Guide(territory.name if territory else the_unit.name, bool(territory and territory.fictional), the_unit,
                 guide_themes, variant, professional, today, base_url)
