"""Load test of the web tier: concurrent clients over public pages and API GETs, on 127.0.0.1 only.

Serves the database the settings point to (``MAPAPP_DATA_DIR`` or
``MAPAPP_DATABASE_URL``; fill it with ``mapapp demo load`` then ``mapapp
compute`` for the computed demo) with ``mapapp serve --workers N`` (gunicorn,
as in production; ``--workers 0`` is the threaded werkzeug development
server), or hits an already running server given by ``--url`` (loopback
addresses only: this script never loads a machine other than this one)::

    MAPAPP_DATA_DIR=var .venv/bin/python scripts/load_test.py --clients 50 --duration 60
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:5000 --requests 2000

``--clients`` threads (``http.client``, one kept-alive connection each) cycle
over a fixed mix of URLs, each client starting at a different place in the mix:

- ``--mix pages`` (default): ``/``, ``/carte``, ``/accessibilite``,
  ``/commune/<code>``, ``/api/sites``, ``/api/openapi.json``,
  ``/api/plus-proches?commune=<code>&theme=<theme>``;
- ``--mix trouver`` (« Trouver une offre », issue 13): ``/trouver`` with a
  commune, a theme and each mode (voiture, à pied, « sans voiture »), with an
  address of the BAN file (the first suggestion of ``/api/adresses`` for
  ``--adresse``), with a public, and the address autocompletion
  ``/api/adresses?q=…`` as typed letter by letter. Target: p95 ≤ 150 ms under
  20 clients (``--clients 20``).

The run stops by itself after ``--duration`` seconds or ``--requests``
requests in all, whichever comes first.

Printed: per URL the count, p50 and p95 latency (ms), errors (transport
errors and non-200 statuses, never retried); the total requests/s; and, when
this script started the server, each server process's peak resident memory
(``VmHWM`` of ``/proc/<pid>/status``: the gunicorn master and each worker) and
the server's CPU time per successful request (``/proc/<pid>/stat``), with the
machine's load average: latencies include the wait for a core, which on a shared
machine says more about the neighbours than about the code.
The targets of the pages mix (issue 15 §2) are p95 ≤ 300 ms, ≥ 150 requests/s and
≤ 250 MB per worker; of the trouver mix (issue 13) p95 ≤ 150 ms and the same
memory; ``--strict`` exits 1 when one is missed or a request failed.

The load generator runs on the same cores as the server: figures from
different machines or under different loads are not comparable.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

TARGET_P95_MS = 300.0
TARGET_RPS = 150.0
TARGET_WORKER_MB = 250.0
#: Per mix: (p95 target in ms, requests/s target; 0 for none).
TARGETS = {"pages": (TARGET_P95_MS, TARGET_RPS), "trouver": (150.0, 0.0)}


def mix(commune: str, theme: str) -> list[str]:
    """The fixed URL mix: public pages and API GETs."""
    return ["/", "/carte", "/accessibilite", f"/commune/{commune}", "/api/sites", "/api/openapi.json",
            f"/api/plus-proches?commune={commune}&theme={theme}"]


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def trouver_mix(commune: str, theme: str, address: str | None, public: str) -> list[str]:
    """« Trouver une offre »: commune × modes, an address, a public, and the autocompletion as typed."""
    base = f"/trouver?commune={_q(commune)}&theme={_q(theme)}"
    urls = [f"{base}&mode=voiture", f"{base}&mode=marche", f"{base}&mode=sans-voiture",
            f"{base}&mode=sans-voiture&public={_q(public)}"]
    if address:
        urls.append(f"/trouver?adresse={_q(address)}&theme={_q(theme)}&mode=sans-voiture")
        typed = address.split(",")[0]
        urls += [f"/api/adresses?q={_q(typed[:n])}" for n in (4, 8, len(typed))]
    return urls


def first_address(host: str, port: int, text: str, timeout_s: float) -> str | None:
    """The label of the first BAN suggestion for ``text`` (None when the territory has no addresses)."""
    import json

    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.request("GET", f"/api/adresses?q={_q(text)}&n=1")
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        return None
    results = json.loads(body).get("results") or []
    return results[0]["label"] if results else None


def loopback_base(url: str) -> tuple[str, int]:
    """``(host, port)`` of an ``http://`` URL on a loopback address; SystemExit otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"--url invalide : « {url} » (attendu http://127.0.0.1:PORT)")
    host = parts.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"--url refusée : « {host} » n'est pas une adresse locale (127.0.0.1, ::1, localhost)")
    return host, parts.port or 80


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int, port: int) -> subprocess.Popen:
    """``mapapp serve --workers N`` on 127.0.0.1:port, with a throwaway key when none is set."""
    env = {**os.environ, "MAPAPP_SECRET_KEY": os.environ.get("MAPAPP_SECRET_KEY") or secrets.token_hex(32),
           "MAPAPP_BASE_URL": os.environ.get("MAPAPP_BASE_URL") or f"http://127.0.0.1:{port}"}
    mapapp = Path(sys.executable).with_name("mapapp")
    return subprocess.Popen([str(mapapp), "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(host: str, port: int, proc: subprocess.Popen | None, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"le serveur s'est arrêté au démarrage (code {proc.returncode})")
        try:
            conn = http.client.HTTPConnection(host, port, timeout=5)
            conn.request("GET", "/api/thematiques")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"le serveur ne répond pas sur {host}:{port} après {timeout_s:.0f} s")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux ``/proc``)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


