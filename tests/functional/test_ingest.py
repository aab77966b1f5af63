"""DICOM ingest through the real handler: S3 notifications via SQS events, over moto's S3 and DynamoDB.

Every file is delivered twice, shuffled, across concurrent batches; the studies come out exact and
re-deliveries add no versions. Objects that can never be ingested fail only their own records.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote_plus

import boto3
import pydicom
import pytest
from moto import mock_aws
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

from fhirimaging import runtime
from fhirimaging.service import ImagingStudyService
from fhirimaging.settings import Settings
from fhirimaging.store.dynamodb import DynamoDbStore
from local.dynamodb import ensure_table
from local.functions import LambdaContext, load_handler
from tests.dicom_files import dicom_bytes
from tests.dicom_files import template_dataset as synthetic_template
from tests.events import EVENTS
from tests.functional.conftest import SECRET, TABLE, TEMPLATE, Api, item_level_transactions

BUCKET = "dicom-inbox"
SOP_CLASSES = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4",
               "OT": "1.2.840.10008.5.1.4.1.1.7"}
INGEST = TEMPLATE.function("IngestFunction")


class Serialised:
    """The DynamoDB client with one call at a time: moto's conditional writes are not atomic across threads
    (real DynamoDB's are), so the handlers' concurrency is tested, not moto's."""

    def __init__(self, client):
        self._client, self._lock = client, threading.Lock()

    def __getattr__(self, name):
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            with self._lock:
                return attr(*args, **kwargs)
        return call


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="module")
def s3_client():
    return boto3.client("s3", region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@pytest.fixture
def stack(dynamodb, s3_client):
    with mock_aws():
        ensure_table(dynamodb, TABLE, TEMPLATE.table_properties)
        s3_client.create_bucket(Bucket=BUCKET)
        service = ImagingStudyService(DynamoDbStore(Serialised(dynamodb), TABLE), SECRET)
        runtime.override(Settings(table_name=TABLE, cursor_secret=SECRET), service, s3_client)
        for function in ("IngestFunction", "SearchFunction", "HistoryFunction"):
            load_handler(TEMPLATE.function(function))
        lines = Lines()
        logging.getLogger("fhir-imaging").addHandler(lines)
        try:
            with item_level_transactions():
                yield s3_client, lines
        finally:
            logging.getLogger("fhir-imaging").removeHandler(lines)
            runtime.override()


@pytest.fixture(scope="module")
def template_dataset():
    return synthetic_template()


def sqs_event(keys: list[str]) -> tuple[dict, list[str]]:
    ids = [str(uuid.uuid4()) for _ in keys]
    records = []
    for message_id, key in zip(ids, keys):
        notification = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                                     "s3": {"bucket": {"name": BUCKET}, "object": {"key": quote_plus(key, safe="/")}}}]}
        records.append({"messageId": message_id, "receiptHandle": "r", "body": json.dumps(notification),
                        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                        "eventSource": "aws:sqs", "awsRegion": "us-east-1",
                        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:DicomQueue"})
    return {"Records": records}, ids


def deliver(keys: list[str]) -> tuple[dict, list[str]]:
    event, ids = sqs_event(keys)
    return load_handler(INGEST)(event, LambdaContext(INGEST)), ids


def deliver_concurrently(keys: list[str], batch_size: int = 25, threads: int = 4) -> None:
    batches = [keys[i:i + batch_size] for i in range(0, len(keys), batch_size)]
    if threads == 1:
        results = [deliver(b) for b in batches]
    else:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(deliver, batches))
    for result, _ in results:
        assert result == {"batchItemFailures": []}


def find(study_uid: str) -> list[dict]:
    bundle = Api()("search", query=f"identifier=urn:dicom:uid|urn:oid:{study_uid}").json()
    return [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def test_three_studies_delivered_twice_out_of_order_come_out_exact(stack, template_dataset):
    s3, _ = stack
    expected: dict[str, dict[str, dict]] = {}  # study uid -> series uid -> {number, modality, instances}
    keys = []
    for s in range(3):
        study_uid = generate_uid()
        expected[study_uid] = {}
        for n, modality in enumerate(SOP_CLASSES, start=1):
            series_uid = generate_uid()
            instances = {}
            for i in range(1, 21):
                sop_uid = generate_uid()
                instances[sop_uid] = i
                key = f"inbox/study {s}/series+{n}/img ({i}).dcm"
                s3.put_object(Bucket=BUCKET, Key=key, Body=dicom_bytes(
                    template_dataset, StudyInstanceUID=study_uid, SeriesInstanceUID=series_uid,
                    SOPInstanceUID=sop_uid, SOPClassUID=SOP_CLASSES[modality], Modality=modality,
                    SeriesNumber=n, InstanceNumber=i, AccessionNumber=f"ACC{s}"))
                keys.append(key)
            expected[study_uid][series_uid] = {"number": n, "modality": modality, "instances": instances}

    deliveries = keys * 2
    random.Random(7).shuffle(deliveries)
    deliver_concurrently(deliveries)

    versions = {}
    for study_uid, series in expected.items():
        [study] = find(study_uid)
        assert study["identifier"] == [
            {"system": "urn:dicom:uid", "value": f"urn:oid:{study_uid}"},
            {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "ACSN"}]},
             "value": f"ACC{list(expected).index(study_uid)}"}]
        assert study["numberOfSeries"] == 3 and study["numberOfInstances"] == 60
        assert [m["coding"][0]["code"] for m in study["modality"]] == ["CT", "MR", "OT"]
        assert [s["uid"] for s in study["series"]] == list(series)  # ordered by series number
        for got in study["series"]:
            want = series[got["uid"]]
            assert got["number"] == want["number"]
            assert got["modality"]["coding"][0]["code"] == want["modality"]
            assert got["numberOfInstances"] == 20
            assert [(i["uid"], i["number"]) for i in got["instance"]] == list(want["instances"].items())
            assert {i["sopClass"]["code"] for i in got["instance"]} == {f"urn:oid:{SOP_CLASSES[want['modality']]}"}
        versions[study["id"]] = int(study["meta"]["versionId"])
        # at most one write per batch that brought something new: far fewer than the 120 deliveries
        assert versions[study["id"]] <= len(deliveries) // 25 + 1

    # everything once more: not one new version
    deliver_concurrently(keys)
    for study_uid in expected:
        [study] = find(study_uid)
        assert int(study["meta"]["versionId"]) == versions[study["id"]]
        history = Api()("history", id=study["id"], query="_count=100").json()
        assert len(history["entry"]) == versions[study["id"]]


