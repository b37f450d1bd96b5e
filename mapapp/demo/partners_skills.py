"""Training, rights and mobility partners of the demo (and the mobility solutions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .content import DE, JEUNES, RSA, TOUS
from .hours import CD, CD_NAME, ETAT, H_OFFICE, H_PARTNER_PERM, offer_template
from .names import de

if TYPE_CHECKING:  # pragma: no cover
    from .catalog import Catalog
    from .networks import Places

_t = offer_template


def training_rights(cat: Catalog, p: Places) -> None:
    items = [
        (
            "AFPA Val-d'Arlenc",
            ["afpa"],
            p.pref,
            [
                _t(
                    "Formations qualifiantes",
                    "formation",
                    ["se-former--trouver-sa-formation"],
                    DE,
                    "Titres professionnels dans le bâtiment, l'industrie et les services.",
                ),
                _t(
                    "Prépa compétences",
                    "formation",
                    ["choisir-un-metier--identifier-ses-points-forts-et-ses-competences"],
                    DE,
                    "Quelques semaines pour construire son projet de formation.",
                ),
            ],
        ),
        (
            "GRETA du Val-d'Arlenc",
            [],
            p.towns[0],
            [
                _t(
                    "Remise à niveau en français et en calcul",
                    "formation",
                    ["lecture-ecriture-calcul--maitriser-le-francais", "lecture-ecriture-calcul--maitriser-le-calcul"],
                    TOUS,
                    "Savoirs de base pour adultes, en petits groupes.",
                ),
                _t(
                    "Monter son dossier de formation (CPF)",
                    "accompagnement",
                    ["se-former--monter-son-dossier-de-formation"],
                    TOUS,
                    "Trouver le financement de sa formation et remplir le dossier.",
                ),
            ],
        ),
        (
            "École de la deuxième chance d'Arlenc",
            ["ecoles-de-la-deuxieme-chance"],
            p.pref,
            [
                _t(
                    "Parcours École de la deuxième chance",
                    "formation",
                    ["se-former--trouver-sa-formation"],
                    JEUNES,
                    "Un parcours de 6 à 9 mois en alternance pour les 16-25 ans sans diplôme.",
                )
            ],
        ),
        (
            "Association Lire et Dire",
            ["anlci"],
            p.towns[1],
            [
                _t(
                    "Ateliers sociolinguistiques (ASL)",
                    "atelier",
                    ["lecture-ecriture-calcul--maitriser-le-francais"],
                    ["personnes-exilees"],
                    "Apprendre le français de la vie quotidienne.",
                )
            ],
        ),
        (
            "CIDFF du Val-d'Arlenc",
            ["cidff"],
            p.pref,
            [
                _t(
                    "Information juridique des femmes et des familles",
                    "information",
                    [
                        "difficultes-administratives-ou-juridiques--connaitre-ses-droits-face-a-une-discrimination",
                        "famille--surmonter-conflits-separation-violence",
                    ],
                    ["femmes", "familles"],
                    "Séparation, violences, droits au travail : une juriste vous reçoit gratuitement.",
                ),
                _t(
                    "Accompagnement vers l'emploi des femmes",
                    "accompagnement",
                    ["preparer-sa-candidature--valoriser-ses-competences"],
                    ["femmes"],
                    "Ateliers et suivi individuel pour les femmes éloignées de l'emploi.",
                ),
            ],
        ),
        (
            "Point-justice d'Arlenc",
            ["points-justice"],
            p.pref,
            [
                _t(
                    "Point-justice",
                    "information",
                    ["difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire"],
                    TOUS,
                    "Avocats, conciliateurs et médiateurs tiennent des permanences gratuites.",
                )
            ],
        ),
        (
            "Point conseil budget Val-d'Arlenc",
            ["points-conseil-budget"],
            p.towns[2],
            [
                _t(
                    "Conseil budgétaire et surendettement",
                    "accompagnement",
                    [
                        "difficultes-financieres--situation-dendettement-surendettement",
                        "difficultes-financieres--acquerir-une-autonomie-budgetaire",
                    ],
                    TOUS,
                    "Un conseiller vous aide à reprendre la main sur votre budget.",
                )
            ],
        ),
        (
            "BGE Val-d'Arlenc",
            ["reseau-bge"],
            p.pref,
            [
                _t(
                    "Créer son entreprise",
                    "accompagnement",
                    [
                        "creer-une-entreprise--definir-son-projet-de-creation-dentreprise",
                        "creer-une-entreprise--structurer-son-projet-de-creation-dentreprise",
                    ],
                    ["demandeurs-emploi", "beneficiaires-des-minimas-sociaux"],
                    "Du projet au démarrage : étude de marché, prévisionnel, statut.",
                ),
                _t(
                    "Développer son activité",
                    "accompagnement",
                    ["creer-une-entreprise--developper-son-entreprise"],
                    ["actifs"],
                    "Suivi des jeunes entreprises pendant trois ans.",
                ),
            ],
        ),
    ]
    for nom, reseaux, c, templates in items:
        sid = cat.structure(nom, reseaux, c, f"{nom} : formation, insertion et accès aux droits.")
        site = cat.site(sid, nom, "partner", c, H_OFFICE)
        for t in templates:
            cat.offer(sid, t, [site], pilote=nom, financeurs=["Région", ETAT])
    adie = cat.structure("Adie Val-d'Arlenc", ["adie"], p.pref, "Microcrédit accompagné.", site_web=False)
    cat.offer(
        adie,
        _t(
            "Microcrédit pour créer son activité",
            "aide-financiere",
            ["creer-une-entreprise--definir-son-projet-de-creation-dentreprise"],
            RSA,
            "Un prêt jusqu'à 12 000 € et un accompagnement, à distance.",
        ),
        [],
        delivery="remote",
        frais="payant",
        frais_precisions="Prêt remboursable",
        pilote="Adie",
        financeurs=["Banque des Territoires"],
    )


def mobility(cat: Catalog, p: Places) -> None:
    plat = cat.structure(
        "Plateforme mobilité du Val-d'Arlenc",
        ["wimoov"],
        p.pref,
        "Diagnostic et accompagnement mobilité pour l'accès à l'emploi.",
    )
    sites = [cat.site(plat, "Plateforme mobilité – Arlenc", "partner", p.pref, H_OFFICE)]
    for j, c in enumerate(p.towns[:2]):
        sites.append(cat.site(plat, f"Plateforme mobilité – permanence {de(c.nom)}", "partner", c, H_PARTNER_PERM[j]))
    for t in (
        _t(
            "Bilan mobilité",
            "accompagnement",
            ["mobilite--etre-accompagne-dans-son-parcours-mobilite"],
            ["beneficiaires-des-minimas-sociaux", "demandeurs-emploi"],
            "Faire le point sur ses déplacements et trouver des solutions adaptées.",
        ),
        _t(
            "Préparer le code de la route",
            "atelier",
            ["mobilite--preparer-un-permis"],
            RSA,
            "Séances de code accompagnées pour les personnes en difficulté avec l'écrit.",
        ),
        _t(
            "Apprendre à utiliser les transports en commun",
            "atelier",
            ["mobilite--mobilite-douce-partagee-collective"],
            TOUS,
            "Lire un horaire, acheter un titre, faire le trajet.",
        ),
    ):
        cat.offer(plat, t, sites, pilote="Plateforme mobilité", financeurs=[CD_NAME, "France Travail"])
    garage = cat.structure(f"Garage solidaire {de(p.towns[1].nom)}", [], p.towns[1], "Garage associatif d'insertion.")
    ecole = cat.structure("Auto-école sociale En Route", [], p.pref, "Auto-école associative.")
    loc = cat.structure("Mobil'Emploi", [], p.towns[0], "Location solidaire de véhicules.")
    cat.offer(
        garage,
        _t(
            "Réparation de véhicule à prix solidaire",
            "aide-materielle",
            ["mobilite--entretenir-reparer-son-vehicule"],
            RSA,
            "Réparations facturées au prix des pièces.",
        ),
        [cat.site(garage, f"Garage solidaire {de(p.towns[1].nom)}", "partner", p.towns[1], H_OFFICE)],
        frais="payant",
        frais_precisions="Main d'œuvre offerte, pièces à payer",
        pilote="Garage solidaire",
        financeurs=[CD_NAME],
    )
    cat.offer(
        ecole,
        _t(
            "Permis de conduire accompagné",
            "formation",
            ["mobilite--preparer-un-permis"],
            RSA,
            "Un apprentissage de la conduite au rythme de chacun.",
        ),
        [cat.site(ecole, "Auto-école sociale En Route", "partner", p.pref, H_OFFICE)],
        frais="payant",
        frais_precisions="Reste à charge de 10 %",
        pilote="En Route",
        financeurs=[CD_NAME, "Région"],
    )
    cat.offer(
        loc,
        _t(
            "Location de voitures et scooters à petit prix",
            "aide-materielle",
            ["mobilite--acceder-a-un-vehicule"],
            ["demandeurs-emploi", "jeunes"],
            "Un véhicule à 3 € par jour pour aller au travail ou en formation.",
        ),
        [cat.site(loc, "Mobil'Emploi", "partner", p.towns[0], H_OFFICE)],
        frais="payant",
        frais_precisions="3 € par jour",
        pilote="Mobil'Emploi",
        financeurs=[CD_NAME],
    )
    epcis = sorted(cat.units["epci"])
    tad_epci = cat.unit_of[("epci", p.gateway.code)]
    tad = cat.structure(
        cat.units["epci"][tad_epci]["nom"],
        [],
        max(cat.communes_of("epci", tad_epci), key=lambda c: c.population),
        "Intercommunalité rurale, organisatrice du transport à la demande.",
    )
    cat.offer(
        tad,
        _t(
            "Transport à la demande",
            "aide-materielle",
            ["mobilite--mobilite-douce-partagee-collective"],
            TOUS,
            "Réservez la veille, un minibus vient vous chercher : 2 € le trajet.",
        ),
        [],
        delivery="departement_wide",
        zone=[tad_epci],
        frais="payant",
        frais_precisions="2 € le trajet",
        pilote=cat.units["epci"][tad_epci]["nom"],
        financeurs=["Région"],
    )
    benev = cat.structure("Association Roule Solidaire", [], p.bourgs[0], "Chauffeurs bénévoles.")
    solidaire = [code for code in epcis if code != tad_epci][-2:]
    ms = cat.mobility_solution
    ms(
        plat,
        "Plateforme mobilité – Arlenc",
        "point",
        "plateforme_mobilite",
        "Diagnostic et conseil mobilité.",
        ["beneficiaires-des-minimas-sociaux", "demandeurs-emploi"],
        "Sur orientation d'un référent.",
        commune=p.pref,
    )
    ms(
        garage,
        f"Garage solidaire {de(p.towns[1].nom)}",
        "point",
        "garage_solidaire",
        "Réparations à prix solidaire.",
        RSA,
        "Sur orientation d'un travailleur social.",
        commune=p.towns[1],
    )
    ms(
        ecole,
        "Auto-école sociale En Route",
        "point",
        "auto_ecole_sociale",
        "Permis B accompagné.",
        RSA,
        "Projet professionnel nécessitant le permis.",
        commune=p.pref,
    )
    ms(
        loc,
        "Mobil'Emploi – location de véhicules",
        "point",
        "location_vehicule",
        "Voitures et scooters à 3 €/jour.",
        ["demandeurs-emploi", "jeunes"],
        "Contrat de travail ou de formation.",
        commune=p.towns[0],
    )
    ms(
        cat.structure_id("Mission locale du Val-d'Arlenc"),
        "Prêt de vélos électriques",
        "point",
        "pret_vehicule",
        "Vélos à assistance électrique prêtés pour un mois.",
        JEUNES,
        "Jeunes suivis par la Mission locale.",
        commune=p.towns[2],
    )
    ms(
        tad,
        "Transport à la demande",
        "area",
        "transport_a_la_demande",
        "Minibus sur réservation, 2 € le trajet.",
        TOUS,
        "Réservation la veille avant 17 h.",
        served=cat.units["epci"][tad_epci]["communes"],
    )
    ms(
        benev,
        "Transport solidaire Roule Solidaire",
        "area",
        "transport_solidaire",
        "Des bénévoles conduisent aux rendez-vous médicaux et administratifs.",
        ["seniors", "personnes-en-situation-de-handicap"],
        "Adhésion 5 € par an, 0,40 € par km.",
        served=[k for code in solidaire for k in cat.units["epci"][code]["communes"]],
    )
    ms(
        CD,
        "Aide départementale au permis de conduire",
        "aid",
        "aide_financiere",
        "Jusqu'à 1 000 € pour le permis B.",
        RSA,
        "Bénéficiaires du RSA avec un projet professionnel.",
    )
    ms(
        cat.structure_id(f"France Travail {p.pref.nom}"),
        "Aide à la mobilité France Travail",
        "aid",
        "aide_financiere",
        "Prise en charge de frais de déplacement pour un entretien ou une formation.",
        DE,
        "Demandeurs d'emploi, selon la distance.",
    )
    ms(
        cat.structure_id("Adie Val-d'Arlenc"),
        "Microcrédit mobilité",
        "aid",
        "aide_financiere",
        "Un prêt pour acheter ou réparer un véhicule.",
        RSA,
        "Prêt remboursable, sans apport.",
        status="experimental",
    )
