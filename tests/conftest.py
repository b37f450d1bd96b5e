"""Shared fixtures: a migrated SQLite database in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapapp.catalog.db import make_engine, make_sessionmaker, upgrade
from mapapp.config import load_settings
from tests.env import WEB_ENV

# MAPAPP_REALDATA points elsewhere (a git worktree has no ../shared beside it)
REALDATA = Path(os.environ.get("MAPAPP_REALDATA") or Path(__file__).resolve().parents[1].parent / "shared" / "realdata")


@pytest.fixture
def settings(tmp_path):
    return load_settings({"MAPAPP_DATA_DIR": str(tmp_path / "var"), **WEB_ENV,
                          "MAPAPP_DEMO_DIR": str(tmp_path / "demo")})


@pytest.fixture
def db_url(settings):
    upgrade(settings.database_url)
    return settings.database_url


@pytest.fixture
def session_factory(db_url):
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def session(session_factory):
    with session_factory() as s:
        yield s


@pytest.fixture(scope="session")
def demo_env(tmp_path_factory):
    """The demo département generated and loaded once for the session: (environment, CLI output)."""
    from mapapp.cli import main

    root = tmp_path_factory.mktemp("demo")
    env = {"MAPAPP_DATA_DIR": str(root / "var"), "MAPAPP_DEMO_DIR": str(root / "demo"),
           **WEB_ENV}
    result = CliRunner().invoke(main, ["demo", "load"], env=env)
    assert result.exit_code == 0, result.output
    return env, result.output


@pytest.fixture(scope="session")
def demo_computed(demo_env):
    """The demo with accessibility computed for the three modes: (environment, CLI output)."""
    from mapapp.cli import main

    env, _ = demo_env
    result = CliRunner().invoke(main, ["compute", "--workers", "2"], env=env)
    assert result.exit_code == 0, result.output
    return env, result.output


# --------------------------------------------------------------------------- PostgreSQL
# A throwaway PostgreSQL cluster for the whole session (tests marked ``postgres``). It needs the
# server binaries (Debian: postgresql, which puts initdb under /usr/lib/postgresql/<major>/bin) and
# psycopg (the project's ``postgres`` extra); without either the tests are skipped, with the reason.


def _find_pg_bin(name: str) -> str | None:
    import glob
    import shutil

    found = shutil.which(name)
    if found:
        return found
    # Debian keeps the server binaries off PATH.
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return candidates[-1] if candidates else None


@pytest.fixture(scope="session")
def postgres_url():
    """SQLAlchemy URL of an empty database on a private PostgreSQL cluster, stopped and removed afterwards.

    The cluster listens on 127.0.0.1 only, on a free port, with ``trust`` authentication, and its
    socket in its own temporary folder. PostgreSQL refuses to run as root: as root, the cluster is
    run as the ``postgres`` system user (``runuser``) on a folder that user owns.
    """
    import os
    import shutil
    import socket
    import subprocess
    import tempfile

    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[postgres]')")
    initdb, pg_ctl = _find_pg_bin("initdb"), _find_pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found (apt-get install postgresql)")

    prefix: list[str] = []
    owner = None
    if os.geteuid() == 0:
        import pwd

        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' system user to run PostgreSQL")
        runuser = shutil.which("runuser")
        if not runuser:
            pytest.skip("running as root and runuser is not available to run PostgreSQL as 'postgres'")
        prefix = [runuser, "-u", "postgres", "--"]

    root = Path(tempfile.mkdtemp(prefix="mapapp-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if owner is not None:
        os.chmod(root, 0o755)
        for p in (root, sock):
            os.chown(p, owner.pw_uid, owner.pw_gid)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def run(*args: str) -> None:
        proc = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")

    started = False
    try:
        run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
            "--no-sync")
        run(pg_ctl, "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60", "start",
            "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c full_page_writes=off")
        started = True
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE mapapp_test")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/mapapp_test"
    finally:
        if started:
            subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
