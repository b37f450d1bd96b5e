"""Ranking addresses for a typed text: numbers, streets, lieux-dits, communes, accents and case, prefixes."""

import pytest

from mapapp.territory.address_search import AddressIndex, fold
from mapapp.territory.addresses import read_ban
from tests.territory.ban_fixture import BAN_FIXTURE


@pytest.fixture(scope="module")
def index():
    return AddressIndex(read_ban(BAN_FIXTURE, "2A").addresses)


def labels(index, text, n=3):
    return [(s.kind, s.label) for s in index.search(text, n)]


def test_fold():
    assert fold("L'Île-Rousse, Cœur") == "l ile rousse coeur"
    assert fold("  CHÂTEAU  d’Ô ") == "chateau d o"


def test_full_address_with_commune(index):
    best = index.search("12 rue de la paix ajaccio")[0]
    assert (best.kind, best.label) == ("adresse", "12 Rue de la Paix, 20000 Ajaccio")
    assert best.id == "2A004_p4x1_00012" and best.code_insee == "2A004"
    assert (best.lon, best.lat) == (pytest.approx(8.7366), pytest.approx(41.9193))


def test_rep_and_number_without_rep(index):
    assert labels(index, "12 bis rue de la paix", 1) == [("adresse", "12 bis Rue de la Paix, 20000 Ajaccio")]
    assert labels(index, "12bis rue de la paix", 1) == [("adresse", "12 bis Rue de la Paix, 20000 Ajaccio")]
    # a number the street does not have: the street itself, and the street that has it first
    got = labels(index, "8 rue de la paix")
    assert got[0] == ("adresse", "8 Rue de la Paix, 20137 Porto-Vecchio")
    assert ("voie", "Rue de la Paix, 20000 Ajaccio") in got


def test_street_only_lists_the_streets_of_every_commune(index):
    assert labels(index, "RUE DE LA PAIX") == [("voie", "Rue de la Paix, 20000 Ajaccio"),
                                              ("voie", "Rue de la Paix, 20137 Porto-Vecchio")]
    assert labels(index, "rue de la paix porto") == [("voie", "Rue de la Paix, 20137 Porto-Vecchio")]


def test_accents_prefixes_and_abbreviations(index):
    assert labels(index, "cours napo", 1) == [("voie", "Cours Napoléon, 20000 Ajaccio")]
    assert labels(index, "av de l eglise", 1) == [("voie", "Avenue de l'Église, 20137 Porto-Vecchio")]
    assert labels(index, "st jean sartène", 1) == [("lieu-dit", "Saint-Jean, 20100 Sartène")]


def test_communes_and_postcodes(index):
    assert labels(index, "ajac", 1) == [("commune", "Ajaccio (20000)")]
    assert labels(index, "20137", 1) == [("commune", "Porto-Vecchio (20137)")]
    assert index.search("bastia") == []  # another département: not imported


def test_lieu_dit_named_like_its_street_is_listed_once(index):
    got = labels(index, "mezzavia", 5)
    assert [label for _, label in got].count("Mezzavia, 20167 Alata") == 1
    assert ("voie", "Chemin de Mezzavia, 20167 Alata") in got


def test_a_suggestion_label_is_found_again_first(index):
    """The form sent without JavaScript carries the chosen label: it must geocode to that same suggestion."""
    for text in ("rue", "mezzavia", "paix", "sartene", "saint jean", "12 rue de la paix"):
        for s in index.search(text, 8):
            assert index.geocode(s.label) == s


def test_nothing_for_a_number_or_unknown_words(index):
    assert index.search("12") == []
    assert index.search("") == []
    assert index.search("rue inexistante") == []
