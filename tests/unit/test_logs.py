"""fhirimaging.logs: Lambda's JSON log shape off Lambda, and the request metric as one EMF line."""
from __future__ import annotations

import json
import logging
import sys

from fhirimaging import logs


def test_a_record_is_one_json_object_with_its_extra_fields_and_stack_trace():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("fhir-imaging", logging.ERROR, __file__, 1, "request %s", ("failed",),
                                   exc_info=sys.exc_info())
    record.status, record.params = 500, ["_count"]
    entry = json.loads(logs.JsonFormatter().format(record))
    assert entry["level"] == "ERROR" and entry["message"] == "request failed" and entry["logger"] == "fhir-imaging"
    assert entry["status"] == 500 and entry["params"] == ["_count"]
    assert entry["timestamp"].endswith("Z") and "ValueError: boom" in entry["stackTrace"][-1]
    assert "args" not in entry and "exc_info" not in entry  # the record's own attributes stay out


def test_count_prints_one_embedded_metric_format_line(capsys):
    logs.count("Requests", "FhirImaging", {"interaction": "read", "status": "200"})
    line = json.loads(capsys.readouterr().out)
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive == {"Namespace": "FhirImaging", "Dimensions": [["interaction", "status"]],
                         "Metrics": [{"Name": "Requests", "Unit": "Count"}]}
    assert line["interaction"] == "read" and line["status"] == "200" and line["Requests"] == 1
    assert isinstance(line["_aws"]["Timestamp"], int)
