"""``mapapp freshness remind`` remembers what it sent (issue 18 §5): not resent within the interval, resent after it;
the structure's own e-mail when it has no partner account; the mails captured in the outbox."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

from click.testing import CliRunner
from sqlalchemy import select, update

from mapapp.catalog.db import transaction
from mapapp.catalog.models import Structure
from mapapp.catalog.models_identity import ReminderSent
from mapapp.catalog.models_users import utcnow
from mapapp.catalog.reminders import plan_reminders, reminder_days
from mapapp.catalog.users import get_user_by_email
from mapapp.cli import main
from mapapp.identity import save_identity
from tests.catalog.contrib import contrib_settings, contrib_template, factory  # noqa: F401  (fixtures)
from tests.env import WEB_ENV


def _remind(settings, *args):
    env = {"MAPAPP_DATA_DIR": str(settings.data_dir), **WEB_ENV, "MAPAPP_BASE_URL": "https://carto.example",
           "MAPAPP_SMTP_URL": "", "MAPAPP_CONTACT_EMAIL": "insertion@cd.example"}
    result = CliRunner().invoke(main, ["freshness", "remind", "--months", "1", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _outbox(settings, *, headers: dict | None = None) -> dict[str, list[str]]:
    """{recipient: [body]}, and empties the outbox (so the next call shows only the new mails).

    ``headers``, when given, receives {recipient: message} to read the headers.
    """
    out: dict[str, list[str]] = {}
    for path in sorted((settings.data_dir / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        out.setdefault(str(message["To"]), []).append(message.get_content())
        if headers is not None:
            headers[str(message["To"])] = message
        path.unlink()
    return out


def _without_account(factory, structure_id: str, account: str, courriel: str | None) -> None:
    with transaction(factory) as s:
        get_user_by_email(s, account).is_active = False
        s.get(Structure, structure_id).courriel = courriel


def test_reminders_are_not_resent_within_the_interval_and_are_after_it(contrib_settings, factory):
    first = _remind(contrib_settings)
    assert "4 rappels écrits (4 comptes partenaires" in first, first
    assert set(_outbox(contrib_settings)) == {"ml@example.org", "ml2@example.org", "fs@example.org", "cd@example.org"}
    with factory() as s:
        rows = s.scalars(select(ReminderSent)).all()
        assert {(r.structure_id, r.email) for r in rows} == {
            ("test--ml", "ml@example.org"), ("test--ml", "ml2@example.org"), ("test--fs", "fs@example.org"),
            ("test--cd", "cd@example.org")}
        assert "test--num-1" in next(r for r in rows if r.email == "ml@example.org").records

    again = _remind(contrib_settings)  # the next night: nothing new
    assert "0 rappel écrit" in again and "3 structures déjà relancées depuis moins de 30 jours" in again, again
    assert _outbox(contrib_settings) == {}

    with transaction(factory) as s:  # 29 days later: still within the interval
        s.execute(update(ReminderSent).values(sent_at=utcnow() - dt.timedelta(days=29)))
    assert "0 rappel écrit" in _remind(contrib_settings) and _outbox(contrib_settings) == {}
    assert "4 rappels écrits" in _remind(contrib_settings, "--interval", "7")  # a shorter interval: due again
    assert len(_outbox(contrib_settings)) == 4

    with transaction(factory) as s:  # 31 days later: reminded again
        s.execute(update(ReminderSent).values(sent_at=utcnow() - dt.timedelta(days=31)))
    assert "4 rappels écrits" in _remind(contrib_settings)
    assert len(_outbox(contrib_settings)) == 4


def test_a_structure_without_account_is_reminded_at_its_own_email(contrib_settings, factory):
    with transaction(factory) as s:
        save_identity(s, name="Département du Test", primary="#1f4e79", secondary="#6b3a5b", logo_alt="")
    _without_account(factory, "test--fs", "fs@example.org", "Accueil@France-Services.example")
    output = _remind(contrib_settings)
    assert "4 rappels écrits (3 comptes partenaires, 1 courriel de structure" in output, output
    messages: dict = {}
    mails = _outbox(contrib_settings, headers=messages)
    # Answers go to the Département's contact; a partner's reminder has no Reply-To (its space is the way).
    assert messages["accueil@france-services.example"]["Reply-To"] == "insertion@cd.example"
    assert messages["ml@example.org"]["Reply-To"] is None
    assert "fs@example.org" not in mails
    [body] = mails["accueil@france-services.example"]
    # Its records, each with its public page (no account, so no link to the partners' space), and how to answer.
    assert "lieu « France Services d'Arlenc »" in body and "https://carto.example/site/test--fs-arlenc" in body
    assert "https://carto.example/offre/test--o-fs" in body and "/espace/" not in body
    assert "répondez à ce courriel (ou écrivez à insertion@cd.example)" in body
    assert "(Département du Test)" in body and body.rstrip().endswith("Département du Test\nCartographie de l'offre d'insertion")
    assert "Mission locale" not in body  # only its own records
    with factory() as s:
        assert s.scalar(select(ReminderSent.email).where(ReminderSent.structure_id == "test--fs")) == \
            "accueil@france-services.example"
    assert "0 rappel écrit" in _remind(contrib_settings)  # remembered like the others


def test_a_structure_without_account_nor_email_is_listed(contrib_settings, factory):
    _without_account(factory, "test--fs", "fs@example.org", None)
    output = _remind(contrib_settings)
    assert "1 structure sans compte partenaire ni courriel : test--fs" in output, output
    with factory() as s:
        assert s.scalar(select(ReminderSent).where(ReminderSent.structure_id == "test--fs")) is None


def test_the_plan_is_computed_without_sending(factory):
    with factory() as s:
        now = dt.datetime(2030, 1, 15, 8, 0)
        plan = plan_reminders(s, months=1, interval_days=30, now=now)
        assert {r.to for r in plan.reminders} == {"ml@example.org", "ml2@example.org", "fs@example.org", "cd@example.org"}
        s.add(ReminderSent(structure_id="test--ml", kind="freshness", email="ml@example.org", sent_at=now - dt.timedelta(days=3)))
        s.flush()
        later = plan_reminders(s, months=1, interval_days=30, now=now)
        assert later.recent == ["test--ml"] and {r.to for r in later.reminders} == {"fs@example.org", "cd@example.org"}
        s.rollback()


def test_reminder_days_from_the_environment():
    assert reminder_days({}) == 30 and reminder_days({"MAPAPP_REMINDER_DAYS": "7"}) == 7
    assert reminder_days({"MAPAPP_REMINDER_DAYS": "0"}) == 1 and reminder_days({"MAPAPP_REMINDER_DAYS": "x"}) == 30
