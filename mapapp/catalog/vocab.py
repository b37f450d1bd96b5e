"""Controlled vocabularies: data·inclusion v1 plus the département's extensions.

data·inclusion values come from the ``data-inclusion-schema`` package (never
copied here), so the catalog follows the national standard as it evolves.
The extensions (site kinds, delivery modes, statuses, mobility kinds) are the
fields the départements' programmes need and data·inclusion lacks.

Every value is checked by :func:`check_values`, which raises
:class:`VocabularyError` naming the field and the offending value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from data_inclusion.schema import v1 as di

THEMATIQUES: dict[str, str] = {t.value: t.label for t in di.Thematique}
CATEGORIES: dict[str, str] = {c.value: c.label for c in di.Categorie}
PUBLICS: dict[str, str] = {p.value: p.label for p in di.Public}
MODES_ACCUEIL: dict[str, str] = {m.value: m.label for m in di.ModeAccueil}
FRAIS: dict[str, str] = {f.value: f.label for f in di.Frais}
RESEAUX_PORTEURS: dict[str, str] = {r.value: r.label for r in di.ReseauPorteur}
TYPES_SERVICE: dict[str, str] = {t.value: t.label for t in di.TypeService}
MODES_MOBILISATION: dict[str, str] = {m.value: m.label for m in di.ModeMobilisation}
PERSONNES_MOBILISATRICES: dict[str, str] = {m.value: m.label for m in di.PersonneMobilisatrice}

#: Kinds of site (lieu). The Département's own network has three levels
#: (siège open all week, antenne part of the week, permanence a few hours on
#: given days); France Services are fixed or itinerant (bus stops).
SITE_KINDS: dict[str, str] = {
    "departement_siege": "Département – siège",
    "departement_antenne": "Département – antenne",
    "departement_permanence": "Département – permanence",
    "france_services": "France Services",
    "france_services_itinerant_stop": "France Services itinérant – arrêt",
    "partner": "Partenaire",
    #: An everyday facility of the INSEE BPE (« gamme de proximité » basket: :mod:`mapapp.io.bpe`).
    "equipement_quotidien": "Équipement du quotidien (BPE)",
    "other": "Autre",
}

#: Life cycle of a site, an offer or a mobility solution.
STATUSES: dict[str, str] = {
    "planned": "En projet",
    "experimental": "Expérimentation",
    "active": "Actif",
    "temporarily_closed": "Fermé temporairement",
    "closed": "Fermé",
}

#: How an offer reaches people. Only ``on_site`` and ``itinerant`` are a
#: physical presence; ``remote`` and ``departement_wide`` never make a commune
#: look covered.
DELIVERY_MODES: dict[str, str] = {
    "on_site": "Sur site",
    "itinerant": "Itinérant / aller-vers",
    "remote": "À distance",
    "departement_wide": "Départemental sans lieu d'accueil",
}
PHYSICAL_DELIVERY_MODES = frozenset({"on_site", "itinerant"})

MOBILITY_KINDS: dict[str, str] = {
    "point": "Lieu",
    "area": "Zone desservie",
    "aid": "Aide (non localisée)",
}
MOBILITY_CATEGORIES: dict[str, str] = {
    "garage_solidaire": "Garage solidaire",
    "auto_ecole_sociale": "Auto-école sociale",
    "location_vehicule": "Location de véhicule",
    "pret_vehicule": "Prêt de véhicule",
    "transport_a_la_demande": "Transport à la demande",
    "transport_solidaire": "Transport solidaire",
    "plateforme_mobilite": "Plateforme mobilité",
    "aide_financiere": "Aide financière à la mobilité",
}

INSEE_COMMUNE_RE = re.compile(r"^(?:\d{2}|2[AB])\d{3}$|^97\d{3}$")
SIRET_RE = re.compile(r"^\d{14}$")
#: An e-mail address (the fields the data·inclusion schema does not check, e.g. professional contacts).
EMAIL_RE = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
#: zone_eligibilite accepts commune, EPCI (SIREN), département codes and "france".
ELIGIBILITY_CODE_RE = re.compile(r"^(?:\d{2}|2[AB])\d{3}$|^97\d{3}$|^\d{9}$|^(?:\d{2}|2[AB]|97\d)$|^france$")


class RecordError(ValueError):
    """An invalid record: names the field and says what is wrong."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field} : {message}")


