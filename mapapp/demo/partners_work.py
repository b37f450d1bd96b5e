"""Employment and social partners of the demo: France Travail, Mission locale, Cap emploi,
PLIE, SIAE, CCAS/CIAS and social centres."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .content import DE, OFFERS, RSA, SINGLE, TOUS
from .hours import CD_NAME, ETAT, H_FT, H_ML, H_OFFICE, H_PARTNER_PERM, offer_template
from .names import de

if TYPE_CHECKING:  # pragma: no cover
    from .catalog import Catalog
    from .networks import Places

_t = offer_template


def employment(cat: Catalog, p: Places) -> None:
    agencies = [p.pref, *p.towns[:2], *p.buffer_towns[:1]]
    for c in agencies:
        sid = cat.structure(
            f"France Travail {c.nom}",
            ["france-travail"],
            c,
            "Agence France Travail : inscription, indemnisation, accompagnement vers l'emploi.",
        )
        site = cat.site(sid, f"Agence France Travail {c.nom}", "partner", c, H_FT)
        for template in OFFERS["france_travail"]:
            cat.offer(
                sid,
                template,
                [site],
                pilote="France Travail",
                financeurs=["France Travail"] + ([CD_NAME] if "global" in template[0] else []),
            )
    cat.offer(
        sid,
        _t(
            "Services en ligne et conseil par téléphone (3949)",
            "information",
            ["preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi"],
            DE,
            "Actualisation, documents et rendez-vous en ligne ; un conseiller au téléphone au 3949.",
        ),
        [],
        delivery="remote",
        status="active",
        pilote="France Travail",
        financeurs=["France Travail"],
    )
    cat.offer(
        sid,
        _t(
            "Travailler en Europe avec EURES",
            "information",
            [
                "souvrir-a-linternational--connaitre-les-opportunites-demploi-a-letranger",
                "souvrir-a-linternational--sinformer-sur-les-aides-pour-travailler-a-letranger",
            ],
            DE,
            "Des conseillers EURES vous informent en visioconférence sur l'emploi dans un autre pays européen.",
        ),
        [],
        delivery="remote",
        pilote="France Travail",
        financeurs=["France Travail", "Union européenne"],
    )

    ml = cat.structure(
        "Mission locale du Val-d'Arlenc",
        ["mission-locale"],
        p.pref,
        "Accompagnement global des jeunes de 16 à 25 ans sortis du système scolaire.",
    )
    ml_sites = [cat.site(ml, f"Mission locale – {c.nom}", "partner", c, H_ML) for c in [p.pref, *p.towns[1:3]]]
    for j, c in enumerate(p.bourgs[:4]):
        ml_sites.append(
            cat.site(
                ml, f"Mission locale – permanence {de(c.nom)}", "partner", c, H_PARTNER_PERM[j % 4], place="mairie"
            )
        )
    for template in OFFERS["mission_locale"]:
        for site in ml_sites:
            cat.offer(
                ml,
                template,
                [site],
                pilote="Mission locale du Val-d'Arlenc",
                financeurs=[ETAT, "Région", CD_NAME],
                publics_precisions="Jeunes de 16 à 25 ans",
            )

    cap = cat.structure(
        "Cap emploi Val-d'Arlenc",
        ["cap-emploi-reseau-cheops"],
        p.pref,
        "Accompagnement vers l'emploi et maintien dans l'emploi des personnes handicapées.",
    )
    site = cat.site(cap, "Cap emploi Val-d'Arlenc", "partner", p.pref, H_OFFICE)
    for t in (
        _t(
            "Accompagnement vers l'emploi des personnes handicapées",
            "accompagnement",
            ["trouver-un-emploi--repondre-a-des-offres-demploi"],
            ["personnes-en-situation-de-handicap"],
            "Un conseiller spécialisé vous aide à trouver un emploi compatible avec votre santé.",
        ),
        _t(
            "Maintien dans l'emploi",
            "accompagnement",
            ["trouver-un-emploi--maintien-dans-lemploi"],
            ["personnes-en-situation-de-handicap", "actifs"],
            "Adapter son poste ou changer de métier quand la santé ne permet plus de continuer.",
        ),
    ):
        cat.offer(cap, t, [site], pilote="Cap emploi", financeurs=["Agefiph", "FIPHFP", "France Travail"])

    agglo = cat.unit_of[("epci", p.pref.code)]
    plie = cat.structure(
        "PLIE de l'agglomération d'Arlenc",
        ["plie"],
        p.pref,
        "Plan local pour l'insertion et l'emploi de l'agglomération.",
    )
    site = cat.site(plie, "PLIE – Maison de l'emploi d'Arlenc", "partner", p.pref, H_OFFICE)
    cat.offer(
        plie,
        _t(
            "Parcours renforcé vers l'emploi (PLIE)",
            "accompagnement",
            ["trouver-un-emploi--repondre-a-des-offres-demploi", "preparer-sa-candidature--developper-son-reseau"],
            ["beneficiaires-des-minimas-sociaux", "demandeurs-emploi"],
            "Un accompagnement individuel renforcé, jusqu'à 6 mois après la reprise d'emploi.",
        ),
        [site],
        zone=[agglo],
        pilote="Communauté d'agglomération d'Arlenc",
        financeurs=["Fonds social européen", "Communauté d'agglomération d'Arlenc", CD_NAME],
        publics_precisions="Habitants de l'agglomération d'Arlenc",
    )

    kinds = [
        ("aci", "Les Jardins {de}", ["aci"]),
        ("aci", "Recyclerie {de}", ["aci", "ressourceries"]),
        ("aci", "Chantier nature {de}", ["aci"]),
        ("aci", "Atelier bois {de}", ["aci"]),
        ("ei", "Blanchisserie solidaire {de}", ["ei"]),
        ("ei", "Bâti'Insertion {de}", ["ei"]),
        ("ai", "Association intermédiaire Services Plus {de}", ["ai"]),
        ("ai", "Coup de main {de}", ["ai"]),
        ("etti", "Intérim'Arlenc", ["etti"]),
        ("geiq", "GEIQ BTP du Val-d'Arlenc", ["geiq"]),
    ]
    places = [p.pref, *p.towns, *p.bourgs]
    for k, (kind, nom, reseaux) in enumerate(kinds):
        c = places[(k * 3) % len(places)]
        nom = nom.format(de=de(c.nom))
        sid = cat.structure(nom, reseaux, c, "Structure de l'insertion par l'activité économique (SIAE).")
        site = cat.site(sid, nom, "partner", c, H_OFFICE)
        cat.offer(sid, SINGLE[kind], [site], pilote=nom, financeurs=[ETAT, CD_NAME])
        if kind == "aci":
            cat.offer(
                sid,
                _t(
                    "Accompagnement socioprofessionnel des salariés en insertion",
                    "accompagnement",
                    [
                        "remobilisation--bien-etre-confiance-en-soi",
                        "choisir-un-metier--identifier-ses-points-forts-et-ses-competences",
                    ],
                    RSA,
                    "Un conseiller aide chaque salarié à lever ses freins : logement, santé, mobilité.",
                ),
                [site],
                pilote=nom,
                financeurs=[ETAT, CD_NAME],
            )


def social(cat: Catalog, p: Places) -> None:
    for c in [p.pref, *p.towns, *p.bourgs[:2]]:
        sid = cat.structure(f"CCAS {de(c.nom)}", ["ccas-cias"], c, "Centre communal d'action sociale.")
        site = cat.site(sid, f"CCAS {de(c.nom)} – mairie", "partner", c, H_OFFICE, place="mairie")
        for template in OFFERS["ccas"]:
            cat.offer(
                sid,
                template,
                [site],
                zone=[c.code],
                pilote=f"Commune {de(c.nom)}",
                financeurs=[f"Commune {de(c.nom)}"],
                publics_precisions=f"Habitants {de(c.nom)}",
            )
    for code in sorted(cat.units["epci"])[-2:]:
        head = max(cat.communes_of("epci", code), key=lambda c: c.population)
        nom = f"CIAS {de(head.nom)}"
        sid = cat.structure(nom, ["ccas-cias"], head, "Centre intercommunal d'action sociale.")
        site = cat.site(sid, nom, "partner", head, H_OFFICE)
        for template in OFFERS["ccas"]:
            cat.offer(
                sid,
                template,
                [site],
                zone=[code],
                pilote=cat.units["epci"][code]["nom"],
                financeurs=[cat.units["epci"][code]["nom"]],
            )
    for c in (p.pref, p.towns[2]):
        nom = f"Centre social {de(c.nom)}"
        sid = cat.structure(nom, ["fcsf"], c, "Centre social agréé par la CAF.")
        site = cat.site(sid, nom, "partner", c, H_OFFICE)
        for t in (
            _t(
                "Sorties et activités familiales",
                "atelier",
                [
                    "remobilisation--activites-sportives-et-culturelles",
                    "famille--soutien-a-la-parentalite-et-a-leducation",
                ],
                ["familles"],
                "Sorties, ateliers parents-enfants et vacances familiales à petit prix.",
            ),
            _t(
                "Devenir bénévole",
                "information",
                ["remobilisation--benevolat-action-citoyenne"],
                TOUS,
                "Donner un peu de son temps : accompagnement scolaire, jardin, épicerie.",
            ),
        ):
            cat.offer(sid, t, [site], pilote=nom, financeurs=["CAF", f"Commune {de(c.nom)}"])
