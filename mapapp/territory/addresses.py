"""Reading the Base Adresse Nationale (BAN) file of a département: the addresses « Trouver une offre » geocodes.

The public file is ``adresses-XX.csv`` (or ``.csv.gz``) from
https://adresse.data.gouv.fr/data/ban/adresses/latest/csv/: UTF-8, ``;``, one
address per line, columns (2024-2026 format)::

    id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;
    code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;
    alias;nom_ld;libelle_acheminement;nom_afnor;source_position;source_nom_voie;
    certification_commune;cad_parcelles

Only :data:`REQUIRED` columns are needed (older files without
``type_position`` or ``cad_parcelles`` are read too); ``nom_ld`` (lieu-dit) and
``nom_ancienne_commune`` (commune déléguée) are kept when present, they are
what people type in rural communes.

The reader follows the conventions of :mod:`mapapp.territory`
(:mod:`mapapp.territory.tabular`): every bad row is reported with its line, and
the caller imports nothing when there is an error. Rows of another
département (a national or regional file) are skipped and counted, never an
error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from mapapp.territory.tabular import read_csv_table
from mapapp.territory.validation import INSEE_CODE_RE, ImportReport, departement_of, fatal, finish, start

REQUIRED = ("id", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune", "lon", "lat")
OPTIONAL = ("nom_ld", "nom_ancienne_commune")
#: The BAN's « numéro » of an address without one (a lieu-dit, a farm): kept as an address without number.
NO_NUMBER = 99999
_NUMBER_RE = re.compile(r"[0-9]{1,5}")
_POSTCODE_RE = re.compile(r"[0-9]{5}")


@dataclass(frozen=True)
class Address:
    """One address of the BAN (``numero`` None for an address without number)."""

    id: str
    numero: int | None
    rep: str
    nom_voie: str
    code_postal: str
    code_insee: str
    nom_commune: str
    nom_ld: str
    nom_ancienne_commune: str
    lon: float
    lat: float


@dataclass
class AddressFile:
    """The addresses of the département read from one file, and what was left aside."""

    addresses: list[Address] = field(default_factory=list)
    #: Rows of other départements, skipped (département → count).
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def _coordinate(text: str, low: float, high: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def read_ban(path: str | Path, departement: str, report: ImportReport | None = None,
             source: str | None = None) -> AddressFile:
    """The addresses of ``departement`` in the BAN file at ``path``.

    Raises:
        TerritoryImportError: the file cannot be read, lacks a required column,
            or (when no ``report`` is given) any row is wrong.
    """
    report, owned = start(report)
    path = Path(path)
    source = source or path.name
    table = read_csv_table(path, report, source, multiline=())
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise fatal(report, source, 1, "colonnes manquantes : " + ", ".join(missing)
                    + " (attendu : le fichier « adresses-XX.csv » de la Base Adresse Nationale, séparé par « ; »)")
    out = AddressFile()
    seen: dict[str, int] = {}
    for row, line in zip(table.rows, table.lines):
        insee = row["code_insee"].upper()
        if not INSEE_CODE_RE.match(insee):
            report.error(source, line, f"code INSEE invalide : « {row['code_insee']} »", column="code_insee",
                         value=row["code_insee"])
            continue
        dep = departement_of(insee)
        if dep != departement:
            out.skipped[dep] = out.skipped.get(dep, 0) + 1
            continue
        problems = []
        ident = row["id"]
        if not ident:
            problems.append(("id", "identifiant vide"))
        elif ident in seen:
            problems.append(("id", f"identifiant « {ident} » déjà vu ligne {seen[ident]}"))
        numero: int | None = None
        if not _NUMBER_RE.fullmatch(row["numero"]):
            problems.append(("numero", f"numéro invalide : « {row['numero']} » (un entier est attendu)"))
        else:
            numero = int(row["numero"])
            if numero in (0, NO_NUMBER):
                numero = None
        nom_ld = row.get("nom_ld", "")
        if not row["nom_voie"] and not nom_ld:
            problems.append(("nom_voie", "ni nom de voie ni lieu-dit"))
        if row["code_postal"] and not _POSTCODE_RE.fullmatch(row["code_postal"]):
            problems.append(("code_postal", f"code postal invalide : « {row['code_postal']} »"))
        if not row["nom_commune"]:
            problems.append(("nom_commune", "nom de commune vide"))
        lon = _coordinate(row["lon"], -180.0, 180.0)
        lat = _coordinate(row["lat"], -90.0, 90.0)
        if lon is None:
            problems.append(("lon", f"longitude invalide : « {row['lon']} » (degrés WGS84, de -180 à 180)"))
        if lat is None:
            problems.append(("lat", f"latitude invalide : « {row['lat']} » (degrés WGS84, de -90 à 90)"))
        if problems:
            for column, message in problems:
                report.error(source, line, message, column=column, value=row.get(column))
            continue
        seen[ident] = line
        out.addresses.append(Address(ident, numero, row["rep"], row["nom_voie"], row["code_postal"], insee,
                                     row["nom_commune"], nom_ld, row.get("nom_ancienne_commune", ""), lon, lat))
    if out.skipped:
        detail = ", ".join(f"{dep} : {n}" for dep, n in sorted(out.skipped.items()))
        report.info(source, None, f"{out.skipped_total} adresse(s) d'autres départements ignorées ({detail})")
    if not out.addresses and report.ok:
        report.error(source, None, f"aucune adresse du département {departement} dans ce fichier")
    finish(report, owned)
    return out
