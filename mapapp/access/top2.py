"""The two best distinct sites per origin among several candidate lists (numba).

Kernel of :func:`mapapp.access.pairs.merge_top2`, called once per theme and
per origin kind: the numpy formulation (stack, two sorts, de-duplication)
cost more than the searches on small graphs (issue 15). Imported lazily, like
:mod:`mapapp.access.bucket`, so that the web tier never loads numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def merge_two(t, s):
    """Per row of (k, c) candidate times ``t`` and sites ``s`` (``-1``: none), the best two distinct sites.

    Best: smallest time, ties to the smallest site; second: the same among the
    other sites. Returns (t1, s1, t2, s2) with ``inf``/-1 when missing.
    """
    k, c = t.shape
    t1 = np.full(k, np.inf)
    s1 = np.full(k, -1, np.int32)
    t2 = np.full(k, np.inf)
    s2 = np.full(k, -1, np.int32)
    for i in range(k):
        bt, bs = np.inf, -1
        for j in range(c):
            sj, tj = s[i, j], t[i, j]
            if sj >= 0 and tj < np.inf and (tj < bt or (tj == bt and sj < bs)):
                bt, bs = tj, sj
        if bs < 0:
            continue
        t1[i], s1[i] = bt, bs
        ct, cs = np.inf, -1
        for j in range(c):
            sj, tj = s[i, j], t[i, j]
            if sj >= 0 and sj != bs and tj < np.inf and (tj < ct or (tj == ct and sj < cs)):
                ct, cs = tj, sj
        if cs >= 0:
            t2[i], s2[i] = ct, cs
    return t1, s1, t2, s2
