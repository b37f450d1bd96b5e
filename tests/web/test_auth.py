"""Accounts: login, rate limiting, CSRF, cookies, headers, password reset by one-time link, SMTP."""

from __future__ import annotations

import datetime as dt
import email
import re
import socket

import pytest
from sqlalchemy import func, select, update

from mapapp.catalog.db import transaction
from mapapp.catalog.models import Site
from mapapp.catalog.models_users import AuthToken, LoginCounter, User
from mapapp.catalog.users import get_user_by_email, issue_token
from mapapp.web import create_app
from tests.catalog.contrib import (  # noqa: F401  (fixtures)
    PASSWORD,
    contrib_app,
    contrib_settings,
    contrib_template,
    count_calls,
    csrf,
    factory,
    logged_in,
    login,
)


def test_login_logout_and_hashed_passwords(contrib_app, factory):
    client = contrib_app.test_client()
    assert client.get("/espace/").status_code == 302  # login first
    bad = login(client, "ml", "wrong password")
    assert bad.status_code == 401 and "mot de passe incorrect" in bad.get_data(as_text=True)
    ok = login(client, "ml")
    assert ok.status_code == 302 and ok.headers["Location"] == "/espace/"
    assert client.get("/espace/").status_code == 200
    assert login(contrib_app.test_client(), "modo1").headers["Location"] == "/moderation/"
    token = csrf(client, "/espace/")
    assert client.post("/deconnexion", data={"csrf_token": token}).status_code == 302
    assert client.get("/espace/").status_code == 302
    with factory() as s:
        stored = s.scalar(select(User.password_hash).where(User.email == "ml@example.org"))
        assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_login_is_rate_limited_per_ip_and_login_name(contrib_app, factory):
    client = contrib_app.test_client()
    for _ in range(5):
        assert login(client, "ml", "wrong password").status_code == 401
    # The right password is refused too while the limit holds.
    blocked = login(client, "ml")
    assert blocked.status_code == 429 and "Trop de tentatives" in blocked.get_data(as_text=True)
    # Another login name from the same address, or the same name from another address, is not blocked.
    assert login(client, "fs").status_code == 302
    other_ip = contrib_app.test_client()
    response = other_ip.post("/connexion", data={"email": "ml@example.org", "password": PASSWORD,
                                                 "csrf_token": csrf(other_ip)},
                             environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 302
    # After the 15-minute window, the first address may try again.
    with transaction(factory) as s:
        s.execute(update(LoginCounter).values(window_start=LoginCounter.window_start - dt.timedelta(minutes=16)))
    assert login(contrib_app.test_client(), "ml").status_code == 302


def test_every_post_needs_the_csrf_token(contrib_app):
    client = contrib_app.test_client()
    assert client.post("/connexion", data={"email": "ml@example.org", "password": PASSWORD}).status_code == 400
    csrf(client)
    assert client.post("/connexion", data={"email": "ml@example.org", "password": PASSWORD,
                                           "csrf_token": "forged"}).status_code == 400
    partner = logged_in(contrib_app, "ml")
    assert partner.post("/deconnexion").status_code == 400
    assert partner.post("/espace/lieu/test--num-1/toujours-valable").status_code == 400
    # The header works for scripts.
    token = csrf(partner, "/espace/")
    assert partner.post("/espace/lieu/test--num-1/toujours-valable", headers={"X-CSRF-Token": token}).status_code == 302


def test_session_cookie_flags_and_security_headers(contrib_settings, monkeypatch):
    app = create_app(contrib_settings)
    client = app.test_client()
    response = login(client, "ml")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = client.get("/espace/")
    csp = page.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert script_src == "'self'" and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Cache-Control"] == "no-store"
    public = client.get("/")
    assert "Content-Security-Policy" in public.headers and "X-Frame-Options" in public.headers
    monkeypatch.setenv("MAPAPP_SECURE_COOKIES", "1")
    secure = login(create_app(contrib_settings).test_client(), "ml")
    assert "Secure" in secure.headers["Set-Cookie"]


def test_login_redirects_only_inside_the_site(contrib_app):
    client = contrib_app.test_client()
    token = csrf(client)
    for target, expected in [("/espace/a-verifier", "/espace/a-verifier"), ("//evil.example/x", "/espace/"),
                             ("https://evil.example/", "/espace/")]:
        response = client.post("/connexion?next=" + target, data={"email": "ml@example.org", "password": PASSWORD,
                                                                   "csrf_token": token})
        assert response.headers["Location"] == expected
        token = csrf(client)


def _outbox(settings, app=None):
    """The messages written so far (after the mails ``app``'s requests queued are sent)."""
    if app is not None:
        app.extensions["mapapp.mail"].wait()
    return sorted((settings.data_dir / "outbox").glob("*.eml"))


def test_password_reset_by_a_single_use_link_written_to_the_outbox(contrib_app, contrib_settings, factory):
    client = contrib_app.test_client()
    # Unknown address: the same answer, and no message.
    response = client.post("/mot-de-passe/oubli", data={"email": "nobody@example.org", "csrf_token": csrf(client)})
    assert response.status_code == 302 and not _outbox(contrib_settings, contrib_app)
    old_session = logged_in(contrib_app, "ml")
    client.post("/mot-de-passe/oubli", data={"email": "ml@example.org", "csrf_token": csrf(client)})
    [path] = _outbox(contrib_settings, contrib_app)
    message = email.message_from_bytes(path.read_bytes())
    assert message["To"] == "ml@example.org"
    link = re.search(r"http://localhost(/mot-de-passe/nouveau/\S+)", message.get_payload(decode=True).decode()).group(1)
    assert client.get(link).status_code == 200
    token = csrf(client, link)
    mismatch = client.post(link, data={"password": "nouveau mot de passe", "confirmation": "autre chose",
                                       "csrf_token": token})
    assert mismatch.status_code == 400
    from tests.web.html_ids import elements_by_id

    page = elements_by_id(mismatch.get_data(as_text=True))  # the error goes with the confirmation field
    assert page["erreurs"].links == ["#confirmation"]
    assert page["confirmation"].attrs.get("aria-invalid") == "true"
    assert page["confirmation"].attrs["aria-describedby"] == "confirmation-err"
    assert "identiques" in page["confirmation-err"].text and "aria-invalid" not in page["password"].attrs
    short = client.post(link, data={"password": "court", "confirmation": "court", "csrf_token": token})
    assert short.status_code == 400 and "10 caractères" in short.get_data(as_text=True)
    done = client.post(link, data={"password": "nouveau mot de passe", "confirmation": "nouveau mot de passe",
                                   "csrf_token": token})
    assert done.status_code == 302
    # Single use; the old password and the sessions opened before are gone.
    assert client.get(link).status_code == 400
    assert login(contrib_app.test_client(), "ml").status_code == 401
    assert login(contrib_app.test_client(), "ml", "nouveau mot de passe").status_code == 302
    assert old_session.get("/espace/").status_code == 302


def test_expired_links_are_refused(contrib_app, factory):
    with transaction(factory) as s:
        token = issue_token(s, get_user_by_email(s, "fs@example.org"), "reset",
                            now=dt.datetime(2020, 1, 1))
    response = contrib_app.test_client().get(f"/mot-de-passe/nouveau/{token}")
    assert response.status_code == 400 and "expiré" in response.get_data(as_text=True)
    with factory() as s:
        assert s.scalar(select(AuthToken.used_at)) is None


def test_smtp_delivery(contrib_settings):
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = controller_mod.Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        from mapapp.io.outbox import send_mail

        env = {"MAPAPP_SMTP_URL": f"smtp://127.0.0.1:{port}", "MAPAPP_MAIL_FROM": "carto@example.org"}
        assert send_mail(contrib_settings, "ml@example.org", "Objet", "Corps du message", environ=env) is None
    finally:
        controller.stop()
    assert len(received) == 1 and received[0]["Subject"] == "Objet" and received[0]["From"] == "carto@example.org"
    assert not (contrib_settings.data_dir / "outbox").exists()


def test_inactive_accounts_cannot_log_in(contrib_app, factory):
    with transaction(factory) as s:
        get_user_by_email(s, "fs@example.org").is_active = False
    assert login(contrib_app.test_client(), "fs").status_code == 401



def test_forgotten_password_requests_are_rate_limited_per_ip(contrib_app, contrib_settings):
    client = contrib_app.test_client()
    token = csrf(client)
    answers = [client.post("/mot-de-passe/oubli", data={"email": f"x{i}@example.org", "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code for i in range(6)]
    assert answers == [302] * 5 + [429]  # five requests per window, whatever the addresses
    blocked = client.post("/mot-de-passe/oubli", data={"email": "ml@example.org", "csrf_token": token},
                          environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert blocked.status_code == 429 and "Trop de demandes" in blocked.get_data(as_text=True)
    assert not _outbox(contrib_settings, contrib_app)  # a real account got no mail while blocked
    other = client.post("/mot-de-passe/oubli", data={"email": "ml@example.org", "csrf_token": token},
                        environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert other.status_code == 302 and len(_outbox(contrib_settings, contrib_app)) == 1


def test_forgotten_password_does_the_same_work_for_known_and_unknown_addresses(contrib_app, contrib_settings,
                                                                               monkeypatch):
    """Timing must not tell which addresses have an account: the request runs the same SQL either way,
    and does not wait for the mail (here an SMTP server that takes as long as the test wants)."""
    import threading
    import time

    from sqlalchemy import event

    import mapapp.io.outbox as outbox

    engine = contrib_app.extensions["mapapp.sessionmaker"].kw["bind"]
    request_thread = threading.get_ident()
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if threading.get_ident() == request_thread:
            statements.append(statement)

    release = threading.Event()
    real_send = outbox.send_mail

    def slow_send(*args, **kwargs):
        release.wait(10)
        return real_send(*args, **kwargs)

    monkeypatch.setattr(outbox, "send_mail", slow_send)
    client = contrib_app.test_client()
    token = csrf(client)
    event.listen(engine, "before_cursor_execute", record)
    try:
        runs = {}
        for address in ("nobody@example.org", "ml@example.org"):
            statements.clear()
            start = time.perf_counter()
            response = client.post("/mot-de-passe/oubli", data={"email": address, "csrf_token": token})
            runs[address] = (time.perf_counter() - start, list(statements))
            assert response.status_code == 302
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert any("UPDATE login_counter" in text for text in runs["ml@example.org"][1])
    assert runs["nobody@example.org"][1] == runs["ml@example.org"][1]
    assert runs["ml@example.org"][0] < 2  # answered while the mail is still blocked
    assert not _outbox(contrib_settings)
    release.set()
    [path] = _outbox(contrib_settings, contrib_app)
    assert email.message_from_bytes(path.read_bytes())["To"] == "ml@example.org"


def _copy_of(client, app):
    """Another browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_logout_ends_the_session_on_the_server(contrib_app, factory):
    """The attack: copy the cookie, let its owner log out, then use the copy to read and to write."""
    from mapapp.catalog.models_users import UserSession

    partner = logged_in(contrib_app, "ml")
    token = csrf(partner, "/espace/")
    thief = _copy_of(partner, contrib_app)
    assert thief.get("/espace/").status_code == 200  # a copy works while the session is open
    assert partner.post("/deconnexion", data={"csrf_token": token}).status_code == 302
    assert thief.get("/espace/").status_code == 302  # to the login page
    write = thief.post("/espace/lieu/test--num-1/toujours-valable", data={"csrf_token": token})
    assert write.status_code == 302 and "/connexion" in write.headers["Location"]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(UserSession)) == 0
        assert s.scalar(select(Site.date_verification).where(Site.id == "test--num-1")) != dt.date.today()


def test_a_new_password_ends_every_session_and_logins_expire(contrib_app, factory):
    from mapapp.catalog.models_users import UserSession
    from mapapp.catalog.users import set_password

    desk, phone, other = logged_in(contrib_app, "ml"), logged_in(contrib_app, "ml"), logged_in(contrib_app, "fs")
    with transaction(factory) as s:
        set_password(get_user_by_email(s, "ml@example.org"), "une toute autre phrase")
    assert desk.get("/espace/").status_code == 302 and phone.get("/espace/").status_code == 302
    assert other.get("/espace/").status_code == 200  # another account is not touched
    with transaction(factory) as s:
        s.execute(update(UserSession).values(expires_at=dt.datetime(2020, 1, 1)))
    assert other.get("/espace/").status_code == 302


@pytest.mark.parametrize(("password", "reason"), [
    ("azertyuiop", "mot de passe très répandu"),
    ("1234567890", "mot de passe très répandu"),
    ("ml@example.org", "votre adresse"),
    ("example.org2026", "votre adresse"),
    ("aaaaaaaaaaaaaa", "répète"),
])
def test_trivial_passwords_are_refused_at_reset(contrib_app, factory, password, reason):
    with transaction(factory) as s:
        token = issue_token(s, get_user_by_email(s, "ml@example.org"), "reset")
    client = contrib_app.test_client()
    link = f"/mot-de-passe/nouveau/{token}"
    response = client.post(link, data={"password": password, "confirmation": password, "csrf_token": csrf(client, link)})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "trop facile à deviner" in page and reason in page
    assert login(contrib_app.test_client(), "ml", password).status_code == 401  # not set
    assert client.get(link).status_code == 200  # the link still works for a better choice


def test_parallel_login_attempts_get_exactly_five_password_checks(contrib_app, monkeypatch):
    """The race: 30 wrong passwords at once for one account from one address."""
    import threading

    import mapapp.catalog.users as users

    checks, lock = count_calls(monkeypatch, users, "check_password_hash"), threading.Lock()
    clients = [contrib_app.test_client() for _ in range(30)]
    tokens = [csrf(c) for c in clients]
    start = threading.Barrier(len(clients))
    statuses = []

    def attempt(client, token):
        start.wait()
        response = client.post("/connexion", data={"email": "ml@example.org", "password": "wrong password",
                                                   "csrf_token": token})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [401] * 5 + [429] * 25
    assert len(checks) == 5


def test_forgotten_password_request_runs_the_same_hashing_and_token_work_for_any_address(contrib_app, monkeypatch):
    """« Mot de passe oublié » for an existing and a missing account: the request does the same hashing and
    token work (none: the account is looked up after the response) and hands the same job to the mail queue."""
    import mapapp.catalog.users as users
    import mapapp.web.auth as auth

    calls: list[str] = []
    for module, name in ((users, "_digest"), (users, "issue_token"), (users, "get_user_by_email"),
                         (users, "check_password_hash"), (users, "generate_password_hash"),
                         (auth, "issue_token"), (auth, "get_user_by_email")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    queued: list[tuple] = []
    queue = auth.mail_queue(contrib_app)
    monkeypatch.setattr(queue, "submit", lambda job, *args: queued.append((job.__name__, len(args))))
    client = contrib_app.test_client()
    token = csrf(client)
    answers, work = [], []
    for address in ("ml@example.org", "personne@example.org"):
        calls.clear()
        response = client.post("/mot-de-passe/oubli", data={"email": address, "csrf_token": token})
        answers.append((response.status_code, response.headers["Location"]))
        work.append(sorted(calls))
    assert answers[0] == answers[1] == (302, "/connexion")
    assert work[0] == work[1] == []  # no lookup, token or hash in the request, whoever asks
    assert queued == [("send_reset_link", 1), ("send_reset_link", 1)]
