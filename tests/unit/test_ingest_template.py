"""template.yaml's DICOM ingest: bucket -> queue (+ DLQ) -> function, each locked down."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.template import load_template

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def resources():
    return load_template(ROOT / "template.yaml").resources


def test_the_bucket_is_encrypted_private_tls_only_and_notifies_the_queue(resources):
    bucket = resources["DicomBucket"]["Properties"]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    [notification] = bucket["NotificationConfiguration"]["QueueConfigurations"]
    assert notification == {"Event": "s3:ObjectCreated:*", "Queue": {"Fn::GetAtt": ["DicomQueue", "Arn"]}}
    [deny] = resources["DicomBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    [allow] = resources["DicomQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert allow["Principal"] == {"Service": "s3.amazonaws.com"} and allow["Action"] == "sqs:SendMessage"
    assert set(allow["Condition"]) == {"ArnEquals", "StringEquals"}


def test_the_queue_outlasts_the_function_and_dead_letters_after_three_receives(resources):
    queue = resources["DicomQueue"]["Properties"]
    function = resources["IngestFunction"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["DicomDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": 3}
    assert "Events" not in function  # a plain event source mapping: SAM's SQS event grants every queue
    [mapping] = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"
                 and r["Properties"]["FunctionName"] == {"Ref": "IngestFunction"}]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["DicomQueue", "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == (100, 5)


def test_the_ingest_function_may_read_dicom_objects_and_write_studies_only(resources):
    [policy] = resources["IngestFunction"]["Properties"]["Policies"]
    queue = {"Fn::GetAtt": ["DicomQueue", "Arn"]}
    granted = {(a, json.dumps(s["Resource"])) for s in policy["Statement"] for a in s["Action"]
               if s["Resource"] != queue}
    # the event source mapping's reads of its queue, on that queue only
    assert {a for s in policy["Statement"] if s["Resource"] == queue for a in s["Action"]} == {
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"}
    s3 = {(a, json.loads(r)["Fn::Sub"].rsplit("-", 2)[1]) for a, r in granted if a.startswith("s3:")}
    # DICOM objects are only read; the large bodies of the studies it writes are its only S3 writes (never a
    # delete: only the sweeper deletes bodies).
    assert s3 == {("s3:GetObject", "dicom"), ("s3:GetObject", "bodies"), ("s3:PutObject", "bodies")}
    assert {a for a, _ in granted if a.startswith("dynamodb:")} == {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchGetItem",
        "dynamodb:Query"}
