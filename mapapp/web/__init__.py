"""The Flask application (application factory, one blueprint per area)."""

from __future__ import annotations

import logging
import secrets

from flask import Flask

from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.config import Settings, load_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, **overrides) -> Flask:
    """Build the web application for ``settings`` (read from the environment by default).

    The database must already be migrated (``mapapp db upgrade`` or
    ``mapapp demo load``); the app never creates tables itself.
    """
    settings = settings or load_settings()
    app = Flask(__name__)
    secret = settings.secret_key
    if not secret:
        # Development convenience only: sessions will not survive a restart.
        log.warning("MAPAPP_SECRET_KEY is not set: using a random key for this process only")
        secret = secrets.token_hex(32)
    app.config.update(SECRET_KEY=secret, MAPAPP_SETTINGS=settings, JSON_AS_ASCII=False)
    app.config.update(overrides)

    engine = make_engine(settings.database_url)
    app.extensions["mapapp.sessionmaker"] = make_sessionmaker(engine)

    from mapapp.web import pages

    app.register_blueprint(pages.bp)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
