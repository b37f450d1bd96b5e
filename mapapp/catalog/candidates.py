"""A planner's own candidate places for « meilleur emplacement » (issue 14 §3): read, check, name.

The planner gives a small CSV file (or the same text in a form):

- ``nom, lon, lat``: places given by their coordinates (WGS 84, decimal
  degrees; ``;`` as separator allows decimal commas), each in a commune of the
  territory; or
- ``site_id`` (also ``id``, ``identifiant``): existing sites of the catalog,
  named by their id; a file of one column without a header is a list of site
  ids. Both kinds may be mixed: a row with a ``site_id`` is that site.

:func:`read_candidates` checks every line and raises :class:`CandidateError`
with one French message per bad line (« ligne 3 : … », the header being line
1), so the planner fixes the file in one go; nothing is computed from a file
with a bad line. A good file gives :class:`PlannerCandidate` rows, each with
its ``candidate_id`` (the site's id, or ``liste-<line>``), its name and commune.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy.orm import Session

from mapapp.catalog.models import Site
from mapapp.catalog.moderation_records import commune_at

#: At most this many candidates in one list (the coverage needs one search per candidate).
MAX_CANDIDATES = 2000
ID_COLUMNS = ("site_id", "id", "identifiant")
LON_COLUMNS = ("lon", "longitude", "x")
LAT_COLUMNS = ("lat", "latitude", "y")


class CandidateError(ValueError):
    """A candidate list with bad lines: ``problems`` holds one French message per line."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        super().__init__("Liste de candidats refusée, rien n'a été calculé :\n" + "\n".join(shown)
                         + (f"\n… et {more} autre(s) ligne(s) en erreur." if more > 0 else ""))


@dataclass(frozen=True)
class PlannerCandidate:
    """One checked candidate of a planner's list."""

    candidate_id: str
    nom: str
    lon: float
    lat: float
    commune: str
    line: int
    site_id: str | None = None


def _column(header: list[str], names) -> int | None:
    for i, name in enumerate(header):
        if name in names:
            return i
    return None


def _number(text: str, what: str, limit: float) -> float:
    value = float(text.strip().replace(",", "."))
    if not -limit <= value <= limit or value != value:
        raise ValueError(f"{what} hors limites : {text.strip()!r}")
    return value


def read_candidates(session: Session, text: str) -> list[PlannerCandidate]:
    """The checked candidates of ``text`` (see the module doc); :class:`CandidateError` for any bad line."""
    if not text or not text.strip():
        raise CandidateError(["la liste est vide : donnez au moins un candidat (nom, lon, lat ou site_id)."])
    lines = text.lstrip("\ufeff").splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    numbered = [(n, [c.strip() for c in row]) for n, row in enumerate(rows, 1) if any(c.strip() for c in row)]
    header = [c.lower() for c in numbered[0][1]]
    i_id, i_lon, i_lat = _column(header, ID_COLUMNS), _column(header, LON_COLUMNS), _column(header, LAT_COLUMNS)
    i_nom = _column(header, ("nom", "name", "libelle"))
    if i_id is None and (i_lon is None or i_lat is None):
        if len(header) == 1:  # a bare list of site ids, no header
            i_id, body = 0, numbered
        else:
            raise CandidateError([f"ligne {numbered[0][0]} : en-tête attendu « nom, lon, lat » ou « site_id » "
                                  f"(reçu : {', '.join(numbered[0][1])})."])
    else:
        body = numbered[1:]
    if not body:
        raise CandidateError(["la liste ne contient aucun candidat après l'en-tête."])
    if len(body) > MAX_CANDIDATES:
        raise CandidateError([f"trop de candidats : {len(body)} (au plus {MAX_CANDIDATES})."])
    problems: list[str] = []
    out: list[PlannerCandidate] = []
    seen: dict[object, int] = {}

    def cell(row, i):
        return row[i] if i is not None and i < len(row) else ""

    for n, row in body:
        site_id, nom = cell(row, i_id), cell(row, i_nom)
        try:
            if site_id:
                site = session.get(Site, site_id)
                if site is None:
                    raise ValueError(f"lieu inconnu : {site_id!r}")
                if site.lon is None or site.lat is None:
                    raise ValueError(f"le lieu {site_id!r} n'a pas de coordonnées")
                key, cand = ("site", site_id), PlannerCandidate(site_id, site.nom, float(site.lon), float(site.lat),
                                                                site.commune_code, n, site_id)
            else:
                lon_text, lat_text = cell(row, i_lon), cell(row, i_lat)
                if not lon_text or not lat_text:
                    raise ValueError("ni identifiant de lieu ni longitude et latitude")
                try:
                    lon = _number(lon_text, "longitude", 180)
                    lat = _number(lat_text, "latitude", 90)
                except ValueError as exc:
                    text_ = str(exc)
                    raise ValueError(text_ if "hors limites" in text_ else
                                     f"longitude ou latitude illisible : {lon_text!r}, {lat_text!r}") from None
                commune = commune_at(session, lon, lat)
                if commune is None:
                    raise ValueError(f"le point ({lon:.5f}, {lat:.5f}) est hors du territoire : aucune commune")
                key = ("point", round(lon, 5), round(lat, 5))
                cand = PlannerCandidate(f"liste-{n}", nom or f"Candidat de la ligne {n}", lon, lat, commune.code, n)
            if key in seen:
                raise ValueError(f"même candidat que la ligne {seen[key]}")
            seen[key] = n
            if site_id and nom:
                cand = PlannerCandidate(cand.candidate_id, nom, cand.lon, cand.lat, cand.commune, n, site_id)
            out.append(cand)
        except ValueError as exc:
            problems.append(f"ligne {n} : {exc}.")
    if problems:
        raise CandidateError(problems)
    return out


def save_candidates(folder, candidates: list[PlannerCandidate]) -> str:
    """Keep a checked list under ``folder`` (``<digest>.json``) and return its digest (16 hex digits).

    The pages send the list once (a POST) and then name it by its digest in the proposal's address,
    so the proposal job, its cache key and its « réessayer » link stay plain GET parameters.
    """
    import hashlib
    import json
    from dataclasses import asdict
    from pathlib import Path

    text = json.dumps([asdict(c) for c in candidates], ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.json"
    if not path.exists():
        tmp = path.with_name(f".{digest}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return digest


def load_candidates(folder, digest: str) -> list[PlannerCandidate] | None:
    """The list saved under ``digest`` by :func:`save_candidates`, or None."""
    import json
    from pathlib import Path

    if not (len(digest) == 16 and all(ch in "0123456789abcdef" for ch in digest)):
        return None
    try:
        rows = json.loads((Path(folder) / f"{digest}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return [PlannerCandidate(**row) for row in rows]
