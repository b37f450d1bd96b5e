"""fetch() and fetch_departement() against a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import osmium
import pytest
import shapely

from mapapp.territory.fetch import (
    DEFAULT_SOURCES,
    ChecksumError,
    FetchError,
    OfflineError,
    Source,
    bundle_from_fetched,
    fetch,
    fetch_departement,
    source_url,
)
from mapapp.territory.validation import ImportReport

PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes


class RecordedServer:
    """Serves ``files`` with Range support, and misbehaves on demand."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.etags: dict[str, str] = {}
        self.fail: dict[str, int] = {}  # path -> how many HTTP 500 to answer first
        self.cut: dict[str, list[int]] = {}  # path -> bytes to send before hanging up, per request
        self.ignore_range = False
        self.requests: list[tuple[str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404, "Not Found")
                    return
                if server.fail.get(self.path, 0) > 0:
                    server.fail[self.path] -= 1
                    self.send_error(500, "Internal Server Error")
                    return
                etag = server.etags.get(self.path, '"v1"')
                start, status = 0, 200
                wanted = self.headers.get("Range")
                if_range = self.headers.get("If-Range")
                if wanted and not server.ignore_range and (if_range is None or if_range == etag):
                    start = int(wanted.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    status = 206
                body = data[start:]
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                cuts = server.cut.get(self.path)
                if cuts:
                    self.wfile.write(body[: cuts.pop(0)])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def paths(self) -> list[str]:
        return [p for p, _h in self.requests]


@pytest.fixture
def server(monkeypatch):
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    srv = RecordedServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


FAST = {"retries": 3, "backoff_s": 0.0, "timeout": 5.0}


def test_download_then_cache(server, tmp_path):
    server.files["/data.bin"] = PAYLOAD
    dest = tmp_path / "sub" / "data.bin"
    seen = []
    assert fetch(server.base + "/data.bin", dest, progress=lambda done, total: seen.append((done, total)), **FAST) == dest
    assert dest.read_bytes() == PAYLOAD
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD)) and [d for d, _t in seen] == sorted(d for d, _t in seen)
    meta = json.loads((tmp_path / "sub" / "data.bin.fetch.json").read_text())
    assert meta["url"] == server.base + "/data.bin" and meta["sha256"] == hashlib.sha256(PAYLOAD).hexdigest()
    assert not (tmp_path / "sub" / "data.bin.part").exists()

    fetch(server.base + "/data.bin", dest, **FAST)
    assert server.paths() == ["/data.bin"]  # served from the cache
    fetch(server.base + "/data.bin", dest, refresh=True, **FAST)
    assert len(server.requests) == 2
    server.files["/other.bin"] = b"x"
    fetch(server.base + "/other.bin", dest, **FAST)  # another URL for the same file: downloaded again
    assert dest.read_bytes() == b"x"


def test_cut_connection_is_resumed_with_range(server, tmp_path):
    server.files["/big.bin"] = PAYLOAD
    server.cut["/big.bin"] = [30_000, 10_000]
    dest = tmp_path / "big.bin"
    fetch(server.base + "/big.bin", dest, sha256=hashlib.sha256(PAYLOAD).hexdigest(), **FAST)
    assert dest.read_bytes() == PAYLOAD
    ranges = [h.get("Range") for _p, h in server.requests]
    assert ranges == [None, "bytes=30000-", "bytes=40000-"]
    assert all(h.get("If-Range") == '"v1"' for _p, h in server.requests[1:])


