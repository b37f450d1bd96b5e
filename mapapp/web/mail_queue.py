"""Work done after the response: the mails that web pages send (password reset).

« Mot de passe oublié » must answer in the same time whether the address has an
account or not: looking the account up, issuing its one-time token and sending
the message (SMTP can take seconds) happen here, in one background thread per
process, after the request has answered the same thing for every address.

A plain :class:`concurrent.futures.ThreadPoolExecutor` (one worker, created at
first use, so after a WSGI server forks its workers); its threads are joined at
interpreter exit, so a stopping server still sends what it had accepted. A job
that fails is logged, never raised into a page.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)


class MailQueue:
    """Jobs run one at a time, in order, inside an application context of ``app``."""

    def __init__(self, app: Flask):
        self._app = app
        self._lock = threading.Lock()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending: set[concurrent.futures.Future] = set()

    def submit(self, job: Callable[..., None], *args) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="mapapp-mail")
            future = self._executor.submit(self._run, job, *args)
            self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def _run(self, job: Callable[..., None], *args) -> None:
        with self._app.app_context():
            try:
                job(*args)
            except Exception:
                log.exception("Background mail job %s failed", getattr(job, "__name__", job))

    def wait(self, timeout: float = 30.0) -> None:
        """Block until every job submitted so far has run (tests; a clean shutdown)."""
        concurrent.futures.wait(list(self._pending), timeout=timeout)


def init_app(app: Flask) -> MailQueue:
    queue = app.extensions["mapapp.mail"] = MailQueue(app)
    return queue


def mail_queue(app: Flask) -> MailQueue:
    return app.extensions["mapapp.mail"]
