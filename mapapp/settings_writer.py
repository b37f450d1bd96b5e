"""Write accessibility settings as a commented TOML file (the layout of :mod:`mapapp.settings_file`).

Hand-written rather than ``tomli-w``: the file is meant to be edited by a
planner, so every section and key is preceded by a French comment saying what
it does and which values it takes, and TOML writers (tomli-w, tomlkit's dump of
plain dicts) write no comments. The values are only texts, numbers and flat
lists of those; texts are written as TOML basic strings by :func:`toml_string`,
and the tests read every written file back with :mod:`tomllib`.
"""

from __future__ import annotations

import json
import textwrap

from mapapp.access.settings import AccessSettings, PublicGroup, ScheduleRule
from mapapp.access.themes import CATEGORIES, Theme
from mapapp.catalog.vocab import SITE_KINDS
from mapapp.settings_file import MODE_WORDS, UNKNOWN_HOURS_WORDS


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's (``\\"``, ``\\\\``, ``\\n``, ``\\uXXXX``), plus DEL."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _strings(values) -> str:
    return "[" + ", ".join(toml_string(v) for v in sorted(values)) + "]"


def _numbers(values) -> str:
    return "[" + ", ".join(toml_number(v) for v in values) + "]"


HEADER = """\
# Paramètres d'accessibilité du territoire
#
# Ce fichier décrit ce que mesurent les indicateurs d'accessibilité : les thèmes (quelles offres
# comptent, et à partir de combien de minutes on est « loin »), les publics pour lesquels on calcule,
# et la règle des horaires d'ouverture. Modifiez-le avec un éditeur de texte (enregistrement en UTF-8),
# vérifiez-le avec « mapapp parametres verifier FICHIER », puis importez-le avec
# « mapapp parametres importer FICHIER » ou depuis la page d'administration « Paramètres ».
# Un nouveau calcul (« mapapp compute ») est ensuite nécessaire pour que les résultats suivent.
#
# Syntaxe (TOML) : une ligne « cle = valeur » ; un texte entre guillemets droits "…" ; une liste
# entre crochets [ … ] ; ce qui suit « # » est un commentaire. Les valeurs des listes viennent du
# référentiel data·inclusion (version 1) ; une valeur inconnue est signalée avec la plus proche.
"""

HOURS = """\
# ---------------------------------------------------------------------------------------------
# Horaires d'ouverture
# heures_min_semaine : les résultats sont toujours calculés avec tous les lieux ouverts ; avec une valeur H
#   plus grande que 0, ils le sont aussi en ne comptant que les « lieux ouverts au moins H h par semaine » en
#   moyenne (sur un mois type de 4 semaines). 0 : pas de règle d'horaires. Avec 3, une demi-journée par
#   semaine compte, une permanence ouverte « le 2e jeudi du mois, 9 h–12 h » (0,75 h par semaine) non.
# horaires_inconnus : sous cette règle, les lieux dont les horaires ne sont pas connus : "compter" (ils
#   comptent, et sont dénombrés sur les pages) ou "exclure".
"""

PUBLICS = """\
# ---------------------------------------------------------------------------------------------
# Publics : chaque indicateur est calculé pour chacun de ces publics. Pour un public, seules comptent
# les offres ouvertes à tous et celles dont les publics rejoignent les siens.
# Le premier est toujours « tous » (tout le monde, sans liste de publics).
#   cle : identifiant court (minuscules sans accent, chiffres, « _ ») ; libelle : nom affiché ;
#   publics : publics data·inclusion, l'un ou l'autre, parmi :
{publics}
"""

THEMES = """\
# ---------------------------------------------------------------------------------------------
# Thèmes : un ensemble d'offres dont on mesure l'accès, et ses seuils.
#   cle, libelle : identifiant court et nom affiché ; description : ce que le thème montre.
#   Filtres (une offre compte si elle correspond à chaque filtre donné ; une ligne absente ne filtre pas) :
#   thematiques : catégories ou sous-thématiques data·inclusion (« mobilite » comprend toutes les
#     « mobilite--… »). Catégories :
{categories}
#   reseaux_porteurs : réseaux porteurs data·inclusion de l'offre ou du lieu (« france-service »…).
#   types_de_lieux : types de lieux :
{kinds}
#   publics : publics data·inclusion (les offres ouvertes à tous comptent toujours).
#   Seuils, en minutes, par mode (voiture, velo, marche) : seuil_<mode> est le seuil principal (zones
#   blanches : au-delà, strictement) ; paliers_<mode> les seuils dont on compte les habitants au-delà
#   (le seuil principal en fait toujours partie).
"""


def _listing(values) -> str:
    """Vocabulary values as wrapped comment lines."""
    return textwrap.fill(", ".join(values) + ".", width=100, initial_indent="#     ", subsequent_indent="#     ",
                         break_on_hyphens=False)


def _theme(theme: Theme) -> list[str]:
    out = ["", "[[theme]]", f"cle = {toml_string(theme.key)}", f"libelle = {toml_string(theme.label)}"]
    if theme.description:
        out.append(f"description = {toml_string(theme.description)}")
    for file_key, values in (("thematiques", theme.thematiques), ("reseaux_porteurs", theme.networks),
                             ("types_de_lieux", theme.site_kinds), ("publics", theme.publics)):
        if values is not None:
            out.append(f"{file_key} = {_strings(values)}")
    for mode, word in MODE_WORDS.items():
        if mode in theme.thresholds:
            t = theme.thresholds[mode]
            out.append(f"seuil_{word} = {toml_number(t.main_min)}")
            out.append(f"paliers_{word} = {_numbers(t.bands_min)}")
    return out


def _public(group: PublicGroup) -> list[str]:
    out = ["", "[[public]]", f"cle = {toml_string(group.key)}", f"libelle = {toml_string(group.label)}"]
    if group.publics is not None:
        out.append(f"publics = {_strings(group.publics)}")
    return out


def _schedule(rule: ScheduleRule) -> list[str]:
    return ["[horaires]", f"heures_min_semaine = {toml_number(rule.min_weekly_hours)}",
            f"horaires_inconnus = {toml_string(UNKNOWN_HOURS_WORDS[rule.unknown_hours])}"]


def write(settings: AccessSettings) -> str:
    """The settings file of ``settings`` (see :func:`mapapp.settings_file.write_settings`)."""
    from mapapp.access.themes import PUBLICS as PUBLIC_VALUES

    lines = [HEADER, HOURS.rstrip("\n"), *_schedule(settings.schedule), "",
             PUBLICS.format(publics=_listing(sorted(PUBLIC_VALUES))).rstrip("\n")]
    for group in settings.publics:
        lines += _public(group)
    lines += ["", THEMES.format(categories=_listing(CATEGORIES), kinds=_listing(SITE_KINDS)).rstrip("\n")]
    for theme in settings.themes:
        lines += _theme(theme)
    from mapapp.settings_carfree import write_carfree
    lines += write_carfree(settings.carfree)
    return "\n".join(lines) + "\n"
