"""Property: no JSON Patch can make a stored study invalid.

Random documents (operations on the study's own paths and on paths it lacks, with values of the right kind,
the wrong kind, empty strings, nulls, and pieces of the study moved elsewhere) are sent through the patch
function. Each must either be stored as a study that both validators accept, or be refused with a 4xx
OperationOutcome that leaves the stored version as it was. Never a 5xx.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhirimaging import jsontext
from fhirimaging.models import validate_imaging_study
from tests.oracle import assert_valid_r5
from tests.uids import own_uid

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "imagingstudy-example.json").read_text())
SOP_CT = {"system": "urn:ietf:rfc:3986", "code": "urn:oid:1.2.840.10008.5.1.4.1.1.2"}
MR = {"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "MR"}]}
STUDY = {**own_uid(copy.deepcopy(FIXTURE)), "series": [*copy.deepcopy(FIXTURE["series"]), {
    "uid": "1.2.3.2", "modality": MR,
    "instance": [{"uid": "1.2.3.2.1", "sopClass": SOP_CT}, {"uid": "1.2.3.2.2", "sopClass": SOP_CT, "number": 2}],
}]}
REFUSALS = {400, 409, 413, 422}


def pointers(value: Any, prefix: str = "") -> list[str]:
    """Every JSON Pointer into `value`, plus the append position and one past the end of each array."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += pointers(child, f"{prefix}/{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += pointers(child, f"{prefix}/{index}")
        found += [f"{prefix}/-", f"{prefix}/{len(value)}"]
    return found


def subvalues(value: Any) -> list[Any]:
    found = [value]
    if isinstance(value, dict):
        for child in value.values():
            found += subvalues(child)
    elif isinstance(value, list):
        for child in value:
            found += subvalues(child)
    return found


PATHS = pointers(STUDY) + ["/note", "/note/0", "/series/0/colour", "/meta/versionId", "/meta/lastUpdated", "/id",
                           "/resourceType", "/series/7/uid", "/series/0/instance/01", "not-a-pointer", "/a~2b"]
PIECES = [v for v in subvalues(STUDY) if v is not STUDY]
leaves = st.one_of(
    st.none(), st.just(""), st.booleans(), st.integers(-5, 2**40), st.text(max_size=12),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(
        ["available", "cancelled", "done", "1.2.840.10008.1", "Patient/x", "2017-01-01", "2017-13-40", " "]),
)
values = st.one_of(
    st.sampled_from(PIECES), leaves, st.just([]), st.just({}),
    st.lists(leaves, max_size=3), st.dictionaries(st.sampled_from(["reference", "system", "code", "uid", "text",
                                                                   "colour"]), leaves, max_size=3),
)
operations = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "add", "replace", "remove",
                            "upsert"]),
     "path": st.sampled_from(PATHS)},
    optional={"from": st.sampled_from(PATHS), "value": values},
)
documents = st.lists(operations, min_size=1, max_size=4)


def test_a_random_json_patch_is_stored_valid_or_refused_without_a_trace(http):
    rid = "patch-property"
    reset = http.put(f"ImagingStudy/{rid}", data=json.dumps({**STUDY, "id": rid}),
                     headers={"Content-Type": "application/fhir+json"})
    assert reset.status_code in (200, 201), reset.text
    outcomes: dict[int, int] = {}

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(documents)
    def patch_is_valid_or_refused(document: list[dict]) -> None:
        before = http.get(f"ImagingStudy/{rid}")
        response = http.patch(f"ImagingStudy/{rid}", data=json.dumps(document),
                              headers={"Content-Type": "application/json-patch+json"})
        outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1
        after = http.get(f"ImagingStudy/{rid}")
        if response.status_code == 200:
            stored = jsontext.loads(after.content)
            validate_imaging_study(stored)
            assert_valid_r5(after.text)
            assert response.text == after.text
            assert after.headers["ETag"] == f'W/"{int(before.headers["ETag"][3:-1]) + 1}"'
            # start every example from the same content
            back = http.put(f"ImagingStudy/{rid}", data=json.dumps({**STUDY, "id": rid}),
                            headers={"Content-Type": "application/fhir+json"})
            assert back.status_code == 200, back.text
        else:
            assert response.status_code in REFUSALS, response.text
            assert assert_valid_r5(response.text)["resourceType"] == "OperationOutcome"
            assert (after.text, after.headers["ETag"]) == (before.text, before.headers["ETag"])

    patch_is_valid_or_refused()
    # the documents reached both outcomes, so the property was tested on each side
    assert outcomes.get(200) and sum(n for status, n in outcomes.items() if status != 200), outcomes
