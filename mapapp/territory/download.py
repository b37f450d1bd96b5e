"""Download one file robustly, with the standard library only (urllib).

:func:`fetch` downloads one URL to a file:

- **cache**: a file already at ``dest`` is reused when it is valid: its
  SHA-256 matches ``sha256`` when one is given; otherwise it was fetched from
  the same URL (a ``<dest>.fetch.json`` sidecar records the URL, size, hash and
  date) or it was put there by hand (no sidecar: trusted, so a user behind a
  firewall can drop the files in the cache directory);
- **resume**: bytes arrive in ``<dest>.part``; after a cut, the next attempt
  asks for the rest (HTTP ``Range``, with ``If-Range`` on the ETag or
  Last-Modified date so a file changed on the server is restarted, not
  spliced); a server that ignores ``Range`` just sends the whole file again;
- **retries** with exponential backoff (``backoff_s``, ×2 per attempt) on
  connection errors, cuts, HTTP 5xx, 408 and 429; other HTTP errors (404...)
  fail at once;
- **checksum**: with ``sha256``, a mismatch deletes the download and raises
  :class:`ChecksumError` (after one fresh retry when the file was resumed);
- **offline**: when no attempt ever reached the server, :class:`OfflineError`
  says so plainly and how to work around it.

HTTP(S) proxies come from the usual environment variables (``HTTPS_PROXY``...).
What a département needs, and from where, is in :mod:`mapapp.territory.fetch`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import logging
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

USER_AGENT = "mapapp/0.1 (cartographie de l'offre d'insertion; +https://github.com/)"
CHUNK_BYTES = 1 << 16

#: progress(done_bytes, total_bytes or None), called after every chunk.
Progress = Callable[[int, int | None], None]


class FetchError(RuntimeError):
    """A download failed; ``url`` and ``dest`` say which."""

    def __init__(self, message: str, url: str = "", dest: Path | None = None):
        super().__init__(message)
        self.url = url
        self.dest = dest


class OfflineError(FetchError):
    """The server could not be reached at all (no network, DNS failure, refused, proxy)."""


class ChecksumError(FetchError):
    """The downloaded file's SHA-256 differs from the expected one."""


class _Retryable(Exception):
    def __init__(self, message: str, reached_server: bool):
        super().__init__(message)
        self.reached_server = reached_server


