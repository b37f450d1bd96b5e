"""The contribution forms: one list of fields per kind of record, parsed into catalog records.

Each field is a :class:`Field`; ``templates/espace/_fields.html`` renders
them, grouped in the sections of :data:`SECTIONS` (fieldsets with a legend);
:mod:`mapapp.web.record_forms` builds the WTForms form that parses and
first checks the submitted form, and turns it into the catalog JSON layout
on top of the record being edited (so fields the form does not show are
kept). The record then goes through
:func:`mapapp.catalog.moderation.validate_data`, the live tables' validators.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from mapapp.catalog import vocab

#: URL slug -> catalog section.
SLUGS = {"structure": "structures", "lieu": "sites", "offre": "offers", "mobilite": "mobility_solutions"}
SLUG_OF = {v: k for k, v in SLUGS.items()}
TITLES = {"structures": "la structure", "sites": "le lieu", "offers": "l'offre", "mobility_solutions": "la solution de mobilité"}


@dataclass
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, select, checkboxes, grouped, number, date, hours, codes, lines, sites, email, url
    required: bool = False
    choices: dict[str, str] | Callable[[], dict] | None = None
    hint: str = ""
    extra: dict = field(default_factory=dict)

    def options(self) -> dict:
        return self.choices() if callable(self.choices) else (self.choices or {})


def _thematiques_grouped() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for value, label in vocab.THEMATIQUES.items():
        out.setdefault(vocab.CATEGORIES.get(vocab.category_of(value), vocab.category_of(value)), {})[value] = label
    return out


STATUS = Field("status", "Statut", "select", True, vocab.STATUSES)
#: The professional-only fields (:mod:`mapapp.catalog.professional`) say who will read them.
PRO_HINT = ("Visible seulement des professionnels connectés (référents, travailleurs sociaux), jamais du public "
            "ni des données ouvertes.")

FIELDS: dict[str, list[Field]] = {
    "structures": [
        Field("nom", "Nom de la structure", required=True),
        Field("siret", "SIRET", hint="14 chiffres, sans espaces."),
        Field("reseaux_porteurs", "Réseaux porteurs", "checkboxes", choices=vocab.RESEAUX_PORTEURS),
        Field("adresse", "Adresse"),
        Field("commune_code", "Commune (code INSEE)", hint="5 caractères, par exemple 96001."),
        Field("telephone", "Téléphone"),
        Field("courriel", "Courriel", "email"),
        Field("site_web", "Site web", "url", hint="Adresse complète commençant par https://"),
        Field("description", "Présentation", "textarea"),
        Field("contact_pro_telephone", "Téléphone direct pour les professionnels", hint=PRO_HINT),
        Field("contact_pro_courriel", "Courriel direct pour les professionnels", "email", hint=PRO_HINT),
        Field("note_orientation", "Note d'orientation pour les professionnels", "textarea",
              hint="Qui contacter, quoi transmettre avant d'orienter une personne. " + PRO_HINT),
    ],
    "sites": [
        Field("nom", "Nom du lieu", required=True),
        Field("kind", "Type de lieu", "select", True, vocab.SITE_KINDS),
        Field("adresse", "Adresse", hint="Numéro et rue ; placez ensuite le lieu sur la carte."),
        Field("code_postal", "Code postal"),
        Field("lon", "Longitude", "number", True, hint="Cliquez sur la carte pour la remplir."),
        Field("lat", "Latitude", "number", True),
        Field("horaires_accueil", "Horaires d'accueil", "hours",
              hint="Les horaires habituels du lieu ; une fermeture temporaire se dit dans la partie « Ouverture »."),
        STATUS,
        Field("closed_from", "Fermé à partir du", "date", hint="Pour une fermeture temporaire."),
        Field("closed_until", "Fermé jusqu'au", "date"),
        Field("itinerant_route", "Tournée (arrêt de bus itinérant)"),
    ],
    "offers": [
        Field("nom", "Nom de l'offre", required=True, hint="De 3 à 150 caractères."),
        Field("description", "Description", "textarea", True),
        Field("type", "Type de service", "select", choices=vocab.TYPES_SERVICE),
        Field("thematiques", "Thématiques", "grouped", choices=_thematiques_grouped),
        Field("publics", "Publics", "checkboxes", choices=vocab.PUBLICS,
              hint="« Tous publics » ne se combine pas avec les autres."),
        Field("publics_precisions", "Précisions sur les publics", "textarea"),
        Field("delivery_mode", "Mode de délivrance", "select", True, vocab.DELIVERY_MODES,
              hint="Sur site et itinérant demandent au moins un lieu ; à distance et départemental, aucun."),
        Field("site_ids", "Lieux d'accueil", "sites"),
        Field("modes_accueil", "Modes d'accueil", "checkboxes", choices=vocab.MODES_ACCUEIL),
        Field("horaires_accueil", "Horaires propres à l'offre", "hours",
              hint="Laisser vide : les horaires du lieu s'appliquent."),
        Field("frais", "Frais", "select", choices=vocab.FRAIS),
        Field("frais_precisions", "Précisions sur les frais", "textarea"),
        Field("conditions_acces", "Conditions d'accès", "textarea"),
        Field("zone_eligibilite", "Zone d'éligibilité", "codes",
              hint="Choisissez des communes ou des intercommunalités ; autres codes (numéro de département, "
                   "codes INSEE ou SIREN) séparés par des espaces. Vide : sans restriction.",
              extra={"picker": "zone"}),
        Field("telephone", "Téléphone"),
        Field("courriel", "Courriel", "email"),
        Field("contact_nom_prenom", "Contact (nom et prénom)"),
        Field("lien_mobilisation", "Lien pour mobiliser l'offre", "url"),
        Field("modes_mobilisation", "Modes de mobilisation", "checkboxes", choices=vocab.MODES_MOBILISATION),
        Field("mobilisable_par", "Mobilisable par", "checkboxes", choices=vocab.PERSONNES_MOBILISATRICES),
        Field("mobilisation_precisions", "Précisions sur la mobilisation", "textarea"),
        Field("note_orientation", "Note d'orientation pour les professionnels", "textarea", hint=PRO_HINT),
        Field("pilote", "Pilote"),
        Field("financeurs", "Financeurs", "lines", hint="Un par ligne."),
        STATUS,
    ],
    "mobility_solutions": [
        Field("nom", "Nom", required=True),
        Field("kind", "Nature", "select", True, vocab.MOBILITY_KINDS,
              hint="Lieu : placez-le sur la carte. Zone : indiquez les communes desservies. Aide : ni l'un ni l'autre."),
        Field("category", "Catégorie", "select", True, vocab.MOBILITY_CATEGORIES),
        Field("description", "Description", "textarea"),
        Field("lon", "Longitude", "number", hint="Pour un lieu : cliquez sur la carte."),
        Field("lat", "Latitude", "number"),
        Field("served_communes", "Communes desservies", "codes",
              hint="Choisissez les communes ; ou tapez leurs codes INSEE séparés par des espaces.",
              extra={"picker": "communes"}),
        Field("publics", "Publics", "checkboxes", choices=vocab.PUBLICS),
        Field("conditions", "Conditions", "textarea"),
        STATUS,
    ],
}
#: The form of each kind of record in sections (a fieldset and its legend each): (legend, field names).
FORM_SECTIONS: dict[str, list[tuple[str, list[str]]]] = {
    "structures": [
        ("La structure", ["nom", "siret", "reseaux_porteurs", "description"]),
        ("Coordonnées", ["adresse", "commune_code", "telephone", "courriel", "site_web"]),
        ("Pour les professionnels", ["contact_pro_telephone", "contact_pro_courriel", "note_orientation"]),
    ],
    "sites": [
        ("Le lieu", ["nom", "kind"]),
        ("Adresse et emplacement", ["adresse", "code_postal", "lon", "lat"]),
        ("Horaires d'accueil", ["horaires_accueil"]),
        ("Ouverture", ["status", "closed_from", "closed_until", "itinerant_route"]),
    ],
    "offers": [
        ("L'offre", ["nom", "description", "type", "thematiques"]),
        ("À qui elle s'adresse", ["publics", "publics_precisions", "zone_eligibilite"]),
        ("Où et quand", ["delivery_mode", "site_ids", "modes_accueil", "horaires_accueil"]),
        ("Conditions", ["frais", "frais_precisions", "conditions_acces"]),
        ("Contact et mobilisation", ["telephone", "courriel", "contact_nom_prenom", "lien_mobilisation",
                                     "modes_mobilisation", "mobilisable_par", "mobilisation_precisions",
                                     "note_orientation"]),
        ("Pilotage et statut", ["pilote", "financeurs", "status"]),
    ],
    "mobility_solutions": [
        ("La solution", ["nom", "kind", "category", "description"]),
        ("Emplacement ou zone desservie", ["lon", "lat", "served_communes"]),
        ("Publics et conditions", ["publics", "conditions", "status"]),
    ],
}
#: Sections whose form has the map (lon/lat).
MAP_SECTIONS = {"sites", "mobility_solutions"}


def defaults(section: str, structure_id: str, record_id: str) -> dict:
    base = {"id": record_id, "status": "active"}
    if section == "structures":
        return {"id": record_id, "reseaux_porteurs": []}
    base["structure_id"] = structure_id
    if section == "sites":
        base.update(kind="partner")
    if section == "offers":
        base.update(delivery_mode="on_site", site_ids=[], thematiques=[], publics=[], modes_accueil=["en-presentiel"])
    if section == "mobility_solutions":
        base.update(kind="point", served_communes=[], publics=[])
    return base


_PREFIX_RE = re.compile(r"^(?:[a-z_]+\.)?([a-z_]+) : ")
_FLOAT_RE = re.compile(r"could not convert string to float: '(.*)'")


def readable_errors(issues: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Validation issues as the form shows them: one French message per field, without the field's code.

    The validators name fields by their code (``offer.nom``), the model's checks
    run on an empty value after « champ obligatoire » was said (« None »), and
    Python's own parse errors are in English: the form says each thing once, in
    French; the summary puts the label the user sees above the input before it (:func:`field_label`).
    """
    out: dict[str, str] = {}
    for name, message in issues:
        text = _PREFIX_RE.sub("", message, count=1) if name != "-" else message
        text = _FLOAT_RE.sub(lambda m: f"nombre illisible « {m[1]} »", text)
        if "« None »" in text:
            text = "champ obligatoire"
        if name in out:
            continue
        out[name] = text
    return list(out.items())


def field_label(section: str, name: str) -> str:
    """The label the form shows for a field (the history's label for fields the form does not show)."""
    from mapapp.catalog.history import FIELD_LABELS

    return next((f.label for f in FIELDS.get(section, []) if f.name == name), FIELD_LABELS.get(name, name))


def display(field_: Field, value) -> str:
    """The value to put in a text input."""
    if value is None:
        return ""
    if field_.kind == "codes":
        return " ".join(value or [])
    if field_.kind == "lines":
        return "\n".join(value or [])
    if field_.kind == "number":
        return f"{float(value):.6f}".rstrip("0").rstrip(".") if isinstance(value, (int, float)) else str(value)
    return str(value)


def summary_item(error: tuple[str, str], shown: list[str], label_of) -> tuple[str | None, str | None, str]:
    """One line of a form's error summary (templates/_errors.html): ``(field id, label, message)``.

    The link goes to the field when the form shows it (id ``f-<name>``, as ``espace/_fields.html``
    writes it); an error of the whole form (``"-"``) or of a field the form does not show has no link.
    """
    name, message = error
    if name == "-":
        return None, None, message
    return (f"f-{name}" if name in shown else None), label_of(name), message
