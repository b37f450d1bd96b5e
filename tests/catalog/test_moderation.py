"""Moderation queue, history, optimistic locking and freshness, without the web layer."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from mapapp.catalog import freshness, history, moderation
from mapapp.catalog.db import transaction
from mapapp.catalog.filters import CatalogFilters
from mapapp.catalog.history import ConflictError, PermissionDenied, ValidationFailed, record_to_data
from mapapp.catalog.load import load_catalog
from mapapp.catalog.models import Offer, Site, Structure
from mapapp.catalog.models_users import ChangeLog, Revision
from mapapp.catalog.query import select_catalog
from mapapp.catalog.users import get_user_by_email
from tests.catalog.contrib import contrib_settings, contrib_template, factory  # noqa: F401  (fixtures)


def _user(s, name):
    return get_user_by_email(s, f"{name}@example.org")


def _site(s, site_id="test--num-1"):
    return record_to_data(s.get(Site, site_id), "sites")


def test_partner_edit_is_a_draft_until_a_moderator_of_the_territory_publishes_it(factory):
    with transaction(factory) as s:
        data = {**_site(s), "nom": "Point numérique de la médiathèque"}
        rev = moderation.save_draft(s, _user(s, "ml"), "sites", data)
        assert rev.status == "draft" and rev.action == "update" and rev.base_version == 1
        moderation.submit(s, _user(s, "ml"), rev)
        rev_id = rev.id
    with factory() as s:
        # Live data (what the public and the engine read) is unchanged.
        assert s.get(Site, "test--num-1").nom == "Point numérique 1"
        rev = s.get(Revision, rev_id)
        assert rev.status == "submitted"
        # 96001 is in TAS1: the TAS2 moderator may neither publish nor see it in the queue.
        with pytest.raises(PermissionDenied):
            moderation.publish(s, _user(s, "modo2"), rev)
        assert rev not in moderation.visible_revisions(s, _user(s, "modo2"))
        assert rev in moderation.visible_revisions(s, _user(s, "modo1"))
        with pytest.raises(PermissionDenied):
            moderation.publish(s, _user(s, "ml"), rev)  # partners never publish
    with transaction(factory) as s:
        entry = moderation.publish(s, _user(s, "modo1"), s.get(Revision, rev_id), today=dt.date(2026, 11, 20))
        assert entry.changes["nom"] == ["Point numérique 1", "Point numérique de la médiathèque"]
    with factory() as s:
        site = s.get(Site, "test--num-1")
        assert site.nom == "Point numérique de la médiathèque" and site.version == 2
        assert site.date_maj == dt.date(2026, 11, 20)
        log = history.history_of(s, "sites", "test--num-1")
        assert [(e.action, e.user_label, e.version) for e in log] == [("update", "modo1@example.org", 2)]
        assert log[0].revision_id == rev_id and s.get(Revision, rev_id).status == "published"


def test_partner_cannot_propose_changes_to_another_structure(factory):
    with factory() as s:
        ml = _user(s, "ml")
        with pytest.raises(PermissionDenied):
            moderation.save_draft(s, ml, "sites", {**_site(s, "test--site-1"), "nom": "Piraté"})
        # Nor move its own site to another structure, nor create a record for another structure.
        with pytest.raises(PermissionDenied):
            moderation.save_draft(s, ml, "sites", {**_site(s), "structure_id": "test--cd"})
        new = {**_site(s), "id": "test--new", "structure_id": "test--fs"}
        with pytest.raises(PermissionDenied):
            moderation.save_draft(s, ml, "sites", new)


def test_a_new_site_exists_only_as_a_revision_until_published(factory):
    with transaction(factory) as s:
        ml = _user(s, "ml")
        sid = moderation.new_record_id(s, "sites", "test--ml")
        site = {**_site(s), "id": sid, "nom": "Nouveau point d'accueil", "commune_code": None, "lon": 2.15, "lat": 45.06}
        rev = moderation.save_draft(s, ml, "sites", site, submit=True)
        assert rev.action == "create" and rev.data["commune_code"] == "96002"  # derived from the point
        # An offer at that unpublished site is a valid proposal of the same structure.
        offer = {**record_to_data(s.get(Offer, "test--o-num"), "offers"), "id": "test--ml--offre-x", "site_ids": [sid]}
        orev = moderation.save_draft(s, ml, "offers", offer, submit=True)
        ids = (rev.id, orev.id)
    with factory() as s:
        assert s.get(Site, sid) is None
        selection = select_catalog(s, CatalogFilters())
        assert sid not in {e.site.id for e in selection.sites}
        # Publishing the offer first says which request to publish first.
        with pytest.raises(moderation.ContributionError, match=f"n° {ids[0]}"):
            moderation.publish(s, _user(s, "modo2"), s.get(Revision, ids[1]))
    with transaction(factory) as s:
        moderation.publish(s, _user(s, "modo2"), s.get(Revision, ids[0]))
        moderation.publish(s, _user(s, "modo2"), s.get(Revision, ids[1]))
    with factory() as s:
        assert s.get(Offer, "test--ml--offre-x").sites[0].id == sid
        assert [e.action for e in history.history_of(s, "sites", sid)] == ["create"]


def test_invalid_proposals_are_refused_with_the_field(factory):
    with factory() as s:
        ml = _user(s, "ml")
        offer = record_to_data(s.get(Offer, "test--o-num"), "offers")
        with pytest.raises(ValidationFailed) as err:
            moderation.save_draft(s, ml, "offers", {**offer, "thematiques": ["mobilite--voler"],
                                                    "horaires_accueil": "lundi matin"})
        fields = {f for f, _m in err.value.issues}
        assert {"thematiques", "horaires_accueil"} <= fields
        with pytest.raises(ValidationFailed, match="hors du territoire"):
            moderation.save_draft(s, ml, "sites", {**_site(s), "lon": 5.0, "lat": 48.0})
        with pytest.raises(ValidationFailed, match="lieu inconnu"):
            moderation.save_draft(s, ml, "offers", {**offer, "site_ids": ["nope"]})
        assert s.scalar(select(Revision.id)) is None


def test_another_structures_draft_site_cannot_be_used_or_probed(factory):
    with transaction(factory) as s:
        site = {**_site(s, "test--fs-arlenc"), "id": "test--fs--secret", "nom": "Projet confidentiel"}
        moderation.save_draft(s, _user(s, "fs"), "sites", site)
    with factory() as s:
        offer = record_to_data(s.get(Offer, "test--o-num"), "offers")
        with pytest.raises(ValidationFailed, match="lieu inconnu"):
            moderation.save_draft(s, _user(s, "ml"), "offers", {**offer, "site_ids": ["test--fs--secret"]})
        assert moderation.visible_revisions(s, _user(s, "ml")) == []


def test_two_people_saving_the_same_draft_never_lose_a_change(factory):
    with transaction(factory) as s:
        rev = moderation.save_draft(s, _user(s, "ml"), "sites", {**_site(s), "nom": "Version A"})
        rev_id, lock = rev.id, rev.lock_version
    # Both members opened the draft at lock version `lock`; the first save wins, the second is refused.
    with transaction(factory) as s:
        moderation.save_draft(s, _user(s, "ml"), "sites", {**_site(s), "nom": "Version B"},
                              revision=s.get(Revision, rev_id), lock_version=lock)
    with factory() as s:
        with pytest.raises(ConflictError, match="modifiée par quelqu'un d'autre"):
            moderation.save_draft(s, _user(s, "ml2"), "sites", {**_site(s), "nom": "Version C"},
                                  revision=s.get(Revision, rev_id), lock_version=lock)
        # A second open revision for the same record is refused too.
        with pytest.raises(ConflictError, match="déjà en cours"):
            moderation.save_draft(s, _user(s, "ml2"), "sites", {**_site(s), "nom": "Version D"})
    with factory() as s:
        assert s.get(Revision, rev_id).data["nom"] == "Version B"


def test_publication_merges_other_changes_and_stops_on_the_same_field(factory):
    with transaction(factory) as s:
        rev = moderation.save_draft(s, _user(s, "ml"), "sites", {**_site(s), "nom": "Nom proposé"}, submit=True)
        rev_id = rev.id
    # Meanwhile the administrator changes the hours out of band (a CLI import).
    with transaction(factory) as s:
        load_catalog(s, {"sites": [{**_site(s), "horaires_accueil": "Mo 09:00-12:00"}]})
    with transaction(factory) as s:
        moderation.publish(s, _user(s, "modo1"), s.get(Revision, rev_id))
    with factory() as s:
        site = s.get(Site, "test--num-1")
        assert (site.nom, site.horaires_accueil) == ("Nom proposé", "Mo 09:00-12:00")  # both changes kept

    with transaction(factory) as s:
        rev = moderation.save_draft(s, _user(s, "ml"), "sites", {**_site(s), "nom": "Proposition 2"}, submit=True)
        rev_id = rev.id
    with transaction(factory) as s:
        load_catalog(s, {"sites": [{**_site(s), "nom": "Changé par l'admin"}]})
    with factory() as s:
        assert moderation.is_stale(s, s.get(Revision, rev_id))
        with pytest.raises(ConflictError, match="Changé par l'admin.*Proposition 2"):
            moderation.publish(s, _user(s, "modo1"), s.get(Revision, rev_id))
    with factory() as s:
        assert s.get(Site, "test--num-1").nom == "Changé par l'admin"
    with transaction(factory) as s:
        conflicts = moderation.rebase(s, _user(s, "modo1"), s.get(Revision, rev_id))
        assert conflicts == ["nom"]
        assert moderation.changes_of(s, s.get(Revision, rev_id))["nom"] == ["Changé par l'admin", "Proposition 2"]
        moderation.publish(s, _user(s, "modo1"), s.get(Revision, rev_id))
    with factory() as s:
        assert s.get(Site, "test--num-1").nom == "Proposition 2"


def test_concurrent_writes_of_a_live_record_raise_a_conflict(factory):
    other = factory()
    stale = other.get(Site, "test--num-1")  # read at version 1
    with transaction(factory) as s:
        history.apply_live(s, "sites", {**_site(s), "nom": "Premier"}, user=None, action="update")
    with pytest.raises(ConflictError):
        history.apply_live(other, "sites", {**record_to_data(stale, "sites"), "nom": "Second"}, user=None,
                           action="update")
    other.rollback()
    other.close()
    with factory() as s:
        assert s.get(Site, "test--num-1").nom == "Premier"


def test_history_records_every_change_and_restores_an_earlier_version(factory):
    with transaction(factory) as s:
        history.apply_live(s, "sites", {**_site(s), "nom": "Nom 2"}, user=_user(s, "admin"), action="update")
    with transaction(factory) as s:
        history.apply_live(s, "sites", {**_site(s), "nom": "Nom 3", "horaires_accueil": "Tu 09:00-12:00"},
                           user=_user(s, "modo1"), action="update")
    with factory() as s:
        log = history.history_of(s, "sites", "test--num-1")
        assert [e.version for e in log] == [3, 2]
        assert log[0].changes == {"nom": ["Nom 2", "Nom 3"],
                                  "horaires_accueil": ["Mo-Fr 08:30-12:00,13:30-17:00; PH off", "Tu 09:00-12:00"]}
        first = log[1].id
    with transaction(factory) as s:
        entry = history.restore(s, _user(s, "modo1"), "sites", "test--num-1", first)
        assert entry.action == "restore"
    with factory() as s:
        site = s.get(Site, "test--num-1")
        assert (site.nom, site.horaires_accueil) == ("Nom 2", "Mo-Fr 08:30-12:00,13:30-17:00; PH off")
        assert len(history.history_of(s, "sites", "test--num-1")) == 3


def test_rejection_needs_a_reason_the_partner_sees(factory):
    with transaction(factory) as s:
        rev = moderation.save_draft(s, _user(s, "ml"), "sites", {**_site(s), "nom": "Autre nom"}, submit=True)
        rev_id = rev.id
    with factory() as s:
        with pytest.raises(ValidationFailed):
            moderation.reject(s, _user(s, "modo1"), s.get(Revision, rev_id), "  ")
    with transaction(factory) as s:
        moderation.reject(s, _user(s, "modo1"), s.get(Revision, rev_id), "Nom déjà utilisé")
    with factory() as s:
        rev = s.get(Revision, rev_id)
        assert (rev.status, rev.reason) == ("rejected", "Nom déjà utilisé")
        assert rev in moderation.visible_revisions(s, _user(s, "ml"), ["rejected"])
        assert s.get(Site, "test--num-1").nom == "Point numérique 1"


def test_still_valid_and_stale_lists(factory):
    today = dt.date(2027, 3, 1)
    with factory() as s:
        stale = freshness.stale_records(s, months=12, today=today, structure_ids={"test--ml"})
        ids = {r.record_id for r in stale}
        # test--num-1 was verified 2026-01-15 (more than 12 months before 2027-03-01); closed sites are never listed.
        assert "test--num-1" in ids and "test--closed" not in ids
        assert all(r.structure_id == "test--ml" for r in stale)
        assert "test--num-1" not in {r.record_id for r in freshness.stale_records(s, months=18, today=today)}
        tas2 = {r.record_id for r in freshness.stale_records(s, today=today, communes={"96002"})}
        assert "test--xss" in tas2 and "test--num-1" not in tas2
        with pytest.raises(PermissionDenied):
            freshness.mark_verified(s, _user(s, "fs"), "sites", "test--num-1", today=today)
    with transaction(factory) as s:
        entry = freshness.mark_verified(s, _user(s, "ml"), "offers", "test--o-num", today=today)
        assert entry.action == "verify" and entry.changes == {"date_verification": [None, "2027-03-01"]}
    with factory() as s:
        offer = s.get(Offer, "test--o-num")
        assert offer.date_verification == today and len(offer.sites) == 2  # the sites were kept
        assert "test--o-num" not in {r.record_id for r in freshness.stale_records(s, today=today)}
        assert s.scalar(select(ChangeLog.user_label).where(ChangeLog.record_id == "test--o-num")) == "ml@example.org"


def test_months_before():
    assert freshness.months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert freshness.months_before(dt.date(2026, 1, 15), 12) == dt.date(2025, 1, 15)
    assert freshness.months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)


def test_a_change_moving_a_record_needs_a_moderator_of_both_territories(factory):
    # test--xss is in Saint-Jo (96002, TAS2); the partner proposes to move it to Arlenc (96001, TAS1).
    with transaction(factory) as s:
        data = {**_site(s, "test--xss"), "commune_code": "96001", "lon": 2.0401, "lat": 45.0301}
        rev = moderation.save_draft(s, _user(s, "ml"), "sites", data, submit=True)
        rev_id = rev.id
    with factory() as s:
        rev = s.get(Revision, rev_id)
        # TAS1's moderator sees it (it would land in TAS1) but may not pull a TAS2 record into TAS1...
        assert rev in moderation.visible_revisions(s, _user(s, "modo1"))
        for name in ("modo1", "modo2"):  # ... nor TAS2's push it out of TAS2
            assert not moderation.can_edit(s, _user(s, name), rev)
            with pytest.raises(PermissionDenied):
                moderation.publish(s, _user(s, name), rev)
            with pytest.raises(PermissionDenied):
                moderation.rebase(s, _user(s, name), rev)
        assert s.get(Site, "test--xss").commune_code == "96002"
        assert moderation.can_edit(s, _user(s, "modo-all"), rev) and moderation.can_edit(s, _user(s, "admin"), rev)
    with transaction(factory) as s:
        moderation.publish(s, _user(s, "modo-all"), s.get(Revision, rev_id))  # département-wide: allowed
    with factory() as s:
        assert s.get(Site, "test--xss").commune_code == "96001"


def test_restore_asks_about_the_version_restored(factory):
    with transaction(factory) as s:
        history.apply_live(s, "sites", {**_site(s), "nom": "Nom 2"}, user=None, action="update")
        first = history.history_of(s, "sites", "test--num-1")[0].id
    with factory() as s:
        with pytest.raises(PermissionDenied):
            history.restore(s, _user(s, "modo1"), "sites", "test--num-1", first, authorize=lambda snapshot: False)
        assert s.get(Site, "test--num-1").nom == "Nom 2"
        seen = []
        history.restore(s, _user(s, "modo1"), "sites", "test--num-1", first,
                        authorize=lambda snapshot: seen.append(snapshot) or True)
        assert seen[0]["nom"] == "Nom 2"


def _place_structure(s, structure_id: str, commune: str) -> None:
    data = {**record_to_data(s.get(Structure, structure_id), "structures"), "commune_code": commune}
    history.apply_live(s, "structures", data, user=None, action="update")


def test_a_moderator_cannot_reach_another_territorys_structure_through_a_site_it_adds(factory):
    """The attack: a TAS1 moderator adds a TAS1 site to a TAS2 structure, publishes it, then edits the structure."""
    with transaction(factory) as s:
        _place_structure(s, "test--fs", "96002")  # France Services now sits in Saint-Jo (TAS2)
    with transaction(factory) as s:
        modo1 = _user(s, "modo1")
        sid = moderation.new_record_id(s, "sites", "test--fs")
        site = {**_site(s), "id": sid, "structure_id": "test--fs", "nom": "Relais d'Arlenc", "commune_code": "96001",
                "lon": 2.0405, "lat": 45.0305}
        moderation.publish(s, modo1, moderation.save_draft(s, modo1, "sites", site, submit=True))
    with factory() as s:
        assert s.get(Site, sid).structure_id == "test--fs"  # the site itself is in TAS1: that part is legitimate
        modo1 = _user(s, "modo1")
        structure = {**record_to_data(s.get(Structure, "test--fs"), "structures"), "nom": "Repris par TAS1"}
        with pytest.raises(PermissionDenied):
            moderation.save_draft(s, modo1, "structures", structure)
        # The TAS2 moderator, whose territory the structure is in, may.
        rev = moderation.save_draft(s, _user(s, "modo2"), "structures", structure, submit=True)
        with pytest.raises(PermissionDenied):
            moderation.publish(s, modo1, rev)


def test_moving_a_structure_across_territories_needs_both_territories(factory):
    with transaction(factory) as s:
        _place_structure(s, "test--fs", "96002")
    with factory() as s:
        moved = {**record_to_data(s.get(Structure, "test--fs"), "structures"), "commune_code": "96001"}
        for name in ("modo1", "modo2"):  # neither territory alone
            with pytest.raises(PermissionDenied):
                moderation.save_draft(s, _user(s, name), "structures", moved)
        rev = moderation.save_draft(s, _user(s, "ml"), "structures", {
            **record_to_data(s.get(Structure, "test--ml"), "structures"), "commune_code": "96002"}, submit=True)
        with pytest.raises(PermissionDenied):
            moderation.publish(s, _user(s, "modo1"), rev)  # out of TAS1 into TAS2: the TAS2 side must agree
        with pytest.raises(PermissionDenied):
            moderation.publish(s, _user(s, "modo2"), rev)
        assert moderation.publish(s, _user(s, "modo-all"), rev) is not None
        assert s.get(Structure, "test--ml").commune_code == "96002"


def test_a_partner_cannot_attach_another_structures_site_to_its_offer(factory):
    with factory() as s:
        ml = _user(s, "ml")
        offer = record_to_data(s.get(Offer, "test--o-num"), "offers")
        # test--site-1 belongs to test--cd: refused before it reaches moderation, with a French message.
        with pytest.raises(ValidationFailed) as refused:
            moderation.save_draft(s, ml, "offers", {**offer, "site_ids": [*offer["site_ids"], "test--site-1"]})
        assert refused.value.issues == [("site_ids", "site_ids : le lieu « Maison des Solidarités de Test » "
                                         "(test--site-1) appartient à une autre structure : une offre ne peut utiliser "
                                         "que les lieux de sa propre structure")]
        assert s.scalar(select(Revision).where(Revision.record_id == "test--o-num")) is None
        # Its own sites, and its own unpublished ones, are fine.
        rev = moderation.save_draft(s, ml, "offers", {**offer, "site_ids": ["test--num-1"]})
        assert rev.data["site_ids"] == ["test--num-1"]
        # A moderator of the territory may link structures' sites (a permanence in someone else's premises).
        s.delete(rev)
        s.flush()
        rev = moderation.save_draft(s, _user(s, "modo1"), "offers", {**offer, "site_ids": ["test--num-1", "test--site-1"]},
                                    submit=True)
        assert sorted(rev.data["site_ids"]) == ["test--num-1", "test--site-1"]
        moderation.publish(s, _user(s, "modo1"), rev)
        # Once a moderator attached it, the partner may keep it when editing the offer (not add others).
        offer = record_to_data(s.get(Offer, "test--o-num"), "offers")
        kept = moderation.save_draft(s, ml, "offers", {**offer, "nom": "Ateliers numériques du jeudi"})
        assert sorted(kept.data["site_ids"]) == ["test--num-1", "test--site-1"]


def test_a_save_based_on_an_older_live_version_merges_from_the_history(factory):
    """A form opened on version 1 (loaded, no history of its own) saved after a publication: version 1 is the
    next change undone, so a change to another field merges and the same field is a conflict listing both."""
    with transaction(factory) as s:
        modo1 = _user(s, "modo1")
        moderation.publish(s, modo1, moderation.save_draft(s, modo1, "sites", {**_site(s), "nom": "Publié d'abord"},
                                                           base_version=1, submit=True))
    with factory() as s:
        assert history.version_data(s, "sites", "test--num-1", 1)["nom"] == "Point numérique 1"
        opened_on_v1 = {**_site(s), "nom": "Point numérique 1"}  # what the late form shows (and sends back)
        with pytest.raises(moderation.FieldConflict) as conflict:
            moderation.save_draft(s, _user(s, "ml"), "sites", {**opened_on_v1, "nom": "Autre nom"}, base_version=1)
        assert conflict.value.fields == [("nom", "Publié d'abord", "Autre nom")]
        rev = moderation.save_draft(s, _user(s, "ml"), "sites", {**opened_on_v1, "adresse": "7 rue Neuve"}, base_version=1)
        assert (rev.data["nom"], rev.data["adresse"], rev.base_version) == ("Publié d'abord", "7 rue Neuve", 2)
        # Continuing a draft needs the version it was opened on.
        with pytest.raises(moderation.ContributionError, match="version de la demande"):
            moderation.save_draft(s, _user(s, "ml"), "sites", rev.data, revision=rev)
