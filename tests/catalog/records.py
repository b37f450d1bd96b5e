"""Small, valid catalog records for the tests to copy and break."""

import copy

STRUCTURE = {
    "id": "test--cd", "nom": "Département de Test", "siret": "22960001200017",
    "reseaux_porteurs": ["departements"], "commune_code": "96001",
}
SITE = {
    "id": "test--site-1", "structure_id": "test--cd", "nom": "Maison des Solidarités de Test",
    "kind": "departement_siege", "adresse": "1 rue de la Mairie", "code_postal": "96000",
    "commune_code": "96001", "lon": 2.5, "lat": 45.5,
    "horaires_accueil": "Mo-Fr 08:30-12:00,13:30-17:00; PH off", "status": "active",
    "date_maj": "2026-01-15", "date_verification": "2026-01-15",
}
OFFER = {
    "id": "test--offre-1", "structure_id": "test--cd", "nom": "Accompagnement socio-professionnel",
    "description": "Un référent vous accompagne dans votre parcours d'insertion.",
    "type": "accompagnement", "thematiques": ["mobilite--preparer-un-permis"],
    "publics": ["beneficiaires-des-minimas-sociaux"], "modes_accueil": ["en-presentiel"],
    "frais": "gratuit", "zone_eligibilite": ["96"], "delivery_mode": "on_site",
    "site_ids": ["test--site-1"], "status": "active", "date_maj": "2026-02-01",
}
MOBILITY = {
    "id": "test--tad", "structure_id": "test--cd", "nom": "Transport à la demande du plateau",
    "kind": "area", "category": "transport_a_la_demande", "served_communes": ["96001", "96002"],
    "publics": ["tous-publics"], "status": "active", "date_maj": "2026-03-01",
}


def catalog(**changes):
    """A valid catalog; ``changes`` maps a section to a list of records replacing it."""
    data = {"structures": [STRUCTURE], "sites": [SITE], "offers": [OFFER], "mobility_solutions": [MOBILITY]}
    data = copy.deepcopy(data)
    data.update(copy.deepcopy(changes))
    return data


def with_fields(record, **fields):
    out = copy.deepcopy(record)
    for k, v in fields.items():
        if v is ...:
            out.pop(k, None)
        else:
            out[k] = v
    return out
