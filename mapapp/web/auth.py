"""Login, logout, password reset by one-time link, CSRF protection, session cookies, security headers.

- Sessions: Flask's signed cookie holds the random id of a server-side login
  (:class:`mapapp.catalog.models_users.UserSession`), looked up on every request:
  logout deletes it, a new password deletes all the account's, and it expires
  after 12 hours, so a copied cookie stops working. Cookies are HttpOnly and
  SameSite=Lax, and Secure when ``MAPAPP_SECURE_COOKIES=1`` (production behind HTTPS).
- CSRF: Flask-WTF's :class:`~flask_wtf.csrf.CSRFProtect`: every POST/PUT/PATCH/DELETE
  must carry a token signed for the session, in the form field ``csrf_token``
  (templates call ``csrf_token()``; WTForms forms carry it themselves) or the
  header ``X-CSRF-Token``; otherwise 400 with a French message
  (:data:`CSRF_MESSAGE`). A token lasts as long as the session (no time limit:
  a partner may spend more than an hour on a long form).
- Login rate limit: see :mod:`mapapp.catalog.users` (5 failures per IP and
  login name in 15 minutes, stored in the database). The IP is
  ``request.remote_addr``: behind reverse proxies, ``MAPAPP_PROXY_HOPS`` tells how
  many, so that it is the client's (:func:`mapapp.web._trust_proxies`).
- Links in e-mails start with ``MAPAPP_BASE_URL`` only, and the application
  refuses requests for any host it was not told about (Flask's ``TRUSTED_HOSTS``).
- Security headers on every response: Content-Security-Policy (strict on the
  contribution pages: scripts only from this site; the public map pages also
  allow inline scripts, which folium's output needs; images from the tile
  host of ``MAPAPP_TILES``; framing only by ``MAPAPP_FRAME_ANCESTORS``, public
  pages only, see :mod:`mapapp.web.basemap`), X-Content-Type-Options,
  X-Frame-Options (DENY unless framing is allowed), Referrer-Policy.
"""

from __future__ import annotations

import functools
import logging
import os
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from flask_wtf.csrf import CSRFError, CSRFProtect

from mapapp.catalog.models_users import User
from mapapp.catalog.users import (
    RESET_PATH,
    AccountError,
    LoginBlocked,
    TokenError,
    authenticate,
    check_password_strength,
    check_token,
    close_session,
    get_user_by_email,
    issue_token,
    note_reset_request,
    open_session,
    session_user,
    use_token,
)
from mapapp.web.basemap import STRICT_BLUEPRINTS
from mapapp.web.db import get_session
from mapapp.web.mail_queue import init_app as init_mail_queue
from mapapp.web.mail_queue import mail_queue

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

#: What a POST without a valid token is told (Flask-WTF's own reasons are in English).
CSRF_MESSAGE = "Jeton de sécurité manquant ou périmé : rechargez la page et recommencez."

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Cookies, current user, CSRF and headers; register the blueprint."""
    # Flask's defaults exist for these keys: set them (an app built with SESSION_COOKIE_SECURE=True keeps it).
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE")) or \
        os.environ.get("MAPAPP_SECURE_COOKIES") == "1"
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # as long as the session (itself 12 hours at most)
    app.config.setdefault("WTF_CSRF_HEADERS", ["X-CSRF-Token", "X-CSRFToken"])
    app.before_request(_load_user)
    csrf.init_app(app)  # its before_request runs after _load_user; it sets the templates' csrf_token()
    app.after_request(_security_headers)
    init_mail_queue(app)
    app.register_blueprint(bp)


# --------------------------------------------------------------------------- current user


def _load_user() -> None:
    """The account of the session's open login, checked in the database on every request."""
    g.user = None
    token = session.get("sid")
    if not token:
        return
    user = session_user(get_session(), token)
    if user is None:  # logged out elsewhere, password changed, expired, account disabled
        session.pop("sid", None)
        return
    g.user = user


def current_user() -> User | None:
    return g.get("user")


def login_required(*roles: str):
    """Views for logged-in users (of ``roles`` when given): login page (or JSON 401) otherwise, 403 for other roles."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                if request.path.startswith("/espace/api/") or request.accept_mimetypes.best == "application/json":
                    return jsonify(error="Connexion requise."), 401
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                abort(403, description="Cette page est réservée à d'autres profils d'utilisateurs.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


#: The answer to an id that does not exist and to one the user may not see: the same, so ids cannot be probed.
NOT_VISIBLE = "Aucune fiche ni demande n'a cet identifiant parmi celles que vous pouvez consulter."


def visible_or_404(record, visible: bool, message: str = NOT_VISIBLE):
    """``record`` if it exists and the current user may see it; otherwise 404, as for an id that does not exist.

    Use it for everything that is not public (drafts, pending requests): a 403
    would tell that the id exists. Published records are public, so refusing to
    let someone *edit* one stays a 403.
    """
    if record is None or not visible:
        abort(404, description=message)
    return record


# --------------------------------------------------------------------------- CSRF


def is_csrf_error(exc: Exception) -> bool:
    """A refusal of Flask-WTF's CSRF check (its description is English: the error page says :data:`CSRF_MESSAGE`)."""
    return isinstance(exc, CSRFError)


