"""End to end through the local stack: DICOM uploaded to its S3 endpoint becomes searchable ImagingStudy,
and every stored version is written to the change-events file."""
from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor

import boto3

from tests.dicom_files import synthetic_study
from tests.integration.test_interactions import checked

DICOM = "urn:dicom:uid"


def test_uploads_twice_in_shuffled_order_become_three_exact_studies(stack, http):
    # GIVEN three studies of 3 series x 20 instances, every file uploaded twice, shuffled, from 4 threads
    studies = [synthetic_study(3, 20) for _ in range(3)]
    uploads = [(key, body) for _, _, files in studies for key, body in files] * 2
    random.Random(7).shuffle(uploads)
    s3 = boto3.client("s3", endpoint_url=stack.s3.endpoint_url, region_name="us-east-1",
                      aws_access_key_id="local", aws_secret_access_key="local")
    s3.create_bucket(Bucket=stack.bucket)  # idempotent; another test's mock may have reset moto's S3
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda upload: s3.put_object(Bucket=stack.bucket, Key=upload[0], Body=upload[1]), uploads))
    # WHEN the local queue has delivered them to the ingest function
    stack.wait_for_events(timeout=120)
    # THEN each study is found by its Study Instance UID with exactly its series and instances
    for study_uid, layout, _ in studies:
        bundle = checked(http.get("ImagingStudy", params={"identifier": f"{DICOM}|urn:oid:{study_uid}"})).json()
        matches = [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]
        assert len(matches) == 1
        study = matches[0]
        assert study["numberOfSeries"] == 3 and study["numberOfInstances"] == 60
        assert {s["uid"]: {i["uid"]: i["number"] for i in s["instance"]} for s in study["series"]} == \
               {uid: series["instances"] for uid, series in layout.items()}
        # AND the duplicates made no extra versions: one version per delivery batch that changed it at most,
        # and uploading everything again changes nothing
        versions_before = int(study["meta"]["versionId"])
        _, _, files = next(s for s in studies if s[0] == study_uid)
        for key, body in files:
            s3.put_object(Bucket=stack.bucket, Key=key, Body=body)
        stack.wait_for_events(timeout=60)
        again = checked(http.get(f"ImagingStudy/{study['id']}")).json()
        assert int(again["meta"]["versionId"]) == versions_before
    # AND the change-events file holds one line per stored version of these studies, in version order
    ids = {checked(http.get("ImagingStudy", params={"identifier": f"{DICOM}|urn:oid:{uid}"})).json()["entry"][0]
           ["resource"]["id"]: uid for uid, _, _ in studies}
    events = [json.loads(line) for line in stack.change_events_file.read_text().splitlines() if line.strip()]
    for rid in ids:
        mine = [e for e in events if e["detail"]["id"] == rid]
        latest = int(checked(http.get(f"ImagingStudy/{rid}")).json()["meta"]["versionId"])
        assert [int(e["detail"]["versionId"]) for e in mine] == list(range(1, latest + 1))
        assert mine[0]["detail-type"] == "ImagingStudy Created"
