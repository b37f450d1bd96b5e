"""Benchmark of the accessibility report: the demo département's report, PDF and HTML, against a 30 s budget.

Usage::

    .venv/bin/python scripts/bench_report.py                 # demo département, default themes, 3 modes
    .venv/bin/python scripts/bench_report.py --unit epci:200096001 --format html
    MAPAPP_DATA_DIR=var .venv/bin/python scripts/bench_report.py --no-setup   # an already computed instance

Without ``--no-setup`` it generates, loads and computes the demo département
in a temporary folder first (not timed). Then, in the same run:

- **baseline**: assembling the data only (:func:`mapapp.reports.build_report`
  reading the stored results and the catalog), best of ``--repeat``;
- the **report**: data, maps (matplotlib), HTML (Jinja) and PDF (WeasyPrint),
  each stage timed, the whole once, written to ``--out``;
- the **exports** of the same figures (XLSX, CSV, GeoPackage), for reference;
- peak memory: max RSS of this process (``resource``), and the peak of
  Python allocations during the report (``tracemalloc``, which slows the run
  a little, so it is measured in a separate pass unless ``--no-tracemalloc``).

It exits with status 1 when the report takes longer than ``--budget`` seconds
(30 by default, the target for the demo département).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def setup_demo(root: Path) -> dict:
    from click.testing import CliRunner

    from mapapp.cli import main

    env = {"MAPAPP_DATA_DIR": str(root / "var"), "MAPAPP_DEMO_DIR": str(root / "demo"), "MAPAPP_SECRET_KEY": "bench"}
    for args in (["demo", "load"], ["compute", "--workers", str(os.cpu_count() or 1)]):
        result = CliRunner().invoke(main, args, env=env)
        if result.exit_code != 0:
            raise SystemExit(result.output)
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--unit", default=None, help="grid:code (default: the whole département)")
    parser.add_argument("--theme", action="append", default=None, help="theme key, repeatable (default: report's)")
    parser.add_argument("--format", choices=["pdf", "html"], default="pdf")
    parser.add_argument("--out", type=Path, default=None, help="where to write the report (default: temporary)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of the baseline (best kept)")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds allowed for the report")
    parser.add_argument("--no-setup", action="store_true", help="use MAPAPP_DATA_DIR as it is (already computed)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the tracemalloc pass")
    args = parser.parse_args()

    from mapapp.catalog.db import make_engine, make_sessionmaker
    from mapapp.config import load_settings
    from mapapp.io.export_csv import csv_zip_bytes
    from mapapp.io.export_gpkg import default_crs, gpkg_bytes, report_layers
    from mapapp.io.export_xlsx import xlsx_bytes
    from mapapp.io.tables import report_tables
    from mapapp.reports import build_report
    from mapapp.reports.maps import report_maps
    from mapapp.reports.render import render_html, render_pdf
    from mapapp.results import ResultStore

    tmp = tempfile.TemporaryDirectory(prefix="bench-report-")
    if args.no_setup:
        settings = load_settings()
    else:
        t0 = time.perf_counter()
        env = setup_demo(Path(tmp.name))
        settings = load_settings(env)
        print(f"set-up (demo generate + load + compute, not timed): {time.perf_counter() - t0:.1f} s")
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    store = ResultStore(settings.data_dir / "results")
    kwargs = {"themes": args.theme}

    def assemble():
        with sessions() as s:
            return build_report(s, store, args.unit, **kwargs)

    assemble()  # warm the caches the web app would also have warm (imports, Parquet reads)
    baseline = min(_timed(assemble)[1] for _ in range(max(args.repeat, 1)))

    def whole():
        stages = {}
        data, stages["data"] = _timed(assemble)
        maps, stages["maps"] = _timed(lambda: report_maps(data))
        html, stages["html"] = _timed(lambda: render_html(data, maps))
        if args.format == "pdf":
            content, stages["pdf"] = _timed(lambda: render_pdf(data, maps))
        else:
            content = html.encode("utf-8")
        return data, maps, content, stages

    (data, maps, content, stages), total = _timed(whole)
    out = args.out or Path(tmp.name) / f"rapport.{args.format}"
    out.write_bytes(content)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"\nReport of {data.unit.name} ({data.unit.key}): {len(data.themes)} themes detailed × "
          f"{len(data.modes)} modes, {len(maps)} maps, {args.format.upper()} of {len(content) / 1e6:.1f} MB")
    print(f"  baseline, data assembly only (best of {args.repeat}): {baseline:6.2f} s")
    for stage, seconds in stages.items():
        print(f"  {stage:<6} {seconds:6.2f} s")
    print(f"  report, total:                          {total:6.2f} s  ({total / baseline:.0f}× the baseline)")
    with sessions() as s:
        tables, t_tables = _timed(lambda: report_tables(data))
        _, t_xlsx = _timed(lambda: xlsx_bytes(tables))
        _, t_csv = _timed(lambda: csv_zip_bytes(tables))
        layers, t_layers = _timed(lambda: report_layers(s, data))
        _, t_gpkg = _timed(lambda: gpkg_bytes(layers, default_crs(data.departement)))
    print(f"  exports: XLSX {t_tables + t_xlsx:.2f} s, CSV {t_tables + t_csv:.2f} s, "
          f"GeoPackage {t_layers + t_gpkg:.2f} s")
    print(f"  peak memory: max RSS of this process {rss_mb:.0f} MB")
    if not args.no_tracemalloc:
        tracemalloc.start()
        whole()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  peak Python allocations during one report (tracemalloc): {peak / 1e6:.0f} MB")
    print(f"  written to {out}" + ("" if args.out else " (temporary, removed on exit)"))
    engine.dispose()
    ok = total <= args.budget
    print(f"\n{'OK' if ok else 'TOO SLOW'}: {total:.1f} s for a budget of {args.budget:.0f} s")
    tmp.cleanup()
    return 0 if ok else 1


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
