"""French-sounding place and street names for the fictional demo territory.

Names are built from syllables with a seeded generator, so the same seed always
gives the same names. None is meant to be a real place; a resemblance is chance.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

RIVER = "Arlenc"
DEPARTEMENT_NAME = "Val-d'Arlenc"
PREFECTURE_NAME = "Arlenc"
#: A fixed name with an apostrophe, used by a food-aid site (« Restos du Cœur – L'Isle »).
ISLE_NAME = "L'Isle-sur-Arlenc"

_PREFIXES = [
    "Bor",
    "Cal",
    "Mar",
    "Vel",
    "Sau",
    "Lan",
    "Cor",
    "Mer",
    "Puy",
    "Roc",
    "Tal",
    "Vern",
    "Gou",
    "Sal",
    "Fer",
    "Cas",
    "Bra",
    "Lou",
    "Mon",
    "Cha",
    "Es",
    "Ser",
    "Pey",
    "Lav",
    "Bes",
    "Cou",
    "Vil",
    "Aur",
    "Ol",
    "Gar",
    "Bel",
    "Fon",
    "Lur",
    "Mau",
    "Nav",
    "Quer",
    "Ros",
    "Tour",
    "Vau",
    "Sen",
    "Jal",
    "Cam",
    "Dor",
    "Fal",
    "Gran",
    "Lis",
]
_MIDDLES = ["", "", "", "a", "e", "i", "o", "er", "an", "in", "ou"]
_SUFFIXES = [
    "ac",
    "at",
    "ignac",
    "eix",
    "ol",
    "ières",
    "ouze",
    "ens",
    "argues",
    "ieu",
    "ade",
    "as",
    "on",
    "ès",
    "ey",
    "ine",
    "ette",
    "eyrac",
    "agnes",
    "ousse",
    "ut",
    "ial",
    "anges",
    "ols",
    "ère",
    "euil",
    "orgues",
    "ance",
    "ville",
    "mont",
]
_SAINTS = [
    "Julien",
    "Martin",
    "Étienne",
    "Hilaire",
    "Privat",
    "Amand",
    "Genès",
    "Bonnet",
    "Géraud",
    "Flour",
    "Pardoux",
    "Sulpice",
    "Ferréol",
    "Agrève",
    "Eulalie",
    "Foy",
]
_FEMALE_SAINTS = {"Eulalie", "Foy"}
_QUALIFIERS = [
    "-le-Haut",
    "-le-Bas",
    "-les-Bois",
    "-en-Vallée",
    "-sur-" + RIVER,
    "-la-Forêt",
    "-les-Monts",
    "-le-Vieux",
    "-d'" + RIVER,
    "-les-Prés",
]

STREET_TYPES = ["rue", "avenue", "place", "chemin", "route", "allée", "impasse", "boulevard"]
STREET_NAMES = [
    "de la Mairie",
    "de l'Église",
    "du Moulin",
    "des Écoles",
    "de la Gare",
    "du Stade",
    "Jean Jaurès",
    "Victor Hugo",
    "de la République",
    "du 8 Mai 1945",
    "des Tilleuls",
    "du Château",
    "de la Fontaine",
    "des Acacias",
    "du Marché",
    "Pasteur",
    "de l'Arlenc",
    "des Jardins",
    "du Lavoir",
    "de la Poste",
    "Gambetta",
    "des Peupliers",
    "du Four",
]


def strip_accents(text: str) -> str:
    """ASCII fold (for sorting names the INSEE way and for e-mail/URL slugs)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def slug(text: str) -> str:
    """Lower-case ASCII slug: « L'Isle-sur-Arlenc » -> ``lisle-sur-arlenc``."""
    out = []
    for c in strip_accents(text).lower():
        if c.isalnum():
            out.append(c)
        elif c in " -" and out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


def sort_key(name: str) -> str:
    return strip_accents(name).lower().replace("'", " ")


_VOWEL_RUN = re.compile("[aeiouyéèêë]+")
_BAD = re.compile(r"vv|(.)\1\1|[^aeiouyéèêë ]{4}")
_GOOD_RUNS = {
    "a",
    "e",
    "i",
    "o",
    "u",
    "y",
    "é",
    "è",
    "ê",
    "ou",
    "au",
    "ai",
    "ei",
    "eu",
    "oi",
    "ie",
    "iè",
    "ieu",
    "eau",
    "ue",
    "ui",
    "ey",
    "ay",
}


def _root(rng: np.random.Generator) -> str:
    while True:
        word = (
            _PREFIXES[rng.integers(len(_PREFIXES))]
            + _MIDDLES[rng.integers(len(_MIDDLES))]
            + _SUFFIXES[rng.integers(len(_SUFFIXES))]
        )
        if all(run in _GOOD_RUNS for run in _VOWEL_RUN.findall(word.lower())) and not _BAD.search(word.lower()):
            return word[0].upper() + word[1:]


def _article(root: str, rng: np.random.Generator) -> str:
    if root[0] in "AEIOUÉ":
        return "L'" + root
    if root.endswith("s"):
        return "Les " + root
    return ("Le " if rng.random() < 0.5 else "La ") + root


def commune_names(count: int, rng: np.random.Generator, reserved: set[str] = frozenset()) -> list[str]:
    """``count`` unique commune names, none of them in ``reserved``."""
    seen = set(reserved)
    names: list[str] = []
    while len(names) < count:
        root = _root(rng)
        roll = rng.random()
        if roll < 0.14:
            saint = _SAINTS[rng.integers(len(_SAINTS))]
            prefix = "Sainte-" if saint in _FEMALE_SAINTS else "Saint-"
            link = "d'" if root[0] in "AEIOU" else "de-"
            name = f"{prefix}{saint}-{link}{root}"
        elif roll < 0.30:
            name = root + _QUALIFIERS[rng.integers(len(_QUALIFIERS))]
        elif roll < 0.40:
            name = _article(root, rng)
        else:
            name = root
        if name not in seen and len(name) <= 40:
            seen.add(name)
            names.append(name)
    return names


def unit_names(count: int, rng: np.random.Generator) -> list[str]:
    """Short unique roots for names of places that are not communes (hamlets, massifs...)."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        root = _root(rng)
        if root not in seen:
            seen.add(root)
            out.append(root)
    return out


def street_address(rng: np.random.Generator) -> str:
    """A plausible street address, e.g. « 12 rue de la Mairie »."""
    kind = STREET_TYPES[rng.integers(len(STREET_TYPES))]
    name = STREET_NAMES[rng.integers(len(STREET_NAMES))]
    if kind == "place":
        return f"place {name}"
    return f"{int(rng.integers(1, 60))} {kind} {name}"


def de(name: str) -> str:
    """French « de » with elision and contraction: d'Arlenc, du Granol, des Prés, de La Forge."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[0] in "AEIOUÉL" and (name[0] != "L" or name.startswith("L'")):
        return "de " + name if name.startswith("L'") else "d'" + name
    return "de " + name
