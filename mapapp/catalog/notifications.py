"""Mails of the moderation workflow (issue 18 §5): publication, rejection (with its reason), new submissions.

- **Publication / rejection**: to the active partner accounts of the revision's
  structure and to its author (when a partner), except the person who decided;
  the rejection carries the moderator's reason.
- **New submission**: to the active moderators who may decide on the revision
  (:func:`mapapp.catalog.moderation_permissions.can_moderate_revision`: those of
  its territory and the département-wide ones); when none covers it, to the
  administrators, so a proposal never waits unseen. Several revisions submitted
  together (an import) make one mail per moderator.

Links start with ``MAPAPP_BASE_URL`` (:func:`mapapp.io.outbox.public_link`),
never with the address a browser asked for. Mails are in French and signed with
the Département's identity (:meth:`mapapp.identity.Identity.signature`). The
web application sends them after the response (:mod:`mapapp.web.notify`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.catalog.history import SECTION_LABELS
from mapapp.catalog.models_users import Revision, User
from mapapp.catalog.moderation_permissions import can_moderate_revision
from mapapp.config import Settings
from mapapp.formats import count
from mapapp.identity import Identity, current_identity
from mapapp.io.outbox import public_link, send_mail


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    #: Where answers go (None: the sender, ``MAPAPP_MAIL_FROM``).
    reply_to: str | None = None


def revision_path(rev: Revision) -> str:
    return f"/espace/demande/{rev.id}"


def partner_recipients(session: Session, rev: Revision, *, exclude: int | None = None) -> list[str]:
    """Addresses of the active partner accounts of the revision's structure and of its partner author."""
    accounts = session.scalars(select(User).where(User.role == "partner", User.is_active.is_(True))).all()
    found = [u for u in accounts if any(s.id == rev.structure_id for s in u.structures)]
    if rev.author is not None and rev.author.is_partner and rev.author.is_active:
        found.append(rev.author)
    return sorted({u.email for u in found if u.id != exclude})


def moderator_recipients(session: Session, rev: Revision) -> list[str]:
    """The active moderators who may decide on ``rev`` (not its author); the administrators when none may."""
    staff = session.scalars(select(User).where(User.is_active.is_(True), User.role.in_(("moderator", "admin")))
                            .order_by(User.email)).all()
    moderators = [u for u in staff if u.is_moderator and can_moderate_revision(session, u, rev)]
    if not moderators:
        moderators = [u for u in staff if u.is_admin]
    return [u.email for u in moderators if u.id != rev.author_id]


def _what(rev: Revision) -> str:
    label = SECTION_LABELS.get(rev.section, rev.section).lower()
    return f"{label} « {rev.nom} »"


def decision_mails(session: Session, settings: Settings, rev: Revision, identity: Identity, *,
                   exclude: int | None = None) -> list[Mail]:
    """The mails telling the partners that ``rev`` was published or rejected (nothing for an open revision)."""
    link = public_link(settings, revision_path(rev))
    if rev.status == "published":
        subject = f"Publiée : {rev.nom}"
        text = (f"Votre demande n° {rev.id} ({_what(rev)}) a été validée et publiée : le public voit désormais "
                f"la fiche à jour sur la cartographie de l'offre d'insertion.\n\nLa demande : {link}\n")
    elif rev.status == "rejected":
        subject = f"Refusée : {rev.nom}"
        text = (f"Votre demande n° {rev.id} ({_what(rev)}) n'a pas été publiée. La raison donnée par la "
                f"modération :\n\n  {rev.reason or '(aucune raison donnée)'}\n\nVous pouvez la reprendre, la corriger "
                f"et la soumettre de nouveau :\n{link}\n")
    else:
        return []
    body = f"Bonjour,\n\n{text}\n{identity.signature()}"
    return [Mail(to, subject, body) for to in partner_recipients(session, rev, exclude=exclude)]


def submission_mails(session: Session, settings: Settings, revs: Iterable[Revision], identity: Identity) -> list[Mail]:
    """One mail per moderator listing the submitted revisions they may decide on."""
    by_moderator: dict[str, list[Revision]] = {}
    for rev in revs:
        if rev.status != "submitted":
            continue
        for email in moderator_recipients(session, rev):
            by_moderator.setdefault(email, []).append(rev)
    mails = []
    for email, items in sorted(by_moderator.items()):
        lines = "\n".join(f"- n° {r.id} : {_what(r)}"
                          + (f", proposée par {r.author.label}" if r.author is not None else "")
                          + f"\n  {public_link(settings, revision_path(r))}" for r in items)
        notes = [f"Note du partenaire (n° {r.id}) : {r.note}" for r in items if r.note]
        subject = (f"Nouvelle demande à modérer : {items[0].nom}" if len(items) == 1
                   else f"{count(len(items), 'nouvelle demande', 'nouvelles demandes')} à modérer")
        body = (f"Bonjour,\n\n{count(len(items), 'demande de modification attend', 'demandes de modification attendent')} "
                f"votre décision sur la cartographie de l'offre d'insertion :\n\n{lines}\n"
                + ("\n" + "\n".join(notes) + "\n" if notes else "")
                + f"\nLa file de modération : {public_link(settings, '/moderation/')}\n\n{identity.signature()}")
        mails.append(Mail(email, subject, body))
    return mails


def send_all(settings: Settings, mails: Iterable[Mail]) -> int:
    """Send (or write to the outbox) each mail; the number sent."""
    n = 0
    for mail in mails:
        send_mail(settings, mail.to, mail.subject, mail.body, reply_to=mail.reply_to)
        n += 1
    return n


def notify_decision(session: Session, settings: Settings, rev_id: int, *, decided_by: int | None = None) -> int:
    rev = session.get(Revision, rev_id)
    if rev is None:
        return 0
    return send_all(settings, decision_mails(session, settings, rev, current_identity(session, settings.org_name),
                                             exclude=decided_by))


def notify_submitted(session: Session, settings: Settings, rev_ids: Iterable[int]) -> int:
    revs = [r for r in (session.get(Revision, i) for i in rev_ids) if r is not None]
    return send_all(settings, submission_mails(session, settings, revs, current_identity(session, settings.org_name)))
