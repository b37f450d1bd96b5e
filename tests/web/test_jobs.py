"""Expensive outputs as jobs: one generation per output however many ask, cached, heavy ones not for anonymous."""

from __future__ import annotations

import threading
import time

import pytest

from mapapp.web import create_app
from mapapp.web.jobs import JobRunner


def _slow(calls: list, release: threading.Event, data: bytes = b"%PDF-ok"):
    def work(progress):
        calls.append(threading.get_ident())
        progress("Cartes")
        assert release.wait(10)
        return data
    return work


def test_concurrent_identical_requests_start_one_generation_and_join_it(tmp_path):
    runner = JobRunner(tmp_path)
    calls, release = [], threading.Event()
    outcomes = []
    barrier = threading.Barrier(8)

    def ask(i):
        barrier.wait()
        outcomes.append(runner.submit("k" * 32, f"ip:10.0.0.{i}", _slow(calls, release)))
    threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["running"] * 8 and runner.started == 1
    deadline = time.time() + 10
    while runner.status("k" * 32).progress[-1] != "Cartes" and time.time() < deadline:
        time.sleep(0.01)  # the job's thread reports its progress in the status file
    assert runner.status("k" * 32).state == "running" and runner.status("k" * 32).progress[-1] == "Cartes"
    release.set()
    runner.wait("k" * 32, 10)
    assert runner.output_path("k" * 32).read_bytes() == b"%PDF-ok" and len(calls) == 1
    # Now cached: served without generating again.
    assert runner.submit("k" * 32, "ip:10.0.0.9", _slow(calls, release)) == "done" and len(calls) == 1


def test_one_job_at_a_time_per_requester_and_a_bounded_number_in_all(tmp_path):
    runner = JobRunner(tmp_path, max_running=2)
    calls, release = [], threading.Event()
    assert runner.submit("a" * 32, "ip:1", _slow(calls, release)) == "running"
    assert runner.submit("b" * 32, "ip:1", _slow(calls, release)) == "busy"
    assert runner.submit("c" * 32, "ip:2", _slow(calls, release)) == "running"
    assert runner.submit("d" * 32, "ip:3", _slow(calls, release)) == "full"
    release.set()
    for key in ("a" * 32, "c" * 32):
        runner.wait(key, 10)
    assert runner.submit("b" * 32, "ip:1", _slow(calls, release)) in {"running", "done"}
    runner.wait("b" * 32, 10)
    assert len(calls) == 3


def test_another_process_running_the_job_is_joined_not_duplicated(tmp_path):
    runner = JobRunner(tmp_path)
    (tmp_path / ("e" * 32 + ".lock")).touch()  # held by another worker process
    calls = []
    assert runner.submit("e" * 32, "ip:1", lambda p: calls.append(1) or b"x") == "running"
    time.sleep(0.1)
    assert calls == [] and runner.started == 0


from tests.reports.fixtures import demo_settings  # noqa: E402,F401  (fixture)


@pytest.fixture
def app(demo_settings, tmp_path, monkeypatch):
    app = create_app(demo_settings, MAPAPP_JOB_WAIT=0)
    app.extensions["mapapp.jobs"] = JobRunner(tmp_path / "outputs")
    return app


def test_anonymous_heavy_report_is_refused_in_french(app):
    client = app.test_client()
    for url in ("/rapport?format=pdf&theme=all", "/export/xlsx?theme=all"):
        r = client.get(url)
        assert r.status_code == 403 and "réservés aux utilisateurs connectés" in r.get_data(as_text=True), url
    assert app.extensions["mapapp.jobs"].started == 0


def test_the_page_waits_then_serves_the_cached_file_without_regenerating(app, monkeypatch):
    import mapapp.web.exports as exports

    from tests.catalog.contrib import count_calls

    calls = count_calls(monkeypatch, exports, "render_report")
    client = app.test_client()
    url = "/rapport?unit=commune:96002&format=html&theme=france_services&mode=car"
    first = client.get(url)
    assert first.status_code == 202 and "Génération en cours" in first.get_data(as_text=True)
    assert first.headers["Refresh"]
    # The same request meanwhile, from another address, joins the job.
    again = client.get(url, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert again.status_code in {200, 202}
    runner = app.extensions["mapapp.jobs"]
    deadline = time.time() + 120
    while (r := client.get(url)).status_code == 202 and time.time() < deadline:
        time.sleep(0.2)
    assert r.status_code == 200 and "France Services" in r.get_data(as_text=True)
    assert client.get(url).status_code == 200
    assert len(calls) == 1 and runner.started == 1


def test_a_second_report_while_the_first_runs_is_429(app, monkeypatch):
    import mapapp.web.exports as exports

    release = threading.Event()
    real = exports.render_report

    def held(*args, **kwargs):
        assert release.wait(60)
        return real(*args, **kwargs)
    monkeypatch.setattr(exports, "render_report", held)
    client = app.test_client()
    assert client.get("/rapport?unit=commune:96002&format=html&theme=france_services&mode=car").status_code == 202
    r = client.get("/rapport?unit=commune:96001&format=html&theme=france_services&mode=car")
    assert r.status_code == 429 and "déjà en cours de génération" in r.get_data(as_text=True)
    release.set()
