"""Outgoing messages: written as ``.eml`` files to ``$MAPAPP_DATA_DIR/outbox/``, or sent by SMTP.

By default nothing leaves the machine: every message (password reset,
invitation, freshness reminder) is a standard RFC 5322 file an operator can
open with any mail client or forward. When ``MAPAPP_SMTP_URL`` is set the
message is sent instead:

- ``smtp://host:25`` plain, ``smtp://user:password@host:587?starttls=1``
  with STARTTLS, ``smtps://user:password@host:465`` over TLS;
- ``MAPAPP_MAIL_FROM`` is the sender (``mapapp@localhost`` by default);
- ``MAPAPP_BASE_URL`` is the public address every link in a message starts
  with (:func:`public_link`), from the web as from the CLI: never the address a
  browser asked for, which anyone can forge (``Host: evil.example``).
  ``http://127.0.0.1:5000`` when unset, in development only: the web application
  requires it otherwise (:func:`mapapp.config.web_settings_problems`).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from mapapp.catalog.models_users import utcnow
from mapapp.config import Settings

DEFAULT_FROM = "mapapp@localhost"


def public_link(settings: Settings, path: str) -> str:
    """The address of ``path`` (``/mot-de-passe/nouveau/…``, relative to the application) for a message."""
    return settings.public_url + "/" + path.lstrip("/")


def build_message(to: str, subject: str, body: str, *, sender: str | None = None,
                  reply_to: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender or os.environ.get("MAPAPP_MAIL_FROM") or DEFAULT_FROM
    msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow().replace(tzinfo=dt.UTC))
    msg["Message-ID"] = make_msgid(domain="mapapp.local")
    msg.set_content(body)
    return msg


def send_mail(settings: Settings, to: str, subject: str, body: str, *, environ: dict | None = None,
              reply_to: str | None = None) -> Path | None:
    """Send (SMTP configured) or write to the outbox; return the file written, None when sent.

    ``reply_to``: where answers go (a reminder to a structure without account: ``MAPAPP_CONTACT_EMAIL``).
    """
    env = os.environ if environ is None else environ
    msg = build_message(to, subject, body, sender=env.get("MAPAPP_MAIL_FROM"), reply_to=reply_to)
    smtp_url = env.get("MAPAPP_SMTP_URL")
    if smtp_url:
        _send_smtp(smtp_url, msg)
        return None
    outbox = settings.data_dir / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(msg))
    return path


def _send_smtp(url: str, msg: EmailMessage, timeout: float = 10.0) -> None:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, port or 465, timeout=timeout, context=ssl.create_default_context())
    elif parts.scheme == "smtp":
        client = smtplib.SMTP(host, port or 25, timeout=timeout)
    else:
        raise ValueError(f"MAPAPP_SMTP_URL : schéma inconnu « {parts.scheme} » (smtp ou smtps)")
    with client:
        if query.get("starttls", ["0"])[0] in ("1", "true", "oui"):
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(msg)
