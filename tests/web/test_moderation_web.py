"""Moderators on the web: queue of their territory, publish / reject / rebase, history and restore, stale lists."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from mapapp.catalog.db import transaction
from mapapp.catalog.load import load_catalog
from mapapp.catalog.models import Site
from mapapp.catalog.models_users import Revision
from mapapp.catalog import history
from mapapp.catalog.history import record_to_data
from tests.catalog.contrib import (  # noqa: F401  (fixtures)
    contrib_app,
    contrib_settings,
    contrib_template,
    csrf,
    factory,
    form_values,
    logged_in,
    opened_on,
)
from tests.web.conftest import XSS
from tests.web.test_partenaires import SITE_FORM, _post_site, _revision_id


def _submitted(app, **fields) -> int:
    partner = logged_in(app, "ml")
    rev_id = _revision_id(_post_site(partner, **fields))
    partner.post(f"/espace/demande/{rev_id}/soumettre", data={"csrf_token": csrf(partner, "/espace/"),
                                                              **opened_on(partner, f"/espace/demande/{rev_id}")})
    return rev_id


def _decide(client, rev_id, action, **data):
    """Post a decision from the request's page as the moderator sees it (its lock_version), or as given."""
    page = client.get(f"/espace/demande/{rev_id}")
    seen = opened_on(client, f"/espace/demande/{rev_id}") if page.status_code == 200 else {"lock_version": "1"}
    return client.post(f"/moderation/demande/{rev_id}/{action}",
                       data={"csrf_token": csrf(client, "/moderation/"), **seen, **data})


def test_queue_shows_only_the_moderators_territory(contrib_app):
    rev_id = _submitted(contrib_app, nom=f"Nouveau nom {XSS}")  # test--num-1 is in Arlenc (TAS1)
    tas1 = logged_in(contrib_app, "modo1").get("/moderation/").get_data(as_text=True)
    assert f'/espace/demande/{rev_id}"' in tas1 and XSS not in tas1 and "&lt;script&gt;" in tas1
    assert f'/espace/demande/{rev_id}"' in logged_in(contrib_app, "modo-all").get("/moderation/").get_data(as_text=True)
    tas2 = logged_in(contrib_app, "modo2")
    assert f'/espace/demande/{rev_id}"' not in tas2.get("/moderation/").get_data(as_text=True)
    assert tas2.get(f"/espace/demande/{rev_id}").status_code == 404  # as if it did not exist
    assert _decide(tas2, rev_id, "publier").status_code == 404


def test_publish_makes_it_public_and_records_the_history(contrib_app, factory):
    rev_id = _submitted(contrib_app, nom="Point numérique de la médiathèque")
    moderator = logged_in(contrib_app, "modo1")
    page = moderator.get(f"/espace/demande/{rev_id}").get_data(as_text=True)
    assert "Valeur publiée" in page and "Point numérique 1" in page and "Publier" in page
    assert _decide(moderator, rev_id, "publier").status_code == 302
    public = contrib_app.test_client().get("/site/test--num-1").get_data(as_text=True)
    assert "Point numérique de la médiathèque" in public
    history = moderator.get("/espace/lieu/test--num-1/historique").get_data(as_text=True)
    assert "modo1@example.org" in history and f"demande n° {rev_id}" in history
    assert "Point numérique 1" in history and "Point numérique de la médiathèque" in history
    # The partner sees it published.
    partner = logged_in(contrib_app, "ml")
    assert "Publiée" in partner.get(f"/espace/demande/{rev_id}").get_data(as_text=True)


def test_reject_needs_a_reason_that_the_partner_reads(contrib_app, factory):
    rev_id = _submitted(contrib_app, nom="Nom douteux")
    moderator = logged_in(contrib_app, "modo1")
    empty = _decide(moderator, rev_id, "refuser", reason="")
    with factory() as s:
        assert s.get(Revision, rev_id).status == "submitted"
    # The message is on the page, tied to the reason field, with the linked summary (RGAA 11.10/11.11).
    from tests.web.html_ids import elements_by_id

    assert empty.status_code == 400
    page = elements_by_id(empty.get_data(as_text=True))
    assert page["erreurs"].links == ["#reason"] and "1 erreur :" in page["erreurs"].text
    assert page["reason"].attrs.get("aria-invalid") == "true"
    assert page["reason"].attrs["aria-describedby"] == "reason-err"
    assert "Indiquez la raison du refus" in page["reason-err"].text
    _decide(moderator, rev_id, "refuser", reason=f"Ce nom existe déjà {XSS}")
    page = logged_in(contrib_app, "ml").get(f"/espace/demande/{rev_id}").get_data(as_text=True)
    assert "Refusée" in page and "Ce nom existe déjà &lt;script&gt;" in page


