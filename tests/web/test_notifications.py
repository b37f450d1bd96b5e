"""Moderation mails (issue 18 §5), captured in the outbox: submission → moderators, publication and rejection → partners.

The application answers on ``localhost`` but its public address is
``https://carto.example``: every link in a mail must start with the latter
(``MAPAPP_BASE_URL``), never with the Host a browser sent.
"""

from __future__ import annotations

import dataclasses
import email
from email import policy

import pytest

from mapapp.catalog.db import transaction
from mapapp.catalog.users import get_user_by_email
from mapapp.identity import save_identity
from tests.catalog.contrib import contrib_settings, contrib_template, csrf, factory, logged_in, opened_on  # noqa: F401
from tests.web.test_partenaires import _post_site, _revision_id

PUBLIC = "https://carto.example"


@pytest.fixture
def app(contrib_settings):
    from mapapp.web import create_app

    settings = dataclasses.replace(contrib_settings, base_url=PUBLIC, trusted_hosts=("localhost",))
    return create_app(settings)


def _mails(app) -> dict[str, list[tuple[str, str]]]:
    """{recipient: [(subject, body)]} of everything written to the outbox so far."""
    app.extensions["mapapp.mail"].wait()
    out: dict[str, list[tuple[str, str]]] = {}
    settings = app.config["MAPAPP_SETTINGS"]
    for path in sorted((settings.data_dir / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        out.setdefault(str(message["To"]), []).append((str(message["Subject"]), message.get_content()))
    return out


def _clear(app) -> None:
    app.extensions["mapapp.mail"].wait()
    for path in (app.config["MAPAPP_SETTINGS"].data_dir / "outbox").glob("*.eml"):
        path.unlink()


def _submit(app, **fields) -> int:
    partner = logged_in(app, "ml")
    rev_id = _revision_id(_post_site(partner, **fields))
    assert _mails(app) == {}  # a draft tells nobody
    response = partner.post(f"/espace/demande/{rev_id}/soumettre",
                            data={"csrf_token": csrf(partner, "/espace/"), **opened_on(partner, f"/espace/demande/{rev_id}")})
    assert response.status_code == 302
    return rev_id


def _decide(app, who, rev_id, action, **data):
    client = logged_in(app, who)
    seen = opened_on(client, f"/espace/demande/{rev_id}")
    return client.post(f"/moderation/demande/{rev_id}/{action}",
                       data={"csrf_token": csrf(client, "/moderation/"), **seen, **data})


def test_a_submission_mails_the_moderators_of_its_territory(app, factory):
    with transaction(factory) as s:
        save_identity(s, name="Département du Test", primary="#1f4e79", secondary="#6b3a5b", logo_alt="")
    rev_id = _submit(app, nom="Point numérique de la médiathèque")  # test--num-1 is in Arlenc (TAS1)
    mails = _mails(app)
    # TAS1's moderator and the département-wide one; not TAS2's, nor the administrator, nor the partner.
    assert set(mails) == {"modo1@example.org", "modo-all@example.org"}
    [(subject, body)] = mails["modo1@example.org"]
    assert subject == "Nouvelle demande à modérer : Point numérique de la médiathèque"
    assert f"{PUBLIC}/espace/demande/{rev_id}" in body and f"{PUBLIC}/moderation/" in body
    assert "http://localhost" not in body
    assert "proposée par Mission locale <ml@example.org>" in body
    assert body.rstrip().endswith("Département du Test\nCartographie de l'offre d'insertion")


def test_publication_mails_the_structures_partners(app):
    rev_id = _submit(app, nom="Point numérique de la médiathèque")
    _clear(app)
    assert _decide(app, "modo1", rev_id, "publier").status_code == 302
    mails = _mails(app)
    assert set(mails) == {"ml@example.org", "ml2@example.org"}  # the two accounts of test--ml, not the moderator
    [(subject, body)] = mails["ml2@example.org"]
    assert subject == "Publiée : Point numérique de la médiathèque"
    assert "validée et publiée" in body and f"{PUBLIC}/espace/demande/{rev_id}" in body
    assert body.rstrip().endswith("le Département\nCartographie de l'offre d'insertion")  # MAPAPP_ORG_NAME's default


def test_rejection_mails_the_reason(app):
    rev_id = _submit(app, nom="Nom douteux")
    _clear(app)
    empty = _decide(app, "modo1", rev_id, "refuser", reason=" ")
    assert empty.status_code == 400 and _mails(app) == {}  # not rejected: no mail
    reason = "L'adresse n'existe pas <b>vérifiez</b> le numéro."
    assert _decide(app, "modo1", rev_id, "refuser", reason=reason).status_code == 302
    mails = _mails(app)
    assert set(mails) == {"ml@example.org", "ml2@example.org"}
    [(subject, body)] = mails["ml@example.org"]
    assert subject == "Refusée : Nom douteux"
    assert reason in body and "n'a pas été publiée" in body and f"{PUBLIC}/espace/demande/{rev_id}" in body


def test_without_a_moderator_of_the_territory_the_administrators_are_told(app, factory):
    with transaction(factory) as s:
        for name in ("modo1", "modo-all"):
            get_user_by_email(s, f"{name}@example.org").is_active = False
    _submit(app, nom="Point numérique de la médiathèque")
    assert set(_mails(app)) == {"admin@example.org"}


def test_a_moderator_publishing_directly_mails_the_partners_not_himself(app):
    moderator = logged_in(app, "modo1")
    response = _post_site(moderator, nom="Corrigé par la modération", action="publish")
    assert response.status_code == 302
    mails = _mails(app)
    assert set(mails) == {"ml@example.org", "ml2@example.org"}
    assert mails["ml@example.org"][0][0] == "Publiée : Corrigé par la modération"
