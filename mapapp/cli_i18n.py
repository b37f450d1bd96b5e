"""Click's own words (« Usage: », « Show this message and exit. », errors) in French.

Click translates its strings with the standard :mod:`gettext` (``gettext.gettext``,
current domain, language from ``LANGUAGE`` / ``LC_ALL`` / ``LC_MESSAGES`` / ``LANG``).
:class:`FrenchGroup` (the root ``mapapp`` group) runs every command with the
package's catalogue ``mapapp/locale/fr/LC_MESSAGES/click.mo`` (built with Babel by
``scripts/click_catalog.py``) as the current domain and French as the message
language, whatever the shell's locale: the CLI of a French public service speaks
French. Both are restored when the command returns, so an embedding process
(tests) keeps its own settings; they are process-wide while it runs (child
processes inherit ``LANGUAGE=fr``, harmless), so do not run commands from
several threads at once.
"""

from __future__ import annotations

import gettext
import os
from contextlib import contextmanager
from pathlib import Path

import click

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "click"


@contextmanager
def french_click_messages():
    """Within the block, click's ``_()`` / ``ngettext()`` answer from the French catalogue."""
    if not (LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
        raise RuntimeError(f"catalogue français de click absent de {LOCALE_DIR} (scripts/click_catalog.py)")
    previous_domain = gettext.textdomain()
    previous_language = os.environ.get("LANGUAGE")
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = "fr"
    try:
        yield
    finally:
        gettext.textdomain(previous_domain)
        if previous_language is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = previous_language


class FrenchGroup(click.Group):
    """The root group: parsing, help and errors of every sub-command in French."""

    def main(self, *args, **kwargs):
        with french_click_messages():
            return super().main(*args, **kwargs)


#: Metavars click derives from a type's English name (``INTEGER``, ``TEXT``, ``PATH``...).
_METAVARS = {"integer": "ENTIER", "integer range": "ENTIER", "float": "NOMBRE", "float range": "NOMBRE",
             "text": "TEXTE", "boolean": "BOOLÉEN", "uuid": "UUID", "filename": "FICHIER"}


def _path_words(path_type: click.Path) -> tuple[str, str]:
    """(name in error messages, metavar) of a ``click.Path``, whose name click translates once at import."""
    if path_type.file_okay and not path_type.dir_okay:
        return "Fichier", "FICHIER"
    if path_type.dir_okay and not path_type.file_okay:
        return "Dossier", "DOSSIER"
    return "Chemin", "CHEMIN"


_NBSP = "\u00a0"


def _unbreakable(text: str | None) -> str | None:
    """French typography for wrapped help: no line break before « : ; ? ! » or inside « guillemets »."""
    if not text:
        return text
    for before, after in ((" :", _NBSP + ":"), (" ;", _NBSP + ";"), (" ?", _NBSP + "?"), (" !", _NBSP + "!"),
                          ("« ", "«" + _NBSP), (" »", _NBSP + "»")):
        text = text.replace(before, after)
    return text


def localize_command_tree(command: click.Command) -> None:
    """French for the words click fixes when the commands are declared, not when they run.

    The gettext catalogue covers what click translates at run time; these are
    decided at import (before :func:`french_click_messages` is active) or never
    translated: type metavars (« ENTIER » for ``INTEGER``), a group's « COMMANDE
    [ARGUMENTS]... », the names « Fichier » / « Dossier » in path errors and the
    ``--version`` help; and the non-breaking spaces of French punctuation in the
    help texts, so wrapping never leaves « : » at a line start. Walks ``command`` and its sub-commands, in place.
    """
    command.help = _unbreakable(command.help)
    if isinstance(command, click.Group):
        command.subcommand_metavar = "COMMANDE [ARGUMENTS]..."
        for sub in command.commands.values():
            localize_command_tree(sub)
    for param in command.params:
        if isinstance(param.type, click.Path):
            param.type.name, metavar = _path_words(param.type)
        else:
            metavar = _METAVARS.get(param.type.name)
        if isinstance(param, click.Option) and param.name == "version" and param.is_flag:
            param.help = "Afficher la version et quitter."
        if isinstance(param, click.Option):
            param.help = _unbreakable(param.help)
        if param.metavar is None and metavar and not (isinstance(param, click.Option) and param.is_flag):
            param.metavar = metavar
