"""The territory's accessibility settings in the database: every imported version, the latest is current.

- :func:`current_settings`: the settings ``mapapp compute`` and the pages use
  (:func:`~mapapp.access.settings.default_settings` while none was imported).
- :func:`import_settings`: validate a settings file and store it as the new
  version; on any error nothing is stored (:class:`~mapapp.settings_file.SettingsFileError`
  lists every problem with its line).
- :func:`change_thresholds`: the administrator page's small form, one theme's
  thresholds for one mode, stored as a new version (the file is rewritten by
  :func:`~mapapp.settings_file.write_settings`: comments the planner added are
  not kept; earlier versions keep them).

The caller commits (the CLI uses :func:`mapapp.catalog.db.transaction`, the web
its request session).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.access.settings import AccessSettings, default_settings
from mapapp.access.themes import Thresholds
from mapapp.catalog.models import AccessSettingsVersion
from mapapp.settings_file import MODE_WORDS, Problem, SettingsFileError, parse_settings, write_settings


class StoredSettingsError(RuntimeError):
    """The stored current version no longer reads (e.g. a vocabulary changed with an upgrade)."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def current_version(session: Session) -> AccessSettingsVersion | None:
    """The latest imported version, or ``None`` (default settings)."""
    return session.scalar(select(AccessSettingsVersion).order_by(AccessSettingsVersion.id.desc()).limit(1))


def settings_history(session: Session) -> list[AccessSettingsVersion]:
    """Every imported version, the current (latest) first."""
    return list(session.scalars(select(AccessSettingsVersion).order_by(AccessSettingsVersion.id.desc())))


def current_settings(session: Session) -> AccessSettings:
    """The territory's current accessibility settings.

    Raises:
        StoredSettingsError: the stored version does not read any more (French
            message naming the version and each problem): never a silent
            fallback to the defaults.
    """
    version = current_version(session)
    if version is None:
        return default_settings()
    try:
        return parse_settings(version.text)
    except SettingsFileError as exc:
        raise StoredSettingsError(f"les paramètres d'accessibilité enregistrés (version {version.id}) ne sont plus "
                                  f"valides ; importez un fichier corrigé (« mapapp parametres importer ») :\n{exc}"
                                  ) from None


def current_text(session: Session) -> str:
    """The current settings file: the text as imported, or the default settings written out."""
    version = current_version(session)
    return version.text if version is not None else write_settings(default_settings())


def import_settings(session: Session, text: str | bytes, *, author: str, comment: str = ""
                    ) -> AccessSettingsVersion | None:
    """Validate ``text`` and add it as the new current version.

    Returns the new version, or ``None`` when the text is the current version's
    (nothing to store).

    Raises:
        SettingsFileError: every problem of the file, each with its line; nothing is added.
    """
    settings = parse_settings(text)
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    current = current_version(session)
    if current is not None and current.text == text:
        return None
    version = AccessSettingsVersion(text=text, digest=settings.digest(), author=author[:200],
                                    comment=comment.strip(), created_at=_utcnow())
    session.add(version)
    session.flush()
    return version


def parse_minutes(value: str, what: str) -> list[float]:
    """Minutes typed in a form (« 7, 10, 20 » or « 7,5 »), as numbers; ``SettingsFileError`` otherwise."""
    parts = [p for p in value.replace(";", " ").replace(", ", " ").split() if p]
    out = []
    for part in parts:
        try:
            number = float(part.replace(",", "."))
        except ValueError:
            raise SettingsFileError([Problem(None, f"{what} : « {part} » n'est pas un nombre de minutes")]) from None
        if not number > 0:
            raise SettingsFileError([Problem(None, f"{what} : les minutes doivent être strictement positives")])
        out.append(number)
    return out


def change_thresholds(session: Session, theme_key: str, mode: str, main_min: float, bands_min, *, author: str,
                      comment: str = "") -> AccessSettingsVersion | None:
    """Store a new version where theme ``theme_key`` has these thresholds for ``mode`` (``car``, ``bike``, ``walk``).

    Raises:
        SettingsFileError: unknown theme or mode, or invalid minutes; nothing is added.
    """
    settings = current_settings(session)
    if mode not in MODE_WORDS:
        raise SettingsFileError([Problem(None, f"mode inconnu « {mode} »")])
    try:
        theme = settings.theme(theme_key)
    except KeyError:
        raise SettingsFileError([Problem(None, f"thème inconnu « {theme_key} »")]) from None
    if not main_min > 0 or any(not b > 0 for b in bands_min):
        raise SettingsFileError([Problem(None, "les seuils doivent être strictement positifs")])
    thresholds = {**theme.thresholds, mode: Thresholds(main_min, tuple(bands_min))}
    themes = tuple(dataclasses.replace(t, thresholds=thresholds) if t.key == theme_key else t
                   for t in settings.themes)
    new = dataclasses.replace(settings, themes=themes)
    if new.digest() == settings.digest():
        return None
    return import_settings(session, write_settings(new), author=author, comment=comment)
