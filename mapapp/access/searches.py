"""Running batches of searches, in this process or in a pool of worker processes.

scipy's Dijkstra holds the GIL (measured: two threads are no faster than one),
so parallelism uses processes. The routing graphs and the sites' snaps (one
*context* per mode) are handed to each worker once (inherited without copy
where ``fork`` is available); tasks and results are small: only the values at
the origins' snap nodes (``needed``) travel back. One pool can serve several
modes at once, driven from several threads (:meth:`SearchRunner.for_mode`).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from mapapp.access.dijkstra import (NO_SITE, NodeTimes, ReachPairs, destinations_within,
                                    nearest_destination, second_nearest_destination)
from mapapp.network.graph import Snap

_CTX: dict = {}


def take_snap(snap: Snap, rows) -> Snap:
    """The rows ``rows`` of a Snap."""
    return Snap(snap.node_a[rows], snap.time_a_s[rows], snap.node_b[rows], snap.time_b_s[rows],
                snap.access_m[rows], snap.snapped[rows])


def _die_with_parent(parent: int) -> None:
    """Make this worker process end when ``parent`` (the process that started the pool) ends.

    A ``kill -9`` of ``mapapp compute`` gives its workers no chance to stop them:
    they would wait forever on their task queue (issue 12). On Linux the kernel
    sends SIGKILL on the parent's death (``PR_SET_PDEATHSIG``; the pool's
    processes are started by the thread that entered :class:`SearchRunner`,
    which lives as long as the pool). Elsewhere, and as a second guard, a
    daemon thread polls :func:`os.getppid`.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="mapapp-parent-watch", daemon=True).start()


def _init(contexts: dict, parent: int | None = None) -> None:
    if parent is not None:
        _die_with_parent(parent)
    _CTX.update(contexts)


def _run(task):
    cpu0 = time.process_time()
    mode, kind, rows = task[0], task[1], np.asarray(task[2], dtype=np.int64)
    rg, site_snap, needed = _CTX[mode]
    snap = take_snap(site_snap, rows)
    if kind == "pass":
        first = nearest_destination(rg, snap, rows)
        cells_of = task[3]
        if cells_of.size:
            second = second_nearest_destination(rg, snap, first, rows, cells_of=cells_of).take(needed)
        else:
            second = NodeTimes(np.full(needed.size, np.inf), np.full(needed.size, NO_SITE, np.int32))
        out = (first.take(needed), second)
    else:
        pairs = destinations_within(rg, snap, task[3], nodes=needed, dest_index=rows)
        out = ReachPairs(np.searchsorted(needed, pairs.node), pairs.site, pairs.time_s)
    return out, time.process_time() - cpu0


class SearchRunner:
    """Runs reach and pass searches, inline or on ``workers`` processes.

    Use as a context manager; the pool (if any) lives for the whole block so
    that several rounds of searches (and several modes) pay for one start.

    Args:
        contexts: {mode: (RoutingGraph, site Snap, needed nodes)}: per mode,
            the routing graph, the snap of every site (rows of the sites
            table) and the sorted graph nodes at which results are kept
            (positions in this array number the nodes of the results).
        workers: processes; 1 (or less) runs in this process.
    """

    def __init__(self, contexts: dict, workers: int = 1):
        self.contexts = contexts
        self.workers = max(1, int(workers))
        self.pool: ProcessPoolExecutor | None = None
        self.mode = next(iter(contexts)) if len(contexts) == 1 else None
        self.cpu_s: dict[str, float] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> SearchRunner:
        if self.workers > 1:
            methods = mp.get_all_start_methods()
            ctx = mp.get_context("fork" if "fork" in methods else methods[0])
            self.pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init,
                                            initargs=(self.contexts, os.getpid()))
            # Start the processes now, from this thread (it outlives the pool): with ``fork`` the
            # executor starts them all at the first task, from the thread that submits it, and
            # PR_SET_PDEATHSIG fires when that thread (not the process) ends.
            self.pool.submit(int).result()
        else:
            _init(self.contexts)
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown()
        for mode in self.contexts:
            _CTX.pop(mode, None)

    def for_mode(self, mode: str) -> SearchRunner:
        """A view of this runner that sends its searches to ``mode``'s context (same pool)."""
        view = object.__new__(SearchRunner)
        view.__dict__.update(self.__dict__)
        view.mode = mode
        return view

    def _map(self, kind: str, tasks: list, label: str) -> list:
        tasks = [(self.mode, kind) + t for t in tasks]
        if self.pool is None:
            done = [_run(t) for t in tasks]
        else:
            done = list(self.pool.map(_run, tasks))
        with self._lock:
            for key in (self.mode, f"{self.mode}:{label}"):
                self.cpu_s[key] = self.cpu_s.get(key, 0.0) + sum(c for _, c in done)
        return [r for r, _ in done]

    def reach(self, radius_s: np.ndarray, label: str = "reach") -> ReachPairs:
        """Pairs (needed position, site row, seconds) within ``radius_s[site]`` (sites with radius >= 0).

        ``label`` names the step in :attr:`cpu_s` (CPU seconds per mode and per ``mode:label``).
        """
        rows = np.flatnonzero(radius_s >= 0)
        rows = rows[np.argsort(-radius_s[rows], kind="stable")]
        n_chunks = min(rows.size, 1 if self.pool is None else 4 * self.workers)
        chunks = [rows[i::n_chunks] for i in range(n_chunks)]  # round robin: balanced radii
        out = self._map("reach", [(c, radius_s[c]) for c in chunks if c.size], label)
        if not out:
            return ReachPairs(np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0))
        return ReachPairs(*(np.concatenate([getattr(r, f) for r in out]) for f in ("node", "site", "time_s")))

    def passes(self, needs: dict[tuple[int, ...], np.ndarray]) -> dict[tuple[int, ...], tuple[NodeTimes, NodeTimes]]:
        """Nearest and second-nearest searches per site set, at the needed nodes.

        ``needs`` maps a site set (tuple of site rows) to the graph nodes whose
        cells need the second nearest (empty: first search only).
        """
        keys = list(needs)
        out = self._map("pass", [(k, np.asarray(needs[k], dtype=np.int64)) for k in keys], "passes")
        return dict(zip(keys, out))