def test_conflict_on_the_same_field_then_rebase(contrib_app, factory):
    rev_id = _submitted(contrib_app, nom="Proposition du partenaire")
    with transaction(factory) as s:
        load_catalog(s, {"sites": [{**record_to_data(s.get(Site, "test--num-1"), "sites"), "nom": "Changé ailleurs"}]})
    moderator = logged_in(contrib_app, "modo1")
    page = moderator.get(f"/espace/demande/{rev_id}").get_data(as_text=True)
    assert "a été modifiée depuis le début de cette demande" in html.unescape(page)
    _decide(moderator, rev_id, "publier")
    page = html.unescape(moderator.get(f"/espace/demande/{rev_id}").get_data(as_text=True))
    assert "publié entre-temps « Changé ailleurs », proposé « Proposition du partenaire »" in page
    with factory() as s:
        assert s.get(Site, "test--num-1").nom == "Changé ailleurs"
    _decide(moderator, rev_id, "reprendre")
    _decide(moderator, rev_id, "publier")
    with factory() as s:
        assert s.get(Site, "test--num-1").nom == "Proposition du partenaire"


def test_moderator_edits_and_publishes_directly_then_restores(contrib_app, factory):
    moderator = logged_in(contrib_app, "modo1")
    url = "/espace/lieu/test--num-1/modifier"
    response = moderator.post(url, data={**SITE_FORM, "nom": "Corrigé par le modérateur", "action": "publish",
                                         **opened_on(moderator, url), "csrf_token": csrf(moderator, url)})
    assert response.status_code == 302
    with factory() as s:
        assert s.get(Site, "test--num-1").nom == "Corrigé par le modérateur"
    # A moderator of another territory cannot edit it.
    assert logged_in(contrib_app, "modo2").get(url).status_code == 403
    history = moderator.get("/espace/lieu/test--num-1/historique").get_data(as_text=True)
    # Only one change so far: nothing earlier to restore. Change again, then restore the first version.
    moderator.post(url, data={**SITE_FORM, "nom": "Deuxième correction", "action": "publish",
                              **opened_on(moderator, url), "csrf_token": csrf(moderator, url)})
    history = moderator.get("/espace/lieu/test--num-1/historique").get_data(as_text=True)
    first = re.findall(r'/moderation/lieu/test--num-1/restaurer/(\d+)"', history)
    assert len(first) == 1
    partner = logged_in(contrib_app, "ml")
    assert partner.post(f"/moderation/lieu/test--num-1/restaurer/{first[0]}",
                        data={"csrf_token": csrf(partner, "/espace/"), "version": "3"}).status_code == 403
    response = moderator.post(f"/moderation/lieu/test--num-1/restaurer/{first[0]}",
                              data={"csrf_token": csrf(moderator, "/moderation/"), "version": "3"})
    assert response.status_code == 302
    with factory() as s:
        site = s.get(Site, "test--num-1")
        assert site.nom == "Corrigé par le modérateur" and site.version == 4
    # A restore based on an old version is refused (someone changed it meanwhile).
    moderator.post(f"/moderation/lieu/test--num-1/restaurer/{first[0]}",
                   data={"csrf_token": csrf(moderator, "/moderation/"), "version": "2"})
    with factory() as s:
        assert s.get(Site, "test--num-1").version == 4


def test_stale_list_per_territory(contrib_app):
    moderator = logged_in(contrib_app, "modo-all")
    page = moderator.get("/moderation/a-verifier?mois=1&territoire=territoire_action_sociale:TAS2").get_data(as_text=True)
    assert "Territoire Sud" in page and "Bus : arrêt de la place" in page and "Point numérique 1" not in page
    tas1 = logged_in(contrib_app, "modo1").get("/moderation/a-verifier?mois=1").get_data(as_text=True)
    assert "Point numérique 1" in tas1 and "Bus : arrêt de la place" not in tas1
    assert logged_in(contrib_app, "ml").get("/moderation/a-verifier").status_code == 403


