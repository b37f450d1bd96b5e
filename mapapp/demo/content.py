"""French texts of the demo catalog: offer templates per kind of structure.

A template is ``(nom, type, thematiques, publics, description)``; ``{lieu}`` in a
name or a description is replaced by the place's name. Every vocabulary value is
checked against data·inclusion v1 when the catalog is built.
"""

from __future__ import annotations

TOUS = ["tous-publics"]
RSA = ["beneficiaires-des-minimas-sociaux"]
DE = ["demandeurs-emploi"]
JEUNES = ["jeunes"]

OFFERS: dict[str, list[tuple[str, str, list[str], list[str], str]]] = {
    "mds": [
        (
            "Accompagnement des bénéficiaires du RSA – référent unique",
            "accompagnement",
            ["trouver-un-emploi--repondre-a-des-offres-demploi", "remobilisation--bien-etre-confiance-en-soi"],
            RSA,
            "Un référent unique vous accompagne pendant votre parcours RSA : projet, droits et devoirs, "
            "contrat d'engagement réciproque, orientation vers les bons partenaires.",
        ),
        (
            "Accès aux droits et aide aux démarches",
            "accompagnement",
            [
                "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
                "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
            ],
            TOUS,
            "Un travailleur social vous aide à connaître vos droits et à faire vos démarches "
            "(CAF, CPAM, retraite, titre de séjour).",
        ),
        (
            "Accompagnement budgétaire",
            "accompagnement",
            [
                "difficultes-financieres--ameliorer-sa-gestion-budgetaire",
                "difficultes-financieres--situation-dendettement-surendettement",
            ],
            ["familles", "beneficiaires-des-minimas-sociaux"],
            "Faire le point sur son budget, préparer un dossier de surendettement, éviter les impayés.",
        ),
        (
            "Soutien à la parentalité",
            "accompagnement",
            ["famille--soutien-a-la-parentalite-et-a-leducation"],
            ["familles"],
            "Écoute et conseils aux parents, visites à domicile, lien avec l'école et la PMI.",
        ),
        (
            "Consultations de protection maternelle et infantile (PMI)",
            "accompagnement",
            ["sante--acces-aux-soins", "famille--soutien-a-la-parentalite-et-a-leducation"],
            ["familles", "femmes"],
            "Consultations gratuites pour les femmes enceintes et les enfants de moins de 6 ans.",
        ),
        (
            "Aide au maintien dans le logement",
            "accompagnement",
            [
                "logement-hebergement--se-maintenir-dans-le-logement",
                "logement-hebergement--reduire-les-impayes-de-loyer",
            ],
            TOUS,
            "En cas d'impayés de loyer ou d'énergie : constitution du dossier FSL, médiation avec le bailleur.",
        ),
        (
            "Accompagnement social des victimes de violences",
            "accompagnement",
            ["famille--surmonter-conflits-separation-violence"],
            ["femmes", "familles"],
            "Un accueil confidentiel, une mise à l'abri si besoin, "
            "et l'orientation vers les associations spécialisées.",
        ),
        (
            "Aide financière d'urgence",
            "aide-financiere",
            ["difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere"],
            ["personnes-en-situation-durgence", "familles"],
            "Secours ponctuel pour faire face à une dépense urgente (alimentation, énergie), après évaluation sociale.",
        ),
        (
            "Remobilisation et lien social des allocataires",
            "atelier",
            ["remobilisation--lien-social", "remobilisation--activites-sportives-et-culturelles"],
            RSA,
            "Ateliers collectifs pour reprendre confiance : sorties culturelles, sport adapté, jardin partagé.",
        ),
        (
            "Orientation vers l'emploi des allocataires du RSA",
            "accompagnement",
            [
                "choisir-un-metier--identifier-ses-points-forts-et-ses-competences",
                "preparer-sa-candidature--valoriser-ses-competences",
            ],
            RSA,
            "Bilan de situation et orientation vers France Travail, une SIAE ou une formation.",
        ),
    ],
    "france_services": [
        (
            "Aide aux démarches en ligne à {lieu}",
            "accompagnement",
            [
                "numerique--acceder-a-des-services-en-ligne",
                "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
            ],
            TOUS,
            "Un conseiller France Services vous aide pour vos démarches : impôts, CAF, retraite, "
            "carte grise, permis de conduire, ANTS.",
        ),
        (
            "Accès à un poste informatique et à internet",
            "aide-materielle",
            ["numerique--acceder-a-une-connexion-internet"],
            TOUS,
            "Ordinateurs, imprimante et scanner en libre accès, avec l'aide d'un agent si besoin.",
        ),
        (
            "Rendez-vous avec la CAF et la CPAM",
            "information",
            ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
            TOUS,
            "Rendez-vous en visioconférence avec un agent de la CAF ou de l'Assurance maladie.",
        ),
        (
            "Permanence juridique",
            "information",
            ["difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire"],
            TOUS,
            "Un juriste répond gratuitement à vos questions (famille, travail, logement, consommation).",
        ),
        (
            "Aide à l'inscription à France Travail",
            "accompagnement",
            ["preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi"],
            DE,
            "Créer son espace, s'inscrire, actualiser sa situation, déposer un CV en ligne.",
        ),
        (
            "Atelier « premiers pas sur l'ordinateur »",
            "atelier",
            ["numerique--maitriser-les-fondamentaux-du-numerique"],
            ["seniors"],
            "Apprendre à utiliser une souris, un clavier, une messagerie. Petits groupes de 6 personnes.",
        ),
        (
            "Information sur le chèque énergie et les aides au logement",
            "information",
            ["logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement"],
            TOUS,
            "Comprendre ses droits aux aides au logement et à l'énergie, et monter son dossier.",
        ),
    ],
    "france_travail": [
        (
            "Inscription et accompagnement des demandeurs d'emploi",
            "accompagnement",
            [
                "trouver-un-emploi--repondre-a-des-offres-demploi",
                "preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi",
            ],
            DE,
            "Inscription, diagnostic et suivi par un conseiller, offres d'emploi adaptées à votre profil.",
        ),
        (
            "Accompagnement global emploi et social",
            "accompagnement",
            ["trouver-un-emploi--repondre-a-des-offres-demploi", "remobilisation--bien-etre-confiance-en-soi"],
            ["beneficiaires-des-minimas-sociaux", "demandeurs-emploi"],
            "Un conseiller France Travail et un travailleur social du Département vous suivent ensemble.",
        ),
        (
            "Atelier CV et lettre de motivation",
            "atelier",
            ["preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation"],
            DE,
            "Construire un CV clair et une lettre adaptée à l'offre, en petit groupe.",
        ),
        (
            "Préparer un entretien d'embauche",
            "atelier",
            ["trouver-un-emploi--convaincre-un-recruteur-en-entretien"],
            DE,
            "Simulation d'entretien et conseils pour convaincre un recruteur.",
        ),
        (
            "Ateliers numériques pour la recherche d'emploi",
            "atelier",
            [
                "numerique--acceder-a-des-services-en-ligne",
                "preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi",
            ],
            DE,
            "Utiliser son espace personnel, postuler en ligne, préparer un entretien en visioconférence.",
        ),
        (
            "Découvrir un métier par l'immersion (PMSMP)",
            "accompagnement",
            [
                "choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite",
                "choisir-un-metier--confirmer-son-choix-de-metier",
            ],
            DE,
            "Une période de mise en situation en milieu professionnel pour tester un métier.",
        ),
    ],
    "mission_locale": [
        (
            "Accompagnement des jeunes vers l'emploi",
            "accompagnement",
            [
                "trouver-un-emploi--repondre-a-des-offres-demploi",
                "choisir-un-metier--connaitre-les-opportunites-demploi",
            ],
            JEUNES,
            "Un conseiller suit les jeunes de 16 à 25 ans : emploi, formation, santé, logement, mobilité.",
        ),
        (
            "Contrat d'engagement jeune (CEJ)",
            "accompagnement",
            ["preparer-sa-candidature--valoriser-ses-competences", "se-former--trouver-sa-formation"],
            JEUNES,
            "15 à 20 heures d'activités par semaine et une allocation, pendant 6 à 12 mois.",
        ),
        (
            "Point santé jeunes",
            "information",
            ["sante--acces-aux-soins", "sante--sante-sexuelle"],
            JEUNES,
            "Bilan de santé gratuit, aide à la complémentaire santé, écoute psychologique.",
        ),
        (
            "Aide au logement des jeunes",
            "accompagnement",
            [
                "logement-hebergement--louer-un-logement",
                "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
            ],
            JEUNES,
            "Recherche de logement, garantie Visale, foyers de jeunes travailleurs.",
        ),
    ],
    "ccas": [
        (
            "Domiciliation administrative",
            "accompagnement",
            ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
            ["personnes-en-situation-durgence"],
            "Une adresse pour recevoir son courrier quand on n'a pas de domicile stable.",
        ),
        (
            "Instruction des demandes d'aide sociale",
            "accompagnement",
            ["difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"],
            TOUS,
            "Aide à remplir les dossiers : RSA, aide sociale à l'hébergement, APA, complémentaire santé solidaire.",
        ),
        (
            "Aides facultatives du CCAS",
            "aide-financiere",
            [
                "difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere",
                "equipement-et-alimentation--alimentation",
            ],
            TOUS,
            "Bons alimentaires, aide aux factures d'énergie, aide à la cantine, selon les ressources.",
        ),
        (
            "Accompagnement des allocataires du RSA par le CCAS",
            "accompagnement",
            [
                "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
                "remobilisation--lien-social",
            ],
            RSA,
            "Le CCAS est référent RSA pour les personnes dont le parcours est d'abord social.",
        ),
        (
            "Portage de repas et aide à domicile",
            "aide-materielle",
            ["famille--prise-en-charge-personne-dependante", "equipement-et-alimentation--aide-menagere"],
            ["seniors"],
            "Livraison de repas et aide à domicile pour les personnes âgées ou handicapées.",
        ),
    ],
    "numerique": [
        (
            "Conseiller numérique : accompagnement individuel",
            "accompagnement",
            ["numerique--maitriser-les-fondamentaux-du-numerique", "numerique--acceder-a-des-services-en-ligne"],
            TOUS,
            "Rendez-vous d'une heure pour apprendre à utiliser son smartphone ou son ordinateur.",
        ),
        (
            "Ateliers numériques collectifs",
            "atelier",
            ["numerique--maitriser-les-fondamentaux-du-numerique"],
            ["seniors", "demandeurs-emploi"],
            "Cycles de 4 séances : messagerie, sécurité, démarches en ligne.",
        ),
        (
            "Ordinateurs reconditionnés à petit prix",
            "aide-materielle",
            ["numerique--acquerir-un-equipement"],
            ["beneficiaires-des-minimas-sociaux", "jeunes"],
            "Un ordinateur reconditionné pour 50 €, avec une prise en main.",
        ),
    ],
    "alimentaire": [
        (
            "Distribution alimentaire",
            "aide-materielle",
            ["equipement-et-alimentation--alimentation"],
            ["personnes-en-situation-durgence", "familles"],
            "Colis alimentaires sur inscription, selon les ressources du foyer.",
        ),
        (
            "Vestiaire solidaire",
            "aide-materielle",
            ["equipement-et-alimentation--habillement"],
            TOUS,
            "Vêtements et chaussures à petit prix pour toute la famille.",
        ),
        (
            "Café solidaire et accueil de jour",
            "atelier",
            ["remobilisation--lien-social"],
            TOUS,
            "Un lieu convivial pour prendre un café, rencontrer des bénévoles et s'informer.",
        ),
    ],
}

