"""Change events end to end on moto: real handlers write, the table's stream feeds the publisher handler,
and the events land on an EventBridge bus (read back through a rule that targets an SQS queue)."""
from __future__ import annotations

import json

import boto3
import pytest

from fhirimaging import runtime
from fhirimaging.changes.publishers import EventBridgePublisher
from local.functions import LambdaContext, load_handler
from tests.events import load_event
from tests.functional.conftest import TEMPLATE, stream_event

BASE = "https://api.example/fhir/R5"
BUS = "changes"
UID = "2.16.124.113543.6003.1154777499.30246.19789.3503430045"
OTHER_UID = "1.2.826.0.1.3680043.8.498.1"
_CREDENTIALS = dict(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="session")
def aws_clients(streams):
    return streams, boto3.client("events", **_CREDENTIALS), boto3.client("sqs", **_CREDENTIALS)


@pytest.fixture
def bus(api, aws_clients):
    """An EventBridge bus whose every fhir-imaging event is copied to a queue; yields a reader of it."""
    _, events, sqs = aws_clients
    events.create_event_bus(Name=BUS)
    queue_url = sqs.create_queue(QueueName="changes")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all", EventBusName=BUS, EventPattern=json.dumps({"source": ["fhir-imaging"]}))
    events.put_targets(Rule="all", EventBusName=BUS, Targets=[{"Id": "queue", "Arn": queue_arn}])
    runtime.override_publisher(EventBridgePublisher(events, BUS, BASE))

    def received() -> list[dict]:
        out = []
        while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
            out += [json.loads(m["Body"]) for m in batch]
            sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
        return out

    try:
        yield received
    finally:
        runtime.override_publisher()


def publish(event: dict) -> dict:
    fn = TEMPLATE.function("PublisherFunction")
    return load_handler(fn)(event, LambdaContext(fn))


def test_create_update_patch_delete_and_recreate_give_one_event_per_version_in_order(api, bus, dynamodb,
                                                                                      aws_clients):
    # GIVEN a scripted life of ImagingStudy/example, interleaved with the creation of another study
    example = load_event("update")
    assert api("update").status == 201                                                 # v1 update-as-create
    other_body = json.loads(load_event("create")["body"])
    other_body["identifier"] = [{"system": "urn:dicom:uid", "value": f"urn:oid:{OTHER_UID}"}]
    other = api("create", body=other_body).json()["id"]                                # other v1
    changed = {**json.loads(example["body"]), "description": "second version"}
    assert api("update", body=changed).status == 200                                    # v2
    assert api("patch").status == 200                                                   # v3 (JSON Patch)
    assert api("delete").status == 204                                                  # v4 deletion
    assert api("update").status == 201                                                  # v5 after deletion
    # WHEN the table's stream (every item: versions, current, index and guard items) reaches the publisher
    event = stream_event(dynamodb, aws_clients[0])
    assert len(event["Records"]) > 6  # the stream holds far more than the six versions
    assert publish(event) == {"batchItemFailures": []}
    # THEN exactly one event per version, in version order, with the right type and no body
    received = bus()
    assert all(e["source"] == "fhir-imaging" and set(e["detail"]) == {
        "resourceType", "id", "versionId", "lastUpdated", "studyInstanceUid", "fullUrl"} for e in received)
    summary = [(e["detail-type"], e["detail"]["id"], e["detail"]["versionId"], e["detail"]["studyInstanceUid"])
               for e in received]
    assert summary == [
        ("ImagingStudy Created", "example", "1", UID),
        ("ImagingStudy Created", other, "1", OTHER_UID),
        ("ImagingStudy Updated", "example", "2", UID),
        ("ImagingStudy Updated", "example", "3", UID),
        ("ImagingStudy Deleted", "example", "4", None),
        ("ImagingStudy Created", "example", "5", UID),
    ]
    # AND each links the version it stands for, which reads back with the event's lastUpdated
    first = received[0]["detail"]
    assert first["fullUrl"] == f"{BASE}/ImagingStudy/example/_history/1"
    version = api("vread", id="example", vid="1").json()
    assert version["meta"]["lastUpdated"] == first["lastUpdated"]


def test_a_failed_put_reports_the_first_unpublished_record_and_a_retry_publishes_the_rest(api, bus, dynamodb,
                                                                                          aws_clients):
    # GIVEN three versions of one study in the stream, and a bus that refuses version 2 at first
    api("update")
    api("update", body={**json.loads(load_event("update")["body"]), "description": "two"})
    api("delete")
    event = stream_event(dynamodb, aws_clients[0])
    events = aws_clients[1]
    real = events.put_events
    refusing = {"on": True}

    def put_events(Entries):
        if refusing["on"] and any(json.loads(e["Detail"])["versionId"] == "2" for e in Entries):
            ok = [e for e in Entries if json.loads(e["Detail"])["versionId"] != "2"]
            landed = iter(real(Entries=ok)["Entries"]) if ok else iter(())
            results = [{"ErrorCode": "ThrottlingException"} if json.loads(e["Detail"])["versionId"] == "2"
                       else next(landed) for e in Entries]
            return {"FailedEntryCount": 1, "Entries": results}
        return real(Entries=Entries)

    runtime.override_publisher(EventBridgePublisher(type("Client", (), {"put_events": staticmethod(put_events)}), BUS,
                                             BASE, backoff_seconds=0))
    # WHEN the batch is published: version 2 fails after its retries
    result = publish(event)
    sequence = {r["dynamodb"]["SequenceNumber"]: r for r in event["Records"]}
    (failure,) = result["batchItemFailures"]
    failed = sequence[failure["itemIdentifier"]]["dynamodb"]
    assert failed["Keys"]["sk"]["S"] == "current" and failed["NewImage"]["version"]["N"] == "2"
    # THEN Lambda resumes at that record: the retried rest lands, version 1 arrives again (at-least-once)
    refusing["on"] = False
    resumed = {"Records": [r for r in event["Records"]
                           if int(r["dynamodb"]["SequenceNumber"]) >= int(failure["itemIdentifier"])]}
    assert publish(resumed) == {"batchItemFailures": []}
    assert [(e["detail-type"], e["detail"]["versionId"]) for e in bus()] == [
        ("ImagingStudy Created", "1"), ("ImagingStudy Updated", "2"), ("ImagingStudy Deleted", "3")]
