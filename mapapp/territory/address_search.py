"""Offline address search: rank the addresses, streets, lieux-dits and communes of the BAN for a typed text.

What a social worker types: « 12 rue de la paix ajaccio », « rue de la paix »,
« pomaret altier », « 20000 », « st jean » — in any case, with or without
accents, half a word while typing. :class:`AddressIndex` answers in a few
milliseconds on a département (200,000 addresses, ``scripts/bench_addresses.py``).

How it works (hand-written on purpose: the candidates, SQLite FTS5 and
PostgreSQL ``pg_trgm``, each exist on one database only, and both would still
need the number / street / commune logic below; a Python index runs the same
on both and needs no extension):

- every **entry** is a street (``nom_voie`` in a commune), a lieu-dit
  (``nom_ld``), or a commune (and a commune déléguée); its words are its own
  name's plus its commune's name and postcode;
- the text is folded (:func:`fold`: lower case, no accents, ``œ`` → ``oe``,
  punctuation and apostrophes are spaces); a number of one to four digits (and
  a following ``bis``, ``ter``, ``a``…) is the house number, every other word
  must start a word of the entry (an inverted index of words, with a sorted
  vocabulary for prefixes);
- ranking: whole words before prefixes, the entry's own name before its
  commune's, addresses (number found on the street) first, then streets,
  lieux-dits, communes; shorter names first; the exact label of a suggestion
  always ranks it first, so a chosen suggestion is found again when the form
  is sent without JavaScript.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from mapapp.territory.addresses import Address

#: Words too common to select anything alone (they still count when matched).
STOP_WORDS = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en", "sur"})
#: The BAN's « rep » (indice de répétition) spellings people type after a number.
REPS = frozenset({"bis", "ter", "quater", "quinquies", "a", "b", "c", "d", "e", "f", "g"})
#: Abbreviations people type (and the BAN's ``nom_afnor`` uses), read as the whole word.
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "av": "avenue", "bd": "boulevard", "bld": "boulevard",
                 "pl": "place", "rte": "route", "chem": "chemin", "imp": "impasse", "fbg": "faubourg",
                 "crs": "cours", "all": "allee", "lot": "lotissement", "res": "residence", "qu": "quai"}
#: How many of the best-scored entries are finished in Python (labels, numbers, exact label first).
POOL = 40
KIND_ORDER = {"adresse": 0, "voie": 1, "lieu-dit": 2, "commune": 3}
KIND_LABELS = {"adresse": "Adresse", "voie": "Voie", "lieu-dit": "Lieu-dit", "commune": "Commune"}
_SPLIT = re.compile(r"[^0-9a-z]+")
_NUMBER = re.compile(r"([0-9]{1,4})([a-z]*)")
_FOLD_EXTRA = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": " ", "'": " "})


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces: ``« L'Île-Rousse »`` → ``l ile rousse``."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_FOLD_EXTRA))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_SPLIT.split(text)).strip()


def words(text: str) -> list[str]:
    folded = fold(text)
    return folded.split() if folded else []


@dataclass(frozen=True)
class Suggestion:
    """One answer: what to show (``label``), where it is (``lon``, ``lat``) and in which commune."""

    id: str
    kind: str  # adresse, voie, lieu-dit, commune
    label: str
    lon: float
    lat: float
    code_insee: str
    nom_commune: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass
class _Entry:
    kind: str
    name: str
    code_insee: str
    nom_commune: str
    code_postal: str
    own: frozenset[str]  # words of the entry's own name
    all: frozenset[str]  # own + commune + postcode
    point: int  # index of the address standing for the entry
    numbers: dict[tuple[int, str], int] | None = None  # (numero, folded rep) → address index (streets)
    folded_label: str | None = None  # fold() of the entry's own label (without number)


def _nearest_to_centre(indices: list[int], lon: list[float], lat: list[float]) -> int:
    """The address closest to the mean of ``indices`` (a point on the street, not between two of its branches)."""
    mx = sum(lon[i] for i in indices) / len(indices)
    my = sum(lat[i] for i in indices) / len(indices)
    return min(indices, key=lambda i: ((lon[i] - mx) ** 2 + (lat[i] - my) ** 2, i))


class _WordIndex:
    """Words → entries, with a sorted vocabulary for prefixes (their entry arrays cached)."""

    def __init__(self, items):
        postings: dict[str, list[int]] = {}
        for e, ws in items:
            for w in ws:
                postings.setdefault(w, []).append(e)
        self.vocab = sorted(postings)
        self.postings = [np.array(postings[w], dtype=np.int32) for w in self.vocab]
        self.prefix = lru_cache(maxsize=4096)(self._prefix)

    def exact(self, word: str) -> np.ndarray:
        i = bisect.bisect_left(self.vocab, word)
        return self.postings[i] if i < len(self.vocab) and self.vocab[i] == word else _EMPTY

    def _prefix(self, prefix: str) -> np.ndarray:
        lo = bisect.bisect_left(self.vocab, prefix)
        hi = bisect.bisect_left(self.vocab, prefix + "\x7f")
        if hi - lo <= 1:
            return self.postings[lo] if hi > lo else _EMPTY
        return np.unique(np.concatenate(self.postings[lo:hi]))


_EMPTY = np.empty(0, dtype=np.int32)


class AddressIndex:
    """The search index of a set of :class:`~mapapp.territory.addresses.Address` (built once, read-only)."""

    def __init__(self, addresses: Iterable[Address]):
        self.addresses = list(addresses)
        lon = [a.lon for a in self.addresses]
        lat = [a.lat for a in self.addresses]
        groups: dict[tuple[str, str, str], list[int]] = {}
        for i, a in enumerate(self.addresses):
            if a.nom_voie:
                groups.setdefault(("voie", a.code_insee, a.nom_voie), []).append(i)
            if a.nom_ld and fold(a.nom_ld) != fold(a.nom_voie):
                groups.setdefault(("lieu-dit", a.code_insee, a.nom_ld), []).append(i)
            groups.setdefault(("commune", a.code_insee, a.nom_commune), []).append(i)
            if a.nom_ancienne_commune and fold(a.nom_ancienne_commune) != fold(a.nom_commune):
                groups.setdefault(("commune", a.code_insee, a.nom_ancienne_commune), []).append(i)
        self.entries: list[_Entry] = []
        for (kind, insee, name), members in sorted(groups.items()):
            first = self.addresses[members[0]]
            commune_words = set(words(first.nom_commune)) | {first.code_postal} - {""}
            if kind == "commune" and name != first.nom_commune:  # a commune déléguée: its name and its commune's
                commune_words |= set(words(name))
            if kind == "voie":  # the lieux-dits along the street (its addresses' labels name them)
                for i in members:
                    if self.addresses[i].nom_ld:
                        commune_words |= set(words(self.addresses[i].nom_ld))
            own = frozenset(words(name)) | ({first.code_postal} - {""} if kind == "commune" else set())
            numbers = None
            if kind == "voie":
                numbers = {}
                for i in members:
                    a = self.addresses[i]
                    if a.numero is not None:
                        numbers.setdefault((a.numero, fold(a.rep)), i)
            self.entries.append(_Entry(kind, name, insee, first.nom_commune, first.code_postal, own,
                                       frozenset(own | commune_words), _nearest_to_centre(members, lon, lat),
                                       numbers))
        for entry in self.entries:
            entry.folded_label = fold(self._label(entry))
        self._all = _WordIndex((e, entry.all) for e, entry in enumerate(self.entries))
        self._own = _WordIndex((e, entry.own) for e, entry in enumerate(self.entries))
        self._kind = np.array([KIND_ORDER[entry.kind] for entry in self.entries], dtype=np.int8)
        self._size = np.array([len(entry.all) for entry in self.entries], dtype=np.int16)
        by_number: dict[int, list[int]] = {}
        for e, entry in enumerate(self.entries):
            for number in {n for n, _ in entry.numbers or ()}:
                by_number.setdefault(number, []).append(e)
        self._by_number = {n: np.array(v, dtype=np.int32) for n, v in by_number.items()}

    def __len__(self) -> int:
        return len(self.addresses)

    @staticmethod
    def parse(text: str) -> tuple[int | None, str, list[str]]:
        """``(house number, folded rep, other words)`` of a typed text."""
        number, rep, rest = None, "", []
        tokens = words(text)
        i = 0
        while i < len(tokens):
            token = tokens[i]
            m = _NUMBER.fullmatch(token)
            if number is None and m and (not m.group(2) or m.group(2) in REPS) and not rest:
                number, rep = int(m.group(1)), m.group(2)
                if not rep and i + 1 < len(tokens) and tokens[i + 1] in REPS - {"a", "d"} :
                    rep = tokens[i + 1]
                    i += 1
            else:
                rest.append(ABBREVIATIONS.get(token, token) if i + 1 < len(tokens) or token in ("st", "ste")
                            else token)  # the last word may be the start of a longer one (« av » → « avenue »…)
            i += 1
        return number, rep, rest

    def _label(self, entry: _Entry, address: int | None = None) -> str:
        place = f"{entry.code_postal} {entry.nom_commune}".strip()
        if address is not None:
            a = self.addresses[address]
            street = f"{a.numero}{(' ' + a.rep) if a.rep else ''} {a.nom_voie}"
            ld = f", {a.nom_ld}" if a.nom_ld and fold(a.nom_ld) != fold(a.nom_voie) else ""
            return f"{street}{ld}, {place}"
        if entry.kind == "commune":
            return f"{entry.name} ({entry.nom_commune}), {entry.code_postal}" if entry.name != entry.nom_commune \
                else f"{entry.nom_commune} ({entry.code_postal or entry.code_insee})"
        return f"{entry.name}, {place}"

    def _suggestion(self, entry: _Entry, address: int | None) -> Suggestion:
        point = self.addresses[address if address is not None else entry.point]
        if address is not None:
            ident, kind = point.id, "adresse"
        else:
            ident, kind = f"{entry.kind}:{entry.code_insee}:{fold(entry.name).replace(' ', '-')}", entry.kind
        return Suggestion(ident, kind, self._label(entry, address), point.lon, point.lat, entry.code_insee,
                          entry.nom_commune)

    def search(self, text: str, limit: int = 8) -> list[Suggestion]:
        """The ``limit`` best suggestions for ``text`` (best first; empty when nothing matches)."""
        number, rep, rest = self.parse(text)
        if not rest:
            return []
        selective = {w for w in rest if w not in STOP_WORDS} or set(rest)
        n = len(self.entries)
        score = np.zeros(n, dtype=np.int16)
        keep = np.ones(n, dtype=bool)
        for w in rest:  # per word: 6 whole word of the entry's name, 4 of its commune, 3 / 1 the start of one
            sw = np.zeros(n, dtype=np.int8)
            sw[self._all.prefix(w)] = 1
            sw[self._own.prefix(w)] = 3
            sw[self._all.exact(w)] = 4
            sw[self._own.exact(w)] = 6
            if w in selective:
                keep &= sw > 0
            score += sw
        candidates = np.flatnonzero(keep)
        if not len(candidates):
            return []
        score, kind = score[candidates], self._kind[candidates].copy()
        if number is not None:
            with_number = np.isin(candidates, self._by_number.get(number, np.empty(0, dtype=np.int32)))
            kind[with_number] = KIND_ORDER["adresse"]
            score[self._kind[candidates] != KIND_ORDER["voie"]] -= 2  # a number was typed: streets first
        # Best first; only the head is looked at in Python (a few dozen entries, whatever the département).
        order = np.lexsort((candidates, self._size[candidates], kind, -score))[:POOL]
        wanted = fold(text)
        scored = []
        for rank, j in enumerate(order):
            e = int(candidates[j])
            entry = self.entries[e]
            address = None
            if number is not None and entry.numbers:
                address = entry.numbers.get((number, rep))
                if address is None and rep:
                    address = entry.numbers.get((number, ""))
            exact = entry.folded_label is not None and wanted.endswith(entry.folded_label) \
                and fold(self._label(entry, address)) == wanted
            scored.append((not exact, rank, e, address))
        scored.sort()
        out: list[Suggestion] = []
        labels: set[str] = set()
        for t in scored:
            found = self._suggestion(self.entries[t[2]], t[3])
            if found.label in labels:  # a lieu-dit that is also the name of its street: once
                continue
            labels.add(found.label)
            out.append(found)
            if len(out) == limit:
                break
        return out

    def geocode(self, text: str) -> Suggestion | None:
        """The best suggestion for ``text`` (what a form sent without JavaScript means), or None."""
        found = self.search(text, 1)
        return found[0] if found else None
