"""Who offers what, where, in the demo département: the Département's own network,
France Services (fixed and one itinerant bus), employment, social, health, housing,
digital, food aid, childcare, training and mobility partners."""

from __future__ import annotations

import numpy as np
from shapely.geometry import Point

from .catalog import Catalog
from .content import OFFERS, RSA, TOUS
from .hours import CD, H_ANTENNE, H_BUS, H_FS, H_PERMANENCE, H_SIEGE
from .names import de
from .partners_care import digital_food_family, health_housing
from .partners_skills import mobility, training_rights
from .partners_work import employment, social


class Places:
    """The communes the networks draw from."""

    def __init__(self, cat: Catalog):
        geo = cat.geo
        inner = [c for c in geo.inner if not c.remote]
        self.pref = next(c for c in inner if c.kind == "prefecture")
        self.towns = sorted((c for c in inner if c.kind == "town"), key=lambda c: -c.population)
        self.bourgs = sorted((c for c in inner if c.kind == "bourg"), key=lambda c: -c.population)
        self.villages = sorted((c for c in inner if c.kind == "village"), key=lambda c: c.code)
        border = [
            c
            for c in geo.buffer
            if geo.outline.exterior.distance(Point(c.seat)) < 4_500
            and np.linalg.norm(c.seat - geo.mountain_center) > 25_000
        ]
        self.near_border = sorted(border, key=lambda c: (-c.population, c.code))
        self.buffer_towns = sorted(
            (c for c in geo.buffer if c.kind == "town"), key=lambda c: geo.outline.exterior.distance(Point(c.seat))
        )
        self.gateway = geo.communes[geo.valley_gateway]


def build_networks(cat: Catalog) -> None:
    p = Places(cat)
    departement(cat, p)
    france_services(cat, p)
    for build in (employment, social, health_housing, digital_food_family, training_rights, mobility):
        build(cat, p)


def departement(cat: Catalog, p: Places) -> None:
    cat.structure(
        "Département du Val-d'Arlenc – Direction de l'insertion et des solidarités",
        ["departements", "maisons-des-solidarites"],
        p.pref,
        "Le Département pilote la politique d'insertion : RSA, accompagnement social, "
        "protection maternelle et infantile, fonds de solidarité. Il accueille le public "
        "dans ses Maisons Départementales des Solidarités (MDS).",
        sid=CD,
    )
    used: list = []
    perm_hours = iter(H_PERMANENCE * 10)
    special = iter(
        [("planned", None), ("temporarily_closed", ("2026-10-01", "2027-01-05")), ("closed", None), ("active", None)]
    )
    for k, code in enumerate(sorted(cat.units["territoire_action_sociale"])):
        communes = [c for c in cat.communes_of("territoire_action_sociale", code) if not c.remote]
        communes.sort(key=lambda c: (-c.population, c.code))
        head = communes[0]
        tas_sites = [
            cat.site(CD, f"Maison Départementale des Solidarités {de(head.nom)}", "departement_siege", head, H_SIEGE)
        ]
        antennes = [c for c in communes[1:] if c.population >= 1_000][:2]
        for j, c in enumerate(antennes):
            tas_sites.append(
                cat.site(
                    CD,
                    f"MDS {de(head.nom)} – antenne {de(c.nom)}",
                    "departement_antenne",
                    c,
                    H_ANTENNE[j % 2],
                    status="experimental" if (k, j) == (3, 1) else "active",
                )
            )
        pool = [c for c in communes if 200 <= c.population < 1_500 and c not in antennes]
        perms = cat.spread(pool, 5, avoid=[head, *antennes, *used])
        used += [head, *antennes, *perms]
        perm_sites = []
        for j, c in enumerate(perms):
            status, closed = next(special) if j == 4 else ("active", None)
            perm_sites.append(
                cat.site(
                    CD,
                    f"Permanence MDS – mairie {de(c.nom)}",
                    "departement_permanence",
                    c,
                    next(perm_hours),
                    place="mairie",
                    status=status,
                    closed=closed,
                )
            )
        tas_communes = sorted(cat.units["territoire_action_sociale"][code]["communes"])
        for t, template in enumerate(OFFERS["mds"]):
            sites = tas_sites + (perm_sites if t in (0, 1, 2, 7) else [])
            zone = tas_communes if t == 0 else None
            cat.offer(
                CD,
                template,
                sites,
                zone=zone,
                status="active" if t == 0 else None,
                pilote="Département du Val-d'Arlenc",
                financeurs=["Département du Val-d'Arlenc"] + (["État (Pacte des solidarités)"] if t in (0, 9) else []),
                publics_precisions="Personnes domiciliées sur le territoire d'action sociale" if t == 0 else None,
            )
    wide = [
        (
            "Fonds de solidarité pour le logement (FSL)",
            "aide-financiere",
            ["logement-hebergement--reduire-les-impayes-de-loyer", "logement-hebergement--louer-un-logement"],
            TOUS,
            "Aide financière pour entrer dans un logement ou s'y maintenir (dépôt de garantie, impayés, énergie).",
        ),
        (
            "Fonds d'aide aux jeunes (FAJ)",
            "aide-financiere",
            ["difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere"],
            ["jeunes"],
            "Aide ponctuelle aux 18-25 ans pour un projet d'insertion : formation, transport, logement.",
        ),
        (
            "Aide départementale au permis de conduire",
            "aide-financiere",
            ["mobilite--financer-ma-mobilite", "mobilite--preparer-un-permis"],
            RSA,
            "Jusqu'à 1 000 € pour financer le permis B quand il est nécessaire au projet professionnel.",
        ),
    ]
    for t in wide:
        cat.offer(
            CD,
            t,
            [],
            delivery="departement_wide",
            zone=["96"],
            status="active",
            pilote="Département du Val-d'Arlenc",
            financeurs=["Département du Val-d'Arlenc"],
        )
    cat.offer(
        CD,
        (
            "Plateforme téléphonique RSA",
            "information",
            ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
            RSA,
            "Un numéro unique pour vos questions sur le RSA, du lundi au vendredi.",
        ),
        [],
        delivery="remote",
        status="active",
        horaires_accueil="Mo-Fr 09:00-12:30,13:30-17:00; PH off",
        pilote="Département du Val-d'Arlenc",
        financeurs=["Département du Val-d'Arlenc"],
    )
    cat.offer(
        CD,
        (
            "Allô Parents Val-d'Arlenc",
            "information",
            ["famille--soutien-a-la-parentalite-et-a-leducation"],
            ["familles"],
            "Une écoute téléphonique anonyme pour les parents en difficulté.",
        ),
        [],
        delivery="remote",
        status="experimental",
        pilote="Département du Val-d'Arlenc",
        financeurs=["Département du Val-d'Arlenc", "CAF"],
    )


