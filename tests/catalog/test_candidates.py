"""A planner's candidate list: every bad line named with its number, good lines named after their site."""

from __future__ import annotations

import pytest

from mapapp.catalog.candidates import CandidateError, load_candidates, read_candidates, save_candidates
from tests.catalog.contrib import contrib_settings, contrib_template, factory  # noqa: F401


def test_coordinates_and_site_ids_mixed(factory):  # noqa: F811
    text = "nom;lon;lat;site_id\nSalle des fêtes;2,051;45,040;\n;;;test--perm\nMon nom;;;test--num-1\n"
    with factory() as s:
        got = read_candidates(s, text)
    assert [(c.candidate_id, c.nom, c.commune, c.line) for c in got] == [
        ("liste-2", "Salle des fêtes", "96001", 2), ("test--perm", "Permanence de la mairie", "96002", 3),
        ("test--num-1", "Mon nom", "96001", 4)]
    assert got[0].lon == pytest.approx(2.051) and got[1].site_id == "test--perm"


def test_a_bare_list_of_site_ids(factory):  # noqa: F811
    with factory() as s:
        got = read_candidates(s, "test--perm\n\ntest--num-1\n")
    assert [(c.candidate_id, c.line) for c in got] == [("test--perm", 1), ("test--num-1", 3)]


def test_every_bad_line_is_reported_with_its_number(factory):  # noqa: F811
    text = ("nom,lon,lat\n"
            "Bon,2.05,45.04\n"
            "Illisible,abc,45\n"
            "Loin,9.5,48\n"
            "Vide,,\n"
            "Double,2.05,45.04\n"
            "Trop,200,45\n")
    with factory() as s, pytest.raises(CandidateError) as caught:
        read_candidates(s, text)
    problems = caught.value.problems
    assert [p.split(" :")[0] for p in problems] == ["ligne 3", "ligne 4", "ligne 5", "ligne 6", "ligne 7"]
    assert "illisible" in problems[0] and "hors du territoire" in problems[1]
    assert "ni identifiant" in problems[2] and "même candidat que la ligne 2" in problems[3]
    assert "hors limites" in problems[4]
    assert "rien n'a été calculé" in str(caught.value)


@pytest.mark.parametrize("text, words", [("", "vide"), ("nom;lon;lat\n", "aucun candidat"),
                                         ("a;b\n1;2\n", "en-tête attendu"), ("inconnu\n", "lieu inconnu")])
def test_empty_or_headless_lists(factory, text, words):  # noqa: F811
    with factory() as s, pytest.raises(CandidateError, match=words):
        read_candidates(s, text)


def test_saved_lists_come_back_by_their_digest(factory, tmp_path):  # noqa: F811
    with factory() as s:
        got = read_candidates(s, "test--perm\n")
    digest = save_candidates(tmp_path, got)
    assert save_candidates(tmp_path, got) == digest and load_candidates(tmp_path, digest) == got
    assert load_candidates(tmp_path, "0" * 16) is None and load_candidates(tmp_path, "../etc") is None