class VocabularyError(RecordError):
    """A value outside a controlled vocabulary or format; names the field and the value."""

    def __init__(self, field: str, value: object, allowed: Iterable[str] | None = None):
        self.value = value
        #: The closest valid code (:func:`closest`), or None.
        self.suggestion = closest(str(value), allowed) if allowed is not None else None
        hint = f" (vouliez-vous dire « {self.suggestion} » ?)" if self.suggestion else ""
        super().__init__(field, f"valeur inconnue « {value} »{hint}")


def closest(value: str, allowed: Iterable[str] | dict[str, str]) -> str | None:
    """The valid code closest to ``value`` (difflib), or None when none is close.

    With a vocabulary (code -> French label), its labels count too: « Gratuit »,
    or « Gratuit sous conditions » mistyped, suggest the code they label.
    """
    import difflib

    codes = list(allowed)
    match = difflib.get_close_matches(value, codes, n=1, cutoff=0.75)
    if match:
        return match[0]
    if isinstance(allowed, dict):
        by_label = {label.casefold(): code for code, label in allowed.items()}
        wanted = value.strip().casefold()
        if wanted in by_label:
            return by_label[wanted]
        match = difflib.get_close_matches(wanted, list(by_label), n=1, cutoff=0.75)
        if match:
            return by_label[match[0]]
        match = difflib.get_close_matches(wanted, [c.casefold() for c in codes], n=1, cutoff=0.75)
        if match:
            return next(c for c in codes if c.casefold() == match[0])
    return None


def check_value(field: str, value: str | None, vocabulary: dict[str, str], *, required: bool = False) -> str | None:
    """Return ``value`` if it belongs to ``vocabulary``; raise :class:`VocabularyError` otherwise."""
    if value is None or value == "":
        if required:
            raise VocabularyError(field, value)
        return None
    if value not in vocabulary:
        raise VocabularyError(field, value, vocabulary)
    return value


def single_value(field: str, value):
    """One value of a single-valued field that some sources write as a list.

    data·inclusion v0 wrote ``frais`` as a list (``["gratuit"]``), v1 as one value: a list of one
    value is read as that value, so the catalog always stores a string (a list once reached the
    fiche, which iterated over the letters of ``"payant"``).
    """
    if isinstance(value, (list, tuple)):
        items = [v for v in value if v not in (None, "")]
        if len(items) > 1:
            raise RecordError(field, f"une seule valeur est attendue, pas {len(items)} ({', '.join(map(str, items))})")
        return items[0] if items else None
    return value


def check_values(field: str, values: Iterable[str] | None, vocabulary: dict[str, str]) -> list[str]:
    """Check every value of a list field; return them deduplicated in input order."""
    out: list[str] = []
    for v in values or []:
        check_value(field, v, vocabulary, required=True)
        if v not in out:
            out.append(v)
    return out


def check_publics(values: Iterable[str] | None, field: str = "publics") -> list[str]:
    """data·inclusion rule: ``tous-publics`` stands alone."""
    publics = check_values(field, values, PUBLICS)
    if "tous-publics" in publics and len(publics) > 1:
        raise RecordError(field, "« tous-publics » ne peut pas être combiné à d'autres publics")
    return publics


def check_insee(field: str, code: str | None, *, required: bool = False) -> str | None:
    if code is None or code == "":
        if required:
            raise VocabularyError(field, code)
        return None
    if not INSEE_COMMUNE_RE.match(code):
        raise VocabularyError(field, code)
    return code


def check_email(field: str, value: str | None) -> str | None:
    """An optional e-mail address, stripped; None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    if not EMAIL_RE.match(value):
        raise RecordError(field, f"« {value} » n'est pas une adresse électronique valide")
    return value


def check_eligibility(codes: Iterable[str] | None) -> list[str] | None:
    """Validate a zone d'éligibilité; ``None`` means no restriction."""
    if codes is None:
        return None
    out = []
    for c in codes:
        if not isinstance(c, str) or not ELIGIBILITY_CODE_RE.match(c):
            raise VocabularyError("zone_eligibilite", c)
        out.append(c)
    if not out:
        raise RecordError("zone_eligibilite", "liste vide (utiliser null pour « sans restriction »)")
    return out


def category_of(thematique: str) -> str:
    """The data·inclusion category of a thématique slug (``mobilite--x`` → ``mobilite``)."""
    return thematique.split("--", 1)[0]
