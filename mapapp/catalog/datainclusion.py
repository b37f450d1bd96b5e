"""Convert catalog records to data·inclusion v1 and validate them with the schema package.

The schema's own pydantic models (``data_inclusion.schema.v1.Service`` and
``Structure``) are the judge: e-mail and URL formats, name length, ``date_maj``
not in the future, ``tous-publics`` alone... Their errors are turned into
:class:`~mapapp.catalog.vocab.RecordError` naming the field.

A data·inclusion *service* is located at one address, whereas an offer of the
catalog may be delivered at several sites: :func:`offer_to_services` gives one
service per site (ids ``<offer id>--<site id>``), or one without address for
remote and département-wide offers.
"""

from __future__ import annotations

import datetime as dt

import pydantic
from data_inclusion.schema import v1 as di

from mapapp.catalog.models import Offer, Site, Structure
from mapapp.catalog.vocab import RecordError

#: The ``source`` of records produced by this instance.
SOURCE = "mapapp"


def _address(site: Site | None) -> dict:
    if site is None:
        return {}
    return {
        "adresse": site.adresse, "code_postal": site.code_postal, "code_insee": site.commune_code,
        "longitude": site.lon, "latitude": site.lat,
    }


def structure_to_di(structure: Structure) -> dict:
    return {
        # date_maj is filled by the database default at insert time when missing.
        "source": SOURCE, "id": structure.id, "nom": structure.nom, "date_maj": structure.date_maj or dt.date.today(),
        "description": structure.description, "siret": structure.siret,
        "code_insee": structure.commune_code, "adresse": structure.adresse,
        "telephone": structure.telephone, "courriel": structure.courriel, "site_web": structure.site_web,
        "reseaux_porteurs": structure.reseaux_porteurs or None,
    }


def offer_to_services(offer: Offer) -> list[dict]:
    """One data·inclusion service per site of the offer (one without address when it has none)."""
    base = {
        "source": SOURCE, "structure_id": offer.structure_id, "nom": offer.nom,
        "description": offer.description, "lien_source": offer.lien_source, "date_maj": offer.date_maj or dt.date.today(),
        "type": offer.type, "thematiques": offer.thematiques or None, "frais": offer.frais,
        "frais_precisions": offer.frais_precisions, "publics": offer.publics or None,
        "publics_precisions": offer.publics_precisions, "conditions_acces": offer.conditions_acces,
        "telephone": offer.telephone, "courriel": offer.courriel,
        "modes_accueil": offer.modes_accueil or None, "zone_eligibilite": offer.zone_eligibilite,
        "contact_nom_prenom": offer.contact_nom_prenom, "lien_mobilisation": offer.lien_mobilisation,
        "modes_mobilisation": offer.modes_mobilisation or None, "mobilisable_par": offer.mobilisable_par or None,
        "mobilisation_precisions": offer.mobilisation_precisions, "horaires_accueil": offer.horaires_accueil,
    }
    if not offer.sites:
        return [{**base, "id": offer.id}]
    return [{**base, "id": f"{offer.id}--{site.id}", **_address(site),
             "horaires_accueil": offer.horaires_accueil or site.horaires_accueil} for site in offer.sites]


def _validate(model: type[pydantic.BaseModel], data: dict, prefix: str) -> pydantic.BaseModel:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "?"
        raise RecordError(f"{prefix}.{field}", f"{first['msg']} (schéma data·inclusion v1)") from None


def check_structure(structure: Structure) -> di.Structure:
    return _validate(di.Structure, structure_to_di(structure), "structure")


def check_offer(offer: Offer) -> list[di.Service]:
    return [_validate(di.Service, s, "offer") for s in offer_to_services(offer)]
