"""Accounts: creation, passwords, one-time links, login rate limiting, and who may do what.

Roles (:data:`mapapp.catalog.models_users.ROLES`):

``admin``
    everything, everywhere.
``moderator``
    sees, edits, publishes and rejects the records located in the territories
    they are attached to (grid units, e.g. territoires d'action sociale), or in
    the whole département (``moderates_all``). A record is in a territory when
    one of its communes is (see :func:`mapapp.catalog.moderation_records.record_communes`);
    a record with no commune at all (an aid, a remote offer of a structure without
    address) is moderated by département-wide moderators and administrators.
``partner``
    member of one or more structures: proposes changes to those structures and
    their sites, offers and mobility solutions, and sees their drafts; nothing else.
``professional``
    référent or travailleur social: edits nothing, and sees on the public pages
    and in the guides the structures' professional contacts and notes on
    orientation (:mod:`mapapp.catalog.professional`).

The anonymous public has no account and sees only published (live) records.

Logins are rows of ``user_session`` (:func:`open_session`, :func:`session_user`):
the cookie holds a random id whose SHA-256 is the row's key, checked on every
request; logout deletes the row, a new password deletes all the account's rows,
and a row expires after :data:`SESSION_LIFETIME`.

Passwords are hashed with werkzeug's scrypt. Password-reset and invitation
links are random 256-bit tokens of which only the SHA-256 is stored; they
expire and work once. Login attempts are counted per (IP, login name), atomically
(:func:`_count_attempt`): after :data:`MAX_FAILURES` within :data:`FAILURE_WINDOW`
of the first, further attempts are refused until the window has passed (in the
database so that every worker sees them); a successful login resets the count.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from collections.abc import Iterable

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session, joinedload, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from mapapp.catalog.models import Commune, GridUnit, Structure, grid_member
from mapapp.catalog.models_users import ROLES, AuthToken, LoginCounter, User, UserSession, UserTerritory, utcnow

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
#: zxcvbn's score (0–4) a password needs: 3 is "safely unguessable" (about 10^8 guesses and more).
PASSWORD_MIN_SCORE = 3
#: Words of this site an attacker would try first.
SITE_WORDS = ("mapapp", "carto", "cartographie", "insertion", "offre", "departement", "département", "partenaire",
              "moderateur", "modérateur", "france services", "motdepasse", "mot de passe")
#: Path of the one-time link page (web) that the CLI also writes into messages.
RESET_PATH = "/mot-de-passe/nouveau/"
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
RESET_TTL = dt.timedelta(hours=2)
INVITE_TTL = dt.timedelta(days=7)
#: A login ends at logout, at a new password, or after this long (a working day and some).
SESSION_LIFETIME = dt.timedelta(hours=12)
EMAIL_RE = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


@functools.cache
def _dummy_hash() -> str:
    """A scrypt hash checked when the login name is unknown, so that timing does not reveal accounts."""
    return generate_password_hash("not a real password", method="scrypt")


class AccountError(ValueError):
    """An invalid account operation; the message is in French."""


class LoginBlocked(AccountError):
    """Too many failed logins for this IP and login name."""


class TokenError(AccountError):
    """An unknown, expired or already used one-time link."""


# --------------------------------------------------------------------------- passwords


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def _user_words(user: User | None) -> list[str]:
    """What a password must not be built from: the account's address, its parts and name, the site's own words."""
    words = list(SITE_WORDS)
    if user is not None:
        email = (user.email or "").lower()
        local, _, domain = email.partition("@")
        words += [email, local, domain, *re.split(r"[._+-]+", local), *domain.split("."),
                  *(user.name or "").lower().split()]
    return [w for w in dict.fromkeys(words) if w]


def check_password_strength(password: str, user: User | None = None) -> None:
    """Refuse a password shorter than :data:`PASSWORD_MIN_LENGTH` or easy to guess.

    "Easy to guess" is zxcvbn's estimate (Dropbox's model, with its lists of the
    30,000 most common passwords, English words, names, keyboard walks, repeats,
    sequences and dates) below :data:`PASSWORD_MIN_SCORE`, counting the account's own
    address and name and the site's words as known to the attacker.
    """
    from zxcvbn import zxcvbn

    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(f"Le mot de passe doit compter au moins {PASSWORD_MIN_LENGTH} caractères.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AccountError(f"Le mot de passe doit compter au plus {PASSWORD_MAX_LENGTH} caractères.")
    # zxcvbn's time grows with the length; beyond 100 characters a password is not guessed anyway.
    result = zxcvbn(password[:100], user_inputs=_user_words(user), max_length=100)
    if result["score"] < PASSWORD_MIN_SCORE:
        raise AccountError("Ce mot de passe est trop facile à deviner : " + _weakness_fr(result["sequence"])
                           + ". Choisissez par exemple trois ou quatre mots sans rapport entre eux.")


#: Why a password is weak, in French, by the kind of zxcvbn match found in it (first found wins).
WEAKNESS_FR = (
    (lambda m: m.get("dictionary_name") == "user_inputs", "il reprend votre adresse, votre nom ou le nom du site"),
    (lambda m: m.get("dictionary_name") == "passwords", "il ressemble à un mot de passe très répandu"),
    (lambda m: m["pattern"] == "spatial", "c'est une suite de touches voisines du clavier"),
    (lambda m: m["pattern"] == "repeat", "il répète les mêmes caractères"),
    (lambda m: m["pattern"] == "sequence", "c'est une suite de lettres ou de chiffres (abcd, 1234…)"),
    (lambda m: m["pattern"] in ("date", "regex"), "il contient une date ou une année"),
    (lambda m: m["pattern"] == "dictionary", "il est fait d'un mot ou d'un nom courant"),
)


def _weakness_fr(sequence: list[dict]) -> str:
    for test, text in WEAKNESS_FR:
        if any(test(m) for m in sequence):
            return text
    return "il est trop court ou trop simple"


def set_password(user: User, password: str) -> None:
    """Set a new password and end every open session of the user (the caller commits)."""
    check_password_strength(password, user)
    user.password_hash = hash_password(password)
    db = object_session(user)
    if db is not None and user.id is not None:
        revoke_sessions(db, user)


# --------------------------------------------------------------------------- accounts


def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 200:
        raise AccountError(f"Adresse électronique invalide : « {email} ».")
    return email


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def parse_territory(text: str) -> tuple[str, str]:
    """``grid:code`` (e.g. ``territoire_action_sociale:TAS1``) -> (grid, code)."""
    grid, sep, code = (text or "").partition(":")
    if not sep or not grid or not code:
        raise AccountError(f"Territoire « {text} » : attendu sous la forme grille:code (ex. territoire_action_sociale:TAS1).")
    return grid.strip(), code.strip()


def create_user(
    session: Session,
    email: str,
    role: str,
    *,
    name: str = "",
    password: str | None = None,
    structures: Iterable[str] = (),
    territories: Iterable[tuple[str, str]] = (),
    moderates_all: bool = False,
) -> User:
    """Create an account (the caller commits). Without password, the user must follow an invitation link."""
    email = normalize_email(email)
    if role not in ROLES:
        raise AccountError(f"Rôle inconnu « {role} » (attendu : {', '.join(ROLES)}).")
    if get_user_by_email(session, email) is not None:
        raise AccountError(f"Un compte existe déjà pour {email}.")
    user = User(email=email, name=(name or "").strip(), role=role, is_active=True,
                moderates_all=bool(moderates_all) and role == "moderator")
    if password is not None:
        set_password(user, password)
    structures = list(dict.fromkeys(structures))
    if structures and role != "partner":
        raise AccountError("Seul un compte partenaire est rattaché à des structures.")
    for sid in structures:
        structure = session.get(Structure, sid)
        if structure is None:
            raise AccountError(f"Structure inconnue « {sid} ».")
        user.structures.append(structure)
    territories = list(dict.fromkeys(territories))
    if territories and role != "moderator":
        raise AccountError("Seul un compte modérateur est rattaché à des territoires.")
    for grid, code in territories:
        if session.scalar(select(GridUnit.id).where(GridUnit.grid == grid, GridUnit.code == code)) is None:
            raise AccountError(f"Territoire inconnu « {grid}:{code} ».")
        user.territories.append(UserTerritory(grid=grid, code=code))
    if role == "moderator" and not territories and not user.moderates_all:
        raise AccountError("Un modérateur est rattaché à au moins un territoire, ou à tout le département.")
    if role == "partner" and not structures:
        raise AccountError("Un compte partenaire est rattaché à au moins une structure.")
    session.add(user)
    session.flush()
    return user


# --------------------------------------------------------------------------- sessions


def open_session(session: Session, user: User, *, now: dt.datetime | None = None) -> str:
    """Start a login of ``user``: the random id to put in the cookie (the caller commits)."""
    now = now or utcnow()
    session.execute(delete(UserSession).where(UserSession.expires_at <= now))  # keep the table small
    token = secrets.token_urlsafe(32)
    session.add(UserSession(id=_digest(token), user_id=user.id, created_at=now, expires_at=now + SESSION_LIFETIME))
    return token


def session_user(session: Session, token: str | None, *, now: dt.datetime | None = None) -> User | None:
    """The active account whose open, unexpired login ``token`` is; None otherwise (nothing is changed)."""
    if not token or not isinstance(token, str):
        return None
    row = session.get(UserSession, _digest(token), options=[joinedload(UserSession.user)])
    if row is None or row.expires_at <= (now or utcnow()) or not row.user.is_active:
        return None
    return row.user


def close_session(session: Session, token: str | None) -> None:
    """End one login (logout; the caller commits)."""
    if token and isinstance(token, str):
        session.execute(delete(UserSession).where(UserSession.id == _digest(token)))


def revoke_sessions(session: Session, user: User) -> None:
    """End every login of ``user`` (new password; the caller commits)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))


