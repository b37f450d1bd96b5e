"""The catalog as data·inclusion v1: every record validates against the schema package."""

import csv
import io
import json
import zipfile

import pytest
from data_inclusion.schema import v1 as di

from mapapp.catalog.models import Offer
from mapapp.io.export_datainclusion import datainclusion_files, datainclusion_records, datainclusion_zip_bytes
from tests.reports.fixtures import demo_sessions, demo_settings  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def export(demo_sessions):
    with demo_sessions() as s:
        return datainclusion_records(s)


def test_every_record_validates_against_the_schema(export):
    assert not export.errors
    files = datainclusion_files(export, "json")
    structures = json.loads(files["structures.json"])
    services = json.loads(files["services.json"])
    assert len(structures) == len(export.structures) > 10 and len(services) == len(export.services) > 100
    for record in structures:
        di.Structure.model_validate(record)
    for record in services:
        di.Service.model_validate(record)
    assert len({s["id"] for s in services}) == len(services)
    assert list(services[0]) == list(di.Service.model_fields)


def test_only_open_offers_are_services(export, demo_sessions):
    with demo_sessions() as s:
        not_open = {o.id for o in s.query(Offer).filter(Offer.status.notin_(["active", "experimental"]))}
    assert not_open
    exported_offers = {sid.split("--demo--site-")[0] for sid in (x["id"] for x in export.services)}
    assert not exported_offers & not_open


def test_csv_round_trips_to_valid_records(export):
    data = zipfile.ZipFile(io.BytesIO(datainclusion_zip_bytes(export, "csv")))
    assert sorted(data.namelist()) == ["services.csv", "structures.csv"]
    raw = data.read("services.csv").decode("utf-8")
    assert not raw.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert len(rows) == len(export.services)
    for row in rows[:50]:
        record = {k: (json.loads(v) if v.startswith("[") else v) for k, v in row.items() if v != ""}
        record = {k: (v[1:] if isinstance(v, str) and v.startswith("'") else v) for k, v in record.items()}
        di.Service.model_validate(record)
