"""Server time of the main web pages, and the API under concurrent clients.

Uses whatever database the settings point to (``MAPAPP_DATABASE_URL`` or
``MAPAPP_DATA_DIR``; fill it with ``mapapp demo load``)::

    MAPAPP_DATA_DIR=var .venv/bin/python scripts/bench_web.py
    .venv/bin/python scripts/bench_web.py --requests 50 --clients 20 --api-requests 400

Accessibility (``/accessibilite`` with a few parameter sets, ``/api/accessibilite/...``
and ``/api/plus-proches``, which routes one origin) is measured when
``mapapp compute`` has stored results.

1. Pages: each URL is requested ``--requests`` times through Flask's test
   client (server time only: no network, no browser rendering), after two
   warm-up requests; p50, p95 and max are printed. Target: p95 < 300 ms.
2. API under load: the app is served on 127.0.0.1 (werkzeug, threaded, free
   port) and ``--clients`` threads share ``--api-requests`` requests over the
   API URLs (a bounded run that stops by itself); latency percentiles and
   throughput are printed.

Exit status: 0, or 1 with ``--strict`` when a page misses the target or a
request fails.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import secrets
import socket
import subprocess
import statistics
import sys
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from mapapp.catalog import vocab  # noqa: E402
from mapapp.catalog.models import Commune, GridUnit, Offer, Site  # noqa: E402
from mapapp.config import load_settings  # noqa: E402
from mapapp.web import create_app  # noqa: E402

TARGET_P95_MS = 300.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def pick_urls(app) -> tuple[list[str], list[str]]:
    """Representative page and API URLs for the loaded territory."""
    factory = app.extensions["mapapp.sessionmaker"]
    with factory() as s:
        if not s.scalar(select(func.count()).select_from(Commune)):
            raise SystemExit("La base ne contient aucun territoire : lancez d'abord « mapapp demo load ».")
        n_sites = s.scalar(select(func.count()).select_from(Site))
        n_offers = s.scalar(select(func.count()).select_from(Offer))
        n_communes = s.scalar(select(func.count()).select_from(Commune))
        print(f"Base : {n_communes} communes, {n_sites} lieux, {n_offers} offres")
        site = s.scalar(select(Site.id).order_by(Site.id))
        offer = s.scalar(select(Offer.id).join(Offer.sites).group_by(Offer.id).order_by(func.count().desc(), Offer.id))
        commune = s.scalar(select(Commune.code).order_by(Commune.population.desc()))
        unit = s.scalar(select(GridUnit).order_by(GridUnit.grid.desc(), GridUnit.code))
        categories = Counter(vocab.category_of(t) for (ts,) in s.execute(select(Offer.thematiques)) for t in ts or [])
    top = categories.most_common(1)[0][0] if categories else "mobilite"
    pages = ["/", "/carte", f"/carte?thematique={top}", "/carte?statut=tous"]
    if unit is not None:
        pages.append(f"/carte?territoire={unit.grid}:{unit.code}")
    if commune:
        pages += [f"/carte?commune={commune}", f"/commune/{commune}"]
    if site:
        pages.append(f"/site/{site}")
    if offer:
        pages.append(f"/offre/{offer}")
    api = ["/api/sites", f"/api/sites?thematique={top}", "/api/offers", "/api/mobility", "/api/communes?geometry=0",
           "/api/communes?tolerance=0.001", "/api/thematiques"]
    if commune:
        api.append(f"/api/communes/{commune}")
    access_pages, access_api = access_urls(app, commune)
    return pages + access_pages, api + access_api


def access_urls(app, commune: str | None) -> tuple[list[str], list[str]]:
    """Accessibility pages (a few parameter sets) and API, when ``mapapp compute`` has stored results."""
    from mapapp.results import ResultStore

    store = ResultStore(app.config["MAPAPP_SETTINGS"].data_dir / "results")
    modes = store.modes()
    if not modes:
        print("Pas de résultats d'accessibilité (lancez « mapapp compute ») : /accessibilite mesurée sans données")
        return ["/accessibilite"], []
    themes = [t["key"] for t in store.manifest(modes[0]).themes]
    theme = "france_services" if "france_services" in themes else themes[0]
    other = themes[0] if themes[0] != theme else themes[-1]
    pages = ["/accessibilite", f"/accessibilite?theme={other}&mode=marche&grid=canton&vue=superposition",
             f"/accessibilite?theme={theme}&mode=voiture&seuil=30&grid=epci&comparer=velo&vue=voiture"]
    api = [f"/api/accessibilite/communes?theme={theme}", f"/api/accessibilite/territoires?theme={theme}"]
    if commune:
        api += [f"/api/plus-proches?commune={commune}&theme={theme}&n=5",
                f"/api/plus-proches?commune={commune}&theme={other}&mode=marche&n=10"]
    return pages, api


def bench_pages(app, urls: list[str], repeats: int) -> bool:
    client = app.test_client()
    ok = True
    print(f"\nTemps serveur (client de test Flask, {repeats} requêtes par page, cible p95 < {TARGET_P95_MS:.0f} ms)")
    print("(temps écoulé ; « CPU » = temps processeur du processus, insensible aux autres charges de la machine)")
    print(f"{'URL':58s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'CPU p50':>8s} {'Ko':>7s}")
    for url in urls:
        for _ in range(2):
            client.get(url)
        times, cpu, size, status = [], [], 0, 200
        for _ in range(repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            size, status = len(response.data), response.status_code
        p95 = percentile(times, 95)
        flag = "" if p95 < TARGET_P95_MS and status == 200 else "  <-- " + (f"HTTP {status}" if status != 200 else "lent")
        ok &= not flag
        print(f"{url[:58]:58s} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f} "
              f"{statistics.median(cpu):8.1f} {size / 1024:7.0f}{flag}")
    return ok


def bench_api_concurrent(app, urls: list[str], clients: int, total: int, timeout_s: float) -> bool:
    """The API under load, on werkzeug's threaded server in this process, then on gunicorn."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        ok = load_test(f"http://127.0.0.1:{server.server_port}", urls, clients, total, timeout_s,
                       "serveur de développement werkzeug multi-thread")
    finally:
        server.shutdown()
        thread.join(timeout=5)
    workers = os.cpu_count() or 2
    with gunicorn_server(workers) as base:
        ok &= load_test(base, urls, clients, total, timeout_s, f"gunicorn, {workers} processus (production)")
    return ok


