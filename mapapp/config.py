"""Settings, read from the environment (never from files committed to the repository).

=========================  ===========================================================
variable                   meaning (default)
=========================  ===========================================================
``MAPAPP_DATA_DIR``        where the database, graph caches and results live
                           (``./var``)
``MAPAPP_DATABASE_URL``    SQLAlchemy URL (``sqlite:///$MAPAPP_DATA_DIR/mapapp.sqlite``);
                           ``postgresql+psycopg://user@host/db`` in production
``MAPAPP_DEMO_DIR``        the generated demo territory (``./geodata/demo``)
``MAPAPP_SECRET_KEY``      Flask session key, at least 32 random characters; required
                           by the web application except with ``mapapp serve --debug``
``MAPAPP_BASE_URL``        public address of the site (``https://carto.example.fr``): the
                           only source of the links written in e-mails, and the host
                           the web application answers to; required like the key
``MAPAPP_TRUSTED_HOSTS``   other host names the web application answers to, separated
                           by commas (``.example.fr`` accepts every sub-domain)
``MAPAPP_PROXY_HOPS``      number of reverse proxies in front of the application whose
                           ``X-Forwarded-For/-Proto/-Host`` headers are trusted (0)
``MAPAPP_SECURE_COOKIES``  ``1``: session cookies only over HTTPS (production)
``MAPAPP_SMTP_URL``        ``smtp://user:password@host:port``: send mail; unset, mails
                           are written to ``$MAPAPP_DATA_DIR/outbox``
``MAPAPP_MAIL_FROM``       sender of those mails (``mapapp@localhost``)
``MAPAPP_STALE_MONTHS``    a record not verified for this many months is stale (12)
``MAPAPP_TILES``           map background: ``osm`` (default), ``osm-fr``, ``plan-ign``,
                           ``aucun`` (the territory's own communes only) or a URL
                           template ``https://…/{z}/{x}/{y}.png``
``MAPAPP_TILES_ATTRIBUTION`` the credit a URL template's provider requires (required
                           with a URL template)
``MAPAPP_FRAME_ANCESTORS`` origins allowed to embed the public pages in an iframe,
                           separated by spaces or commas (unset: nobody)
``MAPAPP_ORG_NAME``        the body that publishes the site, as written in the legal
                           pages (``le Département``)
``MAPAPP_CONTACT_EMAIL``   address of the accessibility statement's and the personal
                           data pages' contact (none: the pages say it is missing)
``MAPAPP_DIRECTOR``        directeur de la publication (the president of the
                           Conseil départemental, unnamed)
``MAPAPP_HOSTING``         hosting provider's name and address (mentions légales)
``MAPAPP_RGAA_STATUS``     ``non``, ``partiel`` or ``total``: the RGAA conformity
                           stated in the footer and the statement (``non``)
``MAPAPP_RGAA_AUDIT``      the audit behind that status (date, auditor, rate);
                           required unless the status is ``non``
=========================  ===========================================================

``MAPAPP_SECURE_COOKIES``, ``MAPAPP_SMTP_URL``, ``MAPAPP_MAIL_FROM`` and
``MAPAPP_STALE_MONTHS`` are read where they are used (:mod:`mapapp.web.auth`,
:mod:`mapapp.io.outbox`, :mod:`mapapp.catalog.freshness`); the map settings here
only (:attr:`Settings.tiles`, used by :mod:`mapapp.web.basemap`). The web settings
are checked by :func:`web_settings_problems` when the application starts; the last
six feed the footer and the legal pages (:mod:`mapapp.web.legal`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Links written when ``MAPAPP_BASE_URL`` is unset (development only: the web application requires it otherwise).
DEFAULT_BASE_URL = "http://127.0.0.1:5000"
#: A session key shorter than this, or made of fewer distinct characters, is refused (32 bytes of randomness
#: in hexadecimal are 64 characters; ``secrets.token_urlsafe(32)`` gives 43).
SECRET_KEY_MIN_LENGTH = 32
SECRET_KEY_MIN_DISTINCT = 10
#: Names of this machine: when the public address is one of them, all of them are trusted.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
SECRET_KEY_HINT = 'python3 -c "import secrets; print(secrets.token_hex(32))"'
#: RGAA conformity levels (décret 2019-768, arrêté du 20 septembre 2019): the footer's wording for each.
#: Without an audit against the RGAA, the only truthful statement is « non conforme ».
RGAA_STATUSES = {"non": "non conforme", "partiel": "partiellement conforme", "total": "totalement conforme"}
EMAIL_SHAPE = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


class SettingsError(RuntimeError):
    """A setting that prevents the application from starting; the message is in French."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    demo_dir: Path
    secret_key: str | None
    #: ``MAPAPP_BASE_URL`` without its trailing slash, None when unset.
    base_url: str | None = None
    #: ``MAPAPP_TRUSTED_HOSTS``, as given.
    trusted_hosts: tuple[str, ...] = ()
    #: ``MAPAPP_PROXY_HOPS`` as given (checked by :func:`web_settings_problems`).
    proxy_hops_raw: str = ""
    #: ``MAPAPP_TILES`` and ``MAPAPP_TILES_ATTRIBUTION`` as given (see :attr:`tiles`).
    tiles_raw: str = ""
    tiles_attribution_raw: str = ""
    #: ``MAPAPP_FRAME_ANCESTORS``, as given (see :attr:`frame_ancestors`).
    frame_ancestors: tuple[str, ...] = ()

    @property
    def tiles(self) -> TileSource | None:
        """The map background (None: ``aucun``, the fallback drawn from the territory's communes).

        Raises:
            SettingsError: an unknown preset or a malformed URL template (checked at start-up
                by :func:`web_settings_problems`).
        """
        return tile_source(self.tiles_raw, self.tiles_attribution_raw)

    #: Who publishes the site, for the footer and legal pages (``MAPAPP_ORG_NAME``).
    org_name: str = "le Département"
    #: ``MAPAPP_CONTACT_EMAIL``: the accessibility and personal-data contact; None when unset.
    contact_email: str | None = None
    #: ``MAPAPP_DIRECTOR``; None: the president of the Conseil départemental, unnamed.
    publication_director: str | None = None
    #: ``MAPAPP_HOSTING``: the hosting provider (name, address); None when unset.
    hosting: str | None = None
    #: ``MAPAPP_RGAA_STATUS`` as given: a key of :data:`RGAA_STATUSES` (checked by :func:`web_settings_problems`).
    rgaa_status: str = "non"
    #: ``MAPAPP_RGAA_AUDIT``: the audit behind a « partiellement » or « totalement conforme » statement.
    rgaa_audit: str | None = None

    @property
    def rgaa_label(self) -> str:
        """The conformity wording of the footer (« non conforme » for an unknown status: never claim more)."""
        return RGAA_STATUSES.get(self.rgaa_status, RGAA_STATUSES["non"])

    @property
    def cache_dir(self) -> Path:
        """Where built road graphs are cached (one file per source hash, mode and profile)."""
        return self.data_dir / "cache"

    @property
    def public_url(self) -> str:
        """The address links in messages start with: ``MAPAPP_BASE_URL``, or the development default."""
        return self.base_url or DEFAULT_BASE_URL

    @property
    def proxy_hops(self) -> int:
        value = self.proxy_hops_raw.strip()
        return int(value) if value.isdigit() else 0

    def allowed_hosts(self, *, development: bool = False) -> list[str]:
        """Host names the web application answers to (Flask's ``TRUSTED_HOSTS``).

        The host of ``MAPAPP_BASE_URL`` plus ``MAPAPP_TRUSTED_HOSTS``; ``localhost`` and
        ``127.0.0.1`` too in development or when the public address is one of them.
        """
        hosts = [h.lower() for h in self.trusted_hosts]
        public = urlsplit(self.public_url).hostname if (self.base_url or development) else None
        if public:
            hosts.append(public.lower())
        if development or public in LOOPBACK_HOSTS:
            hosts.extend(LOOPBACK_HOSTS)
        return list(dict.fromkeys(hosts))


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("MAPAPP_DATA_DIR") or PROJECT_ROOT / "var").resolve()
    database_url = env.get("MAPAPP_DATABASE_URL") or f"sqlite:///{data_dir / 'mapapp.sqlite'}"
    demo_dir = Path(env.get("MAPAPP_DEMO_DIR") or PROJECT_ROOT / "geodata" / "demo").resolve()
    trusted = tuple(h.strip() for h in (env.get("MAPAPP_TRUSTED_HOSTS") or "").replace(" ", ",").split(",")
                    if h.strip())
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        demo_dir=demo_dir,
        secret_key=env.get("MAPAPP_SECRET_KEY") or None,
        base_url=(env.get("MAPAPP_BASE_URL") or "").strip().rstrip("/") or None,
        trusted_hosts=trusted,
        proxy_hops_raw=env.get("MAPAPP_PROXY_HOPS") or "",
        tiles_raw=(env.get("MAPAPP_TILES") or "").strip(),
        tiles_attribution_raw=(env.get("MAPAPP_TILES_ATTRIBUTION") or "").strip(),
        frame_ancestors=tuple(o.strip() for o in (env.get("MAPAPP_FRAME_ANCESTORS") or "").replace(",", " ").split()
                              if o.strip()),
        org_name=(env.get("MAPAPP_ORG_NAME") or "").strip() or "le Département",
        contact_email=(env.get("MAPAPP_CONTACT_EMAIL") or "").strip() or None,
        publication_director=(env.get("MAPAPP_DIRECTOR") or "").strip() or None,
        hosting=(env.get("MAPAPP_HOSTING") or "").strip() or None,
        rgaa_status=(env.get("MAPAPP_RGAA_STATUS") or "non").strip().lower(),
        rgaa_audit=(env.get("MAPAPP_RGAA_AUDIT") or "").strip() or None,
    )