def _security_headers(response):
    strict = request.blueprint in STRICT_BLUEPRINTS
    policy = current_app.extensions["mapapp.security_policy"]  # see mapapp.web.basemap
    response.headers.setdefault("Content-Security-Policy", policy.csp_strict if strict else policy.csp_public)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    frame_options = policy.frame_options_strict if strict else policy.frame_options_public
    if frame_options:
        response.headers.setdefault("X-Frame-Options", frame_options)
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_user() is not None or strict:
        response.headers.setdefault("Cache-Control", "no-store")
    return response


# --------------------------------------------------------------------------- views


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, no //) is a valid redirection (after login, after a form)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target




def home_of(user: User) -> str:
    if user.is_professional:
        return url_for("guides.page")
    return url_for("moderation.queue") if not user.is_partner else url_for("partenaires.dashboard")


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    error, status = None, 200
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "")
        db = get_session()
        try:
            user = authenticate(db, email, request.form.get("password", ""), request.remote_addr or "?")
        except LoginBlocked as exc:
            db.rollback()
            error, status = str(exc), 429
        else:
            token = open_session(db, user) if user is not None else None
            db.commit()
            if user is None:
                error, status = "Adresse électronique ou mot de passe incorrect.", 401
            else:
                session.clear()  # a new session: nothing from before the login (fixation)
                session["sid"] = token
                session.permanent = False
                return redirect(safe_next(request.args.get("next")) or home_of(user))
    return render_template("auth/login.html", error=error, email=email), status


@bp.route("/deconnexion", methods=["POST"])
def logout():
    db = get_session()
    close_session(db, session.get("sid"))  # on the server: a copy of the cookie opens nothing either
    db.commit()
    session.clear()
    flash("Vous êtes déconnecté.")
    return redirect(url_for("pages.home"))


def send_reset_link(email: str) -> None:
    """The reset mail for ``email`` if it names an active account (run by :mod:`mapapp.web.mail_queue`).

    Looking the account up, issuing the token and sending happen after the response,
    so that « mot de passe oublié » does the same work, in the same time, for every address.
    """
    from mapapp.catalog.db import transaction
    from mapapp.io.outbox import public_link, send_mail

    settings = current_app.config["MAPAPP_SETTINGS"]
    with transaction(current_app.extensions["mapapp.sessionmaker"]) as db:
        user = get_user_by_email(db, email)
        if user is None or not user.is_active:
            return
        token = issue_token(db, user, "reset")
        # MAPAPP_BASE_URL, never url_for(_external=True): that follows the request's Host header, which anyone forges.
        link = public_link(settings, RESET_PATH + token)
        send_mail(settings, user.email, *link_message("reset", link))


def link_message(purpose: str, link: str) -> tuple[str, str]:
    if purpose == "invite":
        return ("Votre accès à la cartographie de l'offre d'insertion",
                "Bonjour,\n\nUn compte a été créé pour vous sur la cartographie de l'offre d'insertion.\n"
                f"Choisissez votre mot de passe en suivant ce lien (valable 7 jours, une seule fois) :\n\n{link}\n")
    return ("Réinitialisation de votre mot de passe",
            "Bonjour,\n\nVous avez demandé à changer votre mot de passe.\n"
            f"Suivez ce lien (valable 2 heures, une seule fois) :\n\n{link}\n\n"
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n")


@bp.route("/mot-de-passe/oubli", methods=["GET", "POST"])
def forgot():
    if request.method == "POST":
        db = get_session()
        try:
            note_reset_request(db, request.remote_addr or "?")
        except LoginBlocked as exc:
            db.rollback()
            return render_template("auth/forgot.html", error=str(exc)), 429
        db.commit()
        # Same answer, same work in this request, whether the account exists or not.
        mail_queue(current_app).submit(send_reset_link, request.form.get("email", "")[:300])
        flash("Si un compte correspond à cette adresse, un message avec un lien vient de lui être envoyé.")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html")


@bp.route(RESET_PATH + "<token>", methods=["GET", "POST"])
def reset(token: str):
    db = get_session()
    try:
        row = check_token(db, token)
    except TokenError as exc:
        return render_template("auth/reset.html", invalid=str(exc)), 400
    error = error_field = None
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirmation", ""):
            error, error_field = "Les deux mots de passe ne sont pas identiques.", "confirmation"
        else:
            try:
                check_password_strength(password, row.user)
                use_token(db, token, password)
                db.commit()
            except AccountError as exc:
                db.rollback()
                error = str(exc)
            else:
                session.clear()
                flash("Votre mot de passe est enregistré : connectez-vous.")
                return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", invalid=None, error=error, error_field=error_field, purpose=row.purpose,
                           email=row.user.email), 200 if error is None else 400
