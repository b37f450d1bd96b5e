"""The catalog frames of /api/plus-proches and « Trouver une offre » are cached, and read again after any change."""

from __future__ import annotations

import flask

from mapapp.catalog.db import transaction
from mapapp.catalog.models import Offer, Site
from mapapp.web import api_access, catalog_cache
from tests.web.conftest import load_web_data


def catalog_frames(session):
    """:func:`api_access.catalog_frames` in a request of its own, as each web request is."""
    with flask.Flask("test").test_request_context():
        return api_access.catalog_frames(session)


def test_catalog_frames_follow_the_catalog(session_factory):
    catalog_cache.clear()
    load_web_data(session_factory)
    with session_factory() as s:
        sites, offers, _ = catalog_frames(s)
        again = catalog_frames(s)
        assert again[0] is sites  # cached: the same frames while nothing changed
        before = float(sites.loc[sites.site_id == "test--antenne", "lon"].iloc[0])
    with transaction(session_factory) as s:
        s.get(Site, "test--antenne").lon = before + 0.01
    with session_factory() as s:
        moved = catalog_frames(s)[0]
        assert moved is not sites
        assert float(moved.loc[moved.site_id == "test--antenne", "lon"].iloc[0]) == before + 0.01
    with transaction(session_factory) as s:
        s.get(Offer, "test--o-num").thematiques = ["mobilite--preparer-un-permis"]
    with session_factory() as s:
        offers_now = catalog_frames(s)[1]
        assert offers_now is not offers
        row = offers_now[offers_now.offer_id == "test--o-num"].iloc[0]
        assert row.thematiques == ["mobilite--preparer-un-permis"]


def test_catalog_frames_follow_the_calendar(session_factory, monkeypatch):
    """A temporary closure starts without any edit: the next day's frames are read again."""
    import datetime as dt

    catalog_cache.clear()
    load_web_data(session_factory)

    class Day(dt.date):
        current = dt.date(2026, 6, 30)

        @classmethod
        def today(cls):
            return cls.current

    monkeypatch.setattr(catalog_cache.dt, "date", Day)
    with session_factory() as s:
        status = catalog_frames(s)[0].set_index("site_id")["status"]
        assert status["test--perm"] == "temporarily_closed"  # marked closed, from 2026-07-01
        Day.current = dt.date(2026, 9, 1)
        status = catalog_frames(s)[0].set_index("site_id")["status"]
        assert status["test--perm"] == "active"  # the closure ended on 2026-08-31
