"""The territory's imported GTFS feeds, kept in ``$MAPAPP_DATA_DIR/gtfs/``.

    pending = prepare_feeds(data_dir, [feed], departement="40")   # copies the zips, changes nothing visible
    ... store the territory in the database ...
    result = pending.commit()                                        # one atomic rename of the manifest
    stored_feeds(data_dir)                                           # what is there, with validity dates
    load_stored_feeds(data_dir)                                      # the feeds read back, for the engine

Layout: each zip is copied as ``<sha256>.zip`` (its content's hash) and
``feeds.json`` lists the feeds: name, file, hash, original path, first and last
service dates, counts, import time and the département it was imported for.

Why files and a manifest rather than a database table: the transit engine reads
the feeds from the zips themselves (gtfs-kit), as the road graphs read the OSM
file from disk, so the zips must be kept on disk anyway; their list beside them
needs no migration and no database round trip to know what the engine will read.
A failed import changes nothing: zips are content-addressed (a file never changes
meaning once written), the manifest is replaced in one :func:`os.replace` only
after every zip is in place (and, for a territory import, after the database
transaction), and zips no longer listed are removed only after that. A crash at
any point leaves the previous manifest, and every zip it names, as they were.

Feeds are keyed by name (:func:`mapapp.territory.gtfs.feed_name`): importing a
feed under a stored name replaces it; other stored feeds are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # listing the store needs no gtfs-kit
    from mapapp.territory.gtfs import GtfsFeed

MANIFEST = "feeds.json"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class StoredFeed:
    """One stored feed, as listed in ``feeds.json`` (dates as ISO strings)."""

    name: str
    file: str
    sha256: str
    source: str
    first_date: str
    last_date: str
    imported_at: str
    departement: str | None
    counts: dict = field(default_factory=dict)

    def path(self, data_dir: Path) -> Path:
        return gtfs_dir(data_dir) / self.file


def gtfs_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "gtfs"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stored_feeds(data_dir: Path) -> list[StoredFeed]:
    """The stored feeds, by name (an empty list when none was imported)."""
    path = gtfs_dir(data_dir) / MANIFEST
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return [StoredFeed(**entry) for entry in data["feeds"]]


def stored_paths(data_dir: Path) -> dict[str, Path]:
    """Feed name → stored zip, for :func:`mapapp.territory.gtfs.read_gtfs` (the engine's way in)."""
    return {f.name: f.path(data_dir) for f in stored_feeds(data_dir)}


@dataclass
class StoreResult:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [(self.added, "ajouté"), (self.replaced, "remplacé"), (self.unchanged, "inchangé"),
                 (self.removed, "retiré")]
        said = [f"{', '.join(names)} {word}{'s' if len(names) > 1 else ''}" for names, word in parts if names]
        return "Horaires GTFS : " + ("; ".join(said) if said else "aucun changement")


def _write_manifest(directory: Path, feeds: list[StoredFeed]) -> None:
    data = {"version": MANIFEST_VERSION, "feeds": [asdict(f) for f in sorted(feeds, key=lambda f: f.name)]}
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".feeds-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(tmp, directory / MANIFEST)


def _collect_garbage(directory: Path, feeds: list[StoredFeed]) -> None:
    keep = {f.file for f in feeds} | {MANIFEST}
    for path in directory.iterdir():
        if path.is_file() and path.name not in keep and (path.suffix == ".zip" or path.name.startswith(".")):
            path.unlink(missing_ok=True)


@dataclass
class PendingFeeds:
    """Zips copied into the store, not listed yet: :meth:`commit` lists them (atomically)."""

    directory: Path
    entries: list[StoredFeed]
    result: StoreResult

    def commit(self) -> StoreResult:
        current = {f.name: f for f in stored_feeds(self.directory.parent)}
        for entry in self.entries:
            current[entry.name] = entry
        feeds = list(current.values())
        _write_manifest(self.directory, feeds)
        _collect_garbage(self.directory, feeds)
        return self.result

    def discard(self) -> None:
        """The import failed: delete the copied zips that no stored feed names."""
        _collect_garbage(self.directory, stored_feeds(self.directory.parent))


def prepare_feeds(data_dir: Path, feeds: list[GtfsFeed], departement: str | None) -> PendingFeeds:
    """Copy the checked ``feeds`` into the store without listing them yet (see the module docstring)."""
    names = [f.name for f in feeds]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"plusieurs fichiers GTFS portent le même nom : {', '.join(duplicated)} (renommez-les)")
    directory = gtfs_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    current = {f.name: f for f in stored_feeds(data_dir)}
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    entries, result = [], StoreResult()
    for feed in feeds:
        sha = _sha256(feed.path)
        target = directory / f"{sha}.zip"
        if not target.exists():
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".copy-", suffix=".zip")
            os.close(fd)
            shutil.copyfile(feed.path, tmp)
            os.replace(tmp, target)
        old = current.get(feed.name)
        if old is not None and old.sha256 == sha:
            result.unchanged.append(feed.name)
            entries.append(old)
            continue
        (result.replaced if old is not None else result.added).append(feed.name)
        entries.append(StoredFeed(
            name=feed.name, file=target.name, sha256=sha, source=str(Path(feed.path).resolve()),
            first_date=feed.first_date.isoformat(), last_date=feed.last_date.isoformat(), imported_at=now,
            departement=departement, counts=feed.counts))
    return PendingFeeds(directory, entries, result)


def remove_feeds(data_dir: Path, names: list[str]) -> StoreResult:
    """Unlist the feeds ``names`` and delete their zips; unknown names raise ``KeyError``."""
    current = {f.name: f for f in stored_feeds(data_dir)}
    unknown = [n for n in names if n not in current]
    if unknown:
        raise KeyError(", ".join(unknown))
    feeds = [f for n, f in current.items() if n not in names]
    directory = gtfs_dir(data_dir)
    _write_manifest(directory, feeds)
    _collect_garbage(directory, feeds)
    return StoreResult(removed=list(names))


def load_stored_feeds(data_dir: Path, report=None, today: dt.date | None = None) -> list[GtfsFeed]:
    """The stored feeds read back and checked (:func:`mapapp.territory.gtfs.read_gtfs`), under their
    stored names: what the transit engine gives :func:`mapapp.territory.gtfs.timetable_for_day`."""
    from mapapp.territory.gtfs import read_gtfs

    feeds = [read_gtfs(f.path(data_dir), name=f.name, report=report, today=today) for f in stored_feeds(data_dir)]
    return [f for f in feeds if f is not None]
