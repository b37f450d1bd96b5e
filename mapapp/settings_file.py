"""The accessibility settings as a file a planner can edit (TOML), and back.

:func:`parse_settings` reads the text of a settings file into an
:class:`~mapapp.access.settings.AccessSettings`, or raises
:class:`SettingsFileError` listing **every** problem with its line, in French,
with the closest valid value for a misspelt thématique, public, network, site
kind, mode or key. :func:`write_settings` writes settings out as such a file,
with a comment before each section and key (:mod:`mapapp.settings_writer`).

Layout (French keys; ``mapapp parametres exporter`` writes the current one)::

    [horaires]
    heures_min_semaine = 3          # also computed counting only sites open at least H h a week (0: no rule)
    horaires_inconnus = "compter"   # or "exclure": sites without known hours

    [[public]]                      # the first one is « tous » (everyone), without publics
    cle = "tous"
    libelle = "Tous publics"

    [[public]]
    cle = "minima_sociaux"
    libelle = "Bénéficiaires des minima sociaux"
    publics = ["beneficiaires-des-minimas-sociaux"]

    [[theme]]
    cle = "mobilite"
    libelle = "Mobilité"
    thematiques = ["mobilite"]      # categories or sub-thématiques (data·inclusion v1)
    reseaux_porteurs = [...]        # optional, any of
    types_de_lieux = [...]          # optional, values of the sites' kind
    publics = [...]                 # optional, any of
    description = "..."
    seuil_voiture = 10              # main threshold, minutes, per mode (voiture, velo, marche)
    paliers_voiture = [7, 10, 20, 30]

Reading uses the standard :mod:`tomllib`. Lines of semantic errors come from a
scan of the text (:class:`_Lines`): tomllib keeps no positions.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass

from mapapp.access.settings import EVERYONE_KEY, AccessSettings, PublicGroup, ScheduleRule
from mapapp.access.themes import CATEGORIES, NETWORKS, PUBLICS, THEMATIQUES, Theme, Thresholds
from mapapp.catalog.vocab import SITE_KINDS

#: Mode of the engine → its French name in the file (the same words as the web pages' ``mode=``).
MODE_WORDS = {"car": "voiture", "bike": "velo", "walk": "marche"}
MODE_LABELS = {"car": "voiture", "bike": "vélo", "walk": "marche"}
UNKNOWN_HOURS_WORDS = {"count": "compter", "exclude": "exclure"}

TOP_KEYS = ("theme", "public", "horaires", "sans_voiture")
THEME_KEYS = ("cle", "libelle", "description", "thematiques", "reseaux_porteurs", "types_de_lieux", "publics",
              *(f"{kind}_{word}" for word in MODE_WORDS.values() for kind in ("seuil", "paliers")))
PUBLIC_KEYS = ("cle", "libelle", "publics")
HOURS_KEYS = ("heures_min_semaine", "horaires_inconnus")
KEY_RE = re.compile(r"^[a-z0-9_]{1,60}$")

#: Vocabulary of each list key, and how messages name a value not in it.
VOCABULARIES = {
    "thematiques": (CATEGORIES.keys() | THEMATIQUES.keys(), "thématique inconnue"),
    "reseaux_porteurs": (NETWORKS, "réseau porteur inconnu"),
    "types_de_lieux": (SITE_KINDS.keys(), "type de lieu inconnu"),
    "publics": (PUBLICS, "public inconnu"),
}

#: tomllib's messages (Python 3.11) in French; any other is shown as it is, after « syntaxe TOML invalide ».
_TOML_MESSAGES = {
    "Invalid value": "valeur invalide (un texte s'écrit entre guillemets droits \"…\")",
    "Expected '=' after a key in a key/value pair": "« = » attendu après le nom de la clé",
    "Invalid statement": "instruction invalide",
    "Unclosed array": "liste non refermée (« ] » manquant)",
    "Unterminated string": "texte non refermé (guillemet manquant)",
    "Illegal character in string": "caractère interdit dans un texte",
    "Cannot overwrite a value": "clé déjà donnée plus haut dans la même section",
    "Expected newline or end of document after a statement": "fin de ligne attendue après la valeur",
    "Invalid initial character for a key part": "nom de clé invalide",
    "Expected ']' at the end of a table declaration": "« ] » attendu à la fin de l'en-tête de section",
    "Expected ']]' at the end of an array declaration": "« ]] » attendu à la fin de l'en-tête de section",
    "Cannot declare": "section déjà déclarée",
    "Unclosed inline table": "table en ligne non refermée (« } » manquant)",
}
_TOML_POSITION = re.compile(r"^(?P<message>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


@dataclass(frozen=True)
class Problem:
    """One problem of a settings file: its line (``None``: the whole file) and French message."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}" if self.line else self.message