# --------------------------------------------------------------------------- map background


@dataclass(frozen=True)
class TileSource:
    """A tile server for Leaflet: what the pages load, the credit they show, what the CSP allows."""

    #: Leaflet URL template (``{z}``, ``{x}``, ``{y}``, optional ``{s}``).
    url: str
    #: The credit the provider requires (HTML for the presets; escaped text for ``MAPAPP_TILES_ATTRIBUTION``).
    attribution: str
    #: The same credit as plain text (page footer).
    label: str
    max_zoom: int = 18
    subdomains: str = "abc"

    @property
    def csp_source(self) -> str:
        """The CSP source expression of the tile host (``{s}`` becomes ``*``), ``'self'`` for a local path."""
        if self.url.startswith("/"):
            return "'self'"
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


#: Tile servers with the credit their terms of use require.
TILE_PRESETS = {
    "osm": TileSource(
        url="https://tile.openstreetmap.org/{z}/{x}/{y}.png", max_zoom=19,
        attribution='© les contributeurs d’<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
        label="© les contributeurs d'OpenStreetMap (ODbL)"),
    "osm-fr": TileSource(
        url="https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png", max_zoom=20,
        attribution=('fond © <a href="https://www.openstreetmap.fr/">OpenStreetMap France</a>, données © les '
                     'contributeurs d’<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'),
        label="OpenStreetMap France, © les contributeurs d'OpenStreetMap (ODbL)"),
    # IGN Géoplateforme, WMTS in the Web Mercator tile matrix set (PM), Licence Ouverte Etalab 2.0.
    "plan-ign": TileSource(
        url=("https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
             "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png"
             "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"), max_zoom=19,
        attribution='Plan IGN v2 © <a href="https://www.ign.fr/">IGN</a> – Géoplateforme',
        label="Plan IGN v2 © IGN – Géoplateforme (Licence Ouverte Etalab 2.0)"),
}
DEFAULT_TILES = "osm"
#: A host name with an optional port and an optional leading ``*.`` (nothing that could end a CSP directive).
_HOST_PORT = re.compile(r"(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?")
#: ``MAPAPP_TILES`` value for no tile server: the background is drawn from the territory's communes.
NO_TILES = "aucun"


