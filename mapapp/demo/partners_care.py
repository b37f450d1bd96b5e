"""Health, housing, digital, food-aid and childcare partners of the demo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .content import JEUNES, OFFERS, RSA, TOUS
from .hours import CD_NAME, ETAT, H_FOOD, H_MEDIATHEQUE, H_OFFICE, H_PARTNER_PERM, offer_template
from .names import de

if TYPE_CHECKING:  # pragma: no cover
    from .catalog import Catalog
    from .networks import Places

_t = offer_template


def health_housing(cat: Catalog, p: Places) -> None:
    hosp = cat.structure("Centre hospitalier d'Arlenc", ["cmp"], p.pref, "Hôpital public de référence.")
    cmp_places = [p.pref, *p.towns[:2], *p.buffer_towns[:1]]
    for c in cmp_places:
        site = cat.site(hosp, f"Centre médico-psychologique {de(c.nom)}", "partner", c, H_OFFICE)
        cat.offer(
            hosp,
            _t(
                "Consultations en santé mentale (CMP)",
                "accompagnement",
                ["sante--sante-mentale"],
                TOUS,
                "Psychiatres, psychologues et infirmiers, sans avance de frais.",
            ),
            [site],
            pilote="Centre hospitalier d'Arlenc",
            financeurs=["Agence régionale de santé"],
        )
    pass_site = cat.site(hosp, "PASS – Centre hospitalier d'Arlenc", "partner", p.pref, "Mo-Fr 09:00-16:30; PH off")
    cat.offer(
        hosp,
        _t(
            "Permanence d'accès aux soins de santé (PASS)",
            "accompagnement",
            ["sante--acces-aux-soins"],
            ["personnes-en-situation-durgence", "personnes-exilees"],
            "Soins et ouverture de droits pour les personnes sans couverture maladie.",
        ),
        [pass_site],
        pilote="Centre hospitalier d'Arlenc",
        financeurs=["Agence régionale de santé"],
    )
    csapa = cat.structure("CSAPA Le Relais", ["csapa"], p.pref, "Centre de soins en addictologie.")
    for c in (p.pref, p.towns[0]):
        site = cat.site(csapa, f"CSAPA Le Relais – {c.nom}", "partner", c, H_OFFICE)
        cat.offer(
            csapa,
            _t(
                "Consultations en addictologie",
                "accompagnement",
                ["sante--addictions"],
                TOUS,
                "Alcool, tabac, cannabis, jeux : un accompagnement gratuit et confidentiel.",
            ),
            [site],
            pilote="CSAPA Le Relais",
            financeurs=["Agence régionale de santé"],
        )
    cpam = cat.structure("CPAM du Val-d'Arlenc", ["cpam"], p.pref, "Caisse primaire d'assurance maladie.")
    cpam_sites = [cat.site(cpam, "Accueil CPAM d'Arlenc", "partner", p.pref, H_OFFICE)]
    for j, c in enumerate(p.towns[1:4]):
        cpam_sites.append(cat.site(cpam, f"Permanence CPAM {de(c.nom)}", "partner", c, H_PARTNER_PERM[j]))
    for t in (
        _t(
            "Droits santé et complémentaire santé solidaire",
            "accompagnement",
            [
                "sante--acces-aux-soins",
                "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
            ],
            TOUS,
            "Ouvrir ses droits, demander la complémentaire santé solidaire, trouver un médecin traitant.",
        ),
        _t(
            "Mission accompagnement santé",
            "accompagnement",
            ["sante--acces-aux-soins"],
            RSA,
            "Un conseiller vous aide quand vous renoncez à des soins.",
        ),
    ):
        cat.offer(cpam, t, cpam_sites, pilote="CPAM du Val-d'Arlenc", financeurs=["Assurance maladie"])
    mdph = cat.structure("MDPH du Val-d'Arlenc", ["mdph"], p.pref, "Maison départementale des personnes handicapées.")
    site = cat.site(mdph, "MDPH du Val-d'Arlenc", "partner", p.pref, H_OFFICE)
    cat.offer(
        mdph,
        _t(
            "Constituer un dossier MDPH",
            "accompagnement",
            ["sante--constituer-un-dossier-mdph-invalidite"],
            ["personnes-en-situation-de-handicap"],
            "Aide pour remplir la demande (AAH, RQTH, PCH).",
        ),
        [site],
        pilote=CD_NAME,
        financeurs=[CD_NAME, "CNSA"],
    )

    adil = cat.structure(
        "Agence d'information sur le logement du Val-d'Arlenc",
        [],
        p.pref,
        "Conseils juridiques et financiers gratuits sur le logement.",
    )
    site = cat.site(adil, "Agence d'information sur le logement", "partner", p.pref, H_OFFICE)
    for t in (
        _t(
            "Conseil juridique logement",
            "information",
            [
                "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement",
                "logement-hebergement--acheter-un-logement",
            ],
            TOUS,
            "Bail, charges, travaux, achat : un juriste vous répond.",
        ),
        _t(
            "Prévention des expulsions locatives",
            "accompagnement",
            ["logement-hebergement--se-maintenir-dans-le-logement"],
            TOUS,
            "Dès le premier impayé, un conseiller vous aide à trouver une solution.",
        ),
    ):
        cat.offer(adil, t, [site], pilote="ADIL", financeurs=[ETAT, CD_NAME, "Action Logement"])
    chrs = cat.structure(
        "CHRS L'Escale",
        ["chrs", "federation-des-acteurs-de-la-solidarite"],
        p.pref,
        "Centre d'hébergement et de réinsertion sociale.",
    )
    site = cat.site(chrs, "CHRS L'Escale", "partner", p.pref, "Mo-Su 00:00-24:00")
    cat.offer(
        chrs,
        _t(
            "Hébergement et accompagnement (CHRS)",
            "accompagnement",
            ["logement-hebergement--rechercher-une-solution-dhebergement-temporaire"],
            ["personnes-en-situation-durgence"],
            "Hébergement temporaire sur orientation du SIAO.",
        ),
        [site],
        pilote="CHRS L'Escale",
        financeurs=[ETAT],
    )
    cat.offer(
        chrs,
        _t(
            "Hébergement d'urgence – appeler le 115",
            "information",
            ["logement-hebergement--rechercher-une-solution-dhebergement-temporaire"],
            ["personnes-en-situation-durgence"],
            "Le 115 répond jour et nuit, gratuitement.",
        ),
        [],
        delivery="remote",
        status="active",
        horaires_accueil="24/7",
        pilote="SIAO",
        financeurs=[ETAT],
    )
    fjt = cat.structure(
        "Résidence Habitat Jeunes d'Arlenc", ["residences-fjt"], p.pref, "Foyer de jeunes travailleurs."
    )
    for c in (p.pref, p.towns[1]):
        site = cat.site(fjt, f"Résidence Habitat Jeunes – {c.nom}", "partner", c, H_OFFICE)
        cat.offer(
            fjt,
            _t(
                "Logement temporaire pour jeunes actifs",
                "aide-materielle",
                ["logement-hebergement--louer-un-logement"],
                JEUNES,
                "Studios meublés pour les 16-30 ans en emploi, en formation ou en stage.",
            ),
            [site],
            frais="payant",
            frais_precisions="Redevance selon les ressources, APL déductible",
            pilote="Résidence Habitat Jeunes",
            financeurs=["CAF", CD_NAME],
        )


def digital_food_family(cat: Catalog, p: Places) -> None:
    net = cat.structure(
        "Réseau des médiathèques du Val-d'Arlenc",
        ["conseillers-numeriques", "espaces-publics-numeriques"],
        p.pref,
        "Conseillers numériques dans les médiathèques.",
    )
    for c in [p.pref, *p.towns[:2], *p.bourgs[:2]]:
        site = cat.site(net, f"Médiathèque {de(c.nom)}", "partner", c, H_MEDIATHEQUE)
        for template in OFFERS["numerique"]:
            cat.offer(net, template, [site], pilote=CD_NAME, financeurs=[ETAT, CD_NAME])
    restos = cat.structure(
        "Les Restaurants du Cœur – Val-d'Arlenc",
        ["restos-du-coeur"],
        p.pref,
        "Aide alimentaire, accueil et accompagnement.",
    )
    short = {"L'Isle-sur-Arlenc": "L'Isle"}
    isle = next(c for c in cat.geo.inner if c.nom == "L'Isle-sur-Arlenc")
    food_places = [p.pref, isle, p.towns[3], *p.near_border[:1]]
    for j, c in enumerate(food_places):
        site = cat.site(restos, f"Restos du Cœur – {short.get(c.nom, c.nom)}", "partner", c, H_FOOD[j % 3])
        for template in OFFERS["alimentaire"][:2]:
            cat.offer(
                restos, template, [site], pilote="Les Restaurants du Cœur", financeurs=["Dons", "Union européenne"]
            )
    truck = [
        cat.site(
            restos, f"Camion du Cœur – {c.nom}", "other", c, f"{d} 10:00-12:00", place="mairie", route="Camion du Cœur"
        )
        for c, d in zip(p.villages[::17][:4], ("Mo", "Tu", "Th", "Fr"))
    ]
    cat.offer(
        restos,
        OFFERS["alimentaire"][0],
        truck,
        delivery="itinerant",
        pilote="Les Restaurants du Cœur",
        financeurs=["Dons", CD_NAME],
    )
    sp = cat.structure(
        "Secours populaire – fédération du Val-d'Arlenc",
        ["secours-populaire"],
        p.pref,
        "Solidarité alimentaire, vestimentaire, accès aux vacances et à la culture.",
    )
    for j, c in enumerate(p.towns[:3]):
        site = cat.site(sp, f"Secours populaire – comité {de(c.nom)}", "partner", c, H_FOOD[(j + 1) % 3])
        for template in OFFERS["alimentaire"]:
            cat.offer(sp, template, [site], pilote="Secours populaire", financeurs=["Dons"])
    for c in (p.pref, p.bourgs[2]):
        nom = f"Épicerie sociale {de(c.nom)}"
        sid = cat.structure(nom, ["banques-alimentaires"], c, "Épicerie à petits prix sur orientation sociale.")
        site = cat.site(sid, nom, "partner", c, "Tu,Th 14:00-18:00; Sa 09:00-12:00")
        cat.offer(
            sid,
            _t(
                "Épicerie sociale",
                "aide-materielle",
                ["equipement-et-alimentation--alimentation"],
                ["familles", "beneficiaires-des-minimas-sociaux"],
                "Produits à 10-30 % de leur prix, sur orientation d'un travailleur social.",
            ),
            [site],
            frais="payant",
            frais_precisions="Participation de 10 à 30 % du prix",
            pilote=nom,
            financeurs=[CD_NAME, "CAF"],
        )
    for c in (p.pref, p.towns[0]):
        nom = f"Crèche AVIP Les P'tits Loups {de(c.nom)}"
        sid = cat.structure(nom, ["creches-avip"], c, "Crèche à vocation d'insertion professionnelle.")
        site = cat.site(sid, nom, "partner", c, "Mo-Fr 07:30-18:30; PH off")
        cat.offer(
            sid,
            _t(
                "Place en crèche pour parents en recherche d'emploi",
                "aide-materielle",
                ["famille--garde-denfants"],
                ["familles", "demandeurs-emploi"],
                "Des places réservées aux parents qui cherchent un emploi ou une formation.",
            ),
            [site],
            frais="payant",
            frais_precisions="Tarif selon les revenus (barème CAF)",
            pilote=nom,
            financeurs=["CAF", f"Commune {de(c.nom)}"],
        )
