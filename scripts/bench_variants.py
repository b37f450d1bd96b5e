"""Benchmark of the variants (issue 11): a full recompute of the demo with publics and the schedule rule.

Usage::

    .venv/bin/python scripts/bench_variants.py              # demo, 3 modes, best of 2
    .venv/bin/python scripts/bench_variants.py --repeat 3 --workers 1

It loads the demo in a temporary folder (not timed), then, in the same run and
each with ``force`` (every theme recomputed, as after a change of method):

- **baseline**: the headline only (everyone, every site: the compute before variants);
- **4 publics**: everyone plus the three default publics (no schedule rule);
- **4 publics × 2**: the default settings (each public with and without the
  schedule rule: 8 variants);
- **N themes**: the 4 publics with 10 and 20 themes, to show how the cost grows.

It prints seconds (best of ``--repeat``), the ratio to the baseline, the themes
reused from everyone's results, and the peak RSS of the process. The issue's
target: 4 publics under 3× the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    from click.testing import CliRunner

    from mapapp.access.settings import AccessSettings, ScheduleRule, default_settings
    from mapapp.cli import main as cli
    from mapapp.compute import run_compute
    from mapapp.config import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(MAPAPP_DATA_DIR=f"{tmp}/var", MAPAPP_DEMO_DIR=f"{tmp}/demo", MAPAPP_SECRET_KEY="bench")
        result = CliRunner().invoke(cli, ["demo", "load"])
        if result.exit_code != 0:
            raise SystemExit(result.output)
        settings = load_settings()
        run_compute(settings, workers=args.workers, with_variants=False)  # graphs cached, not timed
        full = default_settings()
        publics = AccessSettings(publics=full.publics, schedule=ScheduleRule(0))
        cases = [("baseline : tous publics, tous les lieux", dict(with_variants=False)),
                 ("4 publics", dict(access=publics)),
                 ("4 publics × règle des horaires (8 variantes)", dict(access=full)),
                 ("4 publics, 10 thèmes", dict(access=AccessSettings(themes=full.themes[:10], publics=full.publics,
                                                                     schedule=ScheduleRule(0))))]
        base = None
        print(f"{'cas':48} {'s':>7} {'× base':>7}  reprises")
        for label, kwargs in cases:
            best = float("inf")
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                run_compute(settings, workers=args.workers, force=True, **kwargs)
                best = min(best, time.perf_counter() - t0)
            base = base or best
            reused = []
            root = settings.data_dir / "results" / "variants"
            for f in sorted(root.glob("*/car@*/manifest.json")):
                m = json.loads(f.read_text())
                reused.append(f"{f.parts[-3]} {len(m['reused_themes'])}/{len(m['themes'])}")
            print(f"{label:48} {best:7.2f} {best / base:7.2f}  {', '.join(reused) if 'access' in kwargs else '-'}")
            if root.exists():
                import shutil
                shutil.rmtree(root)
        print(f"pic mémoire (RSS) : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} Mo")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