def france_services(cat: Catalog, p: Places) -> None:
    hosts = [p.pref, *p.towns, *p.bourgs[:4]]
    hosts += [c for c in p.near_border[:1]]
    for k, c in enumerate(hosts):
        sid = cat.structure(
            f"France Services {de(c.nom)}",
            ["france-service"],
            c,
            "Un guichet unique pour être accompagné dans ses démarches administratives du "
            "quotidien, avec les partenaires nationaux (CAF, CPAM, MSA, France Travail...).",
        )
        site = cat.site(sid, f"France Services {de(c.nom)}", "france_services", c, H_FS[k % 2])
        for template in OFFERS["france_services"]:
            cat.offer(
                sid,
                template,
                [site],
                lieu=c.nom,
                pilote="Préfecture du Val-d'Arlenc",
                financeurs=["État", "Fonds national France Services"],
            )
    # the itinerant bus: half-day stops in villages around the remote valleys
    epci = cat.unit_of[("epci", p.gateway.code)]
    epci_name = cat.units["epci"][epci]["nom"]
    head = max(cat.communes_of("epci", epci), key=lambda c: c.population)
    route = "Bus France Services des Monts d'Arlenc"
    sid = cat.structure(
        "France Services itinérant des Monts d'Arlenc",
        ["france-service"],
        head,
        "Un bus aménagé qui s'arrête chaque semaine dans les villages éloignés des "
        "services publics, pour les démarches du quotidien.",
    )
    pool = sorted(
        (c for c in p.villages + p.bourgs if c not in hosts),
        key=lambda c: float(np.linalg.norm(c.seat - p.gateway.seat)),
    )[:14]
    stops = cat.spread(pool, len(H_BUS), avoid=[])
    stops.sort(key=lambda c: float(np.linalg.norm(c.seat - p.gateway.seat)))
    stop_ids = [
        cat.site(
            sid,
            f"Arrêt du bus France Services – {c.nom}",
            "france_services_itinerant_stop",
            c,
            H_BUS[j],
            place="mairie",
            route=route,
            adresse="parking de la salle des fêtes",
        )
        for j, c in enumerate(stops)
    ]
    for template in OFFERS["france_services"][:5]:
        cat.offer(
            sid,
            template,
            stop_ids,
            delivery="itinerant",
            lieu="bord du bus",
            pilote=epci_name,
            financeurs=["État", "Fonds national France Services", "Département du Val-d'Arlenc"],
        )
