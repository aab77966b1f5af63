"""The local stack feeds the embedded table's stream to the index cleanup as the template wires it: the entries an
If-Match update left stale are deleted, and the index holds exactly the current version's terms."""
from __future__ import annotations

import json
from pathlib import Path

import boto3

from fhirimaging.search import index
from tests.oracle import assert_valid_r5
from tests.uids import own_uid

ROOT = Path(__file__).resolve().parents[2]
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def test_the_entries_an_if_match_update_left_stale_are_deleted_from_the_stream(stack, http):
    # GIVEN a study with modality CT, changed to MR by an If-Match update (written without a read)
    body = own_uid(json.loads(json.loads((ROOT / "events" / "create.json").read_text())["body"]))
    created = http.post("ImagingStudy", data=json.dumps(body), headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    study = assert_valid_r5(created.text)
    study["series"][0]["modality"]["coding"][0]["code"] = "MR"
    updated = http.put(f"ImagingStudy/{study['id']}", data=json.dumps(study),
                       headers={**FHIR_JSON, "If-Match": created.headers["ETag"]})
    assert updated.status_code == 200, updated.text
    current = assert_valid_r5(updated.text)
    # WHEN the stream so far has reached the functions it feeds
    stack.wait_for_events()
    # THEN the update was the kind that leaves stale terms, and none is left
    client = boto3.client("dynamodb", endpoint_url=stack.dynamodb_endpoint_url,
                          region_name=stack.environment["AWS_DEFAULT_REGION"])
    items = client.query(TableName=stack.table_name, KeyConditionExpression="pk = :pk",
                         ExpressionAttributeValues={":pk": {"S": f"ImagingStudy#{study['id']}"}})["Items"]
    by_sk = {item["sk"]["S"]: item for item in items}
    assert by_sk["current"]["staleTerms"] == {"BOOL": True}
    expected = index.index_entries(current, current["id"], current["meta"]["lastUpdated"])
    assert {sk[2:]: item["s_sk"]["S"] for sk, item in by_sk.items() if sk.startswith("i#")} == expected
    assert "modality|*|CT" not in expected
