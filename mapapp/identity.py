"""The Département's identity: its name, logo and colours, set by an administrator without code (issue 18 §2).

A département publishes under its own identity: the State's design system
(DSFR) and its Marianne block are reserved to State sites, so the defaults
here are neutral and every page, report cover and mail signature takes the
name, logo and colours stored in :class:`mapapp.catalog.models_identity.SiteIdentity`.

Checks (French messages, one per field, nothing stored on error):

- colours are ``#rrggbb``; white text on each must reach **4.5:1** (WCAG 1.4.3,
  RGAA 3.2), since buttons and the header band put white text on them;
- the logo is a PNG (read by Pillow, at most :data:`MAX_LOGO_PIXELS` per side)
  or an SVG (well-formed XML whose root is ``<svg>``, without DTD, script,
  event attribute, ``foreignObject`` nor external reference), at most
  :data:`MAX_LOGO_BYTES`; it needs an alternative text (the page reads it).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from mapapp import formats
from mapapp.catalog.models_identity import SiteIdentity
from mapapp.catalog.models_users import utcnow

DEFAULT_PRIMARY = "#1f4e79"
DEFAULT_SECONDARY = "#6b3a5b"
MIN_CONTRAST = 4.5
MAX_LOGO_BYTES = 300 * 1024
MAX_LOGO_PIXELS = 2000
LOGO_TYPES = {"image/png": "png", "image/svg+xml": "svg"}
HEX_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
FIELD_LABELS = {"name": "Nom", "primary": "Couleur principale", "secondary": "Couleur secondaire",
                "logo": "Logo", "logo_alt": "Texte alternatif du logo"}


class IdentityError(ValueError):
    """Problems of a proposed identity: ``problems`` is a list of (field, French message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(" ; ".join(f"{FIELD_LABELS.get(f, f)} : {m}" for f, m in problems))
        self.problems = problems


@dataclass(frozen=True)
class Identity:
    """What pages, reports and mails show (the stored row, or the defaults)."""

    name: str
    primary: str = DEFAULT_PRIMARY
    secondary: str = DEFAULT_SECONDARY
    logo_mime: str | None = None
    logo_alt: str = ""
    #: Changes when the logo does: the logo's URL carries it, so browsers never show an old one.
    logo_version: str = ""
    stored: bool = field(default=False, compare=False)

    @property
    def has_logo(self) -> bool:
        return self.logo_mime is not None

    def signature(self) -> str:
        """The closing lines of every mail."""
        return f"--\n{self.name}\nCartographie de l'offre d'insertion\n"


# --------------------------------------------------------------------------- colours


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(hex_colour: str) -> float:
    """WCAG contrast ratio of white text on ``hex_colour`` (1 to 21)."""
    return 1.05 / (_luminance(hex_colour) + 0.05)


def colour_problem(value: str) -> str | None:
    value = (value or "").strip()
    if not HEX_RE.match(value):
        return f"« {value} » n'est pas une couleur : écrivez-la en hexadécimal, par exemple {DEFAULT_PRIMARY}."
    ratio = contrast_with_white(value)
    if ratio < MIN_CONTRAST:
        return (f"le texte blanc sur {value.lower()} a un contraste de {formats.number(ratio, 2)}:1, il faut au moins "
                f"{formats.number(MIN_CONTRAST)}:1 (RGAA 3.2) : choisissez une couleur plus foncée.")
    return None


# --------------------------------------------------------------------------- logo

_SVG_FORBIDDEN = {"script", "foreignobject", "iframe", "object", "embed"}


def logo_problem(data: bytes) -> tuple[str | None, str | None]:
    """(MIME type, None) for an acceptable logo, (None, French message) otherwise."""
    if not data:
        return None, "le fichier est vide."
    if len(data) > MAX_LOGO_BYTES:
        return None, (f"le fichier fait {formats.number(len(data) / 1024, 0)} Ko, au plus "
                      f"{formats.number(MAX_LOGO_BYTES / 1024, 0)} Ko.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                width, height = image.size
        except Exception:  # Pillow raises many types for a damaged file
            return None, "le fichier PNG est illisible ou abîmé."
        if max(width, height) > MAX_LOGO_PIXELS:
            return None, f"l'image fait {width} × {height} pixels, au plus {MAX_LOGO_PIXELS} de côté."
        return "image/png", None
    return _svg_problem(data)


def _svg_problem(data: bytes) -> tuple[str | None, str | None]:
    head = data[:2048].lower()
    if b"<svg" not in data.lower():
        return None, "le logo doit être une image PNG ou SVG."
    if b"<!doctype" in head or b"<!entity" in data.lower():
        return None, "le fichier SVG contient une déclaration DOCTYPE ou ENTITY : enregistrez-le sans."
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return None, f"le fichier SVG n'est pas du XML valide (ligne {exc.position[0]})."
    if root.tag.rsplit("}", 1)[-1] != "svg":
        return None, "le logo doit être une image PNG ou SVG."
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        if tag in _SVG_FORBIDDEN:
            return None, f"le fichier SVG contient un élément « {tag} » (script ou contenu actif) : retirez-le."
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                return None, f"le fichier SVG contient un attribut « {local} » (script) : retirez-le."
            if local == "href" and not value.startswith("#") and not value.startswith("data:image/"):
                return None, "le fichier SVG fait référence à un fichier externe : intégrez l'image dans le SVG."
    return "image/svg+xml", None


def read_logo_file(path: str | Path) -> bytes:
    """The bytes of a logo given by its path (``mapapp identity set --logo``); IdentityError if unreadable."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise IdentityError([("logo", f"le fichier « {path} » n'existe pas.")]) from None
    except OSError:
        raise IdentityError([("logo", f"impossible de lire « {path} » (droits, ou c'est un dossier).")]) from None


# --------------------------------------------------------------------------- storage


def _row(session: Session) -> SiteIdentity | None:
    return session.get(SiteIdentity, 1)


def current_identity(session: Session, default_name: str | None = None) -> Identity:
    """The stored identity, or the defaults with ``default_name`` (None: ``MAPAPP_ORG_NAME`` of the environment)."""
    row = _row(session)
    if row is None:
        if default_name is None:
            from mapapp.config import load_settings

            default_name = load_settings().org_name
        return Identity(name=default_name)
    return Identity(name=row.name, primary=row.primary, secondary=row.secondary,
                    logo_mime=row.logo_mime if row.logo else None, logo_alt=row.logo_alt,
                    logo_version=f"{row.updated_at:%Y%m%d%H%M%S}", stored=True)


def current_logo(session: Session) -> tuple[bytes, str] | None:
    row = _row(session)
    return (row.logo, row.logo_mime) if row is not None and row.logo else None


def save_identity(session: Session, *, name: str, primary: str, secondary: str, logo_alt: str,
                  logo: bytes | None = None, remove_logo: bool = False, author: str = "",
                  default_name: str = "le Département") -> Identity:
    """Check and store the identity (``logo`` None keeps the current one); the caller commits.

    Raises:
        IdentityError: every problem found, with its field; nothing is changed.
    """
    name, primary, secondary, logo_alt = (v.strip() for v in (name, primary, secondary, logo_alt))
    problems: list[tuple[str, str]] = []
    if not name:
        problems.append(("name", "indiquez le nom du Département (il figure en tête de chaque page)."))
    elif len(name) > 200:
        problems.append(("name", f"trop long ({len(name)} caractères, au plus 200)."))
    for key, value in (("primary", primary), ("secondary", secondary)):
        if problem := colour_problem(value):
            problems.append((key, problem))
    mime = None
    if logo is not None:
        mime, problem = logo_problem(logo)
        if problem:
            problems.append(("logo", problem))
    row = _row(session)
    will_have_logo = (logo is not None) or (row is not None and row.logo is not None and not remove_logo)
    if will_have_logo and not logo_alt:
        problems.append(("logo_alt", "décrivez le logo en quelques mots (par exemple « Logo du Département »), "
                                     "les lecteurs d'écran le lisent."))
    elif len(logo_alt) > 300:
        problems.append(("logo_alt", f"trop long ({len(logo_alt)} caractères, au plus 300)."))
    if problems:
        raise IdentityError(problems)
    if row is None:
        row = SiteIdentity(id=1)
        session.add(row)
    row.name, row.primary, row.secondary, row.logo_alt = name, primary.lower(), secondary.lower(), logo_alt
    if logo is not None:
        row.logo, row.logo_mime = logo, mime
    elif remove_logo:
        row.logo, row.logo_mime = None, None
    row.updated_at, row.updated_by = utcnow(), author
    session.flush()
    return current_identity(session, default_name)
