"""The pages a French public body's site must carry (RGAA, décret 2019-768; LCEN; RGPD), and the footer's facts.

- ``/declaration-accessibilite``: the accessibility statement, in the sections of
  the RGAA model (état de conformité, contenus non accessibles, établissement de
  la déclaration, retour d'information et contact, voies de recours);
- ``/mentions-legales``: publisher, director of publication, hosting, licences;
- ``/donnees-personnelles``: what the application stores about people, how long,
  and how to exercise one's rights;
- ``/plan-du-site``: every public page, a second way to navigate (RGAA 12.1).

The facts that differ between deployments (who publishes, the contact, the
conformity status and its audit) are settings (:mod:`mapapp.config`); the
durations quoted on the personal data page are the ones the code enforces
(:mod:`mapapp.catalog.users`), so the page cannot drift from the behaviour.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from mapapp import formats
from mapapp.catalog import users
from mapapp.catalog.models import Commune
from mapapp.config import Settings
from mapapp.web.db import get_session

bp = Blueprint("legal", __name__)

#: RGAA 4.1 criteria known not to be met, as (criterion, what fails); shown under « Contenus non accessibles ».
#: From the team's own checks (axe-core and keyboard tests), not from an audit. The interactive maps are not
#: listed: they are exempt when their essential information is given accessibly (directive 2016/2102, art. 1.4.g),
#: which the statement says under « Contenus non soumis ».
KNOWN_NON_CONFORMITIES = [
    ("11.10 et 11.11", "Dans les formulaires de l'espace contributeurs, les erreurs ne sont pas toutes reliées "
                       "à leur champ ni récapitulées en tête de formulaire."),
    ("13.3", "Les rapports PDF sont balisés (PDF/UA-1), sans vérification manuelle de leur ordre de lecture."),
]


def settings() -> Settings:
    return current_app.config["MAPAPP_SETTINGS"]


@bp.app_context_processor
def _legal_context() -> dict:
    """``site_legal`` in every template: the footer shows the conformity status and the legal links."""
    return {"site_legal": settings()}


@bp.route("/declaration-accessibilite")
def accessibility_statement():
    return render_template("legal/declaration.html", s=settings(), non_conformities=KNOWN_NON_CONFORMITIES)


@bp.route("/mentions-legales")
def legal_notice():
    return render_template("legal/mentions.html", s=settings())


@bp.route("/donnees-personnelles")
def personal_data():
    durations = {key: formats.span(value) for key, value in {
        "session": users.SESSION_LIFETIME, "failures": users.FAILURE_WINDOW,
        "reset": users.RESET_TTL, "invite": users.INVITE_TTL}.items()}
    return render_template("legal/donnees.html", s=settings(), durations=durations,
                           max_failures=users.MAX_FAILURES)


@bp.route("/plan-du-site")
def site_map():
    """Every public page; the département's communes, each with its fiche."""
    communes = get_session().execute(
        select(Commune.code, Commune.nom).where(Commune.is_buffer.is_(False)).order_by(Commune.nom)).all()
    return render_template("legal/plan.html", communes=communes)
