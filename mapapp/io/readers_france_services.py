"""The ANCT national France Services CSV as a catalog file, with one « France Services » offer per structure.

Parsing the CSV itself is :mod:`mapapp.io.france_services`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from mapapp.io.readers_core import ParsedFile


FRANCE_SERVICES_THEMATIQUES = [
    "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
    "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
    "numerique--acceder-a-des-services-en-ligne",
]


def france_services_offer(structure: dict, sites: list[dict]) -> dict:
    """The « France Services » offer of an espace: what the engine counts (it measures access to offers)."""
    itinerant = all(s["kind"] == "france_services_itinerant_stop" for s in sites)
    return {
        "id": f"{structure['id']}--offre",
        "structure_id": structure["id"],
        "nom": "Accompagnement aux démarches administratives (France Services)",
        "description": ("Un accueil de proximité pour vos démarches administratives : emploi, retraite, famille, "
                        "social, santé, logement, énergie, accès au droit. Des conseillers formés vous accompagnent, "
                        "y compris pour les démarches en ligne."),
        "type": "accompagnement",
        "thematiques": list(FRANCE_SERVICES_THEMATIQUES),
        "publics": ["tous-publics"],
        "modes_accueil": ["en-presentiel"],
        "frais": "gratuit",
        "delivery_mode": "itinerant" if itinerant else "on_site",
        "site_ids": sorted(s["id"] for s in sites),
        "status": "active",
        "date_maj": structure.get("date_maj"),
        "date_verification": None,
    }


def read_france_services(path: Path, session: Session | None = None, source: str | None = None,
                         data_date: dt.date | str | None = None) -> ParsedFile:
    """The ANCT CSV kept to the stored territory (when one is loaded), plus one offer per structure.

    ``data_date`` is the data's date (``mapapp import --date``; required: the
    file has none). With a stored territory, rows of départements that have no
    stored commune are set aside before any check, then sites outside every
    stored commune (buffer communes included) are dropped by name.
    """
    from mapapp.catalog.territory_store import read_communes
    from mapapp.io.france_services import ID_PREFIX, filter_to_territory, parse_france_services
    from mapapp.territory.validation import departement_of

    parsed = ParsedFile(source or path.name)
    if session is not None and not len(communes := read_communes(session)):
        # The national list covers every département: without a territory nothing says which rows are ours.
        parsed.report.error(parsed.source, None, "aucun territoire n'est chargé : importez d'abord le territoire "
                            "(`mapapp territory import …`), puis cette liste, dont seuls les sites du territoire et "
                            "de ses communes voisines seront gardés")
        return parsed
    departements = {departement_of(code) for code in communes["code"]} if session is not None else None
    records, report = parse_france_services(path, date_maj=data_date, departements=departements)
    parsed.report.extend(report)
    if session is not None:
        if len(communes):
            before = len(records["sites"])
            # Only sites inside a stored commune (buffer communes included): others could not be placed.
            records = filter_to_territory(records, communes, buffer_m=0.0, report=parsed.report)
            parsed.report.info(parsed.source, None, f"{len(records['sites'])} site(s) sur {before} dans le territoire ou à proximité")
    by_structure: dict[str, list[dict]] = {}
    for site in records["sites"]:
        by_structure.setdefault(site["structure_id"], []).append(site)

    def where(record_id: str) -> str:
        return f"id_fs {record_id.removeprefix(ID_PREFIX)}"

    for structure in records["structures"]:
        parsed.add("structures", structure, where(structure["id"]))
    for site in records["sites"]:
        parsed.add("sites", site, where(site["id"]))
    for structure in records["structures"]:
        sites = by_structure.get(structure["id"], [])
        if sites:
            parsed.add("offers", france_services_offer(structure, sites), where(structure["id"]))
    return parsed
