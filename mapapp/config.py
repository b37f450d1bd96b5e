"""Settings, read from the environment (never from files committed to the repository).

=========================  ===========================================================
variable                   meaning (default)
=========================  ===========================================================
``MAPAPP_DATA_DIR``        where the database, graph caches and results live
                           (``./var``)
``MAPAPP_DATABASE_URL``    SQLAlchemy URL (``sqlite:///$MAPAPP_DATA_DIR/mapapp.sqlite``);
                           ``postgresql+psycopg://user@host/db`` in production
``MAPAPP_DEMO_DIR``        the generated demo territory (``./geodata/demo``)
``MAPAPP_SECRET_KEY``      Flask session key; required outside development and tests
``MAPAPP_SECURE_COOKIES``  ``1``: session cookies only over HTTPS (production)
``MAPAPP_BASE_URL``        public URL used in e-mailed links (password reset, reminders)
``MAPAPP_SMTP_URL``        ``smtp://user:password@host:port``: send mail; unset, mails
                           are written to ``$MAPAPP_DATA_DIR/outbox``
``MAPAPP_MAIL_FROM``       sender of those mails (``mapapp@localhost``)
``MAPAPP_STALE_MONTHS``    a record not verified for this many months is stale (12)
=========================  ===========================================================

The last five are read where they are used (:mod:`mapapp.web.auth`,
:mod:`mapapp.io.outbox`, :mod:`mapapp.catalog.freshness`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    demo_dir: Path
    secret_key: str | None

    @property
    def cache_dir(self) -> Path:
        """Where built road graphs are cached (one file per source hash, mode and profile)."""
        return self.data_dir / "cache"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (``os.environ`` by default)."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("MAPAPP_DATA_DIR") or PROJECT_ROOT / "var").resolve()
    database_url = env.get("MAPAPP_DATABASE_URL") or f"sqlite:///{data_dir / 'mapapp.sqlite'}"
    demo_dir = Path(env.get("MAPAPP_DEMO_DIR") or PROJECT_ROOT / "geodata" / "demo").resolve()
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        demo_dir=demo_dir,
        secret_key=env.get("MAPAPP_SECRET_KEY") or None,
    )
