"""PATCH without AWS: JSON Patch and FHIRPath Patch on a two-series study, then the service's rules on the
in-memory store (404, 410, 412, 422, retry after a concurrent write)."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from fhirimaging import jsontext
from fhirimaging.errors import BadRequest, Gone, NotFound, PreconditionFailed, Unprocessable
from fhirimaging.models import validate_imaging_study
from fhirimaging.patch import FHIRPATH_PATCH, JSON_PATCH, apply_patch
from fhirimaging.service import (
    CreateRequest,
    DeleteRequest,
    HistoryRequest,
    ImagingStudyService,
    PatchRequest,
    UpdateRequest,
)
from fhirimaging.store.memory import MemoryStore
from tests.patch_documents import operation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SOP_CT = {"system": "urn:ietf:rfc:3986", "code": "urn:oid:1.2.840.10008.5.1.4.1.1.2"}


def two_series_study() -> dict[str, Any]:
    """The official example (stored, so with id and meta) plus a second series of two instances."""
    study = jsontext.loads((FIXTURES / "imagingstudy-example.json").read_bytes())
    study["meta"] = {**study["meta"], "versionId": "1", "lastUpdated": "2026-01-01T00:00:00.000Z"}
    study["extension"] = [{"url": "http://example.org/dose", "valueDecimal": jsontext.loads("1.50")}]
    study["series"].append({
        "uid": "1.2.3.2", "number": 4, "modality": {"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM",
                                                                "code": "CT"}]},
        "instance": [{"uid": "1.2.3.2.1", "sopClass": SOP_CT, "number": 1},
                     {"uid": "1.2.3.2.2", "sopClass": SOP_CT, "number": 2}],
    })
    validate_imaging_study(study)
    return study


def json_patch(study: dict, *operations: dict) -> dict:
    return apply_patch(study, JSON_PATCH, json.dumps(list(operations)).encode())




def fhirpath_patch(study: dict, *operations: dict) -> dict:
    document = {"resourceType": "Parameters", "parameter": list(operations)}
    return apply_patch(study, FHIRPATH_PATCH, json.dumps(document).encode())


def uids(instances: list[dict]) -> list[str]:
    return [i["uid"] for i in instances]


@pytest.fixture
def study() -> dict:
    return two_series_study()


# JSON Patch

def test_json_patch_add_remove_replace_move_copy_and_test_apply_in_order(study):
    before = copy.deepcopy(study)
    patched = json_patch(
        study,
        {"op": "test", "path": "/status", "value": "available"},
        {"op": "replace", "path": "/status", "value": "cancelled"},
        {"op": "add", "path": "/description", "value": "two series"},
        {"op": "add", "path": "/series/1/instance/-", "value": {"uid": "1.2.3.2.3", "sopClass": SOP_CT}},
        {"op": "remove", "path": "/series/0/bodySite"},
        {"op": "move", "from": "/series/1", "path": "/series/0"},
        {"op": "add", "path": "/modality", "value": []},
        {"op": "copy", "from": "/series/0/modality", "path": "/modality/-"},
    )
    assert patched["status"] == "cancelled" and patched["description"] == "two series"
    assert [s["uid"] for s in patched["series"]] == ["1.2.3.2", before["series"][0]["uid"]]
    assert uids(patched["series"][0]["instance"]) == ["1.2.3.2.1", "1.2.3.2.2", "1.2.3.2.3"]
    assert "bodySite" not in patched["series"][1]
    assert patched["modality"] == [patched["series"][0]["modality"]]
    validate_imaging_study(patched)
    assert study == before  # the input is never changed


def test_json_patch_copy_into_a_list_makes_an_independent_copy(study):
    patched = json_patch(study, {"op": "copy", "from": "/series/0/modality", "path": "/series/1/laterality"},
                         {"op": "replace", "path": "/series/1/laterality/coding/0/code", "value": "MR"})
    assert patched["series"][0]["modality"]["coding"][0]["code"] == "CT"


def test_json_patch_failed_test_is_422_naming_the_operation(study):
    with pytest.raises(Unprocessable) as refused:
        json_patch(study, {"op": "replace", "path": "/status", "value": "cancelled"},
                   {"op": "test", "path": "/status", "value": "available"})
    assert refused.value.status == 422 and "operation 2 (test /status)" in refused.value.diagnostics


@pytest.mark.parametrize("op", [
    {"op": "remove", "path": "/note"},
    {"op": "replace", "path": "/series/5/uid", "value": "1"},
    {"op": "add", "path": "/series/9", "value": {}},
    {"op": "move", "from": "/nothing", "path": "/description"},
    {"op": "add", "path": "/status/x", "value": 1},
    {"op": "test", "path": "/nothing", "value": 1},
])
def test_json_patch_whose_target_does_not_exist_is_422(study, op):
    with pytest.raises(Unprocessable):
        json_patch(study, op)


def test_json_patch_keeps_the_digits_of_decimals(study):
    patched = json_patch(study, {"op": "replace", "path": "/status", "value": "cancelled"})
    assert '"valueDecimal":1.50' in jsontext.dumps(patched)


# FHIRPath Patch

def test_fhirpath_insert_puts_an_instance_at_index_0_of_the_second_series(study):
    new_instance = {"part": [{"name": "uid", "valueId": "1.2.3.2.0"}, {"name": "sopClass", "valueCoding": SOP_CT},
                             {"name": "number", "valueUnsignedInt": 0}]}
    patched = fhirpath_patch(study, operation("insert", "ImagingStudy.series[1].instance", index=0,
                                              value=new_instance))
    assert patched["series"][1]["instance"][0] == {"uid": "1.2.3.2.0", "sopClass": SOP_CT, "number": 0}
    assert uids(patched["series"][1]["instance"]) == ["1.2.3.2.0", "1.2.3.2.1", "1.2.3.2.2"]
    assert patched["series"][0] == study["series"][0]
    validate_imaging_study(patched)


def test_fhirpath_insert_at_the_end_and_into_a_list_not_there_yet(study):
    patched = fhirpath_patch(
        study,
        operation("insert", "ImagingStudy.series.where(uid='1.2.3.2').instance", index=2,
                  value={"part": [{"name": "uid", "valueId": "1.2.3.2.9"},
                                  {"name": "sopClass", "valueCoding": SOP_CT}]}),
        operation("insert", "ImagingStudy.note", index=0, value={"valueAnnotation": {"text": "first note"}}),
    )
    assert uids(patched["series"][1]["instance"])[-1] == "1.2.3.2.9"
    assert patched["note"] == [{"text": "first note"}]


def test_fhirpath_move_reorders_the_series(study):
    patched = fhirpath_patch(study, operation("move", "ImagingStudy.series", source=1, destination=0))
    assert [s["uid"] for s in patched["series"]] == ["1.2.3.2", study["series"][0]["uid"]]


def test_fhirpath_move_within_a_nested_list(study):
    patched = fhirpath_patch(study, operation("move", "ImagingStudy.series[1].instance", source=0, destination=1))
    assert uids(patched["series"][1]["instance"]) == ["1.2.3.2.2", "1.2.3.2.1"]


def test_fhirpath_delete_by_a_where_path_removes_that_one_element(study):
    patched = fhirpath_patch(study, operation("delete", "ImagingStudy.series.instance.where(uid='1.2.3.2.1')"))
    assert uids(patched["series"][1]["instance"]) == ["1.2.3.2.2"]
    assert patched["series"][0]["instance"] == study["series"][0]["instance"]


def test_fhirpath_delete_of_nothing_changes_nothing(study):
    assert fhirpath_patch(study, operation("delete", "ImagingStudy.series.where(uid='no-such')")) == study


def test_fhirpath_delete_removes_what_it_leaves_empty(study):
    patched = fhirpath_patch(study, operation("delete", "ImagingStudy.series[0].bodySite.concept"))
    assert "bodySite" not in patched["series"][0]
    patched = fhirpath_patch(study, operation("delete", "ImagingStudy.meta.tag"))
    assert "tag" not in patched["meta"] and patched["meta"]["versionId"] == "1"


def test_fhirpath_replace_a_primitive_and_a_nested_primitive(study):
    patched = fhirpath_patch(
        study,
        operation("replace", "ImagingStudy.status", value={"valueCode": "cancelled"}),
        operation("replace", "ImagingStudy.series[1].instance[1].number", value={"valueUnsignedInt": 7}),
    )
    assert patched["status"] == "cancelled" and patched["series"][1]["instance"][1]["number"] == 7


def test_fhirpath_replace_of_a_choice_element_takes_the_new_type(study):
    patched = fhirpath_patch(study, operation("replace", "ImagingStudy.extension.value", value={"valueString": "x"}))
    assert patched["extension"] == [{"url": "http://example.org/dose", "valueString": "x"}]


def test_fhirpath_add_elements_to_a_backbone_element(study):
    patched = fhirpath_patch(
        study,
        operation("add", "ImagingStudy.series[1]", name="performer",
                  value={"part": [{"name": "actor", "valueReference": {"reference": "Practitioner/p1"}}]}),
        operation("add", "ImagingStudy.series[1]", name="laterality",
                  value={"valueCodeableConcept": {"text": "left"}}),
        operation("add", "ImagingStudy.series[1]", name="performer",
                  value={"part": [{"name": "actor", "valueReference": {"reference": "Practitioner/p2"}}]}),
        operation("add", "ImagingStudy", name="extension",
                  value={"part": [{"name": "url", "valueUri": "http://example.org/x"},
                                  {"name": "value", "valueBoolean": True}]}),
    )
    series = patched["series"][1]
    assert series["performer"] == [{"actor": {"reference": "Practitioner/p1"}},
                                   {"actor": {"reference": "Practitioner/p2"}}]  # repeating: a list
    assert series["laterality"] == {"text": "left"}  # single: an object
    assert patched["extension"][1] == {"url": "http://example.org/x", "valueBoolean": True}
    validate_imaging_study(patched)


def test_fhirpath_add_of_a_present_single_element_is_422(study):
    with pytest.raises(Unprocessable, match="already present and does not repeat"):
        fhirpath_patch(study, operation("add", "ImagingStudy", name="status", value={"valueCode": "cancelled"}))


@pytest.mark.parametrize("op, why", [
    (operation("replace", "ImagingStudy.description", value={"valueString": "x"}), "selects 0"),
    (operation("replace", "ImagingStudy.series.uid", value={"valueId": "1"}), "selects 2"),
    (operation("add", "ImagingStudy.series", name="description", value={"valueString": "x"}), "selects 2"),
    (operation("add", "ImagingStudy.status", name="x", value={"valueString": "x"}), "primitive value"),
    (operation("delete", "ImagingStudy.series"), "a delete removes at most one"),
    (operation("delete", "ImagingStudy"), "cannot delete the resource itself"),
    (operation("replace", "ImagingStudy", value={"valueString": "x"}), "cannot replace the whole resource"),
    (operation("insert", "ImagingStudy.series[1].instance", index=3, value={"valueString": "x"}), "past the end"),
    (operation("insert", "ImagingStudy.series.instance", index=0, value={"valueString": "x"}), "one list"),
    (operation("insert", "ImagingStudy.subject", index=0, value={"valueString": "x"}), "one list"),
    (operation("move", "ImagingStudy.series", source=0, destination=2), "destination 2 is outside"),
    (operation("move", "ImagingStudy.note", source=0, destination=0), "there is no note list"),
    (operation("move", "ImagingStudy.series.where(uid='none')", source=0, destination=0), "selects nothing"),
    (operation("replace", "1 + 1", value={"valueInteger": 3}), "not an element of the resource"),
])
def test_fhirpath_operation_that_does_not_fit_the_resource_is_422(study, op, why):
    with pytest.raises(Unprocessable, match=why) as refused:
        fhirpath_patch(study, op)
    assert refused.value.issues[0].expression == (op["part"][1]["valueString"],)


# malformed documents: 400 whatever the resource

def parameters(*ops: dict) -> bytes:
    return json.dumps({"resourceType": "Parameters", "parameter": list(ops)}).encode()


def raw_op(*parts: dict) -> dict:
    return {"name": "operation", "part": list(parts)}


TYPE_DELETE = {"name": "type", "valueCode": "delete"}
MALFORMED = [
    (JSON_PATCH, b"", "the request body is empty"),
    (JSON_PATCH, b'[{"op": "remove"', "not valid JSON"),
    (JSON_PATCH, b'{"op": "remove", "path": "/description"}', "a JSON Patch document is a JSON array"),
    (JSON_PATCH, b'["remove"]', "operation 1 is not a JSON object"),
    (JSON_PATCH, b'[{"op": "delete", "path": "/description"}]', "has op 'delete'"),
    (JSON_PATCH, b'[{"path": "/description"}]', "has op None"),
    (JSON_PATCH, b'[{"op": "add", "path": "/description"}]', "has no 'value' member"),
    (JSON_PATCH, b'[{"op": "move", "path": "/description"}]', "has no 'from' member"),
    (JSON_PATCH, b'[{"op": "remove", "path": "description"}]', "is not a JSON Pointer"),
    (JSON_PATCH, b'[{"op": "remove", "path": "/a~2b"}]', "is not a JSON Pointer"),
    (JSON_PATCH, b'[{"op": "remove", "path": 3}]', "must be a JSON Pointer string"),
    (FHIRPATH_PATCH, b"[]", "a FHIRPath Patch document is a Parameters resource"),
    (FHIRPATH_PATCH, b'{"resourceType": "ImagingStudy"}', "is a Parameters resource"),
    (FHIRPATH_PATCH, b'{"resourceType": "Parameters", "parameter": {}}', "must be an array"),
    (FHIRPATH_PATCH, parameters({"name": "op", "part": []}), "parameter 1 is not an operation"),
    (FHIRPATH_PATCH, parameters(raw_op()), "operation 1 has no parts"),
    (FHIRPATH_PATCH, parameters(raw_op({"name": "type", "valueCode": "upsert"})), "has type 'upsert'"),
    (FHIRPATH_PATCH, parameters(raw_op(TYPE_DELETE)), "has no path part"),
    (FHIRPATH_PATCH, parameters(raw_op(TYPE_DELETE, {"name": "path", "valueString": "ImagingStudy..note"})),
     "is not a FHIRPath expression"),
    (FHIRPATH_PATCH, parameters(raw_op(TYPE_DELETE, {"name": "path", "valueString": "ImagingStudy.note )"})),
     "unexpected ')'"),
    (FHIRPATH_PATCH, parameters(raw_op(TYPE_DELETE, {"name": "path", "valueString": "ImagingStudy.note.nope()"})),
     "cannot be evaluated"),
    (FHIRPATH_PATCH, parameters(raw_op(TYPE_DELETE, {"name": "path", "valueString": "%nothing.note"})),
     "cannot be evaluated"),
    (FHIRPATH_PATCH, parameters(raw_op(TYPE_DELETE, {"name": "path", "valueString": "ImagingStudy.note"},
                                       {"name": "path", "valueString": "ImagingStudy.note"})), "more than one path"),
    (FHIRPATH_PATCH, parameters(raw_op(TYPE_DELETE, {"name": "path", "valueString": "ImagingStudy.note"},
                                       {"name": "colour", "valueString": "x"})), "unknown part 'colour'"),
    (FHIRPATH_PATCH, parameters(raw_op(TYPE_DELETE, {"name": "path", "valueString": "ImagingStudy.note"},
                                       {"name": "index", "valueInteger": 0})), "takes no index part"),
    (FHIRPATH_PATCH, parameters(operation("insert", "ImagingStudy.note", index=-1, value={"valueString": "x"})),
     "a valueInteger of 0 or more"),
    (FHIRPATH_PATCH, parameters(operation("add", "ImagingStudy", name="bad name", value={"valueString": "x"})),
     "element name"),
    (FHIRPATH_PATCH, parameters(operation("replace", "ImagingStudy.status",
                                          value={"valueCode": "a", "valueString": "b"})), "exactly one value[x]"),
    (FHIRPATH_PATCH, parameters(operation("replace", "ImagingStudy.status", value={})), "exactly one value[x]"),
]


@pytest.mark.parametrize("content_type, body, why", MALFORMED, ids=[m[2] for m in MALFORMED])
def test_malformed_patch_document_is_400(study, content_type, body, why):
    with pytest.raises(BadRequest) as refused:
        apply_patch(study, content_type, body)
    assert refused.value.status == 400 and why in refused.value.diagnostics


# what the server sets cannot be patched

@pytest.mark.parametrize("content_type, body, element", [
    (JSON_PATCH, [{"op": "replace", "path": "/id", "value": "other"}], "id"),
    (JSON_PATCH, [{"op": "remove", "path": "/id"}], "id"),
    (JSON_PATCH, [{"op": "replace", "path": "/resourceType", "value": "Patient"}], "resourceType"),
    (JSON_PATCH, [{"op": "replace", "path": "/meta/versionId", "value": "7"}], "meta.versionId"),
    (JSON_PATCH, [{"op": "remove", "path": "/meta/lastUpdated"}], "meta.lastUpdated"),
    (JSON_PATCH, [{"op": "remove", "path": "/meta"}], "meta.versionId"),
    (FHIRPATH_PATCH, {"resourceType": "Parameters", "parameter": [
        operation("replace", "ImagingStudy.id", value={"valueId": "other"})]}, "id"),
    (FHIRPATH_PATCH, {"resourceType": "Parameters", "parameter": [
        operation("replace", "ImagingStudy.meta.versionId", value={"valueId": "7"})]}, "meta.versionId"),
])
def test_patching_what_the_server_sets_is_422(study, content_type, body, element):
    with pytest.raises(Unprocessable, match=f"{element} is set by the server"):
        apply_patch(study, content_type, json.dumps(body).encode())


def test_json_patch_that_replaces_the_resource_with_an_array_is_422(study):
    with pytest.raises(Unprocessable, match="into a JSON array"):
        json_patch(study, {"op": "replace", "path": "", "value": []})


def test_an_unchanged_id_may_be_tested_and_rewritten(study):
    patched = json_patch(study, {"op": "test", "path": "/id", "value": "example"},
                         {"op": "replace", "path": "/id", "value": "example"})
    assert patched == study


# the service: the same version-checked write as an update

def clock() -> datetime:
    return datetime(2026, 1, 1, tzinfo=timezone.utc)  # the service moves each version 1 ms past the last


@pytest.fixture
def service() -> ImagingStudyService:
    return ImagingStudyService(MemoryStore(), b"secret", clock=clock)


def created(service: ImagingStudyService) -> str:
    return service.create(CreateRequest(two_series_study())).version.id


def patch_request(resource_id: str, *operations: dict, if_match: int | None = None) -> PatchRequest:
    return PatchRequest(resource_id, JSON_PATCH, json.dumps(list(operations)).encode(), if_match)


CANCEL = {"op": "replace", "path": "/status", "value": "cancelled"}


def test_patch_writes_the_next_version_recorded_as_an_update(service):
    rid = created(service)
    result = service.patch(patch_request(rid, CANCEL, if_match=1))
    stored = json.loads(result.version.body)
    assert result.status == 200 and result.version.version == 2 and stored["meta"]["versionId"] == "2"
    assert stored["status"] == "cancelled" and stored["id"] == rid
    history = service.history(HistoryRequest(rid))
    assert [v.kind.value for v in history.versions] == ["PUT", "POST"]
    assert '"valueDecimal":1.50' in result.version.body


def test_patch_of_an_unknown_study_is_404_and_of_a_deleted_one_410(service):
    with pytest.raises(NotFound):
        service.patch(patch_request("nobody", CANCEL))
    rid = created(service)
    service.delete(DeleteRequest(rid))
    with pytest.raises(Gone):
        service.patch(patch_request(rid, CANCEL))


def test_patch_with_a_stale_if_match_is_412(service):
    rid = created(service)
    service.patch(patch_request(rid, CANCEL))
    with pytest.raises(PreconditionFailed):
        service.patch(patch_request(rid, {"op": "remove", "path": "/series/1"}, if_match=1))


def test_patch_whose_result_is_invalid_is_422_with_the_validation_issues(service):
    rid = created(service)
    with pytest.raises(Unprocessable) as refused:
        service.patch(patch_request(rid, {"op": "remove", "path": "/subject"},
                                    {"op": "replace", "path": "/series/0/uid", "value": "not a uid"}))
    expressions = {e for issue in refused.value.issues for e in issue.expression}
    assert {"ImagingStudy.subject", "ImagingStudy.series[0].uid"} <= expressions
    assert refused.value.status == 422


def test_malformed_patch_is_400_before_the_study_is_looked_up(service):
    with pytest.raises(BadRequest):
        service.patch(PatchRequest("nobody", JSON_PATCH, b"{}"))


class RacingStore(MemoryStore):
    """Lets another writer update the study just before the patch's first write lands."""

    def __init__(self) -> None:
        super().__init__()
        self.race: Any = None

    def put_version(self, new, expected_version, *args, **kwargs):
        if self.race is not None:
            race, self.race = self.race, None
            race()
        return super().put_version(new, expected_version, *args, **kwargs)


def test_patch_without_if_match_reapplies_itself_after_a_concurrent_write():
    store = RacingStore()
    service = ImagingStudyService(store, b"secret", clock=clock)
    rid = created(service)
    current = jsontext.loads(store.get_current(rid).body)
    store.race = lambda: service.update(UpdateRequest(rid, {**current, "description": "concurrent"}))
    result = service.patch(patch_request(rid, CANCEL))
    stored = json.loads(result.version.body)
    assert result.version.version == 3  # after the concurrent version 2, not instead of it
    assert stored["status"] == "cancelled" and stored["description"] == "concurrent"


def test_patch_with_if_match_does_not_retry_after_a_concurrent_write():
    store = RacingStore()
    service = ImagingStudyService(store, b"secret", clock=clock)
    rid = created(service)
    current = jsontext.loads(store.get_current(rid).body)
    store.race = lambda: service.update(UpdateRequest(rid, {**current, "description": "concurrent"}))
    with pytest.raises(PreconditionFailed):
        service.patch(patch_request(rid, CANCEL, if_match=1))
    assert json.loads(store.get_current(rid).body)["status"] == "available"
