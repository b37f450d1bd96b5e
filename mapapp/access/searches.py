"""Running batches of searches, in this thread or on a pool of threads sharing the graphs.

The bucket kernel (:mod:`mapapp.access.bucket`) releases the GIL, so plain
Python threads run independent searches on both cores over **one** copy of
the routing graphs (no process, no pickling, nothing left behind by a
``kill -9``). scipy's kernel holds the GIL: with ``kernel="scipy"`` threads
bring nothing. Threads are not numba's ``parallel=True``: nothing here uses
numba's threading layer, so the web tier and gunicorn's forks are unaffected.

The worker count follows the graph size (:func:`search_workers`): below
:data:`THREADS_MIN_NODES` nodes a search lasts a few milliseconds and the
Python around it (pairs, tables), which holds the GIL, dominates, so a second
thread only adds contention. One pool can serve several modes at once, driven
from several threads (:meth:`SearchRunner.for_mode`).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from mapapp.access.dijkstra import (NO_SITE, NodeTimes, ReachPairs, destinations_within,
                                    nearest_destination, second_nearest_destination)
from mapapp.network.graph import Snap

#: Graphs smaller than this run their searches in the calling thread (see the module doc).
THREADS_MIN_NODES = 50_000


def search_workers(requested: int, n_nodes: int) -> int:
    """Threads worth using for searches on a graph of ``n_nodes`` (at most ``requested`` and the cores)."""
    if n_nodes < THREADS_MIN_NODES:
        return 1
    return max(1, min(int(requested), os.cpu_count() or 1))


def take_snap(snap: Snap, rows) -> Snap:
    """The rows ``rows`` of a Snap."""
    return Snap(snap.node_a[rows], snap.time_a_s[rows], snap.node_b[rows], snap.time_b_s[rows],
                snap.access_m[rows], snap.snapped[rows])


def _run(contexts: dict, task):
    cpu0 = time.thread_time()
    mode, kind, rows = task[0], task[1], np.asarray(task[2], dtype=np.int64)
    rg, site_snap, needed = contexts[mode]
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
    return out, time.thread_time() - cpu0


class SearchRunner:
    """Runs reach and pass searches, inline or on a pool of threads.

    Use as a context manager; the pool (if any) lives for the whole block so
    that several rounds of searches (and several modes) pay for one start.

    Args:
        contexts: {mode: (RoutingGraph, site Snap, needed nodes)}: per mode,
            the routing graph, the snap of every site (rows of the sites
            table) and the sorted graph nodes at which results are kept
            (positions in this array number the nodes of the results).
        workers: threads wanted; :func:`search_workers` lowers it on small
            graphs; 1 (or less) runs in the calling thread.
    """

    def __init__(self, contexts: dict, workers: int = 1):
        self.contexts = contexts
        n_nodes = max((c[0].n_nodes for c in contexts.values()), default=0)
        self.workers = search_workers(max(1, int(workers)), n_nodes)
        self.pool: ThreadPoolExecutor | None = None
        self.mode = next(iter(contexts)) if len(contexts) == 1 else None
        self.cpu_s: dict[str, float] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> SearchRunner:
        if self.workers > 1:
            self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="mapapp-search")
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def for_mode(self, mode: str) -> SearchRunner:
        """A view of this runner that sends its searches to ``mode``'s context (same pool)."""
        view = object.__new__(SearchRunner)
        view.__dict__.update(self.__dict__)
        view.mode = mode
        return view

    def _map(self, kind: str, tasks: list, label: str) -> list:
        tasks = [(self.mode, kind) + t for t in tasks]
        if self.pool is None:
            done = [_run(self.contexts, t) for t in tasks]
        else:
            done = list(self.pool.map(lambda t: _run(self.contexts, t), tasks))
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