def test_objects_that_cannot_be_ingested_fail_alone_with_a_log_line_each(stack, template_dataset):
    s3, lines = stack
    study_uid, series_uid = generate_uid(), generate_uid()
    good = []
    for i in range(1, 4):
        key = f"good/{i}.dcm"
        s3.put_object(Bucket=BUCKET, Key=key, Body=dicom_bytes(
            template_dataset, StudyInstanceUID=study_uid, SeriesInstanceUID=series_uid,
            SOPInstanceUID=generate_uid(), InstanceNumber=i))
        good.append(key)
    whole = dicom_bytes(template_dataset, StudyInstanceUID=generate_uid(), SOPInstanceUID=generate_uid())
    bad = {
        "bad/cut mid-header.dcm": (whole[:2001], "truncated"),
        "bad/picture.png": (b"\x89PNG\r\n\x1a\n" + bytes(200), "not a DICOM"),
        "bad/no-study-uid.dcm": (dicom_bytes(template_dataset, StudyInstanceUID=None,
                                             SOPInstanceUID=generate_uid()), "no StudyInstanceUID"),
    }
    for key, (body, _) in bad.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)

    keys = [good[0], *list(bad)[:2], good[1], list(bad)[2], good[2]]
    result, ids = deliver(keys)

    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    assert failed == {ids[keys.index(k)] for k in bad}
    for key, (_, reason) in bad.items():
        [line] = [r.getMessage() for r in lines.records if key in r.getMessage()]
        assert line.startswith(f"not ingested: s3://{BUCKET}/{key}: ") and reason in line, line
    [study] = find(study_uid)
    assert study["numberOfInstances"] == 3 and study["meta"]["versionId"] == "1"
    everything = Api()("search", query="_count=10").json()
    assert [e["resource"]["id"] for e in everything["entry"] if e["search"]["mode"] == "match"] == [study["id"]]


def test_the_events_file_is_an_sqs_event_of_an_s3_notification(stack, template_dataset):
    s3, _ = stack
    event = json.loads((EVENTS / "ingest.json").read_text())
    notification = json.loads(event["Records"][0]["body"])["Records"][0]["s3"]
    key = "studies/CT small (1).dcm"  # the file's key, URL-encoded as S3 sends it
    assert notification["object"]["key"] == quote_plus(key, safe="/") and notification["bucket"]["name"] == BUCKET
    s3.put_object(Bucket=BUCKET, Key=key,
                  Body=open(get_testdata_file("CT_small.dcm"), "rb").read())
    assert load_handler(INGEST)(event, LambdaContext(INGEST)) == {"batchItemFailures": []}
    assert find(pydicom.dcmread(get_testdata_file("CT_small.dcm")).StudyInstanceUID)


def test_s3_test_events_are_acknowledged_and_write_nothing(stack):
    event, _ = sqs_event(["x"])
    event["Records"][0]["body"] = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET})
    assert load_handler(INGEST)(event, LambdaContext(INGEST)) == {"batchItemFailures": []}
    assert "entry" not in Api()("search", query="_count=10").json()