class _Unresolvable(Exception):
    """The server's name does not resolve: offline, not worth retrying."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".fetch.json")


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _cached(url: str, dest: Path, sha256: str | None) -> bool:
    if not dest.is_file():
        return False
    if sha256 is not None:
        if sha256_of(dest) == sha256.lower():
            return True
        log.warning("%s : somme de contrôle différente, nouveau téléchargement", dest)
        return False
    meta = _read_json(_sidecar(dest))
    return meta is None or meta.get("url") == url


def fetch(
    url: str,
    dest: str | Path,
    sha256: str | None = None,
    *,
    timeout: float = 60.0,
    retries: int = 4,
    backoff_s: float = 2.0,
    progress: Progress | None = None,
    refresh: bool = False,
    headers: dict[str, str] | None = None,
) -> Path:
    """Download ``url`` to ``dest`` (module doc: cache, resume, retries, checksum).

    Args:
        url: HTTP(S) URL.
        dest: the final file; its directory is created.
        sha256: expected hex digest, or None (no verification).
        timeout: seconds without any byte before an attempt fails.
        retries: further attempts after the first one.
        backoff_s: wait before the first retry, doubled at each retry.
        progress: ``progress(done_bytes, total_bytes | None)``, e.g. a tqdm update.
        refresh: download again even when a valid file is cached.
        headers: extra request headers.

    Returns:
        ``dest`` as a :class:`~pathlib.Path`.

    Raises:
        OfflineError: the server was never reached.
        ChecksumError: the file does not match ``sha256``.
        FetchError: any other failure (HTTP 404, too many cuts...).
    """
    dest = Path(dest)
    if not refresh and _cached(url, dest, sha256):
        log.info("%s : déjà présent, non retéléchargé", dest)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    part_meta = _sidecar(part)
    if refresh:
        for stale in (part, part_meta):
            stale.unlink(missing_ok=True)

    reached_server = False
    last_error = ""
    fresh_retry_done = False
    attempt = 0
    while attempt <= retries:
        if attempt:
            wait = backoff_s * (2 ** (attempt - 1))
            log.info("nouvel essai %d/%d dans %.1f s : %s", attempt, retries, wait, last_error)
            time.sleep(wait)
        attempt += 1
        resumed = part.exists() and part.stat().st_size > 0
        try:
            meta = _download_once(url, part, part_meta, timeout, progress, headers or {})
        except _Retryable as exc:
            reached_server = reached_server or exc.reached_server
            last_error = str(exc)
            continue
        except _Unresolvable as exc:
            # A name that does not resolve means no network (or no DNS): retrying
            # with back-off would only make the user wait for the same answer.
            last_error = str(exc)
            break
        reached_server = True
        if sha256 is not None:
            digest = sha256_of(part)
            if digest != sha256.lower():
                part.unlink(missing_ok=True)
                part_meta.unlink(missing_ok=True)
                if resumed and not fresh_retry_done:
                    fresh_retry_done = True  # the resumed bytes may come from an older file: once more, from scratch
                    last_error = "somme de contrôle différente après reprise"
                    attempt -= 1
                    continue
                raise ChecksumError(
                    f"{url} : somme de contrôle SHA-256 inattendue ({digest[:12]}… au lieu de {sha256[:12]}…) ; "
                    "fichier supprimé (source modifiée ou téléchargement corrompu)", url, dest)
            meta["sha256"] = digest
        os.replace(part, dest)
        part_meta.unlink(missing_ok=True)
        meta.update(url=url, size=dest.stat().st_size, fetched_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        meta.setdefault("sha256", sha256_of(dest))
        _sidecar(dest).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
        return dest

    host = urllib.parse.urlsplit(url).hostname or url
    if not reached_server:
        raise OfflineError(
            f"Impossible de joindre {host} ({last_error}). Pas de réseau, serveur injoignable ou proxy à "
            f"configurer (variables HTTPS_PROXY / HTTP_PROXY). Sans réseau, téléchargez {url} par un "
            f"autre moyen et déposez-le sous {dest}.", url, dest)
    kept = f" ; {part.stat().st_size} octets gardés dans {part.name} pour reprendre plus tard" if part.exists() else ""
    raise FetchError(f"{url} : échec après {retries + 1} essais ({last_error}){kept}", url, dest)


def _download_once(url: str, part: Path, part_meta: Path, timeout: float, progress: Progress | None, headers: dict[str, str]) -> dict:
    """One HTTP request into ``part``; returns the validators (etag, last_modified) on success."""
    offset = part.stat().st_size if part.exists() else 0
    saved = _read_json(part_meta) or {}
    request_headers = {"User-Agent": USER_AGENT, **headers}
    if offset:
        request_headers["Range"] = f"bytes={offset}-"
        validator = saved.get("etag") or saved.get("last_modified")
        if validator:
            request_headers["If-Range"] = validator
    request = urllib.request.Request(url, headers=request_headers)
    # a fresh opener per request reads the proxy variables of the moment
    opener = urllib.request.build_opener()
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            total = _total_from_content_range(exc.headers.get("Content-Range", ""))
            if total == offset:  # the part already holds the whole file
                return {"etag": saved.get("etag"), "last_modified": saved.get("last_modified")}
            part.unlink(missing_ok=True)
            raise _Retryable("reprise refusée (HTTP 416), redémarrage complet", True) from None
        if exc.code >= 500 or exc.code in (408, 429):
            raise _Retryable(f"HTTP {exc.code} {exc.reason}", True) from None
        raise FetchError(f"{url} : HTTP {exc.code} {exc.reason}", url) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, socket.gaierror):
            raise _Unresolvable(_describe(reason)) from None
        raise _Retryable(_describe(reason), False) from None

    with response:
        status = response.status
        length = response.headers.get("Content-Length")
        length = int(length) if length and length.isdigit() else None
        validators = {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}
        if status == 206:
            start = _start_from_content_range(response.headers.get("Content-Range", ""))
            if start != offset:
                part.unlink(missing_ok=True)
                raise _Retryable(f"reprise à l'octet {start} au lieu de {offset}", True)
            validators = {k: v or saved.get(k) for k, v in validators.items()}
            mode = "ab"
        else:
            offset = 0
            mode = "wb"
            part_meta.write_text(json.dumps(validators), encoding="utf-8")
        total = offset + length if length is not None else None
        done = offset
        try:
            with open(part, mode) as out:
                while True:
                    chunk = response.read(CHUNK_BYTES)
                    if not chunk:
                        break
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
        except (OSError, http.client.HTTPException) as exc:
            raise _Retryable(f"coupure après {done} octets ({_describe(exc)})", True) from None
        if total is not None and done < total:
            raise _Retryable(f"coupure après {done} octets sur {total}", True)
    return validators


def _describe(reason: object) -> str:
    if isinstance(reason, socket.gaierror):
        return f"nom de serveur introuvable : {reason}"
    if isinstance(reason, ConnectionRefusedError):
        return "connexion refusée"
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "délai dépassé"
    return str(reason) or reason.__class__.__name__


def _start_from_content_range(value: str) -> int | None:
    m = re.match(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", value.strip())
    return int(m[1]) if m else None


def _total_from_content_range(value: str) -> int | None:
    m = re.match(r"bytes\s+(?:\*|\d+-\d+)/(\d+)", value.strip())
    return int(m[1]) if m else None
