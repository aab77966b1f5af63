"""limits.py and http/limits.py: each limit's boundary, and a real 10,000-instance study is well inside all of them."""
from __future__ import annotations

import json

import pytest

from fhirimaging import jsontext, limits
from fhirimaging.errors import BadRequest, PayloadTooLarge, UriTooLong
from fhirimaging.http.limits import check_event


def nested(depth: int) -> str:
    return '{"a":' * (depth - 1) + "[]" + "}" * (depth - 1)


def test_depth_64_passes_and_65_is_400():
    jsontext.load_document(nested(64).encode(), "body", "a resource")
    with pytest.raises(BadRequest, match="nested too deeply: more than 64 levels"):
        jsontext.load_document(nested(65).encode(), "body", "a resource")


def test_array_and_string_boundaries():
    jsontext.load_document(json.dumps({"x": [0] * 100_000, "s": "a" * 1024 * 1024}).encode(), "body", "")
    with pytest.raises(PayloadTooLarge, match="100001 items"):
        jsontext.load_document(json.dumps({"x": [0] * 100_001}).encode(), "body", "")
    with pytest.raises(BadRequest, match="1048577 characters"):
        jsontext.load_document(json.dumps({"x": ["a" * (1024 * 1024 + 1)]}).encode(), "body", "")
    with pytest.raises(BadRequest, match="1048577 characters"):
        jsontext.load_document(json.dumps({"a" * (1024 * 1024 + 1): 1}).encode(), "patch document", "")


def test_query_length_and_parameter_count():
    check_event({"rawQueryString": "a=" + "x" * 8190})
    check_event({"rawQueryString": "&".join(["a=1"] * 100) + "&&"})
    with pytest.raises(UriTooLong) as too_long:
        check_event({"rawQueryString": "a=" + "x" * 8191})
    assert too_long.value.status == 414
    with pytest.raises(BadRequest, match="101 parameters"):
        check_event({"rawQueryString": "&".join(["a=1"] * 101)})


def test_a_10000_instance_study_is_within_the_limits():
    instances = [{"uid": f"1.2.3.{i}", "sopClass": {"system": "urn:ietf:rfc:3986", "code": "urn:oid:1.2.840"},
                  "number": i} for i in range(10_000)]
    study = {"resourceType": "ImagingStudy", "status": "available", "subject": {"reference": "Patient/p"},
             "series": [{"uid": "1.2.3", "modality": {"coding": [{"code": "CT"}]}, "instance": instances}]}
    document = jsontext.loads(json.dumps(study))
    limits.check_document(document)  # no exception: within every limit