def test_restoring_a_version_in_another_territory_is_refused(contrib_app, factory):
    # test--num-1 was moved to Saint-Jo (TAS2), then back to Arlenc (TAS1) where it is now.
    with transaction(factory) as s:
        data = record_to_data(s.get(Site, "test--num-1"), "sites")
        history.apply_live(s, "sites", {**data, "commune_code": "96002", "lon": 2.15, "lat": 45.05},
                           user=None, action="update")
        history.apply_live(s, "sites", data, user=None, action="update")
        in_tas2 = history.history_of(s, "sites", "test--num-1")[1].id
    url = f"/moderation/lieu/test--num-1/restaurer/{in_tas2}"
    tas1 = logged_in(contrib_app, "modo1")
    # TAS1's moderator may restore the record's versions, but not one that moves it out of TAS1.
    assert tas1.post(url, data={"csrf_token": csrf(tas1, "/moderation/"), "version": "3"}).status_code == 403
    with factory() as s:
        site = s.get(Site, "test--num-1")
        assert (site.commune_code, site.version) == ("96001", 3)
    everywhere = logged_in(contrib_app, "modo-all")
    assert everywhere.post(url, data={"csrf_token": csrf(everywhere, "/moderation/"), "version": "3"}).status_code == 302
    with factory() as s:
        assert s.get(Site, "test--num-1").commune_code == "96002"


def test_two_moderators_publishing_the_same_live_site_cannot_overwrite_each_other(contrib_app, factory):
    """The attack: both open the live site, both « publish »; the second used to overwrite the first silently."""
    first, second = logged_in(contrib_app, "modo1"), logged_in(contrib_app, "modo-all")
    url = "/espace/lieu/test--num-1/modifier"
    form_a = form_values(first, url, nom="Nom corrigé par le premier", action="publish")
    form_b = form_values(second, url, adresse="5 avenue de la Gare", action="publish")
    assert form_a["version"] == form_b["version"] == "1"
    assert first.post(url, data=form_a).status_code == 302
    assert second.post(url, data=form_b).status_code == 302  # other fields: merged, both kept
    with factory() as s:
        site = s.get(Site, "test--num-1")
        assert (site.nom, site.adresse, site.version) == ("Nom corrigé par le premier", "5 avenue de la Gare", 3)
    # Both change the name: the second is refused, field by field, and the first's name stays.
    form_a = form_values(first, url, nom="Nom du premier", action="publish")
    form_b = form_values(second, url, nom="Nom du second", action="publish")
    assert first.post(url, data=form_a).status_code == 302
    late = second.post(url, data=form_b)
    page = html.unescape(late.get_data(as_text=True))
    assert late.status_code == 409
    assert "Nom : enregistré entre-temps « Nom du premier », votre saisie « Nom du second »" in page
    with factory() as s:
        assert s.get(Site, "test--num-1").nom == "Nom du premier"
        assert s.scalar(select(func.count()).select_from(Revision).where(Revision.status.in_(["draft", "submitted"]))) == 0


@pytest.mark.parametrize("missing", ["lock_version", "version"])
def test_an_edit_without_the_version_it_was_opened_on_is_refused_in_french(contrib_app, factory, missing):
    moderator = logged_in(contrib_app, "modo1")
    url = "/espace/lieu/test--num-1/modifier"
    form = form_values(moderator, url, nom="Sans version", action="publish")
    del form[missing]
    response = moderator.post(url, data=form)
    assert response.status_code == 400
    assert (f"Le formulaire ne dit pas sur quelle version de la fiche il a été ouvert (champ « {missing} » manquant"
            in html.unescape(response.get_data(as_text=True)))
    with factory() as s:
        assert s.get(Site, "test--num-1").nom == "Point numérique 1" and s.scalar(select(Revision.id)) is None


def test_a_moderator_never_publishes_a_request_changed_after_reading_it(contrib_app, factory):
    rev_id = _submitted(contrib_app, nom="Version lue par le modérateur")
    moderator = logged_in(contrib_app, "modo1")
    seen = opened_on(moderator, f"/espace/demande/{rev_id}")
    # Meanwhile the partner withdraws it, changes it and submits it again.
    partner = logged_in(contrib_app, "ml")
    page = f"/espace/demande/{rev_id}"
    partner.post(f"{page}/retirer", data={"csrf_token": csrf(partner, "/espace/"), **opened_on(partner, page)})
    _post_site(partner, nom="Version changée ensuite")
    partner.post(f"{page}/soumettre", data={"csrf_token": csrf(partner, "/espace/"), **opened_on(partner, page)})
    response = moderator.post(f"/moderation/demande/{rev_id}/publier",
                              data={"csrf_token": csrf(moderator, "/moderation/"), **seen})
    assert response.status_code == 302
    assert "modifiée depuis que vous avez ouvert la page" in html.unescape(moderator.get(page).get_data(as_text=True))
    with factory() as s:
        assert s.get(Revision, rev_id).status == "submitted" and s.get(Site, "test--num-1").nom == "Point numérique 1"
    no_version = moderator.post(f"/moderation/demande/{rev_id}/publier", data={"csrf_token": csrf(moderator, "/moderation/")})
    assert no_version.status_code == 400