@contextlib.contextmanager
def gunicorn_server(workers: int):
    """`gunicorn -w N 'mapapp.web:create_app()'` on a free loopback port, stopped afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MAPAPP_SECRET_KEY": os.environ.get("MAPAPP_SECRET_KEY") or secrets.token_hex(32),
           "MAPAPP_BASE_URL": os.environ.get("MAPAPP_BASE_URL") or f"http://127.0.0.1:{port}"}
    proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-w", str(workers), "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning", "mapapp.web:create_app()"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):  # up to 20 s to start
            try:
                urllib.request.urlopen(base + "/api/thematiques", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def load_test(base: str, urls: list[str], clients: int, total: int, timeout_s: float, label: str) -> bool:
    latencies: list[float] = []
    failures: Counter = Counter()
    lock = threading.Lock()

    def fetch(i: int) -> None:
        url = base + urls[i % len(urls)]
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=timeout_s) as response:
                response.read()
                status = response.status
        except Exception as exc:  # counted, reported, never retried
            with lock:
                failures[type(exc).__name__] += 1
            return
        with lock:
            if status == 200:
                latencies.append((time.perf_counter() - start) * 1000)
            else:
                failures[f"HTTP {status}"] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(fetch, range(total)))
    elapsed = time.perf_counter() - started
    print(f"\nAPI sous charge : {clients} clients simultanés, {total} requêtes sur {len(urls)} URL "
          f"({label}, 127.0.0.1)")
    if latencies:
        print(f"  réussies {len(latencies)}, échecs {sum(failures.values())} {dict(failures) or ''}")
        print(f"  latence p50 {statistics.median(latencies):.0f} ms, p95 {percentile(latencies, 95):.0f} ms, "
              f"max {max(latencies):.0f} ms ; débit {len(latencies) / elapsed:.1f} requêtes/s en {elapsed:.1f} s")
    else:
        print(f"  aucune requête réussie : {dict(failures)}")
    return not failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent API clients (default 20)")
    parser.add_argument("--api-requests", type=int, default=300, help="total API requests under load (default 300)")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds (default 30)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed or a request fails")
    args = parser.parse_args(argv)

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per request
    logging.getLogger("mapapp.web").setLevel(logging.ERROR)
    settings = load_settings()
    print(f"Base de données : {settings.database_url}")
    app = create_app(settings, dev_key=True)  # a benchmark needs no stable session key
    pages, api = pick_urls(app)
    ok = bench_pages(app, pages + api, args.requests)
    ok &= bench_api_concurrent(app, api, args.clients, args.api_requests, args.timeout)
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
