"""The application factory's security settings: allowed hosts, links from MAPAPP_BASE_URL only, proxies, the key."""

from __future__ import annotations

import dataclasses
import email

import pytest
from click.testing import CliRunner

from mapapp.cli import main
from mapapp.config import SettingsError, load_settings
from mapapp.web import create_app
from tests.catalog.contrib import (  # noqa: F401  (fixtures)
    PASSWORD,
    contrib_app,
    contrib_settings,
    contrib_template,
    csrf,
    factory,
    login,
)
from tests.env import SECRET_KEY


def _mails(settings) -> list[email.message.Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted((settings.data_dir / "outbox").glob("*.eml"))]


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


def test_a_forged_host_is_refused_and_gets_no_reset_link(contrib_app, contrib_settings):
    """The reset-poisoning attack: « mot de passe oublié » posted with ``Host: evil.example``."""
    client = contrib_app.test_client()
    token = csrf(client)
    response = client.post("/mot-de-passe/oubli", data={"email": "ml@example.org", "csrf_token": token},
                           headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "ne répond pas à cette adresse" in response.get_data(as_text=True)
    assert client.get("/", headers={"Host": "evil.example:5000"}).status_code == 400
    assert client.get("/api/thematiques", headers={"Host": "evil.example"}).get_json()["error"]
    contrib_app.extensions["mapapp.mail"].wait()
    assert _mails(contrib_settings) == []


def test_mail_links_come_from_the_base_url_whatever_host_was_asked(contrib_settings):
    """Even on a host the site accepts, the link in the mail is MAPAPP_BASE_URL's."""
    settings = dataclasses.replace(contrib_settings, base_url="https://carto.example.fr/offre",
                                   trusted_hosts=("alias.example.fr",))
    app = create_app(settings)
    client = app.test_client()
    token = csrf(client, "https://alias.example.fr/connexion")
    response = client.post("https://alias.example.fr/mot-de-passe/oubli",
                           data={"email": "ml@example.org", "csrf_token": token})
    assert response.status_code == 302
    app.extensions["mapapp.mail"].wait()
    [message] = _mails(settings)
    body = _body(message)
    assert "https://carto.example.fr/offre/mot-de-passe/nouveau/" in body and "alias.example.fr" not in body
    # The public host answers; localhost does not, since the public address is not on this machine.
    assert client.get("https://carto.example.fr/").status_code == 200
    assert client.get("/").status_code == 400


def test_sub_domains_are_trusted_only_when_asked_with_a_leading_dot(contrib_settings):
    settings = dataclasses.replace(contrib_settings, base_url="https://carto.example.fr",
                                   trusted_hosts=(".services.example.fr",))
    client = create_app(settings).test_client()
    assert client.get("https://a.services.example.fr/").status_code == 200
    assert client.get("https://services.example.fr.evil.example/").status_code == 400
    assert client.get("https://sous.carto.example.fr/").status_code == 400


@pytest.mark.parametrize(("env", "message"), [
    ({}, "MAPAPP_SECRET_KEY n'est pas défini"),
    ({"MAPAPP_SECRET_KEY": "x"}, "MAPAPP_SECRET_KEY est trop faible (1 caractères"),
    ({"MAPAPP_SECRET_KEY": "ab" * 40}, "MAPAPP_SECRET_KEY est trop faible (80 caractères, 2 différents)"),
    ({"MAPAPP_SECRET_KEY": SECRET_KEY}, "MAPAPP_BASE_URL n'est pas défini"),
    ({"MAPAPP_SECRET_KEY": SECRET_KEY, "MAPAPP_BASE_URL": "carto.example.fr"}, "n'est pas une adresse"),
    ({"MAPAPP_SECRET_KEY": SECRET_KEY, "MAPAPP_BASE_URL": "https://x.fr", "MAPAPP_PROXY_HOPS": "un"},
     "MAPAPP_PROXY_HOPS « un »"),
    ({"MAPAPP_SECRET_KEY": SECRET_KEY, "MAPAPP_BASE_URL": "https://x.fr", "MAPAPP_TRUSTED_HOSTS": "https://y.fr"},
     "MAPAPP_TRUSTED_HOSTS : « https://y.fr »"),
])
def test_the_app_refuses_to_start_with_weak_or_missing_settings(tmp_path, env, message):
    settings = load_settings({"MAPAPP_DATA_DIR": str(tmp_path / "var"), **env})
    with pytest.raises(SettingsError) as exc:
        create_app(settings)
    assert message in str(exc.value)


def test_development_needs_neither_key_nor_base_url_but_answers_only_on_localhost(tmp_path):
    settings = load_settings({"MAPAPP_DATA_DIR": str(tmp_path / "var")})
    app = create_app(settings, dev_key=True)
    assert len(app.secret_key) == 64 and app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]
    # A weak key is refused even in development: it would be used.
    with pytest.raises(SettingsError, match="trop faible"):
        create_app(dataclasses.replace(settings, secret_key="secret"), dev_key=True)


def test_serve_with_workers_refuses_to_start_without_base_url(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--workers", "2"],
                                env={"MAPAPP_DATA_DIR": str(tmp_path), "MAPAPP_SECRET_KEY": SECRET_KEY,
                                     "MAPAPP_BASE_URL": ""})
    assert result.exit_code != 0 and "MAPAPP_BASE_URL n'est pas défini" in result.output


def _fail_login(client, ip_header: str | None):
    headers = {"X-Forwarded-For": ip_header} if ip_header else {}
    return client.post("/connexion", data={"email": "ml@example.org", "password": "wrong password",
                                           "csrf_token": csrf(client)}, headers=headers,
                       environ_base={"REMOTE_ADDR": "10.9.9.9"})  # the proxy's own address


def test_behind_one_proxy_the_login_limit_is_per_client(contrib_settings):
    app = create_app(dataclasses.replace(contrib_settings, proxy_hops_raw="1"))
    client = app.test_client()
    for _ in range(5):
        assert _fail_login(client, "203.0.113.1").status_code == 401
    assert _fail_login(client, "203.0.113.1").status_code == 429
    # Another client behind the same proxy is not locked out of the same account.
    other = app.test_client()
    response = other.post("/connexion", data={"email": "ml@example.org", "password": PASSWORD,
                                              "csrf_token": csrf(other)},
                          headers={"X-Forwarded-For": "203.0.113.2"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 302
    # A client cannot escape its limit by prepending addresses: only the proxy's last hop is believed.
    assert _fail_login(client, "198.51.100.77, 203.0.113.1").status_code == 429


def test_without_declared_proxy_forwarded_addresses_are_not_believed(contrib_app):
    client = contrib_app.test_client()
    for i in range(5):
        assert _fail_login(client, f"203.0.113.{i}").status_code == 401
    assert _fail_login(client, "203.0.113.99").status_code == 429  # all from 10.9.9.9


def test_405_answers_say_which_methods_are_allowed(contrib_app):
    client = contrib_app.test_client()
    page = client.delete("/connexion")
    assert page.status_code == 405 and set(page.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert "Méthode non autorisée" in page.get_data(as_text=True)
    api = client.put("/api/sites")
    assert api.status_code == 405 and set(api.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert api.get_json()["error"] and api.mimetype == "application/json"