# One-offer structures: (network key, nom, type, thematiques, publics, description)
SINGLE = {
    "aci": (
        "Chantier d'insertion (ACI)",
        "accompagnement",
        ["trouver-un-emploi--maintien-dans-lemploi", "remobilisation--bien-etre-confiance-en-soi"],
        ["beneficiaires-des-minimas-sociaux", "demandeurs-emploi"],
        "Un contrat de travail de 26 heures par semaine, un encadrement technique et un accompagnement "
        "socioprofessionnel pour reprendre pied dans l'emploi.",
    ),
    "ei": (
        "Entreprise d'insertion : emploi salarié accompagné",
        "accompagnement",
        ["trouver-un-emploi--repondre-a-des-offres-demploi"],
        ["demandeurs-emploi", "beneficiaires-des-minimas-sociaux"],
        "Des postes en production avec un accompagnement vers un emploi durable.",
    ),
    "ai": (
        "Missions de travail avec l'association intermédiaire",
        "accompagnement",
        ["trouver-un-emploi--repondre-a-des-offres-demploi"],
        ["demandeurs-emploi"],
        "Des missions de quelques heures chez des particuliers, des collectivités ou des entreprises.",
    ),
    "etti": (
        "Missions d'intérim d'insertion",
        "accompagnement",
        ["trouver-un-emploi--repondre-a-des-offres-demploi"],
        ["demandeurs-emploi", "beneficiaires-des-minimas-sociaux"],
        "Des missions d'intérim accompagnées dans le BTP, l'industrie et la logistique.",
    ),
    "geiq": (
        "Contrat en alternance avec le GEIQ",
        "formation",
        ["se-former--trouver-sa-formation"],
        ["demandeurs-emploi", "jeunes"],
        "Un contrat de professionnalisation dans les entreprises adhérentes.",
    ),
}
