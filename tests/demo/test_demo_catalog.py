"""catalog.json: valid data·inclusion vocabulary, consistent references, plausible content."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pandas as pd
import pytest
import shapely
from data_inclusion.schema.v1 import (
    Categorie,
    Frais,
    ModeAccueil,
    Public,
    ReseauPorteur,
    Service,
    Structure,
    Thematique,
    TypeService,
)
from opening_hours import OpeningHours, ParserError

from mapapp.catalog import vocab

STRUCTURE_KEYS = {
    "id",
    "nom",
    "siret",
    "reseaux_porteurs",
    "telephone",
    "courriel",
    "site_web",
    "description",
    "adresse",
    "commune_code",
    # professionals only (issue 13 §6)
    "contact_pro_telephone",
    "contact_pro_courriel",
    "note_orientation",
}
SITE_KEYS = {
    "id",
    "capacite",
    "structure_id",
    "nom",
    "kind",
    "adresse",
    "code_postal",
    "commune_code",
    "lon",
    "lat",
    "horaires_accueil",
    "status",
    "closed_from",
    "closed_until",
    "itinerant_route",
    "date_maj",
    "date_verification",
}
OFFER_KEYS = {
    "id",
    "capacite",
    "structure_id",
    "nom",
    "description",
    "type",
    "thematiques",
    "publics",
    "publics_precisions",
    "modes_accueil",
    "frais",
    "frais_precisions",
    "zone_eligibilite",
    "telephone",
    "courriel",
    "contact_nom_prenom",
    "lien_source",
    "horaires_accueil",
    "delivery_mode",
    "site_ids",
    "pilote",
    "financeurs",
    "status",
    "date_maj",
    "date_verification",
}
MOBILITY_KEYS = {
    "id",
    "structure_id",
    "nom",
    "kind",
    "category",
    "description",
    "lon",
    "lat",
    "commune_code",
    "served_communes",
    "publics",
    "conditions",
    "status",
    "date_maj",
    "date_verification",
}
STATUSES = set(vocab.STATUSES)
#: Every kind but the INSEE BPE equipments, which come from ``mapapp territory bpe``, not from the generator.
SITE_KINDS = set(vocab.SITE_KINDS) - {"equipement_quotidien"}
CATEGORIES = set(vocab.MOBILITY_CATEGORIES)
TODAY = date(2026, 11, 1)


def test_record_shapes_and_unique_ids(catalog):
    assert set(catalog) == {"structures", "sites", "offers", "mobility_solutions"}
    for key, fields in (
        ("structures", STRUCTURE_KEYS),
        ("sites", SITE_KEYS),
        ("offers", OFFER_KEYS),
        ("mobility_solutions", MOBILITY_KEYS),
    ):
        records = catalog[key]
        assert all(set(r) == fields for r in records), key
        ids = [r["id"] for r in records]
        assert len(ids) == len(set(ids)) and all(i.startswith("demo--") for i in ids)
    assert any(s["id"] == "demo--cd96" for s in catalog["structures"])


def test_references_are_consistent(catalog, communes):
    structures = {s["id"] for s in catalog["structures"]}
    sites = {s["id"]: s for s in catalog["sites"]}
    codes = set(communes.code)
    assert all(s["structure_id"] in structures for s in catalog["sites"])
    assert all(o["structure_id"] in structures for o in catalog["offers"])
    assert all(m["structure_id"] in structures for m in catalog["mobility_solutions"])
    assert all(s["commune_code"] in codes for s in catalog["structures"] + catalog["sites"])
    for o in catalog["offers"]:
        assert all(i in sites for i in o["site_ids"]), o["id"]
        if o["delivery_mode"] in ("remote", "departement_wide"):
            assert o["site_ids"] == []
        else:
            assert o["site_ids"]
        if o["delivery_mode"] == "itinerant":
            assert all(sites[i]["itinerant_route"] for i in o["site_ids"])


def test_vocabulary_is_data_inclusion_v1(catalog):
    for s in catalog["structures"]:
        [ReseauPorteur(v) for v in s["reseaux_porteurs"]]
        assert s["siret"] is None or re.fullmatch(r"\d{14}", s["siret"])
        Structure(
            source="demo",
            id=s["id"],
            nom=s["nom"],
            date_maj="2026-01-01",
            siret=s["siret"],
            reseaux_porteurs=s["reseaux_porteurs"],
            telephone=s["telephone"],
            courriel=s["courriel"],
            site_web=s["site_web"],
            description=s["description"],
            adresse=s["adresse"],
            code_insee=s["commune_code"],
        )
    for o in catalog["offers"]:
        TypeService(o["type"])
        [Thematique(v) for v in o["thematiques"]]
        [Public(v) for v in o["publics"]]
        [ModeAccueil(v) for v in o["modes_accueil"]]
        assert o["frais"] is None or Frais(o["frais"])  # one value (data·inclusion v1), not a list
        assert "tous-publics" not in o["publics"] or o["publics"] == ["tous-publics"]
        assert o["delivery_mode"] != "remote" or o["modes_accueil"] == ["a-distance"]
        Service(
            source="demo",
            structure_id=o["structure_id"],
            id=o["id"],
            nom=o["nom"],
            description=o["description"],
            date_maj=o["date_maj"],
            type=o["type"],
            thematiques=o["thematiques"],
            publics=o["publics"],
            publics_precisions=o["publics_precisions"],
            modes_accueil=o["modes_accueil"],
            frais=o["frais"],
            frais_precisions=o["frais_precisions"],
            zone_eligibilite=o["zone_eligibilite"],
            telephone=o["telephone"],
            courriel=o["courriel"],
            contact_nom_prenom=o["contact_nom_prenom"],
            lien_source=o["lien_source"],
            horaires_accueil=o["horaires_accueil"],
        )
    for m in catalog["mobility_solutions"]:
        [Public(v) for v in m["publics"]]


def test_opening_hours_parse(catalog):
    values = [r["horaires_accueil"] for r in catalog["sites"] + catalog["offers"] if r["horaires_accueil"]]
    assert len(values) >= len(catalog["sites"])
    for v in values:
        OpeningHours(v)
    with pytest.raises(ParserError):
        OpeningHours("tous les jours sauf lundi")


def test_statuses_and_dates(catalog):
    records = catalog["sites"] + catalog["offers"] + catalog["mobility_solutions"]
    assert {r["status"] for r in records} == STATUSES
    for r in records:
        maj, verif = date.fromisoformat(r["date_maj"]), date.fromisoformat(r["date_verification"])
        assert maj < TODAY and verif < TODAY
    stale = [r for r in records if (TODAY - date.fromisoformat(r["date_verification"])).days > 365]
    assert 0.05 < len(stale) / len(records) < 0.5
    for s in catalog["sites"]:
        if s["status"] == "temporarily_closed":
            assert s["closed_from"] < s["closed_until"]
        else:
            assert s["closed_from"] is None and s["closed_until"] is None


def test_sites(catalog, communes):
    sites = catalog["sites"]
    assert {s["kind"] for s in sites} == SITE_KINDS
    geom = dict(zip(communes.code, communes.geometry))
    for s in sites:
        assert shapely.contains_xy(geom[s["commune_code"]], s["lon"], s["lat"]), s["id"]
        assert re.fullmatch(r"96\d{3}", s["code_postal"])
    buffer = set(communes[communes.is_buffer].code)
    assert 2 <= sum(s["commune_code"] in buffer for s in sites) <= 10
    kinds = Counter(s["kind"] for s in sites)
    assert kinds["departement_siege"] in (3, 4) and kinds["departement_permanence"] >= 10
    assert any(re.search(r"\[\d", s["horaires_accueil"]) for s in sites if s["kind"] == "departement_permanence")
    stops = [s for s in sites if s["kind"] == "france_services_itinerant_stop"]
    assert 6 <= len(stops) <= 10 and len({s["itinerant_route"] for s in stops}) == 1
    assert len({s["horaires_accueil"] for s in stops}) == len(stops)  # one half-day each
    assert all(
        s["itinerant_route"] is None
        for s in sites
        if s["kind"] != "france_services_itinerant_stop" and s["kind"] != "other"
    )
    # mostly in towns; villages thinly served
    pop = dict(zip(communes.code, communes.population))
    assert sum(pop[s["commune_code"]] >= 2_000 for s in sites) / len(sites) > 0.6
    names = [s["nom"] for s in sites]
    assert any("'" in n and "œ" in n.lower() for n in names)  # « Restos du Cœur – L'Isle »


def test_remote_communes_have_no_site(catalog, summary):
    assert not {s["commune_code"] for s in catalog["sites"]} & set(summary["remote_communes"])


def test_offers_content(catalog, communes, demo_dir):
    offers = catalog["offers"]
    assert len(offers) >= 300
    categories = {t.split("--")[0] for o in offers for t in o["thematiques"]}
    assert len(categories) >= 12 and categories <= {c.value for c in Categorie}
    publics = Counter(p for o in offers for p in o["publics"])
    assert publics["beneficiaires-des-minimas-sociaux"] >= 20 and len(publics) >= 8
    assert {o["delivery_mode"] for o in offers} == {"on_site", "itinerant", "remote", "departement_wide"}
    assert all(3 <= len(o["nom"]) <= 150 and len(o["description"]) >= 5 for o in offers)
    grids = pd.read_csv(demo_dir / "grids.csv", dtype=str)
    valid_zone = set(communes.code) | set(grids[grids.grid == "epci"].code) | {"96"}
    zones = [o["zone_eligibilite"] for o in offers if o["zone_eligibilite"] is not None]
    assert len(zones) >= 20 and all(z and set(z) <= valid_zone for z in zones)
    assert any(set(z) & set(grids[grids.grid == "epci"].code) for z in zones)
    assert any(z == ["96"] for z in zones)
    assert any(o["frais"] == "payant" for o in offers) and any(o["frais"] is None for o in offers)


def test_mobility_solutions(catalog, communes):
    mob = catalog["mobility_solutions"]
    assert {m["kind"] for m in mob} == {"point", "area", "aid"}
    assert {m["category"] for m in mob} == CATEGORIES
    geom = dict(zip(communes.code, communes.geometry))
    inner = set(communes[~communes.is_buffer].code)
    for m in mob:
        if m["kind"] == "point":
            assert shapely.contains_xy(geom[m["commune_code"]], m["lon"], m["lat"])
            assert m["served_communes"] is None
        elif m["kind"] == "area":
            assert m["served_communes"] and set(m["served_communes"]) <= inner
            assert m["lon"] is None and m["commune_code"] is None
        else:
            assert m["lon"] is None and m["served_communes"] is None and m["commune_code"] is None
    assert any(m["category"] == "transport_a_la_demande" and m["kind"] == "area" for m in mob)
