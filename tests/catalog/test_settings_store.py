"""Settings versions in the database: the latest is current, a failed import stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from mapapp.access.settings import default_settings
from mapapp.catalog.db import make_engine, make_sessionmaker, transaction, upgrade
from mapapp.catalog.models import AccessSettingsVersion
from mapapp.catalog.settings_store import (
    StoredSettingsError,
    change_thresholds,
    current_settings,
    current_text,
    import_settings,
    parse_minutes,
    settings_history,
)
from mapapp.settings_file import SettingsFileError, write_settings


@pytest.fixture
def factory(tmp_path):
    url = f"sqlite:///{tmp_path / 'settings.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(AccessSettingsVersion))


def test_without_any_import_the_defaults_are_current(factory):
    with factory() as s:
        assert current_settings(s).digest() == default_settings().digest()
        assert settings_history(s) == []
        assert current_text(s) == write_settings(default_settings())


def test_each_import_is_a_version_and_the_latest_is_current(factory):
    default_text = write_settings(default_settings())
    seven = default_text.replace("seuil_voiture = 10", "seuil_voiture = 7", 1)
    with transaction(factory) as s:
        first = import_settings(s, default_text, author="Alice", comment="  départ ")
        assert import_settings(s, default_text, author="Alice") is None  # same text: nothing new
    with transaction(factory) as s:
        second = import_settings(s, seven.encode(), author="Bob", comment="7 min en voiture")
    with factory() as s:
        history = settings_history(s)
        assert [v.id for v in history] == [second.id, first.id]
        assert [(v.author, v.comment) for v in history] == [("Bob", "7 min en voiture"), ("Alice", "départ")]
        current = current_settings(s)
        assert current.themes[0].thresholds["car"].main_min == 7.0
        assert current.digest() == history[0].digest != history[1].digest == default_settings().digest()
        assert current_text(s) == seven and history[0].created_at is not None


def test_a_failed_import_stores_nothing(factory):
    bad = write_settings(default_settings()).replace('thematiques = ["mobilite"]', 'thematiques = ["mobilit"]')
    with pytest.raises(SettingsFileError, match="vouliez-vous dire « mobilite »"):
        with transaction(factory) as s:
            import_settings(s, write_settings(default_settings()), author="A")
            import_settings(s, bad, author="A")  # the whole transaction is rolled back by the caller
    with factory() as s:
        assert _count(s) == 0
        with pytest.raises(SettingsFileError):
            import_settings(s, bad, author="A")
        assert _count(s) == 0  # raised before anything was added to the session


def test_change_thresholds_writes_a_new_version(factory):
    with transaction(factory) as s:
        version = change_thresholds(s, "france_services", "car", 15, [10, 45], author="Admin", comment="seuil 15")
    with factory() as s:
        assert [v.id for v in settings_history(s)] == [version.id]
        fs = current_settings(s).theme("france_services")
        assert fs.thresholds["car"].main_min == 15.0 and fs.thresholds["car"].bands_min == (10.0, 15.0, 45.0)
        assert fs.thresholds["walk"].main_min == 30.0  # other modes unchanged
        assert current_settings(s).theme("mobilite").thresholds["car"].main_min == 10.0
    with transaction(factory) as s:
        assert change_thresholds(s, "france_services", "car", 15, [10, 45], author="Admin") is None
        for args in (("nope", "car", 10, []), ("mobilite", "plane", 10, []), ("mobilite", "car", 0, [])):
            with pytest.raises(SettingsFileError):
                change_thresholds(s, *args, author="Admin")
    with factory() as s:
        assert _count(s) == 1


def test_a_stored_version_that_no_longer_reads_is_an_error_not_the_defaults(factory):
    with transaction(factory) as s:
        s.add(AccessSettingsVersion(text="[[theme]]\ncle = 3\n", digest="x", author="", comment="",
                                    created_at=dt.datetime(2026, 1, 1)))
    with factory() as s, pytest.raises(StoredSettingsError, match=r"version 1\) ne sont plus valides"):
        current_settings(s)


def test_parse_minutes():
    assert parse_minutes("7, 10 ; 20 7,5", "Paliers") == [7.0, 10.0, 20.0, 7.5]
    assert parse_minutes("", "Paliers") == []
    with pytest.raises(SettingsFileError, match="« dix » n'est pas un nombre"):
        parse_minutes("dix", "Paliers")
    with pytest.raises(SettingsFileError, match="strictement positives"):
        parse_minutes("0", "Paliers")