def tile_source(value: str, attribution: str = "") -> TileSource | None:
    """The tile source of ``MAPAPP_TILES`` (``value``) and ``MAPAPP_TILES_ATTRIBUTION``; None for ``aucun``.

    Raises:
        SettingsError: an unknown preset, a URL template without ``{z}``/``{x}``/``{y}``, not in
            ``https://`` (or a local path ``/…``), or without its attribution (French message).
    """
    from markupsafe import escape

    value = value or DEFAULT_TILES
    if value == NO_TILES:
        return None
    if value in TILE_PRESETS:
        return TILE_PRESETS[value]
    presets = ", ".join(f"« {k} »" for k in [*TILE_PRESETS, NO_TILES])
    if "/" not in value:
        raise SettingsError(f"MAPAPP_TILES « {value} » : fond de carte inconnu ; valeurs possibles : {presets} "
                            "ou une adresse de tuiles https://…/{z}/{x}/{y}.png.")
    parts = urlsplit(value)
    local = value.startswith("/") and not value.startswith("//")
    host = parts.netloc.replace("{s}.", "*.", 1) if parts.netloc.startswith("{s}.") else parts.netloc
    if not local and (parts.scheme != "https" or not _HOST_PORT.fullmatch(host)):
        raise SettingsError(f"MAPAPP_TILES « {value} » : une adresse de tuiles commence par https:// suivi du "
                            "nom du serveur (« {s}. » seulement en tête du nom), ou par / pour des tuiles "
                            "servies sur ce site.")
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in value]
    if missing:
        raise SettingsError(f"MAPAPP_TILES « {value} » : il manque {', '.join(missing)} dans l'adresse des tuiles "
                            "(forme attendue https://…/{z}/{x}/{y}.png).")
    if not attribution:
        raise SettingsError(f"MAPAPP_TILES « {value} » : indiquez dans MAPAPP_TILES_ATTRIBUTION la mention que "
                            "le fournisseur de ces tuiles exige (par exemple « © les contributeurs "
                            "d'OpenStreetMap »).")
    return TileSource(url=value, attribution=str(escape(attribution)), label=attribution)