def test_partial_file_from_an_earlier_run_is_resumed(server, tmp_path):
    server.files["/big.bin"] = PAYLOAD
    dest = tmp_path / "big.bin"
    (tmp_path / "big.bin.part").write_bytes(PAYLOAD[:50_000])
    fetch(server.base + "/big.bin", dest, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert server.requests[0][1]["Range"] == "bytes=50000-"
    assert "If-Range" not in server.requests[0][1]  # no validator known for that old part


def test_part_already_complete(server, tmp_path):
    server.files["/big.bin"] = PAYLOAD
    (tmp_path / "big.bin.part").write_bytes(PAYLOAD)
    fetch(server.base + "/big.bin", tmp_path / "big.bin", **FAST)  # HTTP 416 with the full size: done
    assert (tmp_path / "big.bin").read_bytes() == PAYLOAD


def test_server_ignoring_range_or_file_changed(server, tmp_path):
    server.files["/big.bin"] = PAYLOAD
    server.ignore_range = True
    (tmp_path / "a.bin.part").write_bytes(b"garbage" * 100)
    fetch(server.base + "/big.bin", tmp_path / "a.bin", **FAST)
    assert (tmp_path / "a.bin").read_bytes() == PAYLOAD

    # cut, then the file changes on the server: If-Range makes it restart from scratch
    server.ignore_range = False
    server.cut["/big.bin"] = [20_000]
    new = PAYLOAD[::-1]

    def change_after_first_request(done, total):
        if done >= 20_000 and server.files["/big.bin"] is PAYLOAD:
            server.files["/big.bin"] = new
            server.etags["/big.bin"] = '"v2"'

    fetch(server.base + "/big.bin", tmp_path / "b.bin", progress=change_after_first_request, **FAST)
    assert (tmp_path / "b.bin").read_bytes() == new
    assert [(h.get("Range"), h.get("If-Range")) for _p, h in server.requests[-2:]] == [(None, None), ("bytes=20000-", '"v1"')]


def test_retry_on_500_then_success(server, tmp_path):
    server.files["/flaky.json"] = b'{"ok": true}'
    server.fail["/flaky.json"] = 2
    fetch(server.base + "/flaky.json", tmp_path / "flaky.json", **FAST)
    assert (tmp_path / "flaky.json").read_bytes() == b'{"ok": true}'
    assert len(server.requests) == 3


def test_retries_exhausted_and_404(server, tmp_path):
    server.files["/down"] = b"x"
    server.fail["/down"] = 100
    with pytest.raises(FetchError, match=r"échec après 3 essais \(HTTP 500") as exc:
        fetch(server.base + "/down", tmp_path / "down", retries=2, backoff_s=0.0)
    assert not isinstance(exc.value, OfflineError)
    assert len(server.requests) == 3

    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(server.base + "/missing", tmp_path / "missing", **FAST)
    assert len(server.requests) == 4  # no retry on 404


def test_checksum(server, tmp_path):
    server.files["/f"] = PAYLOAD
    good = hashlib.sha256(PAYLOAD).hexdigest()
    with pytest.raises(ChecksumError, match="SHA-256"):
        fetch(server.base + "/f", tmp_path / "f", sha256="0" * 64, **FAST)
    assert not (tmp_path / "f").exists() and not (tmp_path / "f.part").exists()

    # a cached file that no longer matches the expected checksum is downloaded again
    (tmp_path / "f").write_bytes(b"stale")
    fetch(server.base + "/f", tmp_path / "f", sha256=good.upper(), **FAST)
    assert (tmp_path / "f").read_bytes() == PAYLOAD
    n = len(server.requests)
    fetch(server.base + "/f", tmp_path / "f", sha256=good, **FAST)
    assert len(server.requests) == n


def test_resumed_file_with_wrong_checksum_is_restarted_once(server, tmp_path):
    server.files["/f"] = PAYLOAD
    (tmp_path / "f.part").write_bytes(b"\xff" * 1000)  # stale bytes from another version
    fetch(server.base + "/f", tmp_path / "f", sha256=hashlib.sha256(PAYLOAD).hexdigest(), **FAST)
    assert (tmp_path / "f").read_bytes() == PAYLOAD
    assert [h.get("Range") for _p, h in server.requests] == ["bytes=1000-", None]


def test_file_dropped_by_hand_is_trusted(server, tmp_path):
    (tmp_path / "manual.pbf").write_bytes(b"put here by the user")
    fetch(server.base + "/anything", tmp_path / "manual.pbf", **FAST)
    assert server.requests == []


def test_offline_is_a_clear_error(tmp_path, monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(OfflineError) as exc:
        fetch(f"http://127.0.0.1:{port}/communes.geojson", tmp_path / "c.geojson", retries=1, backoff_s=0.0, timeout=2.0)
    message = str(exc.value)
    assert "Impossible de joindre 127.0.0.1" in message and "connexion refusée" in message
    assert str(tmp_path / "c.geojson") in message  # says where to put the file by hand
    assert not (tmp_path / "c.geojson").exists()


def test_unresolvable_host_fails_at_once_without_retries(tmp_path, monkeypatch):
    calls = []

    def no_dns(*args, **kwargs):
        calls.append(args[0])
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(OfflineError) as exc:
        fetch("http://tiles.example/communes.geojson", tmp_path / "c.geojson", retries=4, backoff_s=60.0)
    assert calls == ["tiles.example"]  # one attempt: no back-off wait on a name that does not resolve
    assert "nom de serveur introuvable" in str(exc.value) and str(tmp_path / "c.geojson") in str(exc.value)


def test_fetch_departement_stops_at_the_first_offline_source(tmp_path):
    tried = []

    def offline(url, dest, **_kw):
        tried.append(url)
        raise OfflineError("hors ligne", url, dest)

    with pytest.raises(OfflineError):
        fetch_departement("2A", tmp_path, fetcher=offline)
    assert len(tried) == 1


def test_source_urls_follow_the_documented_patterns():
    urls = {s.key: source_url(s, "2a") for s in DEFAULT_SOURCES}
    assert urls["osm"] == "https://download.openstreetmap.fr/extracts/europe/france/corse/corse_du_sud.osm.pbf"
    assert urls["communes"].startswith("https://geo.api.gouv.fr/departements/2A/communes?")
    assert source_url(DEFAULT_SOURCES[2], "974") == "https://download.openstreetmap.fr/extracts/africa/reunion.osm.pbf"
    with pytest.raises(KeyError, match="département inconnu"):
        source_url(DEFAULT_SOURCES[0], "20")


def _geo_api_communes(communes) -> bytes:
    epci = {"77001": "200000001", "77002": "200000001", "77003": "200000002", "77004": "200000002"}
    features = [
        {"type": "Feature",
         "properties": {"code": code, "nom": nom, "population": int(pop), "codeDepartement": code[:2],
                        **({"codeEpci": epci[code]} if code in epci else {})},
         "geometry": shapely.geometry.mapping(geom)}
        for code, nom, pop, geom in zip(communes["code"], communes["nom"], communes["population"], communes.geometry)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _tiny_pbf(path, bounds) -> bytes:
    writer = osmium.SimpleWriter(str(path))
    writer.add_node(osmium.osm.mutable.Node(id=1, location=(bounds[0], bounds[1]), version=1))
    writer.add_node(osmium.osm.mutable.Node(id=2, location=(bounds[2], bounds[3]), version=1))
    writer.add_way(osmium.osm.mutable.Way(id=10, nodes=[1, 2], tags={"highway": "primary"}, version=1))
    writer.close()
    return path.read_bytes()


def test_fetch_departement_and_bundle(server, tmp_path, communes):
    base = server.base
    server.files["/geo/77/communes.geojson"] = _geo_api_communes(communes)
    server.files["/geo/epcis.json"] = json.dumps([{"code": "200000001", "nom": "CC Une"}, {"code": "200000002", "nom": "CC Deux"}]).encode()
    server.files["/osm/europe/france/ile_de_france/seine_et_marne.osm.pbf"] = _tiny_pbf(tmp_path / "src.osm.pbf", communes.total_bounds)
    server.files["/api/datasets/fs/"] = json.dumps({"resources": [
        {"title": "liste-fs-20240101.csv", "url": base + "/files/old.csv", "last_modified": "2024-01-02"},
        {"title": "liste-fs-com2024-20240801.csv", "url": base + "/files/com.csv", "last_modified": "2024-08-02"},
        {"title": "liste-fs-20240801.csv", "url": base + "/files/liste-fs-20240801.csv", "last_modified": "2024-08-02"},
    ]}).encode()
    server.files["/files/liste-fs-20240801.csv"] = b"id_fs,lib_fs\n1,x\n"
    sources = [
        Source("communes", base + "/geo/{code}/communes.geojson", "communes.geojson", "communes", "LO"),
        Source("epci", base + "/geo/epcis.json", "epci.json", "EPCI", "LO", scope="national"),
        Source("osm", base + "/osm/{osmfr_path}.osm.pbf", "roads.osm.pbf", "OSM", "ODbL"),
        Source("france_services", base + "/api/datasets/fs/", "fs.csv", "FS", "LO", scope="national",
               datagouv_pattern=r"^liste-fs-\d{8}\.csv$"),
    ]
    cache = tmp_path / "cache"
    paths = fetch_departement("77", cache, sources, **FAST)
    assert paths == {
        "communes": cache / "77" / "communes.geojson",
        "epci": cache / "national" / "epci.json",
        "osm": cache / "77" / "roads.osm.pbf",
        "france_services": cache / "national" / "liste-fs-20240801.csv",
    }
    assert "/files/old.csv" not in server.paths() and "/files/com.csv" not in server.paths()
    n = len(server.requests)
    assert fetch_departement("77", cache, sources, **FAST) == paths
    assert len(server.requests) == n  # everything came from the cache

    report = ImportReport()
    bundle = bundle_from_fetched("77", paths, report=report)
    assert report.ok, report.summary()
    assert bundle.name == "Seine-et-Marne" and bundle.departement == "77" and not bundle.fictional
    assert bundle.communes.set_index("code")["is_buffer"].to_dict()["91001"]
    assert bundle.grids.groupby("nom")["commune"].apply(sorted).to_dict() == {"CC Deux": ["77003", "77004"], "CC Une": ["77001", "77002"]}
    assert bundle.osm_path == paths["osm"] and len(bundle.population_points) == 5

    # one source failing: the others are still fetched, the error lists it
    del server.files["/geo/epcis.json"]
    with pytest.raises(FetchError) as exc:
        fetch_departement("77", tmp_path / "cache2", sources, **FAST)
    assert "epci" in str(exc.value) and "HTTP 404" in str(exc.value)
    assert set(exc.value.fetched) == {"communes", "osm", "france_services"}
