"""Formats of :mod:`mapapp.web.access_data` shown to people."""

from __future__ import annotations

import math

import pytest

from mapapp.web.access_data import duration_fr

NB = "\u00a0"


@pytest.mark.parametrize("minutes, text", [
    (0.0, f"moins d'1{NB}min"),
    (0.4, f"moins d'1{NB}min"),
    (1.0, f"1{NB}min"),
    (12.3, f"12{NB}min"),
    (12.5, f"12{NB}min"),  # round half to even, as Python does: never shown as « 12,5 »
    (59.4, f"59{NB}min"),
    (59.6, f"1{NB}h{NB}00"),
    (65, f"1{NB}h{NB}05"),
    (636.0, f"10{NB}h{NB}36"),  # the « 636,0 min » of the issue
    (1440, f"24{NB}h{NB}00"),
])
def test_duration_fr_reads_like_a_person_would_say_it(minutes, text):
    assert duration_fr(minutes) == text


def test_duration_fr_unreachable_and_missing():
    assert duration_fr(math.inf) == "injoignable"
    assert duration_fr(None) == "—" and duration_fr(float("nan"), missing="?") == "?"