class SettingsFileError(ValueError):
    """A settings file that cannot be used; :attr:`problems` lists every problem found, by line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


def closest(value: str, choices) -> str | None:
    """The valid value nearest to a misspelt one (difflib), or ``None`` when none is near."""
    found = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _unknown(what: str, value: str, choices) -> str:
    near = closest(value, choices)
    hint = f" ; vouliez-vous dire « {near} » ?" if near else ""
    return f"{what} « {value} »{hint}"


class _Lines:
    """Where sections and keys are in the text: ``(section, index, key) -> line``.

    ``section`` is ``None`` for top-level keys, ``"horaires"`` for ``[horaires]``,
    ``"theme"`` / ``"public"`` with ``index`` the rank of the ``[[…]]`` table
    (0-based); ``key`` ``None`` is the header's own line. Lines inside multi-line
    strings are not told apart (the settings have none in practice).
    """

    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-\"' .]+?)\s*\]\]?")
    KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')\s*=")

    def __init__(self, text: str):
        self.at: dict[tuple, int] = {}
        self.text = text.splitlines()
        counts: dict[str, int] = {}
        section, index = None, 0
        for number, line in enumerate(text.splitlines(), start=1):
            if m := self.HEADER.match(line):
                section = m.group(2).strip("\"'")
                if m.group(1) == "[[":
                    index = counts.get(section, 0)
                    counts[section] = index + 1
                else:
                    index = 0
                self.at.setdefault((section, index, None), number)
            elif m := self.KEY.match(line):
                self.at.setdefault((section, index, m.group(1).strip("\"'")), number)

    def line(self, section: str | None, index: int = 0, key: str | None = None) -> int | None:
        found = self.at.get((section, index, key)) or self.at.get((section, index, None))
        if found is None and section is None and key is not None:  # a top-level name used as a [section]
            found = self.at.get((key, 0, None))
        return found

    def value_line(self, start: int | None, value: str) -> int | None:
        """The line of ``"value"`` in a list starting at line ``start`` (lists may span lines)."""
        if start is None:
            return None
        quoted = (f'"{value}"', f"'{value}'")
        for number in range(start, min(start + 200, len(self.text) + 1)):
            line = self.text[number - 1]
            if number > start and (self.HEADER.match(line) or self.KEY.match(line)):
                break
            if any(q in line for q in quoted):
                return number
        return start


def _syntax_problem(exc: tomllib.TOMLDecodeError) -> Problem:
    m = _TOML_POSITION.match(str(exc))
    if not m:
        return Problem(None, f"syntaxe TOML invalide : {exc}")
    message = m.group("message")
    french = _TOML_MESSAGES.get(message) or next(
        (fr for en, fr in _TOML_MESSAGES.items() if message.startswith(en)), None)
    text = french or f"syntaxe TOML invalide ({message})"
    return Problem(int(m.group("line")), f"colonne {m.group('col')} : {text}")


class _Reader:
    """Turns the parsed TOML document into settings, collecting problems instead of stopping at the first."""

    def __init__(self, text: str):
        self.lines = _Lines(text)
        self.problems: list[Problem] = []

    def problem(self, section, index, key, message: str) -> None:
        self.problems.append(Problem(self.lines.line(section, index, key), message))

    def check_keys(self, section, index, table: dict, allowed) -> None:
        for key in table:
            if key not in allowed:
                self.problem(section, index, key, _unknown("clé inconnue", key, allowed))

    def text(self, section, index, table, key, *, required=True) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                self.problem(section, index, None, f"clé « {key} » manquante")
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(section, index, key, f"« {key} » doit être un texte non vide")
            return None
        return value

    def key(self, section, index, table) -> str | None:
        value = self.text(section, index, table, "cle")
        if value is not None and not KEY_RE.match(value):
            self.problem(section, index, "cle", f"clé « {value} » invalide : lettres minuscules sans accent, "
                                                "chiffres et « _ » seulement (60 au plus)")
            return None
        return value

    def values(self, section, index, table, key) -> frozenset[str] | None:
        """A list of vocabulary values; ``None`` when the key is absent (no filter)."""
        if key not in table:
            return None
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(section, index, key, f"« {key} » doit être une liste de textes, par exemple "
                                              f"{key} = [\"…\", \"…\"]")
            return None
        if not value:
            self.problem(section, index, key, f"« {key} » est vide : retirez la ligne pour ne pas filtrer")
            return None
        vocabulary, what = VOCABULARIES[key]
        ok = True
        for v in value:
            if v not in vocabulary:
                line = self.lines.value_line(self.lines.line(section, index, key), v)
                self.problems.append(Problem(line, _unknown(what, v, vocabulary)))
                ok = False
        return frozenset(value) if ok else None

    def number(self, section, index, table, key, *, positive: bool) -> float | None:
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(section, index, key, f"« {key} » doit être un nombre")
            return None
        if value < 0 or (positive and value == 0):
            self.problem(section, index, key, f"« {key} » doit être {'strictement ' if positive else ''}positif")
            return None
        return float(value)

    def thresholds(self, index, table) -> dict[str, Thresholds] | None:
        out, ok = {}, True
        for mode, word in MODE_WORDS.items():
            main_key, bands_key = f"seuil_{word}", f"paliers_{word}"
            if main_key not in table:
                self.problem("theme", index, None, f"clé « {main_key} » manquante (seuil principal en minutes "
                                                   f"en {MODE_LABELS[mode]})")
                ok = False
                continue
            main = self.number("theme", index, table, main_key, positive=True)
            bands: list[float] = []
            if bands_key in table:
                raw = table[bands_key]
                if not isinstance(raw, list) or not raw or any(
                        isinstance(b, bool) or not isinstance(b, (int, float)) or b <= 0 for b in raw):
                    self.problem("theme", index, bands_key, f"« {bands_key} » doit être une liste de nombres "
                                                            "strictement positifs, par exemple [7, 10, 20, 30]")
                    ok = False
                else:
                    bands = [float(b) for b in raw]
            if main is None:
                ok = False
            else:
                out[mode] = Thresholds(main, tuple(bands))
        return out if ok else None

    def theme(self, index: int, table) -> Theme | None:
        if not isinstance(table, dict):
            return None
        self.check_keys("theme", index, table, THEME_KEYS)
        before = len(self.problems)
        key, label = self.key("theme", index, table), self.text("theme", index, table, "libelle")
        description = self.text("theme", index, table, "description", required=False) or ""
        filters = {name: self.values("theme", index, table, file_key) for name, file_key in (
            ("thematiques", "thematiques"), ("networks", "reseaux_porteurs"), ("site_kinds", "types_de_lieux"),
            ("publics", "publics"))}
        thresholds = self.thresholds(index, table)
        if len(self.problems) > before or key is None or label is None or thresholds is None:
            return None
        return Theme(key, label, thresholds=thresholds, description=description, **filters)

    def public(self, index: int, table) -> PublicGroup | None:
        if not isinstance(table, dict):
            return None
        self.check_keys("public", index, table, PUBLIC_KEYS)
        before = len(self.problems)
        key, label = self.key("public", index, table), self.text("public", index, table, "libelle")
        publics = self.values("public", index, table, "publics")
        if len(self.problems) > before or key is None or label is None:
            return None
        if key == EVERYONE_KEY and publics is not None:
            self.problem("public", index, "publics", f"le public « {EVERYONE_KEY} » est tout le monde : "
                                                     "retirez sa liste de publics")
            return None
        if key != EVERYONE_KEY and publics is None and index > 0:  # the first one: see read()
            self.problem("public", index, None, "clé « publics » manquante (les publics data·inclusion du groupe)")
            return None
        return PublicGroup(key, label, publics)

    def schedule(self, table) -> ScheduleRule:
        if not isinstance(table, dict):
            self.problem(None, 0, "horaires", "« horaires » doit être une section [horaires]")
            return ScheduleRule()
        self.check_keys("horaires", 0, table, HOURS_KEYS)
        hours = 0.0
        if "heures_min_semaine" in table:
            hours = self.number("horaires", 0, table, "heures_min_semaine", positive=False)
        unknown = table.get("horaires_inconnus", "compter")
        words = {w: k for k, w in UNKNOWN_HOURS_WORDS.items()}
        if unknown not in words:
            self.problem("horaires", 0, "horaires_inconnus",
                         _unknown("valeur inconnue", str(unknown), words) + " (« compter » ou « exclure »)")
            unknown = "compter"
        return ScheduleRule(hours or 0.0, words[unknown])

    def tables(self, doc, name: str) -> list:
        value = doc.get(name, [])
        if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            self.problem(None, 0, name, f"« {name} » doit être une suite de sections [[{name}]]")
            return []
        return value

    def duplicates(self, section: str, items: list) -> None:
        seen = set()
        for index, item in enumerate(items):
            if item is None:
                continue
            if item.key in seen:
                self.problem(section, index, "cle", f"clé « {item.key} » déjà utilisée par un autre [[{section}]]")
            seen.add(item.key)

    def read(self, doc: dict) -> AccessSettings | None:
        for key in doc:
            if key not in TOP_KEYS:  # a [section] / [[section]] header, or a key before the first one
                self.problem(None, 0, key, _unknown("section inconnue", key, TOP_KEYS))
        theme_tables, public_tables = self.tables(doc, "theme"), self.tables(doc, "public")
        themes = [self.theme(i, t) for i, t in enumerate(theme_tables)]
        publics = [self.public(i, t) for i, t in enumerate(public_tables)]
        schedule = self.schedule(doc.get("horaires", {}))
        from mapapp.settings_carfree import read_carfree
        carfree = read_carfree(self, doc.get("sans_voiture", {}))
        if not theme_tables and ("theme" not in doc or doc.get("theme") == []):
            self.problems.append(Problem(None, "aucun thème : ajoutez au moins une section [[theme]]"))
        if not public_tables and ("public" not in doc or doc.get("public") == []):
            self.problems.append(Problem(None, f"aucun public : ajoutez au moins une section [[public]] "
                                               f"(la première : cle = \"{EVERYONE_KEY}\")"))
        elif publics and publics[0] is not None and publics[0].key != EVERYONE_KEY:
            self.problem("public", 0, "cle", f"le premier [[public]] doit être « {EVERYONE_KEY} » (tout le "
                                             "monde, sans liste de publics)")
        self.duplicates("theme", themes)
        self.duplicates("public", publics)
        if self.problems:
            return None
        return AccessSettings(themes=tuple(themes), publics=tuple(publics), schedule=schedule, carfree=carfree)


def parse_settings(text: str | bytes) -> AccessSettings:
    """The settings of a settings file's text.

    Raises:
        SettingsFileError: every problem found, each with its line, in French.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SettingsFileError([Problem(None, f"le fichier n'est pas en UTF-8 (octet {exc.start + 1}) : "
                                                   "enregistrez-le en UTF-8")]) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsFileError([_syntax_problem(exc)]) from None
    reader = _Reader(text)
    settings = reader.read(doc)
    if settings is None:
        raise SettingsFileError(reader.problems)
    return settings


def write_settings(settings: AccessSettings) -> str:
    """``settings`` as an editable, commented settings file (reads back as equal settings)."""
    from mapapp.settings_writer import write

    return write(settings)
