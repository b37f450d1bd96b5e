"""Download what a real département needs from public sources (one documented table).

:func:`fetch_departement` downloads the files of :data:`DEFAULT_SOURCES` into a
cache directory with :func:`fetch` (cache, HTTP Range resume, retries,
checksum, clear :class:`OfflineError`; see :mod:`mapapp.territory.download`),
and :func:`bundle_from_fetched` turns them into a
:class:`~mapapp.territory.bundle.TerritoryBundle`.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mapapp.territory.bundle import GRID_COLUMNS, TerritoryBundle
from mapapp.territory.departements import DEPARTEMENTS, normalize_departement
from mapapp.territory.io import (
    check_osm_covers,
    grids_from_commune_table,
    population_points_from_communes,
    read_communes,
    read_population_grid,
)
from mapapp.territory.download import ChecksumError, FetchError, OfflineError, Progress, fetch, sha256_of
from mapapp.territory.validation import ImportReport, finish, start

__all__ = [
    "DEFAULT_SOURCES",
    "GEOFABRIK_REGION_SOURCE",
    "ChecksumError",
    "FetchError",
    "OfflineError",
    "Progress",
    "Source",
    "bundle_from_fetched",
    "fetch",
    "fetch_departement",
    "sha256_of",
    "source_url",
]


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Source:
    """One file a département needs, and where it comes from.

    ``url`` is a template with ``{code}`` (département code), ``{osmfr_path}``
    and ``{geofabrik_region}`` (from :data:`mapapp.territory.departements.DEPARTEMENTS`).
    ``scope="national"`` files are shared by all départements (stored in
    ``cache_dir/national``). ``datagouv_pattern``: the URL is a data.gouv.fr
    dataset API page; the file is its latest resource whose title matches the
    pattern (newest date in the title, then ``last_modified``).
    """

    key: str
    url: str
    filename: str
    description: str
    licence: str
    scope: str = "departement"
    datagouv_pattern: str | None = None


#: What :func:`fetch_departement` downloads:
#:
#: ===================  =====================  =============================================  ==========================
#: key                  file                   source                                         licence
#: ===================  =====================  =============================================  ==========================
#: ``communes``         communes.geojson       API Découpage administratif (geo.api.gouv.fr)  Licence Ouverte
#:                                             contours (IGN ADMIN EXPRESS), population
#:                                             légale, département, EPCI of each commune
#: ``epci``             national/epci.json     geo.api.gouv.fr: code and name of every EPCI   Licence Ouverte
#: ``osm``              roads.osm.pbf          openstreetmap.fr extract of the département    ODbL (© OSM contributors)
#: ``france_services``  national/liste-fs-     data.gouv.fr API, dataset « Liste des          Licence Ouverte 2.0
#:                      AAAAMMJJ.csv           structures France services » (ANCT), newest
#:                                             resource titled ``liste-fs-AAAAMMJJ.csv``
#: ===================  =====================  =============================================  ==========================
#:
#: The département extract stops at the border: for the buffer beyond it, use
#: :data:`GEOFABRIK_REGION_SOURCE` (the old region, larger) or merge the
#: neighbours' extracts. INSEE population squares have no per-département
#: download (national archives of several GB): without them, population
#: points fall back to one per commune.
DEFAULT_SOURCES: tuple[Source, ...] = (
    Source(
        "communes",
        "https://geo.api.gouv.fr/departements/{code}/communes?fields=code,nom,population,codeDepartement,codeEpci&format=geojson&geometry=contour",
        "communes.geojson",
        "Contours, population légale et EPCI des communes (API Découpage administratif)",
        "Licence Ouverte (Etalab)",
    ),
    Source(
        "epci",
        "https://geo.api.gouv.fr/epcis?fields=code,nom",
        "epci.json",
        "Codes et noms des EPCI à fiscalité propre (API Découpage administratif)",
        "Licence Ouverte (Etalab)",
        scope="national",
    ),
    Source(
        "osm",
        "https://download.openstreetmap.fr/extracts/{osmfr_path}.osm.pbf",
        "roads.osm.pbf",
        "Extrait OpenStreetMap du département (openstreetmap.fr)",
        "ODbL 1.0 — © les contributeurs d'OpenStreetMap",
    ),
    Source(
        "france_services",
        "https://www.data.gouv.fr/api/1/datasets/liste-des-structures-france-services/",
        "france-services.csv",
        "Liste nationale des France services (ANCT, data.gouv.fr)",
        "Licence Ouverte 2.0",
        scope="national",
        datagouv_pattern=r"^liste-fs-\d{8}\.csv$",
    ),
)

#: The Geofabrik extract of the département's pre-2016 region (larger, spans neighbours).
GEOFABRIK_REGION_SOURCE = Source(
    "osm_region",
    "https://download.geofabrik.de/europe/france/{geofabrik_region}-latest.osm.pbf",
    "region.osm.pbf",
    "Extrait OpenStreetMap de l'ancienne région (Geofabrik)",
    "ODbL 1.0 — © les contributeurs d'OpenStreetMap",
)


def source_url(source: Source, code: str) -> str:
    """The URL of ``source`` for département ``code``."""
    code = normalize_departement(code)
    _nom, osmfr_path, region = DEPARTEMENTS[code]
    return source.url.format(code=code, osmfr_path=osmfr_path, geofabrik_region=region)


def _resolve_datagouv(index_path: Path, pattern: str, url: str) -> tuple[str, str]:
    """``(resource_url, filename)`` of the newest resource of a data.gouv.fr dataset whose title matches."""
    data = _read_json(index_path)
    if not isinstance(data, dict):
        raise FetchError(f"{url} : réponse data.gouv.fr illisible", url)
    regex = re.compile(pattern, re.IGNORECASE)
    candidates = []
    for res in data.get("resources", []):
        title = str(res.get("title") or "")
        name = title if regex.search(title) else Path(urllib.parse.urlsplit(str(res.get("url", ""))).path).name
        if regex.search(name) and res.get("url"):
            date = re.search(r"(\d{8})", name)
            candidates.append(((date[1] if date else ""), str(res.get("last_modified") or ""), name, res["url"]))
    if not candidates:
        raise FetchError(f"{url} : aucune ressource ne correspond à {pattern}", url)
    _date, _modified, name, resource_url = max(candidates)
    return resource_url, name


def fetch_departement(
    code: str,
    cache_dir: str | Path,
    sources: Iterable[Source] = DEFAULT_SOURCES,
    *,
    refresh: bool = False,
    fetcher: Callable[..., Path] = fetch,
    **fetch_options,
) -> dict[str, Path]:
    """Download a département's files (:data:`DEFAULT_SOURCES`) into ``cache_dir``.

    Files go to ``cache_dir/<code>/<filename>`` (national ones to
    ``cache_dir/national/``); cached files are reused (see :func:`fetch`).
    Every source is tried even when one fails.

    Args:
        code: département code (``"2A"``, ``"77"``, ``"974"``).
        cache_dir: where files are kept between runs.
        sources: what to download (default: the table above).
        refresh: download again even when cached (also re-reads data.gouv.fr's index).
        fetcher: the download function (default :func:`fetch`; wrap it to log or show progress per file).
        **fetch_options: passed to :func:`fetch` (``timeout``, ``retries``, ``progress``...).

    Returns:
        ``{source key: local path}``.

    Raises:
        KeyError: unknown département.
        OfflineError: nothing could be downloaded because the network is unreachable.
        FetchError: some sources failed; ``exc.fetched`` holds the others' paths.
    """
    code = normalize_departement(code)
    cache_dir = Path(cache_dir)
    fetched: dict[str, Path] = {}
    failures: list[tuple[str, FetchError]] = []
    for source in sources:
        folder = cache_dir / ("national" if source.scope == "national" else code)
        url = source_url(source, code)
        try:
            if source.datagouv_pattern:
                index = fetcher(url, folder / f"{source.key}.datagouv.json", refresh=refresh, **fetch_options)
                url, filename = _resolve_datagouv(index, source.datagouv_pattern, url)
                fetched[source.key] = fetcher(url, folder / filename, refresh=refresh, **fetch_options)
            else:
                fetched[source.key] = fetcher(url, folder / source.filename, refresh=refresh, **fetch_options)
        except FetchError as exc:
            failures.append((source.key, exc))
            if isinstance(exc, OfflineError) and not fetched:
                break  # offline: the other sources would fail the same way, after as many retries
    if failures:
        lines = "\n".join(f"  - {key} : {exc}" for key, exc in failures)
        kind = OfflineError if all(isinstance(e, OfflineError) for _k, e in failures) and not fetched else FetchError
        error = kind(f"Téléchargement incomplet pour le département {code} ({len(failures)} échec(s)) :\n{lines}")
        error.fetched = fetched
        raise error
    return fetched


def bundle_from_fetched(
    code: str,
    paths: dict[str, Path],
    *,
    name: str | None = None,
    population_grid: str | Path | None = None,
    check_osm: bool = True,
    report: ImportReport | None = None,
) -> TerritoryBundle:
    """Assemble the files of :func:`fetch_departement` into a :class:`~mapapp.territory.bundle.TerritoryBundle`.

    Communes and populations come from ``communes.geojson`` (geo.api.gouv.fr
    properties ``code, nom, population, codeDepartement, codeEpci``), the EPCI
    grid from ``codeEpci`` named with ``epci.json``; population points from
    ``population_grid`` (INSEE squares) when given, else one per commune.

    Args:
        code: the département.
        paths: ``{source key: path}`` as returned by :func:`fetch_departement`.
        name: the territory's name (default: the département's).
        population_grid: optional INSEE squares file (see
            :func:`mapapp.territory.population.read_population_grid`).
        check_osm: run :func:`mapapp.territory.osm_check.check_osm_covers` on ``paths["osm"]``.
        report: an :class:`~mapapp.territory.validation.ImportReport`; without
            one, errors raise :class:`~mapapp.territory.validation.TerritoryImportError`.
    """
    code = normalize_departement(code)
    report, owned = start(report)
    communes = read_communes(paths["communes"], departement=code, report=report)
    grids = pd.DataFrame({c: pd.Series(dtype="str") for c in GRID_COLUMNS})
    features = (_read_json(Path(paths["communes"])) or {}).get("features", [])
    epci_names = {}
    if paths.get("epci"):
        epci_names = {str(e.get("code")): str(e.get("nom")) for e in (_read_json(Path(paths["epci"])) or [])}
    rows = [
        {"code": str(f["properties"].get("code")), "code_epci": str(f["properties"].get("codeEpci") or ""),
         "nom_epci": epci_names.get(str(f["properties"].get("codeEpci") or ""), "")}
        for f in features
        if isinstance(f, dict) and isinstance(f.get("properties"), dict)
    ]
    if rows:
        grids = grids_from_commune_table(pd.DataFrame(rows), communes=communes, report=report)
    if population_grid is not None:
        points = read_population_grid(population_grid, communes=communes, report=report)
    else:
        report.warning("population", None, "pas de carroyage INSEE : un point de population par commune (moins précis)")
        points = population_points_from_communes(communes, report=report)
    osm_path = Path(paths["osm"]) if paths.get("osm") else None
    if osm_path is not None and check_osm:
        check_osm_covers(osm_path, communes, report=report)
    finish(report, owned)
    by_key = {s.key: s for s in (*DEFAULT_SOURCES, GEOFABRIK_REGION_SOURCE)}
    return TerritoryBundle(
        name=name or DEPARTEMENTS[code][0],
        departement=code,
        communes=communes,
        grids=grids,
        population_points=points,
        osm_path=osm_path,
        fictional=False,
        description=f"{DEPARTEMENTS[code][0]} ({code}), données publiques téléchargées",
        sources={key: f"{by_key[key].description} — {by_key[key].licence}" for key in paths if key in by_key},
    )
