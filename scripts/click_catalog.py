"""Write the French catalogue of click's own words: ``mapapp/locale/fr/LC_MESSAGES/click.po`` and ``.mo``.

Run after a click upgrade: ``python scripts/click_catalog.py``. It extracts every
``_()`` / ``ngettext()`` string of the installed click with Babel, fills the
French from :data:`FRENCH` and fails, naming them, when click has strings this
table does not translate (tests/test_cli_french.py checks the same).
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "mapapp" / "locale"
DOMAIN = "click"

FRENCH: dict[str | tuple[str, str], str | tuple[str, str]] = {
    "d": "j",
    "{editor}: Editing failed": "{editor} : échec de l'édition",
    "{editor}: Editing failed: {e}": "{editor} : échec de l'édition : {e}",
    "Windows error: {error}": "Erreur Windows : {error}",
    "Aborted!": "Abandon.",
    "deprecated": "obsolète",
    # headings are written "{heading}:"; the trailing space gives the French "Options :"
    "Options": "Options ",
    "Positional arguments": "Arguments positionnels ",
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Argument en trop inattendu ({args})", "Arguments en trop inattendus ({args})"),
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "Avertissement : la commande {name!r} est obsolète.{extra_message}",
    "Commands": "Commandes ",
    "Missing command.": "Commande manquante.",
    "Value must be an iterable.": "La valeur doit être une liste.",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Attend {nargs} valeurs mais 1 seule a été donnée.", "Attend {nargs} valeurs mais {len} ont été données."),
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "Avertissement : le paramètre {name!r} ({param_type}) est obsolète.{extra_message}",
    "Name '{name}' defined twice": "Nom « {name} » défini deux fois",
    "Boolean option {decl!r} cannot use the same flag for true/false.":
        "L'option booléenne {decl!r} ne peut pas utiliser le même drapeau pour vrai et faux.",
    "Could not determine name for option with declarations {decls!r}":
        "Impossible de déterminer le nom de l'option déclarée par {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?":
        "Aucune option définie mais un nom a été donné ({name}). Vouliez-vous déclarer un argument ? "
        "Vouliez-vous écrire « --{name} » ?",
    "env var: {var}": "variable d'environnement : {var}",
    "default: {default}": "par défaut : {default}",
    "(dynamic)": "(dynamique)",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.":
        "Un argument prend exactement une déclaration, {length} reçues : {decls}.",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirmer l'action sans la demander.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Show the version and exit.": "Afficher la version et quitter.",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Vouliez-vous dire {possibility} ?", "(Vouliez-vous dire l'une de : {possibilities} ?)"),
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing {param_type}": "{param_type} manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "unknown error": "erreur inconnue",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir le fichier {filename!r} : {message}",
    "Usage:": "Utilisation :",
    "Invalid start character for option ({option})": "Caractère initial invalide pour l'option ({option})",
    "Argument {name!r} takes {nargs} values.": "L'argument {name!r} prend {nargs} valeurs.",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("L'option {name!r} demande une valeur.", "L'option {name!r} demande {nargs} valeurs."),
    "Shell completion is not supported for Bash versions older than 4.4.":
        "La complétion n'est pas prise en charge pour Bash avant la version 4.4.",
    "Couldn't detect Bash version, shell completion is not supported.":
        "Version de Bash inconnue : la complétion n'est pas prise en charge.",
    "Repeat for confirmation": "Répétez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux valeurs saisies sont différentes.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Unknown color {colour!r}": "Couleur inconnue {colour!r}",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "Choose from:\n\t{choices}": "Valeurs possibles :\n\t{choices}",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("{value!r} n'est pas {choice}.", "{value!r} n'est pas l'une des valeurs {choices}."),
    "Choice({choices})": "Choix({choices})",
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("{value!r} ne respecte pas le format {format}.", "{value!r} ne respecte aucun des formats {formats}."),
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un nombre valide ({number_type}).",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} n'est pas un booléen valide. Valeurs reconnues : {states}",
    "{value!r} is not a valid UUID.": "{value!r} n'est pas un UUID valide.",
    "file": "Fichier",
    "directory": "Dossier",
    "path": "Chemin",
    "{name} {filename!r} does not exist.": "{name} {filename!r} introuvable.",
    "{name} {filename!r} is a file.": "{name} {filename!r} : c'est un fichier.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} : c'est un dossier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} illisible (droits).",
    "{name} {filename!r} is not writable.": "{name} {filename!r} : écriture interdite (droits).",
    "{name} {filename!r} is not executable.": "{name} {filename!r} : exécution interdite (droits).",
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("{len_type} valeurs sont demandées, mais {len_value} a été donnée.",
         "{len_type} valeurs sont demandées, mais {len_value} ont été données."),
    "Unknown standard stream '{name}'": "Flux standard inconnu « {name} »",
}

#: Strings click passes to ``_()`` through a variable, which extraction cannot see.
FRENCH_DYNAMIC = {
    "required": "obligatoire",
}


def click_messages() -> set[str | tuple[str, str]]:
    """Every translatable string of the installed click (msgid, or (singular, plural))."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            Path(click.__file__).parent, method_map=[("**.py", "python")],
            keywords={"_": None, "ngettext": (1, 2)}):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def build_catalog() -> Catalog:
    missing = click_messages() - set(FRENCH)
    if missing:
        raise SystemExit("click strings without French (add them to FRENCH): " + "; ".join(map(repr, missing)))
    catalog = Catalog(locale="fr", domain=DOMAIN, project="mapapp", version=f"click {version('click')}",
                      charset="utf-8")
    for msgid, msgstr in (FRENCH | FRENCH_DYNAMIC).items():
        if isinstance(msgstr, tuple):  # CLDR French has a third form (millions): the plural again
            msgstr = (msgstr[0], *[msgstr[1]] * (catalog.num_plurals - 1))
        catalog.add(msgid, msgstr)
    return catalog


def main() -> None:
    catalog = build_catalog()
    out = LOCALE_DIR / "fr" / "LC_MESSAGES"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / f"{DOMAIN}.po", "wb") as f:
        write_po(f, catalog, omit_header=False, sort_output=True, width=110)
    with open(out / f"{DOMAIN}.mo", "wb") as f:
        write_mo(f, catalog)
    print(f"{len(catalog)} messages -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
