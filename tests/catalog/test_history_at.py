"""The catalog at a past moment, rebuilt from the change history (issue 16 §1), on a hand-made catalog."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from mapapp.catalog.history import apply_live
from mapapp.catalog.history_at import catalog_at, catalog_state, day_end
from mapapp.catalog.load import load_catalog
from mapapp.catalog.models_users import ChangeLog
from tests.catalog.records import OFFER, SITE, catalog, with_fields

KNOWN = {"96001", "96002"}


def _dated(session, entry, when: dt.datetime):
    session.execute(update(ChangeLog).where(ChangeLog.id == entry.id).values(at=when))
    session.flush()


def test_state_at_each_date_is_rebuilt_from_the_history(session):
    load_catalog(session, catalog(mobility_solutions=[]), known_communes=KNOWN)  # no history: as loaded
    session.flush()
    loaded = catalog_state(session)
    # 10 January: a new site opens with its own offer.
    site2 = with_fields(SITE, id="test--site-2", nom="Antenne nouvelle", commune_code="96002")
    offer2 = with_fields(OFFER, id="test--offre-2", nom="Permanence emploi", site_ids=["test--site-2"])
    jan = dt.datetime(2026, 1, 10, 9)
    _dated(session, apply_live(session, "sites", site2, user=None, action="update", known_communes=KNOWN), jan)
    _dated(session, apply_live(session, "offers", offer2, user=None, action="update", known_communes=KNOWN), jan)
    after_jan = catalog_state(session)
    # 15 February: the first site closes and the first offer changes its description.
    feb = dt.datetime(2026, 2, 15, 16)
    _dated(session, apply_live(session, "sites", with_fields(SITE, status="closed"), user=None, action="update",
                               known_communes=KNOWN), feb)
    _dated(session, apply_live(session, "offers", with_fields(OFFER, description="Nouveau texte."), user=None,
                               action="update", known_communes=KNOWN), feb)
    now = catalog_state(session)

    assert catalog_at(session, day_end(dt.date(2026, 1, 9))) == loaded
    assert catalog_at(session, day_end(dt.date(2026, 1, 10))) == after_jan
    assert catalog_at(session, day_end(dt.date(2026, 2, 14))) == after_jan
    assert catalog_at(session, day_end(dt.date(2026, 2, 15))) == now
    early = catalog_at(session, day_end(dt.date(2025, 12, 31)))
    assert [s["id"] for s in early["sites"]] == ["test--site-1"]  # created later: absent before
    assert early["sites"][0]["status"] == "active"  # closed later: the change undone
    assert early["offers"][0]["description"] == OFFER["description"]
    assert now["sites"][0]["status"] == "closed" and len(now["sites"]) == 2


def test_the_rebuilt_catalog_loads_again(session, session_factory):
    """What a rebuild gives is a catalog load_catalog accepts (the retroactive snapshot loads it)."""
    load_catalog(session, catalog(mobility_solutions=[]), known_communes=KNOWN)
    site2 = with_fields(SITE, id="test--site-2", nom="Antenne nouvelle", commune_code="96002")
    entry = apply_live(session, "sites", site2, user=None, action="update", known_communes=KNOWN)
    _dated(session, entry, dt.datetime(2026, 3, 1))
    state = catalog_at(session, day_end(dt.date(2026, 2, 1)))
    session.rollback()
    with session_factory() as other:
        load_catalog(other, state, known_communes=KNOWN)  # raises CatalogLoadError on any problem
        assert catalog_state(other) == state