# --------------------------------------------------------------------------- login


def _count_attempt(session: Session, ip: str, username: str, now: dt.datetime, message: str) -> None:
    """Count this attempt and commit; raise :class:`LoginBlocked` if it is beyond :data:`MAX_FAILURES`.

    Counting first and inserting a failure after the password check let parallel
    attempts all read the same count (30 at once gave 6 password checks, not 5).
    Here the count is one row per key, created if missing (``INSERT … ON CONFLICT DO
    NOTHING``) and incremented by a single ``UPDATE … RETURNING``: the database
    serialises the increments (a row lock on PostgreSQL, the write lock on SQLite),
    so the k-th parallel attempt reads k and exactly :data:`MAX_FAILURES` pass.
    The window starts at the first attempt and is not extended by attempts made
    while blocked. Committed at once, so that the other workers count it too.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(LoginCounter).values(ip=ip, username=username, window_start=now, attempts=0)
                    .on_conflict_do_nothing(index_elements=["ip", "username"]))
    expired = LoginCounter.window_start <= now - FAILURE_WINDOW
    attempts = session.scalar(
        update(LoginCounter).where(LoginCounter.ip == ip, LoginCounter.username == username)
        .values(attempts=case((expired, 1), else_=LoginCounter.attempts + 1),
                window_start=case((expired, now), else_=LoginCounter.window_start))
        .returning(LoginCounter.attempts).execution_options(synchronize_session=False))
    session.commit()
    if attempts > MAX_FAILURES:
        raise LoginBlocked(message)


def authenticate(session: Session, email: str, password: str, ip: str, *, now: dt.datetime | None = None) -> User | None:
    """The user if the password is right; None otherwise.

    The attempt is counted (and committed) before the password is checked: a failure
    stays counted, a success clears the (IP, login name) counter; the caller commits that.

    Raises:
        LoginBlocked: too many recent failures for this IP and login name (the password is not checked).
    """
    now = now or utcnow()
    username = (email or "").strip().lower()[:200]
    ip = (ip or "?")[:64]
    minutes = int(FAILURE_WINDOW.total_seconds() // 60)
    _count_attempt(session, ip, username, now,
                   f"Trop de tentatives de connexion échouées : réessayez dans {minutes} minutes.")
    user = get_user_by_email(session, username)
    ok = False
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password or "")
    else:
        ok = check_password_hash(user.password_hash, password or "") and user.is_active
    if not ok:
        # The attempt stays counted. Keep the table small: forget windows that are over.
        session.execute(delete(LoginCounter).where(LoginCounter.window_start <= now - FAILURE_WINDOW))
        return None
    session.execute(delete(LoginCounter).where(LoginCounter.ip == ip, LoginCounter.username == username))
    user.last_login_at = now
    return user


#: Key under which password-reset requests are counted in ``login_counter`` (per IP, any address).
RESET_REQUEST_KEY = "reset-request"


def note_reset_request(session: Session, ip: str, *, now: dt.datetime | None = None) -> None:
    """Count a « mot de passe oublié » request from ``ip`` (committed at once, like a login attempt).

    Raises:
        LoginBlocked: more than :data:`MAX_FAILURES` requests from this IP in the window, whatever the
            addresses: the form must not serve to flood mailboxes or to probe which accounts exist.
    """
    now = now or utcnow()
    ip = (ip or "?")[:64]
    minutes = int(FAILURE_WINDOW.total_seconds() // 60)
    _count_attempt(session, ip, RESET_REQUEST_KEY, now,
                   f"Trop de demandes de réinitialisation : réessayez dans {minutes} minutes.")


# --------------------------------------------------------------------------- one-time links


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, purpose: str, ttl: dt.timedelta | None = None,
                *, now: dt.datetime | None = None) -> str:
    """A new one-time token for ``purpose`` (``reset`` or ``invite``); earlier unused ones are revoked."""
    now = now or utcnow()
    ttl = ttl or (INVITE_TTL if purpose == "invite" else RESET_TTL)
    for old in session.scalars(select(AuthToken).where(AuthToken.user_id == user.id, AuthToken.used_at.is_(None))):
        old.used_at = now
    token = secrets.token_urlsafe(32)
    session.add(AuthToken(user_id=user.id, token_hash=_digest(token), purpose=purpose, created_at=now,
                          expires_at=now + ttl))
    session.flush()
    return token


def check_token(session: Session, token: str, *, now: dt.datetime | None = None) -> AuthToken:
    """The valid token row for ``token``; raise :class:`TokenError` otherwise (nothing is changed)."""
    now = now or utcnow()
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token or "")))
    if row is None or row.used_at is not None:
        raise TokenError("Ce lien n'est pas valable ou a déjà servi. Demandez-en un nouveau.")
    if row.expires_at <= now:
        raise TokenError("Ce lien a expiré. Demandez-en un nouveau.")
    if not row.user.is_active:
        raise TokenError("Ce compte est désactivé.")
    return row


def use_token(session: Session, token: str, new_password: str, *, now: dt.datetime | None = None) -> User:
    """Set the password with a one-time link, which then stops working (the caller commits)."""
    now = now or utcnow()
    row = check_token(session, token, now=now)
    set_password(row.user, new_password)
    row.used_at = now
    return row.user


# --------------------------------------------------------------------------- permissions


def structure_ids(user: User | None) -> set[str]:
    return {s.id for s in user.structures} if user is not None and user.is_partner else set()


def moderated_communes(session: Session, user: User | None) -> set[str] | None:
    """Communes a user moderates: None for all (admin, département-wide moderator), empty for none."""
    if user is None or not user.is_active:
        return set()
    if user.is_admin or (user.is_moderator and user.moderates_all):
        return None
    if not user.is_moderator:
        return set()
    codes: set[str] = set()
    for t in user.territories:
        codes |= set(session.scalars(
            select(grid_member.c.commune_code).join(GridUnit, GridUnit.id == grid_member.c.grid_unit_id)
            .where(GridUnit.grid == t.grid, GridUnit.code == t.code)))
    return codes


def can_moderate(session: Session, user: User | None, communes: Iterable[str]) -> bool:
    """True if ``user`` moderates a record located in ``communes`` (empty: only département-wide)."""
    scope = moderated_communes(session, user)
    if scope is None:
        return True
    return bool(scope & set(communes))


def is_member(user: User | None, structure_id: str) -> bool:
    return user is not None and user.is_active and user.is_partner and structure_id in structure_ids(user)


def known_communes(session: Session) -> set[str] | None:
    """The stored communes' codes, or None when no territory is loaded (no check then)."""
    codes = set(session.scalars(select(Commune.code)))
    return codes or None
