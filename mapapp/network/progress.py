"""Progress reporting for long builds, without tying the builders to a display.

Builders call ``report(stage, done, total)`` now and then. What the caller
passes as ``progress`` decides what happens:

- ``None`` or ``False``: nothing (the default: tests and web requests stay quiet);
- ``True``: a :mod:`tqdm` bar per stage on stderr (the CLI's choice);
- a callable ``progress(stage: str, done: int, total: int | None)``: called as is
  (``total`` is ``None`` when unknown, e.g. ways while a file is being read).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

ProgressCallback = Callable[[str, int, "int | None"], None]
Progress = ProgressCallback | bool | None


class _TqdmReporter:
    """One tqdm bar per stage, closed when the next stage starts."""

    def __init__(self) -> None:
        self._stage: str | None = None
        self._bar = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        from tqdm import tqdm

        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = tqdm(total=total, desc=stage, unit="", file=sys.stderr, leave=True)
        bar = self._bar
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _quiet(stage: str, done: int, total: int | None) -> None:
    return None


def make_reporter(progress: Progress) -> ProgressCallback:
    """The ``report(stage, done, total)`` function for a ``progress`` argument."""
    if progress is None or progress is False:
        return _quiet
    if progress is True:
        return _TqdmReporter()
    if callable(progress):
        return progress
    raise TypeError(f"progress must be None, a bool or a callable, not {type(progress).__name__}")


def close_reporter(report: ProgressCallback) -> None:
    """Close the bar of a tqdm reporter (no-op for other reporters)."""
    if isinstance(report, _TqdmReporter):
        report.close()
