"""Crash hygiene of `mapapp compute` (issue 12): a ``kill -9`` leaves no worker process and no stale temp folder."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapapp.access.run import TABLES
from mapapp.results import ResultStore

RUN_CLI = "from mapapp.cli import main; main()"


def _children(pid: int) -> list[int]:
    """Live (non-zombie) processes whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return False
    return fields[0] != "Z"


@pytest.fixture
def demo_copy(demo_computed, tmp_path):
    """A private copy of the computed demo's data folder (the session's demo is left alone)."""
    env, _ = demo_computed
    shutil.copytree(env["MAPAPP_DATA_DIR"], tmp_path / "var")
    return {**os.environ, **env, "MAPAPP_DATA_DIR": str(tmp_path / "var")}


def _threads(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to list processes")
def test_kill_9_of_compute_leaves_no_worker_and_next_compute_cleans(demo_copy):
    """The searches run on threads of the compute process (issue 15): none can outlive a ``kill -9``."""
    proc = subprocess.Popen([sys.executable, "-c", RUN_CLI, "compute", "--workers", "2", "--force"],
                            env=demo_copy, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            children.update(_children(proc.pid))
            if _threads(proc.pid) >= 3:  # the compute is running its mode threads
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the compute ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(w) for w in children):
        time.sleep(0.1)
    left = [w for w in children if _alive(w)]
    for w in left:  # do not leave them to the rest of the suite
        os.kill(w, signal.SIGKILL)
    assert not left, f"process(es) {left} outlived the killed compute"

    # A write the killed run left half done (the same temp folder its store makes, under its pid).
    results = Path(demo_copy["MAPAPP_DATA_DIR"]) / "results"
    stale = results / f".walk-pid{proc.pid}-abcd1234"
    stale.mkdir()
    (stale / "points.parquet").write_bytes(b"half")

    from mapapp.cli import main

    done = CliRunner().invoke(main, ["compute", "--workers", "1", "--mode", "walk"], env=demo_copy)
    assert done.exit_code == 0, done.output
    assert not stale.exists()
    assert [p.name for p in results.iterdir() if p.name.startswith(".") and p.is_dir()] == []
    store = ResultStore(results)
    assert store.modes() == ["bike", "car", "walk"]
    for mode in store.modes():
        assert store.manifest(mode) is not None
        assert all(not store.table(mode, t).columns.empty for t in TABLES)


def test_remove_stale_keeps_folders_of_live_processes(tmp_path):
    store = ResultStore(tmp_path)
    mine = store._new_temp("walk")  # this process is alive: a write in progress
    # a process that has ended (started and reaped here), and a folder from before names carried a pid
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = tmp_path / f".car-pid{child.pid}-xyz"
    dead.mkdir()
    legacy = tmp_path / ".bike-k2j4h5l6"
    legacy.mkdir()
    kept_version = tmp_path / "walk@1"
    kept_version.mkdir()

    removed = store.remove_stale()

    assert sorted(removed) == sorted([dead, legacy])
    assert mine.exists() and kept_version.exists()
    assert not dead.exists() and not legacy.exists()