def frame_ancestors_problems(origins: tuple[str, ...]) -> list[str]:
    """``MAPAPP_FRAME_ANCESTORS`` values that are not origins (``https://site.example.fr``), in French."""
    problems = []
    for origin in origins:
        if origin in ("'self'", "'none'"):
            continue
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not _HOST_PORT.fullmatch(parts.netloc) \
                or parts.path not in ("", "/") or parts.query or parts.fragment:
            problems.append(f"MAPAPP_FRAME_ANCESTORS : « {origin} » n'est pas une origine de la forme "
                            "https://site.example.fr (sans chemin ; « *. » seulement en tête du nom), "
                            "séparées par des espaces.")
    return problems


def secret_key_problem(key: str | None) -> str | None:
    """Why ``key`` cannot sign sessions, in French, or None."""
    if not key:
        return ("MAPAPP_SECRET_KEY n'est pas défini : définissez-le (secret, stable, commun à tous les processus, "
                f"au moins {SECRET_KEY_MIN_LENGTH} caractères aléatoires, par exemple {SECRET_KEY_HINT}) avant de "
                "lancer l'application, ou utilisez `make run` en développement.")
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        return (f"MAPAPP_SECRET_KEY est trop faible ({len(key)} caractères, {len(set(key))} différents) : il faut "
                f"au moins {SECRET_KEY_MIN_LENGTH} caractères aléatoires, par exemple la sortie de {SECRET_KEY_HINT}.")
    return None


def base_url_problem(url: str | None) -> str | None:
    """Why ``url`` cannot be the public address, in French, or None (unset is the caller's business)."""
    if url is None:
        return ("MAPAPP_BASE_URL n'est pas défini : indiquez l'adresse publique du site (par exemple "
                "https://carto.example.fr). Les liens des messages (mot de passe oublié, invitations, rappels) "
                "sont construits avec elle, jamais avec l'adresse demandée par le navigateur.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password:
        return f"MAPAPP_BASE_URL « {url} » n'est pas une adresse de la forme https://nom.du.site[:port][/chemin]."
    return None


def web_settings_problems(settings: Settings, *, development: bool = False) -> list[str]:
    """Everything that prevents the web application from starting with ``settings``, in French.

    Outside development (``mapapp serve --debug``), ``MAPAPP_SECRET_KEY`` and
    ``MAPAPP_BASE_URL`` are required. A secret key, when given, must be strong
    even in development.
    """
    problems = []
    if settings.secret_key or not development:
        if problem := secret_key_problem(settings.secret_key):
            problems.append(problem)
    if settings.base_url or not development:
        if problem := base_url_problem(settings.base_url):
            problems.append(problem)
    if settings.proxy_hops_raw.strip() and not settings.proxy_hops_raw.strip().isdigit():
        problems.append(f"MAPAPP_PROXY_HOPS « {settings.proxy_hops_raw} » : un nombre entier de mandataires "
                        "(0, 1, 2…) est attendu.")
    problems.extend(legal_settings_problems(settings))
    for host in settings.trusted_hosts:
        if not host.lstrip(".") or "/" in host or ":" in host:
            problems.append(f"MAPAPP_TRUSTED_HOSTS : « {host} » n'est pas un nom d'hôte (sans schéma ni port ; "
                            "« .example.fr » pour tous les sous-domaines).")
    try:
        settings.tiles  # noqa: B018  (raises on a bad value)
    except SettingsError as exc:
        problems.append(str(exc))
    problems.extend(frame_ancestors_problems(settings.frame_ancestors))
    return problems


def legal_settings_problems(settings: Settings) -> list[str]:
    """What makes the legal pages untrue (a conformity claimed without an audit, a malformed contact), in French."""
    problems = []
    if settings.rgaa_status not in RGAA_STATUSES:
        problems.append(f"MAPAPP_RGAA_STATUS « {settings.rgaa_status} » : valeurs possibles "
                        + ", ".join(f"« {k} » ({v})" for k, v in RGAA_STATUSES.items()) + ".")
    elif settings.rgaa_status != "non" and not settings.rgaa_audit:
        problems.append(f"MAPAPP_RGAA_STATUS « {settings.rgaa_status} » annonce un site "
                        f"{RGAA_STATUSES[settings.rgaa_status]} : décrivez l'audit qui l'établit dans "
                        "MAPAPP_RGAA_AUDIT (date, auditeur, taux de conformité), ou laissez « non ».")
    if settings.contact_email and not EMAIL_SHAPE.match(settings.contact_email):
        problems.append(f"MAPAPP_CONTACT_EMAIL « {settings.contact_email} » n'est pas une adresse électronique.")
    return problems


def require_web_settings(settings: Settings, *, development: bool = False) -> None:
    """Raise :class:`SettingsError` listing :func:`web_settings_problems`, if any."""
    if problems := web_settings_problems(settings, development=development):
        raise SettingsError("\n".join(problems))