def peak_rss_mb(pid: int) -> float | None:
    """``VmHWM`` (peak resident set size) of a process, in MB; None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (``/proc/<pid>/stat``; gone processes count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / tick


# --------------------------------------------------------------------------- load


def run_load(host: str, port: int, urls: list[str], clients: int, duration_s: float, max_requests: int,
             timeout_s: float) -> tuple[dict[str, list[float]], dict[str, dict[str, int]], float, int]:
    """Latencies (ms) of successful requests and error counts, per URL; elapsed seconds; requests sent."""
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()
    sent = [0]
    deadline = time.monotonic() + duration_s

    def take() -> bool:
        with lock:
            if sent[0] >= max_requests or time.monotonic() >= deadline:
                return False
            sent[0] += 1
            return True

    def client(k: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
        i = k
        while take():
            url = urls[i % len(urls)]
            i += 1
            start = time.perf_counter()
            try:
                conn.request("GET", url)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:  # counted, never retried
                conn.close()
                with lock:
                    errors[url][type(exc).__name__] += 1
                continue
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                if status == 200:
                    latencies[url].append(elapsed)
                else:
                    errors[url][f"HTTP {status}"] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration_s + timeout_s + 5)
    return latencies, errors, time.perf_counter() - started, sent[0]


def report(urls, latencies, errors, elapsed: float, rss: dict[int, float] | None, label: str,
           targets: tuple[float, float] = (TARGET_P95_MS, TARGET_RPS)) -> bool:
    print(f"\n{label}")
    print(f"{'URL':58s} {'n':>6s} {'p50 ms':>8s} {'p95 ms':>8s} {'erreurs':>8s}")
    all_lat: list[float] = []
    n_errors = 0
    for url in urls:
        lat = latencies.get(url, [])
        err = sum(errors.get(url, {}).values())
        n_errors += err
        all_lat += lat
        p50 = f"{statistics.median(lat):8.0f}" if lat else f"{'—':>8s}"
        p95 = f"{percentile(lat, 95):8.0f}" if lat else f"{'—':>8s}"
        detail = f"  {dict(errors[url])}" if err else ""
        print(f"{url[:58]:58s} {len(lat):6d} {p50} {p95} {err:8d}{detail}")
    rps = len(all_lat) / elapsed if elapsed else 0.0
    total_p95 = percentile(all_lat, 95) if all_lat else float("inf")
    p50_all = f"{statistics.median(all_lat):.0f}" if all_lat else "—"
    print(f"{'Toutes':58s} {len(all_lat):6d} {p50_all:>8s} {total_p95:8.0f} {n_errors:8d}")
    target_p95, target_rps = targets
    rps_target = f" (cible ≥ {target_rps:.0f})" if target_rps else ""
    print(f"Débit : {rps:.1f} requêtes/s réussies en {elapsed:.1f} s{rps_target} ; "
          f"p95 global {total_p95:.0f} ms (cible ≤ {target_p95:.0f})")
    ok = n_errors == 0 and total_p95 <= target_p95 and rps >= target_rps
    if rss:
        master, *workers = rss.items()
        print("Mémoire résidente maximale (VmHWM) : " + ", ".join(
            [f"processus principal {master[1]:.0f} Mo"] + [f"worker {pid} {mb:.0f} Mo" for pid, mb in workers]))
        worst = max((mb for _, mb in workers), default=master[1])
        print(f"  pire processus servant les requêtes : {worst:.0f} Mo (cible ≤ {TARGET_WORKER_MB:.0f})")
        ok &= worst <= TARGET_WORKER_MB
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (http://127.0.0.1:PORT; loopback only); default: start one")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn workers of the started server (0: werkzeug threaded; default: cores)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load at most (default 30)")
    parser.add_argument("--requests", type=int, default=100_000, help="requests in all at most (default 100000)")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds (default 30)")
    parser.add_argument("--commune", default="96001", help="commune of /commune and /api/plus-proches (default 96001)")
    parser.add_argument("--theme", default="france_services", help="theme of /api/plus-proches")
    parser.add_argument("--mix", choices=sorted(TARGETS), default="pages",
                        help="pages (default) or trouver (« Trouver une offre » and the address autocompletion)")
    parser.add_argument("--commune-nom", default="Arlenc", help="commune typed in /trouver (default Arlenc)")
    parser.add_argument("--adresse", default="rue de la Fontaine",
                        help="text whose first BAN suggestion /trouver uses as the address (default « rue de la Fontaine »)")
    parser.add_argument("--trouver-theme", default="trouver_un_emploi", help="theme of /trouver (default trouver_un_emploi)")
    parser.add_argument("--public", default="beneficiaires-des-minimas-sociaux", help="public of one /trouver URL")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds of the mix before the load (default 2)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed or a request fails")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.requests < 1:
        raise SystemExit("--clients, --duration et --requests doivent être positifs")

    proc = None
    if args.url:
        host, port = loopback_base(args.url)
        label = f"Serveur existant {args.url}"
    else:
        host, port = "127.0.0.1", free_port()
        proc = start_server(args.workers, port)
        label = (f"mapapp serve --workers {args.workers} (gunicorn)" if args.workers
                 else "mapapp serve (werkzeug multi-thread)") + f" sur 127.0.0.1:{port}"
    try:
        wait_ready(host, port, proc)
        if args.mix == "trouver":
            urls = trouver_mix(args.commune_nom, args.trouver_theme,
                               first_address(host, port, args.adresse, args.timeout), args.public)
        else:
            urls = mix(args.commune, args.theme)
        for _ in range(args.warmup):  # every worker imports, loads the graph... before timing
            run_load(host, port, urls, max(1, args.workers or 1), 60, len(urls) * max(1, args.workers or 1),
                     args.timeout)
        pids = process_tree(proc.pid) if proc is not None else []
        cpu_before, load_before = cpu_seconds(pids), os.getloadavg()[0]
        latencies, errors, elapsed, sent = run_load(host, port, urls, args.clients, args.duration, args.requests,
                                                    args.timeout)
        cpu_used, load_after = cpu_seconds(pids) - cpu_before, os.getloadavg()[0]
        rss = None
        if proc is not None:
            rss = {pid: mb for pid in process_tree(proc.pid) if (mb := peak_rss_mb(pid)) is not None}
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    ok = report(urls, latencies, errors, elapsed, rss,
                f"{label}, mélange « {args.mix} » : {args.clients} clients, {sent} requêtes envoyées "
                f"(au plus {args.duration:.0f} s, {args.requests} requêtes)", TARGETS[args.mix])
    n_ok = sum(len(v) for v in latencies.values())
    if pids and n_ok:
        # The latencies include the wait for a core: on a shared machine, the server's own CPU per request
        # says what the code costs, and the load average how many others wanted the cores meanwhile.
        print(f"CPU du serveur : {cpu_used * 1000 / n_ok:.1f} ms par requête réussie "
              f"({cpu_used:.1f} s en tout sur {os.cpu_count()} cœurs)")
    print(f"Charge de la machine (load average 1 min) : {load_before:.1f} au début, {load_after:.1f} à la fin")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
