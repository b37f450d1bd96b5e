"""Expensive outputs (reports, exports) as cached background jobs.

A département report takes up to 30 s: generated inside the request, four of
them at once outlived gunicorn's worker timeout (30 s by default), the workers
were killed and every request got a 500. Here a request never generates:

- the output is identified by :func:`output_key` — the kind, the parameters,
  the version of every stored results mode and a fingerprint of the catalog —
  and cached on disk in ``$MAPAPP_DATA_DIR/outputs/<key>.out``; a cached output
  is served as is, without regenerating;
- otherwise a job is started in a thread, with its status (state, progress,
  message) in ``<key>.json``; the page « génération en cours… » refreshes the
  same address until the file is there;
- a second identical request joins the running job (an ``O_EXCL`` lock file
  decides, so it also holds between the processes of a WSGI server); a
  requester (user, or IP when anonymous) runs one job at a time, and at most
  :data:`MAX_RUNNING` jobs run at once in a process.

Hand-written rather than a task queue (Celery, RQ): they need a broker the
deployment does not have, and one job at a time per requester on one machine
needs nothing more than a thread and a status file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


log = logging.getLogger(__name__)

#: Jobs running at once in one process (the machine has few cores).
MAX_RUNNING = 2
#: A lock older than this is a job whose process died: it is taken over.
STALE_LOCK_S = 15 * 60


@dataclass
class JobStatus:
    state: str  # "running", "done", "failed"
    progress: list[str]
    message: str = ""
    code: int = 500  # of a failure: 400 for bad parameters (ReportError), 500 otherwise


def catalog_fingerprint(session) -> str:
    """Changes whenever a catalog record is added, removed or updated, or the territory re-imported."""
    from mapapp.catalog.inputs_state import change_mark

    return hashlib.sha256(repr(change_mark(session)).encode()).hexdigest()[:16]


def output_key(kind: str, params: dict, session, store) -> str:
    """The cache key of an output: its kind and parameters, the results versions, the catalog and the identity.

    The identity (:mod:`mapapp.identity`, on the reports' cover) counts by its last change.
    """
    from mapapp.catalog.models_identity import SiteIdentity

    versions = {mode: store.version(mode) for mode in store.modes()}
    identity = session.get(SiteIdentity, 1)
    payload = json.dumps({"kind": kind, "params": params, "results": versions,
                          "catalog": catalog_fingerprint(session),
                          "identity": identity.updated_at if identity is not None else None},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


class JobRunner:
    """Background generation of outputs under ``folder``; one runner per application."""

    def __init__(self, folder: Path, max_running: int = MAX_RUNNING):
        self.folder = Path(folder)
        self.max_running = max_running
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self._owners: dict[str, str] = {}
        self.started = 0  # jobs started by this runner (for tests and logs)

    # ----------------------------------------------------------------- files
    def output_path(self, key: str) -> Path:
        return self.folder / f"{key}.out"

    def _status_path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def _lock_path(self, key: str) -> Path:
        return self.folder / f"{key}.lock"

    def status(self, key: str) -> JobStatus | None:
        try:
            return JobStatus(**json.loads(self._status_path(key).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def _write_status(self, key: str, status: JobStatus) -> None:
        tmp = self.folder / f".{key}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(status.__dict__, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self._status_path(key))

    def _take_lock(self, key: str) -> bool:
        """Create the job's lock file; False when another request (of any process) holds a live one."""
        path = self._lock_path(key)
        for _ in range(2):
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                return True
            except FileExistsError:
                try:
                    if time.time() - path.stat().st_mtime < STALE_LOCK_S:
                        return False
                    path.unlink(missing_ok=True)  # its process died: take it over
                except FileNotFoundError:
                    continue
        return False

    # ----------------------------------------------------------------- jobs
    def submit(self, key: str, owner: str, work: Callable[[Callable[[str], None]], bytes]) -> str:
        """Start (or join) the job ``key``; return ``"done"``, ``"running"``, ``"busy"`` or ``"full"``.

        ``busy``: ``owner`` already runs another job; ``full``: too many jobs run in this process.
        ``work(progress)`` returns the output's bytes; it runs in a thread.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.output_path(key).exists():
            return "done"
        with self._lock:
            if key in self._threads or self._lock_path(key).exists() and not self._take_over_allowed(key):
                return "running"  # join it
            other = self._owners.get(owner)
            if other is not None and other in self._threads:
                return "busy"
            if len(self._threads) >= self.max_running:
                return "full"
            if not self._take_lock(key):
                return "running"
            self._write_status(key, JobStatus("running", ["Génération démarrée"]))
            thread = threading.Thread(target=self._run, args=(key, owner, work), daemon=True,
                                      name=f"mapapp-job-{key[:8]}")
            self._threads[key] = thread
            self._owners[owner] = key
            self.started += 1
        thread.start()
        return "running"

    def _take_over_allowed(self, key: str) -> bool:
        try:
            return time.time() - self._lock_path(key).stat().st_mtime >= STALE_LOCK_S
        except FileNotFoundError:
            return True

    def _run(self, key: str, owner: str, work) -> None:
        status = JobStatus("running", ["Génération démarrée"])

        def progress(step: str) -> None:
            status.progress.append(step)
            self._write_status(key, status)

        try:
            data = work(progress)
            tmp = self.folder / f".{key}.out.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, self.output_path(key))
            status.state = "done"
        except Exception as exc:  # reported on the page; the traceback goes to the log
            from mapapp.reports import ReportError

            log.exception("Output job %s failed", key)
            status.state = "failed"
            bad_request = isinstance(exc, ReportError)
            status.code = 400 if bad_request else 500
            status.message = str(exc) if bad_request else "La génération a échoué ; réessayez plus tard."
        finally:
            self._write_status(key, status)
            self._lock_path(key).unlink(missing_ok=True)
            with self._lock:
                self._threads.pop(key, None)
                if self._owners.get(owner) == key:
                    self._owners.pop(owner)

    def wait(self, key: str, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the job ``key`` of this process (small outputs come at once)."""
        thread = self._threads.get(key)
        if thread is not None and timeout > 0:
            thread.join(timeout)

    def forget_failure(self, key: str) -> None:
        """Drop a failed job's status, so that the next request tries again."""
        self._status_path(key).unlink(missing_ok=True)
