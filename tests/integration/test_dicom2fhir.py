"""An independent producer's transaction Bundles land: dicom2fhir (PyPI) turns pydicom's bundled test files
into the Bundles it sends a FHIR server, and each ImagingStudy it holds is stored as the DICOM headers say.

dicom2fhir writes FHIR R4B and more than this server holds. What is dropped or changed before posting:
- the Patient, Device and Observation entries (this server holds only ImagingStudy; the study's subject keeps
  naming its Patient/<id>);
- R4B Codings become what R5 holds them in: ImagingStudy.modality, series.modality and series.laterality a
  CodeableConcept, series.bodySite a CodeableReference.
Everything else is posted exactly as dicom2fhir wrote it: its PUT ImagingStudy/<id> entries, its ids, its
profile, identifiers, series, instances and extensions.
"""
from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pydicom
import pytest
from pydicom.data import get_testdata_file

from tests.integration.test_interactions import FHIR_JSON, checked

ROOT = Path(__file__).resolve().parents[2]
PRODUCER = ROOT / ".venv-dicom2fhir" / "bin" / "python"
# One study each: CT, MR, NM, US, RT plan, ECG waveform, SR, segmentation.
FILES = ["CT_small", "MR_small", "JPEG2000", "examples_rgb_color", "rtplan", "waveform_ecg", "reportsi",
         "liver_1frame"]
# Its Bundle is not valid FHIR: an instance extension's coding array holds a JSON null (an empty Image Type value).
INVALID = "examples_overlay"
ZONE = ZoneInfo("Europe/Berlin")  # dicom2fhir_bundle.CONFIG's


@pytest.fixture(scope="module")
def bundles() -> dict[str, dict]:
    if not PRODUCER.exists():
        pytest.skip("dicom2fhir's environment .venv-dicom2fhir is missing (make test builds it)")
    paths = [get_testdata_file(f"{name}.dcm") for name in (*FILES, INVALID)]
    out = subprocess.run([str(PRODUCER), str(ROOT / "tests" / "dicom2fhir_bundle.py"), *paths], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    return dict(zip((*FILES, INVALID), json.loads(out.stdout)))


def held(bundle: dict) -> dict:
    """The Bundle with only what this server holds (see the module's docstring)."""
    def concept(coding: dict) -> dict:
        return {"coding": [coding]}

    entries = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "ImagingStudy":
            continue
        series = []
        for s in resource["series"]:
            s = {**s, "modality": concept(s["modality"])}
            if "laterality" in s:
                s["laterality"] = concept(s["laterality"])
            if "bodySite" in s:
                s["bodySite"] = {"concept": concept(s["bodySite"])}
            series.append(s)
        resource = {**resource, "modality": [concept(c) for c in resource.get("modality", [])], "series": series}
        entries.append({**entry, "resource": resource})
    return {**bundle, "entry": entries}


def started(date: str, time: str) -> datetime:
    return datetime.strptime(date + time.split(".")[0], "%Y%m%d%H%M%S").replace(tzinfo=ZONE)


@pytest.mark.parametrize("name", FILES)
def test_dicom2fhirs_transaction_lands_as_the_dicom_headers_say(http, bundles, name):
    # GIVEN dicom2fhir's Bundle for the file, less what this server does not hold
    produced = bundles[name]
    assert produced["type"] == "transaction"
    assert {e["resource"]["resourceType"] for e in produced["entry"]} - {"ImagingStudy"} <= {
        "Patient", "Device", "Observation"}
    bundle = held(produced)
    (entry,) = bundle["entry"]
    assert entry["request"]["method"] == "PUT"

    # WHEN it is posted, THEN it lands: the study is created at dicom2fhir's id
    r = checked(http.post("", data=json.dumps(bundle), headers=FHIR_JSON))
    assert r.status_code == 200, r.text
    (answer,) = r.json()["entry"]
    assert answer["response"]["status"] == "201 Created"
    rid = entry["resource"]["id"]
    stored = checked(http.get(f"ImagingStudy/{rid}")).json()
    assert stored == answer["resource"]

    # AND the stored study says what the DICOM header says
    ds = pydicom.dcmread(get_testdata_file(f"{name}.dcm"), stop_before_pixels=True)
    assert {"system": "urn:dicom:uid", "value": f"urn:oid:{ds.StudyInstanceUID}"} in stored["identifier"]
    (series,) = stored["series"]
    assert series["uid"] == ds.SeriesInstanceUID
    assert series["modality"]["coding"][0]["code"] == ds.Modality
    assert [c["coding"][0]["code"] for c in stored["modality"]] == [ds.Modality]
    (instance,) = series["instance"]
    assert instance["uid"] == ds.SOPInstanceUID
    assert instance["sopClass"]["code"] == f"urn:oid:{ds.SOPClassUID}"
    assert stored["numberOfSeries"] == 1 and stored["numberOfInstances"] == series["numberOfInstances"] == 1
    if ds.get("StudyDate") and ds.get("StudyTime"):
        assert datetime.fromisoformat(stored["started"]) == started(ds.StudyDate, ds.StudyTime)
    if ds.get("StudyDescription"):
        assert stored["description"] == ds.StudyDescription
    # the server's search finds it by what the archive knows it by
    found = checked(http.get("ImagingStudy", params={
        "identifier": f"urn:dicom:uid|urn:oid:{ds.StudyInstanceUID}", "modality": ds.Modality,
        "series": ds.SeriesInstanceUID})).json()
    assert [e["resource"]["id"] for e in found.get("entry", [])] == [rid]

    # AND the producer's retry of the same Bundle updates the study in place: one study, version 2
    again = checked(http.post("", data=json.dumps(bundle), headers=FHIR_JSON))
    assert [e["response"]["status"] for e in again.json()["entry"]] == ["200 OK"]
    assert checked(http.get(f"ImagingStudy/{rid}")).json()["meta"]["versionId"] == "2"


def test_dicom2fhirs_invalid_bundle_is_refused_naming_the_element_and_writes_nothing(http, bundles):
    bundle = held(bundles[INVALID])
    r = checked(http.post("", data=json.dumps(bundle), headers=FHIR_JSON))
    assert r.status_code == 400
    (issue,) = r.json()["issue"]
    assert issue["expression"][0] == "Bundle.entry[0]" and "coding" in issue["expression"][1]
    assert "null" in issue["diagnostics"]
    assert checked(http.get(f"ImagingStudy/{bundle['entry'][0]['resource']['id']}")).status_code == 404
