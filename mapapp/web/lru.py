"""A small thread-safe LRU of computed values, shared by a process's requests.

Used by the per-catalog-version memo (:mod:`mapapp.web.catalog_cache`) and the
per-results-version memo (:class:`mapapp.web.access_data.Results`): the key
carries the version, so a new version simply misses and old entries age out.
:func:`functools.lru_cache` does not fit: its key would be the function's
arguments (sessions, frames), not a version chosen by the caller.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class LruMemo:
    """``get(key, compute)``: ``compute()`` once per key while it stays among the ``size`` most recent."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, compute):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()  # outside the lock: two requests may compute the same value once each
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
