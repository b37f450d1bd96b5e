"""Freshness reminders (``mapapp freshness remind``) that remember what they sent (issue 18 §5).

Who is reminded about a structure's stale records (:func:`mapapp.catalog.freshness.stale_records`):

- its active **partner accounts**: one mail per account for all its structures,
  with the link to « Fiches à vérifier » of its space;
- when it has none, the **structure's own e-mail** (``courriel``), one mail per
  address, listing the public pages of the records and how to answer (most
  structures of a département have no account: 70 of the demo's 71);
- neither: the structure is reported as unreachable.

Every mail sent writes one :class:`mapapp.catalog.models_identity.ReminderSent`
row per structure it covered, and a structure reminded less than
``interval_days`` ago (``MAPAPP_REMINDER_DAYS``, 30 by default) is left out of
the next runs: running the command every night mails each structure at most
once a month. Each mail is committed as soon as it is sent, so a run that stops
half-way does not send the first mails again.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.catalog.freshness import StaleRecord, stale_records
from mapapp.catalog.history import SECTION_LABELS
from mapapp.catalog.models import Structure
from mapapp.catalog.models_identity import ReminderSent
from mapapp.catalog.models_users import User, utcnow
from mapapp.catalog.notifications import Mail
from mapapp.config import Settings
from mapapp.formats import count, date
from mapapp.identity import Identity
from mapapp.io.outbox import public_link, send_mail

KIND = "freshness"
DEFAULT_REMINDER_DAYS = 30
#: The public page of a record, by section (structures and mobility solutions have none of their own).
PUBLIC_PAGES = {"sites": "/site/{}", "offers": "/offre/{}"}


def reminder_days(environ: dict | None = None) -> int:
    """``MAPAPP_REMINDER_DAYS``: days before the same structure is reminded again (30; at least 1)."""
    env = os.environ if environ is None else environ
    value = (env.get("MAPAPP_REMINDER_DAYS") or "").strip()
    return max(1, int(value)) if value.isdigit() else DEFAULT_REMINDER_DAYS


@dataclass
class Reminder:
    to: str
    #: Through a partner account (link to its space) or the structure's own e-mail (public pages).
    has_account: bool
    structure_ids: list[str] = field(default_factory=list)
    records: list[StaleRecord] = field(default_factory=list)


@dataclass
class ReminderPlan:
    reminders: list[Reminder]
    #: Structures with stale records reminded less than the interval ago (left out this time).
    recent: list[str]
    #: Structures with stale records but neither a partner account nor an e-mail.
    unreachable: list[str]
    stale: int


def _recently_reminded(session: Session, since: dt.datetime) -> set[str]:
    return set(session.scalars(select(ReminderSent.structure_id)
                               .where(ReminderSent.kind == KIND, ReminderSent.sent_at > since)))


def plan_reminders(session: Session, *, months: int, interval_days: int = DEFAULT_REMINDER_DAYS,
                   now: dt.datetime | None = None, today: dt.date | None = None) -> ReminderPlan:
    """Who gets which reminder now (nothing is sent or written)."""
    now = now or utcnow()
    by_structure: dict[str, list[StaleRecord]] = defaultdict(list)
    records = stale_records(session, months=months, today=today or now.date())
    for r in records:
        by_structure[r.structure_id].append(r)
    recent = _recently_reminded(session, now - dt.timedelta(days=interval_days)) & set(by_structure)
    due = {sid: recs for sid, recs in by_structure.items() if sid not in recent}
    reminders: dict[tuple[str, bool], Reminder] = {}
    covered: set[str] = set()
    partners = session.scalars(select(User).where(User.role == "partner", User.is_active.is_(True))
                               .order_by(User.email)).all()
    for account in partners:
        for structure in account.structures:
            if structure.id in due:
                reminder = reminders.setdefault((account.email, True), Reminder(account.email, True))
                reminder.structure_ids.append(structure.id)
                reminder.records.extend(due[structure.id])
                covered.add(structure.id)
    unreachable = []
    for sid in sorted(set(due) - covered):
        structure = session.get(Structure, sid)
        email = (structure.courriel or "").strip().lower() if structure is not None else ""
        if not email:
            unreachable.append(sid)
            continue
        reminder = reminders.setdefault((email, False), Reminder(email, False))
        reminder.structure_ids.append(sid)
        reminder.records.extend(due[sid])
    return ReminderPlan(sorted(reminders.values(), key=lambda r: r.to), sorted(recent), unreachable, len(records))


def _line(settings: Settings, r: StaleRecord, with_page: bool) -> str:
    checked = f"vérifiée le {date(r.date_verification)}" if r.date_verification else "jamais vérifiée"
    line = f"- {SECTION_LABELS[r.section]} « {r.nom} » : {checked}"
    if with_page and r.section in PUBLIC_PAGES:
        line += f"\n  {public_link(settings, PUBLIC_PAGES[r.section].format(r.record_id))}"
    return line


def reminder_mail(settings: Settings, identity: Identity, reminder: Reminder, months: int) -> Mail:
    lines = "\n".join(_line(settings, r, not reminder.has_account) for r in reminder.records)
    intro = (f"Bonjour,\n\nCes fiches de votre structure sur la cartographie de l'offre d'insertion "
             f"({identity.name}) n'ont pas été confirmées depuis plus de {count(months, 'mois', 'mois')} :\n\n{lines}\n\n")
    if reminder.has_account:
        action = ("Si elles sont exactes, cliquez sur « Toujours valable » ; sinon, corrigez-les :\n"
                  f"{public_link(settings, '/espace/a-verifier')}\n")
    else:
        contact = (f"répondez à ce courriel (ou écrivez à {settings.contact_email})" if settings.contact_email
                   else "répondez à ce courriel")
        action = ("Vérifiez-les sur les pages publiques ci-dessus. Si une information a changé (horaires, adresse, "
                  f"offre arrêtée…), {contact} en indiquant la correction. Un compte partenaire "
                  "vous permettrait de les mettre à jour vous-même : demandez-le de la même façon.\n")
    body = intro + action + f"\nMerci de tenir l'offre à jour.\n\n{identity.signature()}"
    return Mail(reminder.to, count(len(reminder.records), "fiche à vérifier", "fiches à vérifier"), body,
                reply_to=None if reminder.has_account else settings.contact_email)


def send_reminders(session: Session, settings: Settings, plan: ReminderPlan, identity: Identity, *, months: int,
                   now: dt.datetime | None = None) -> int:
    """Send each reminder and remember it (committed after each mail); the number sent."""
    sent = 0
    for reminder in plan.reminders:
        mail = reminder_mail(settings, identity, reminder, months)
        send_mail(settings, mail.to, mail.subject, mail.body, reply_to=mail.reply_to)
        for sid in reminder.structure_ids:
            session.add(ReminderSent(structure_id=sid, kind=KIND, email=reminder.to, sent_at=now or utcnow(),
                                     records=[r.record_id for r in reminder.records if r.structure_id == sid]))
        session.commit()
        sent += 1
    return sent

