"""The [sans_voiture] section of the settings file (mapapp.settings_carfree)."""

from __future__ import annotations

import pytest

from mapapp.access.carfree import CarfreeSettings
from mapapp.access.settings import default_settings
from mapapp.settings_file import SettingsFileError, parse_settings, write_settings


def _with(section: str) -> str:
    return write_settings(default_settings()) + "\n[sans_voiture]\n" + section


def test_absent_section_gives_the_defaults_and_the_same_digest():
    s = parse_settings(write_settings(default_settings()))
    assert s.carfree == CarfreeSettings()
    assert s.digest() == default_settings().digest()
    assert "[sans_voiture]" not in write_settings(default_settings())


def test_section_is_read_and_written_back():
    s = parse_settings(_with('jour = "2026-09-15"\nfenetre = "07:30-09:00"\npas_minutes = 10\n'
                             'tad_facteur = 1.5\ntad_horaires = "07:00-19:00"\nretour_avant = "13:00"\n'))
    c = s.carfree
    assert (c.service_date, c.window_start_s, c.window_end_s, c.step_s) == ("2026-09-15", 27000, 32400, 600)
    assert (c.tad.speed_factor, c.tad.service_start_s, c.home_by_s) == (1.5, 7 * 3600, 13 * 3600)
    assert parse_settings(write_settings(s)).carfree == c
    assert s.digest() != default_settings().digest()


def test_bad_values_are_french_errors_with_their_line():
    text = _with('jour = "15/09/2026"\nfenetre = "10:00-08:00"\ntad_facteur = 0.5\nvitesse = 3\n')
    with pytest.raises(SettingsFileError) as err:
        parse_settings(text)
    lines = text.splitlines()
    messages = {p.message: p.line for p in err.value.problems}
    assert any("jour" in m and "AAAA-MM-JJ" in m for m in messages)
    assert any("fenetre" in m and "précéder" in m for m in messages)
    assert any("tad_facteur" in m for m in messages)
    assert any("clé inconnue « vitesse »" in m for m in messages)
    for m, line in messages.items():
        key = "jour" if "jour" in m else "fenetre" if "fenetre" in m else "tad_facteur" if "tad_facteur" in m \
            else "vitesse"
        assert lines[line - 1].startswith(key), (m, line)
