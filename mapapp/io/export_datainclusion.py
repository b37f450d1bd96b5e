"""The catalog as data·inclusion v1: ``structures`` and ``services``, in JSON or CSV.

Conversion: :mod:`mapapp.catalog.datainclusion` (one service per offer and
site, ids ``<offer id>--<site id>``; one service without address for remote
and département-wide offers). Every record is validated by the schema
package's own pydantic models (``data_inclusion.schema.v1.Structure`` and
``Service``) and what is written is the validated model's JSON dump, so the
file holds exactly what the schema accepted. A record the schema rejects is
left out and reported (:attr:`DataInclusionExport.errors`); nothing is
silently changed.

Which records: every structure; the services of **open** offers (``active``
or ``experimental``: a consumer such as DORA would show the others as
available), at their open sites (an offer whose sites are all closed is left
out). Extensions of the département (site kind, status, itinerant route,
funders...) are not part of data·inclusion v1 and are not exported here: the
GeoPackage and the XLSX carry them.

Formats:

- **JSON** (``structures.json``, ``services.json``): UTF-8 arrays of records,
  keys in the schema's order, ``null`` for missing values, list fields sorted.
  This is the lossless format.
- **CSV** (``structures.csv``, ``services.csv``): for data tools, RFC 4180 —
  comma separator, UTF-8 *without* BOM, decimal point (``45.05``), one column
  per schema field in the schema's order, list fields as JSON arrays
  (``["numerique","sante"]``), missing values empty. Text cells starting
  with ``=``, ``+``, ``-`` or ``@`` are prefixed with ``'`` against formula
  injection (:func:`mapapp.io.tables.safe_text`), since such files are also
  opened in spreadsheets: importers should strip one leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pydantic
from data_inclusion.schema import v1 as di
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mapapp.access.themes import OPEN_STATUSES
from mapapp.catalog.datainclusion import offer_to_services, structure_to_di
from mapapp.catalog.models import Offer, Structure
from mapapp.io.tables import safe_text


@dataclass
class DataInclusionExport:
    structures: list[dict] = field(default_factory=list)
    services: list[dict] = field(default_factory=list)
    #: ``(kind, id, message)`` of each record the schema rejected.
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{len(self.structures)} structure(s), {len(self.services)} service(s) data·inclusion v1"
        if self.errors:
            text += f" ; {len(self.errors)} fiche(s) refusée(s) par le schéma"
        return text


def _dump(model: pydantic.BaseModel) -> dict:
    data = model.model_dump(mode="json")
    return {k: sorted(v) if isinstance(v, list) else v for k, v in data.items()}


def _validate(model: type[pydantic.BaseModel], record: dict, kind: str, out: DataInclusionExport) -> dict | None:
    try:
        return _dump(model.model_validate(record))
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "?"
        out.errors.append((kind, str(record.get("id")), f"{where} : {first['msg']}"))
        return None


def datainclusion_records(session: Session) -> DataInclusionExport:
    """Every structure and the services of open offers, validated against data·inclusion v1."""
    out = DataInclusionExport()
    for s in session.scalars(select(Structure).order_by(Structure.id)):
        rec = _validate(di.Structure, structure_to_di(s), "structure", out)
        if rec is not None:
            out.structures.append(rec)
    offers = session.scalars(select(Offer).options(selectinload(Offer.sites)).where(
        Offer.status.in_(sorted(OPEN_STATUSES))).order_by(Offer.id))
    for o in offers:
        open_sites = {s.id for s in o.sites if s.status in OPEN_STATUSES}
        if o.sites and not open_sites:
            continue
        prefix = f"{o.id}--"
        for service in offer_to_services(o):
            if o.sites and service["id"][len(prefix):] not in open_sites:
                continue
            rec = _validate(di.Service, service, "service", out)
            if rec is not None:
                out.services.append(rec)
    return out


def _fields(model: type[pydantic.BaseModel]) -> list[str]:
    return list(model.model_fields)


def _json_bytes(records: list[dict], model) -> bytes:
    keys = _fields(model)
    ordered = [{k: r.get(k) for k in keys} for r in records]
    return (json.dumps(ordered, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return safe_text(value)


def _csv_bytes(records: list[dict], model) -> bytes:
    keys = _fields(model)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=",", quotechar='"', lineterminator="\r\n")
    writer.writerow(keys)
    for r in records:
        writer.writerow([_csv_cell(r.get(k)) for k in keys])
    return buf.getvalue().encode("utf-8")


def datainclusion_files(export: DataInclusionExport, fmt: str) -> dict[str, bytes]:
    """``{"structures.json": ..., "services.json": ...}`` (``fmt="json"``) or the ``.csv`` pair."""
    if fmt == "json":
        return {"structures.json": _json_bytes(export.structures, di.Structure),
                "services.json": _json_bytes(export.services, di.Service)}
    if fmt == "csv":
        return {"structures.csv": _csv_bytes(export.structures, di.Structure),
                "services.csv": _csv_bytes(export.services, di.Service)}
    raise ValueError(f"unknown data·inclusion format {fmt!r} (json or csv)")


def write_datainclusion_dir(export: DataInclusionExport, folder: Path, fmt: str) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in datainclusion_files(export, fmt).items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    return paths


def datainclusion_zip_bytes(export: DataInclusionExport, fmt: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in datainclusion_files(export, fmt).items():
            z.writestr(name, data)
    return buf.getvalue()
