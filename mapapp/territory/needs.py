"""Aggregated need counts (bénéficiaires du RSA, demandeurs d'emploi, jeunes NEET…) read from a CSV, with statistical secrecy.

A needs file gives **one count per zone** — a commune (INSEE code) or an INSEE
square (its identifier, e.g. ``CRS3035RES200mN2029800E4252400``) — for one
indicator and one year::

    commune;effectif
    96001;154
    96002;7

The zone column is one of :data:`COMMUNE_COLUMNS` or :data:`SQUARE_COLUMNS`,
the count one of :data:`COUNT_COLUMNS` (case-insensitive). The file is read by
the project's strict CSV reader (:func:`mapapp.territory.tabular.read_csv_table`);
every problem is reported with its line and nothing is kept when there is one.

**Never individual records.** These are the Département's own statistics,
aggregated before they reach mapapp. A file that looks like one row per person
is refused as a whole (:func:`_looks_individual`): a column named like a
personal identifier or attribute (:data:`INDIVIDUAL_COLUMNS`: NIR, numéro
d'allocataire, prénom, date de naissance…; a plain « nom » is allowed: it is
the commune's name in most files), a zone given on several rows, or counts all
equal to 1.

**Statistical secrecy** (applied on import, :func:`apply_secrecy`):

- *primary*: a count from 1 to ``threshold - 1`` (default
  :data:`DEFAULT_SECRECY_THRESHOLD` = 11) is suppressed. This is the INSEE
  rule for counts of people or households: no figure is disseminated for fewer
  than 11 units (« règle des 11 », e.g. the *données carroyées* Filosofi, whose
  squares of fewer than 11 households are merged, and the « secret
  statistique » guide of the Comité du secret statistique). A zero is kept: it
  describes nobody;
- *secondary*: when a group of zones (every unit of every grid given — EPCI,
  cantons, territoires d'action sociale… — and the whole file) holds exactly
  **one** suppressed count and at least one published one, its smallest
  published count (then the smallest code) is suppressed too, so that the
  suppressed one cannot be recomputed as the group's total minus the others.
  This is repeated until no group has a single suppressed count (a cell
  suppressed for one group may leave another with one). The aggregates of
  :mod:`mapapp.access.needs` are sums of the *published* counts only (which
  reveal nothing more than the counts themselves) and say how many zones were
  left out; a group whose counts are all suppressed has no figure.

A suppressed count is **not kept at all**: the returned table (and the
database) holds ``count = NaN`` and ``secret = "primaire"`` or
``"secondaire"``, so nothing downstream can display or export it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from mapapp.territory.tabular import find_column, parse_number, read_csv_table
from mapapp.territory.validation import (INSEE_CODE_RE, ImportReport, TerritoryImportError, finish, normalize_insee,
                                         start)

#: Counts below this are suppressed (INSEE: no figure for fewer than 11 people or households).
DEFAULT_SECRECY_THRESHOLD = 11
COMMUNE_COLUMNS = ("commune", "code_commune", "insee", "code_insee", "codgeo", "depcom", "com")
SQUARE_COLUMNS = ("carreau", "idcar", "idcar_200m", "idcar_1km", "id_carreau", "idinspire")
COUNT_COLUMNS = ("effectif", "nombre", "nb", "valeur", "count", "total")
#: Column names (lower-case, accents and separators removed) that only a file of individuals has.
INDIVIDUAL_COLUMNS = ("nir", "numsecu", "numerosecu", "securitesociale", "numalloc", "numeroallocataire",
                      "allocataire", "matricule", "idindividu", "identifiant", "idpersonne", "individu",
                      "prenom", "nomprenom", "nomdefamille", "nomdusage", "nomdenaissance", "datenaissance",
                      "datedenaissance", "naissance", "sexe",
                      "adresse", "age", "telephone", "courriel", "email")
#: Fewest rows for « every count is 1 » to mean individual rows (two communes of 1 are plausible).
ALL_ONES_MIN_ROWS = 5
NEED_COLUMNS = ("zone_kind", "zone", "count", "secret", "line")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")


def _bare(name: str) -> str:
    table = str.maketrans("éèêëàâäîïôöùûüç", "eeeeaaaiioouuuc")
    return re.sub(r"[^a-z0-9]", "", name.lower().translate(table))


def check_key(key: str) -> str | None:
    """A French message when ``key`` is not a usable indicator key (lower-case letters, digits, ``_``, ``-``)."""
    if not KEY_RE.match(key or ""):
        return (f"clé d'indicateur « {key} » invalide : lettres minuscules sans accent, chiffres, « _ » ou « - », "
                "50 caractères au plus (par exemple rsa, demandeurs_emploi, neet)")
    return None


def read_needs(path: str | Path, *, known_zones: Iterable[str] | None = None,
               groups: Iterable[Iterable[str]] = (), threshold: int = DEFAULT_SECRECY_THRESHOLD,
               report: ImportReport | None = None, source: str | None = None) -> pd.DataFrame:
    """Read a needs CSV and apply statistical secrecy; return :data:`NEED_COLUMNS`.

    Args:
        known_zones: the communes (or squares) of the territory; a zone not in it is an error.
        groups: the groups of zones for secondary secrecy (each unit of each grid); the whole
            file is always one more group.
        threshold: counts from 1 to ``threshold - 1`` are suppressed.

    Returns:
        ``zone_kind`` (``commune`` or ``carreau``), ``zone``, ``count`` (float, NaN when
        secret), ``secret`` (None, ``primaire`` or ``secondaire``), ``line`` (of the file).

    Raises:
        TerritoryImportError: when ``report`` is None and the file has errors; a file that
            cannot be read, or looks like individual records, is fatal in any case.
    """
    report, owned = start(report)
    path = Path(path)
    source = source or path.name
    empty = pd.DataFrame(columns=list(NEED_COLUMNS))
    try:
        table = read_csv_table(path, report, source, multiline=())
    except TerritoryImportError:
        if owned:
            raise
        return empty
    if problem := _looks_individual(table.columns, table.rows):
        report.error(source, None, problem)
        finish(report, owned)
        return empty
    commune_col = find_column(table.columns, COMMUNE_COLUMNS)
    square_col = find_column(table.columns, SQUARE_COLUMNS)
    count_col = find_column(table.columns, COUNT_COLUMNS)
    if (commune_col is None) == (square_col is None):
        report.error(source, 1, "il faut une colonne de zone, et une seule : commune (code INSEE : "
                                f"{', '.join(COMMUNE_COLUMNS)}) ou carreau ({', '.join(SQUARE_COLUMNS)})")
    if count_col is None:
        report.error(source, 1, f"colonne de l'effectif absente (une de : {', '.join(COUNT_COLUMNS)})")
    if not report.ok:
        finish(report, owned)
        return empty
    kind, zone_col = ("commune", commune_col) if commune_col else ("carreau", square_col)
    known = None if known_zones is None else set(known_zones)
    rows, seen = [], {}
    for row, line in zip(table.rows, table.lines):
        raw_zone = row[zone_col]
        zone = normalize_insee(raw_zone) if kind == "commune" else raw_zone.strip()
        if not zone:
            report.error(source, line, "zone vide", column=zone_col)
            continue
        if kind == "commune" and not INSEE_CODE_RE.match(zone):
            report.error(source, line, f"code commune INSEE invalide : « {raw_zone} »", column=zone_col, value=raw_zone)
            continue
        if known is not None and zone not in known:
            what = "commune absente du territoire" if kind == "commune" else "carreau absent des carreaux du territoire"
            report.error(source, line, f"{what} : {zone}", column=zone_col, value=raw_zone)
            continue
        if zone in seen:
            report.error(source, line, f"{zone} figure déjà ligne {seen[zone]} : une seule ligne par zone "
                                       "(des effectifs agrégés, pas des individus)", column=zone_col, value=raw_zone)
            continue
        seen[zone] = line
        try:
            value = parse_number(row[count_col])
        except ValueError:
            report.error(source, line, f"effectif illisible : « {row[count_col]} »", column=count_col,
                         value=row[count_col])
            continue
        if value is None or value < 0 or not float(value).is_integer():
            report.error(source, line, f"effectif « {row[count_col]} » : un nombre entier positif ou nul est attendu",
                         column=count_col, value=row[count_col])
            continue
        rows.append((kind, zone, float(value), None, line))
    finish(report, owned)
    if not report.ok:
        return empty
    frame = pd.DataFrame(rows, columns=list(NEED_COLUMNS))
    frame = apply_secrecy(frame, groups, threshold)
    n_primary = int((frame["secret"] == "primaire").sum())
    n_secondary = int((frame["secret"] == "secondaire").sum())
    report.info(source, None, f"{len(frame)} zones lues ; secret statistique : {n_primary} effectif(s) de moins de "
                              f"{threshold} masqué(s), {n_secondary} de plus masqué(s) par secret secondaire")
    return frame


def _looks_individual(columns: list[str], rows: list[dict[str, str]]) -> str | None:
    personal = [c for c in columns if _bare(c) in INDIVIDUAL_COLUMNS]
    if personal:
        return (f"ce fichier ressemble à des données individuelles (colonne « {personal[0]} ») : mapapp n'accepte "
                "que des effectifs agrégés par commune ou par carreau ; agrégez-les avant l'import et ne transmettez "
                "jamais de données personnelles")
    count_col = find_column(columns, COUNT_COLUMNS)
    if count_col is not None and len(rows) >= ALL_ONES_MIN_ROWS:
        values = {r[count_col].strip() for r in rows}
        if values <= {"1", "1.0", "1,0"}:
            return ("ce fichier ressemble à des données individuelles (tous les effectifs valent 1) : mapapp "
                    "n'accepte que des effectifs agrégés par commune ou par carreau")
    return None


def apply_secrecy(frame: pd.DataFrame, groups: Iterable[Iterable[str]] = (),
                  threshold: int = DEFAULT_SECRECY_THRESHOLD) -> pd.DataFrame:
    """Primary then secondary secrecy on ``zone, count`` (see the module); returns a copy with ``secret`` set
    and the suppressed counts replaced by NaN."""
    out = frame.copy()
    counts = out["count"].to_numpy(dtype=float)
    secret = np.full(len(out), None, dtype=object)
    secret[(counts >= 1) & (counts < threshold)] = "primaire"
    index = {zone: i for i, zone in enumerate(out["zone"])}
    members = [sorted(index[z] for z in set(g) if z in index) for g in groups]
    members = [m for m in members if m] + [list(range(len(out)))]
    changed = True
    while changed:
        changed = False
        for group in members:
            hidden = [i for i in group if secret[i] is not None]
            shown = [i for i in group if secret[i] is None]
            if len(hidden) == 1 and shown:
                pick = min(shown, key=lambda i: (counts[i], out["zone"].iloc[i]))
                secret[pick] = "secondaire"
                changed = True
    out["secret"] = secret
    out["count"] = np.where(pd.isna(secret), counts, np.nan)
    return out


def groups_from_grids(grids: pd.DataFrame) -> list[list[str]]:
    """The commune groups of a long grids table ``grid, code, commune`` (one per unit)."""
    if grids is None or grids.empty:
        return []
    return [sorted(g["commune"]) for _, g in grids.groupby(["grid", "code"], sort=True)]


def square_groups(square_commune: Mapping[str, str]) -> list[list[str]]:
    """The square groups by commune (``{square_id: commune}``), for secondary secrecy of squares."""
    by_commune: dict[str, list[str]] = {}
    for square, commune in square_commune.items():
        by_commune.setdefault(commune, []).append(square)
    return [sorted(v) for _, v in sorted(by_commune.items())]
