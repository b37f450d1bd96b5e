"""Public pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from mapapp.catalog import vocab
from mapapp.catalog.stats import catalog_stats
from mapapp.web.db import close_session, get_session

bp = Blueprint("pages", __name__)
bp.teardown_app_request(close_session)


@bp.route("/")
def home():
    stats = catalog_stats(get_session())
    return render_template("home.html", stats=stats, vocab=vocab)
