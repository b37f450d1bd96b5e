"""``mapapp user``, ``mapapp import`` and ``mapapp freshness`` on the contribution database."""

from __future__ import annotations

import email
import re

from click.testing import CliRunner
from sqlalchemy import select

from mapapp.catalog.models import Site
from mapapp.catalog.models_users import Revision, User
from mapapp.cli import main
from tests.catalog.contrib import contrib_settings, contrib_template, factory  # noqa: F401  (fixtures)
from tests.env import WEB_ENV


def _env(settings):
    return {"MAPAPP_DATA_DIR": str(settings.data_dir), **WEB_ENV,
            "MAPAPP_BASE_URL": "https://carto.example", "MAPAPP_SMTP_URL": ""}


def _run(settings, *args, input=None):
    return CliRunner().invoke(main, list(args), env=_env(settings), input=input)


def _messages(settings):
    return [email.message_from_bytes(p.read_bytes()) for p in sorted((settings.data_dir / "outbox").glob("*.eml"))]


def test_user_create_invite_list(contrib_settings, factory):
    result = _run(contrib_settings, "user", "create", "Nouveau.Modo@Example.org", "--role", "moderator",
                  "--territory", "territoire_action_sociale:TAS2", "--password-stdin", input="un mot de passe solide\n")
    assert result.exit_code == 0, result.output
    bad = _run(contrib_settings, "user", "create", "x@example.org", "--role", "moderator", "--territory", "canton:99")
    assert bad.exit_code != 0 and "Territoire inconnu" in bad.output
    invite = _run(contrib_settings, "user", "invite", "benevole@example.org", "--structure", "test--ml")
    assert invite.exit_code == 0, invite.output
    [message] = _messages(contrib_settings)
    body = message.get_payload(decode=True).decode()
    assert message["To"] == "benevole@example.org"
    assert re.search(r"https://carto\.example/mot-de-passe/nouveau/[\w-]{40,}", body)
    unknown = _run(contrib_settings, "user", "invite", "x@example.org", "--structure", "nope")
    assert unknown.exit_code != 0 and "Structure inconnue" in unknown.output
    listing = _run(contrib_settings, "user", "list").output
    assert "nouveau.modo@example.org\tmoderator\tterritoire_action_sociale:TAS2" in listing
    assert "benevole@example.org\tpartner\ttest--ml" in listing
    with factory() as s:
        invited = s.scalar(select(User).where(User.email == "benevole@example.org"))
        assert invited.password_hash is None and [x.id for x in invited.structures] == ["test--ml"]


def test_import_command_dry_run_then_as_partner(contrib_settings, factory, tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_text("type_fiche,id,structure_id,nom,kind,commune_code,lon,lat\n"
                    "lieu,cli--1,test--ml,Local CLI,partner,96001,2.01,45.01\n", encoding="utf-8")
    dry = _run(contrib_settings, "import", str(path), "--dry-run")
    assert dry.exit_code == 0 and "1 à créer" in dry.output and "rien n'a été écrit" in dry.output
    with factory() as s:
        assert s.get(Site, "cli--1") is None
    partner = _run(contrib_settings, "import", str(path), "--as", "ml@example.org")
    assert partner.exit_code == 0 and "modération" in partner.output, partner.output
    with factory() as s:
        assert s.get(Site, "cli--1") is None and s.scalar(select(Revision.status)) == "submitted"
    direct = _run(contrib_settings, "import", str(path))
    assert direct.exit_code == 0 and "1 créée(s)" in direct.output, direct.output
    path.write_text("type_fiche,id,structure_id,nom,kind,commune_code,lon,lat\n"
                    "lieu,cli--2,test--ml,Local CLI,partner,96001,2.01,\n", encoding="utf-8")
    failed = _run(contrib_settings, "import", str(path))
    assert failed.exit_code == 1 and "ligne 2" in failed.output and "lat" in failed.output


def test_freshness_reminders_go_to_the_partners_of_stale_records(contrib_settings):
    listing = _run(contrib_settings, "freshness", "list", "--months", "1", "--territory", "territoire_action_sociale:TAS2")
    assert "test--xss" in listing.output and "test--num-1" not in listing.output
    result = _run(contrib_settings, "freshness", "remind", "--months", "1")
    assert result.exit_code == 0, result.output
    messages = {m["To"]: m.get_payload(decode=True).decode() for m in _messages(contrib_settings)}
    # Every partner account of a structure with stale records gets one message, with its own records only.
    assert set(messages) == {"ml@example.org", "ml2@example.org", "fs@example.org", "cd@example.org"}
    assert "Point numérique 1" in messages["ml@example.org"] and "France Services d'Arlenc" not in messages["ml@example.org"]
    assert "https://carto.example/espace/a-verifier" in messages["fs@example.org"]


def test_user_create_refuses_a_trivial_password(contrib_settings, factory):
    result = _run(contrib_settings, "user", "create", "nouveau@example.org", "--role", "admin", "--password-stdin",
                  input="motdepasse1\n")
    assert result.exit_code != 0 and "trop facile à deviner" in result.output
    with factory() as s:
        assert s.scalar(select(User).where(User.email == "nouveau@example.org")) is None
