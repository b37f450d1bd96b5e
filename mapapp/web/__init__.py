"""The Flask application (application factory, one blueprint per area)."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException, SecurityError

from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.config import Settings, load_settings, require_web_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, dev_key: bool = False, **overrides) -> Flask:
    """Build the web application for ``settings`` (read from the environment by default).

    The database must already be migrated (``mapapp db upgrade`` or
    ``mapapp demo load``); the app never creates tables itself.
    ``MAPAPP_SECRET_KEY`` (at least 32 random characters) and ``MAPAPP_BASE_URL``
    are required, except with ``dev_key=True`` (the development server's
    ``--debug``), which draws a random key for this process and answers on
    localhost. Requests for any other host than the allowed ones
    (:meth:`mapapp.config.Settings.allowed_hosts`) get a 400: nothing the
    application writes can follow a forged ``Host`` header.

    Raises:
        SettingsError: a missing or invalid setting (French message naming it).
    """
    settings = settings or load_settings()
    require_web_settings(settings, development=dev_key)
    app = Flask(__name__)
    secret = settings.secret_key
    if not secret:
        log.warning("MAPAPP_SECRET_KEY is not set: using a random key for this development process only")
        secret = secrets.token_hex(32)
    from mapapp.web.partenaires_import import max_upload_bytes

    app.config.update(SECRET_KEY=secret, MAPAPP_SETTINGS=settings, JSON_AS_ASCII=False,
                      MAX_CONTENT_LENGTH=max_upload_bytes(),  # Flask's default is None: set, not setdefault
                      TRUSTED_HOSTS=settings.allowed_hosts(development=dev_key),
                      PREFERRED_URL_SCHEME=urlsplit(settings.public_url).scheme)
    app.config.update(overrides)
    _trust_proxies(app, settings.proxy_hops)

    engine = make_engine(settings.database_url)
    app.extensions["mapapp.sessionmaker"] = make_sessionmaker(engine)
    _require_migrated_schema(app, engine)

    from mapapp.web import accessibilite, api, api_access, fiches, legal, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(legal.bp)
    app.register_blueprint(fiches.bp)
    app.register_blueprint(accessibilite.bp)
    app.register_blueprint(api.bp)
    from mapapp.web import exports

    app.register_blueprint(exports.bp)
    app.register_blueprint(api_access.bp)
    from mapapp.web import addresses, recalcul, trouver

    app.register_blueprint(addresses.bp)

    app.register_blueprint(trouver.bp)
    app.register_blueprint(recalcul.bp)
    from mapapp.web import evolution

    app.register_blueprint(evolution.bp)  # /observatoire/evolution (issue 16)
    from mapapp.web import observatoire_page

    app.register_blueprint(observatoire_page.bp)  # /observatoire/besoins (issue 16)
    # Accounts, CSRF, session cookies and security headers; then the partners' and moderators' spaces.
    from mapapp.web import admin_settings, auth, basemap, moderation, partenaires

    basemap.init_app(app, settings)  # tiles, their credit and the CSP derived from them
    auth.init_app(app)
    app.register_blueprint(partenaires.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(admin_settings.bp)  # /admin/parametres
    from mapapp.web import admin_identity

    app.register_blueprint(admin_identity.bp)  # /admin/identite, /identite/logo, `identity` in every template
    from mapapp.web import scenarios, scenarios_api

    app.register_blueprint(scenarios.bp)  # planners' scenarios (issue 14)
    app.register_blueprint(scenarios_api.bp)  # their JSON API (/api/scenarios)
    from mapapp.web import guides

    app.register_blueprint(guides.bp)  # territorial guides, and ``pro_view`` for the templates (issue 13 §6)
    app.json.ensure_ascii = False
    from mapapp.web import input_guard

    input_guard.register(app)  # last registered, first run: before CSRF, the schema check and every view
    _register_template_filters(app)
    _register_error_pages(app)

    @app.after_request
    def _security_headers(response):
        # X-Frame-Options is set with the CSP's frame-ancestors (mapapp.web.auth), from MAPAPP_FRAME_ANCESTORS.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app


def _trust_proxies(app: Flask, hops: int) -> None:
    """Take the client's address, scheme and host from the ``hops`` reverse proxies in front (``MAPAPP_PROXY_HOPS``).

    Without it, behind a proxy every client has the proxy's address, and the login
    limit (per address and login name) lets anyone lock anyone out. With it, only
    the last ``hops`` values of ``X-Forwarded-*`` are believed (the ones our proxies
    wrote); a request that still carries ``X-Forwarded-For`` with ``hops=0`` is logged
    once, since it means a proxy nobody declared.
    """
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        return
    warned = False

    @app.before_request
    def _undeclared_proxy():
        nonlocal warned
        if not warned and "X-Forwarded-For" in request.headers:
            warned = True
            log.warning("Requests carry X-Forwarded-For but MAPAPP_PROXY_HOPS is 0: every client has the proxy's "
                        "address (%s) for the login limits; set MAPAPP_PROXY_HOPS to the number of proxies",
                        request.remote_addr)


def _require_migrated_schema(app: Flask, engine) -> None:
    """Answer 503 with what to run while the database is not migrated (instead of a 500 per page).

    Checked on each request until the schema is found at the latest revision, then never again.
    """
    from werkzeug.exceptions import ServiceUnavailable

    from mapapp.catalog.db import schema_problem

    ready = False

    @app.before_request
    def _check_schema():
        nonlocal ready
        if ready or request.endpoint == "static":
            return None
        if problem := schema_problem(engine):
            raise ServiceUnavailable(description=problem)
        ready = True
        return None


#: French titles of the error pages.
ERROR_TITLES = {
    400: "Requête invalide",
    403: "Accès refusé",
    429: "Trop de tentatives",
    404: "Page introuvable",
    413: "Fichier trop volumineux",
    405: "Méthode non autorisée",
    500: "Erreur interne",
    503: "Service indisponible",
}
ERROR_MESSAGES = {
    400: "La requête contient une valeur invalide.",
    404: "L'adresse demandée ne correspond à aucune page.",
    405: "Cette adresse ne peut pas être utilisée de cette façon.",
    500: "Une erreur est survenue de notre côté ; réessayez plus tard.",
}


def _register_error_pages(app: Flask) -> None:
    """French error pages; JSON ``{"error": ...}`` under ``/api``."""
    from mapapp.web.api import error_response

    def _message(exc: HTTPException) -> str:
        if isinstance(exc, SecurityError):
            return ("Ce site ne répond pas à cette adresse : utilisez son adresse publique "
                    "(MAPAPP_BASE_URL, ou MAPAPP_TRUSTED_HOSTS pour d'autres noms).")
        from mapapp.web.auth import CSRF_MESSAGE, is_csrf_error

        if is_csrf_error(exc):
            return CSRF_MESSAGE
        if exc.code == 413:
            from mapapp.web.partenaires_import import too_large_message

            return too_large_message(current_app.config.get("MAX_CONTENT_LENGTH"))
        # Werkzeug's default descriptions are in English: keep only ours (abort(404, description=...)).
        if exc.description and exc.description != type(exc).description:
            return exc.description
        return ERROR_MESSAGES.get(exc.code or 500, "Erreur.")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = exc.code or 500
        message = _message(exc)
        # The exception's own headers (``Allow`` of a 405, ``Retry-After``...), not its HTML content type.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if request.path.startswith("/api/") or request.path == "/api":
            response = error_response(message, code)
        elif isinstance(exc, SecurityError):  # no URL can be built for a refused host: no page around the message
            response = app.response_class(message + "\n", code, mimetype="text/plain")
        else:
            title = ERROR_TITLES.get(code, "Erreur")
            response = app.make_response((render_template("error.html", title=title, message=message), code))
        response.headers.extend(headers)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return _http_error(exc)
        log.exception("Unhandled error on %s", request.path)
        if request.path.startswith("/api/"):
            return error_response(ERROR_MESSAGES[500], 500)
        return render_template("error.html", title=ERROR_TITLES[500], message=ERROR_MESSAGES[500]), 500


def _register_template_filters(app: Flask) -> None:
    from mapapp.web import formatting, lookup

    formatting.register(app)  # the French formats of mapapp.formats
    from mapapp.web.contrib_forms import summary_item

    app.add_template_filter(summary_item, "summary_item")  # a line of a form's error summary
    from mapapp.web.maps import status_text

    app.add_template_filter(lookup.hours_fr, "hours_fr")
    app.add_template_filter(lookup.weekly_hours_text, "weekly_hours_fr")
    app.add_template_filter(status_text, "status_fr")
    app.add_template_filter(lookup.safe_link, "safe_link")

    def labels(values, vocabulary) -> str:
        return ", ".join(vocabulary.get(v, v) for v in values or [])

    app.add_template_filter(labels, "labels")
