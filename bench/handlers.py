"""Parts b and c: the real handlers, invoked with the events/ files as Lambda would, on in-process DynamoDB.

c: each interaction on an ordinary study (events/create.json's body) runs once on moto; every DynamoDB
   request it makes is counted, an update with If-Match (written without a read) and one without apart.
   The writes of a 1,000-instance study are counted as well.
b: read, vread, create, update and a 50-result search of 1,000-instance studies are recorded once on moto,
   then replayed with botocore's Stubber answering each request with its recorded response, and timed
   (median of RUNS) against orjson.loads + orjson.dumps of the same body: the response's for read, vread
   and search, the request's for create and update. The Stubber hands back parsed responses, so the
   time botocore spends parsing a real response (large for big items) is not in these figures.
"""
from __future__ import annotations

import contextlib
import gc
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import orjson
from botocore import xform_name
from botocore.stub import Stubber

from bench.dynamo import TABLE, Recorder, moto_table, study_items, write_items
from bench.study import large_study
from bench.table import Row
from fhirimaging import runtime
from fhirimaging.service import ImagingStudyService, bundles
from fhirimaging.settings import Settings
from fhirimaging.store.dynamodb import DynamoDbStore
from local.functions import LambdaContext, load_handler
from local.template import load_template
from tests.events import load_event

SECRET = b"bench-cursor-secret"
RUNS = 30
INSTANCES = 1_000
PAGE = 50
# Targets: warm time as a multiple of the orjson floor, DynamoDB requests per interaction.
MAX_FLOOR_RATIO = {"read": 3, "search": 4}
# A batch entry is one interaction (validation, one DynamoDB request) with the Bundle's parse and render around it.
BATCH_MS_PER_ENTRY = 5
ONE_REQUEST = ("read", "vread", "create", "update with If-Match")
LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024

Script = list[tuple[str, dict[str, Any]]]  # the (operation, parsed response) of each request, in order


class Api:
    """Invokes a function by its folder name with an events/ file; remembers the DynamoDB requests it made."""

    def __init__(self, client: Any, recorder: Recorder | None = None) -> None:
        self.template = load_template()
        self.recorder = recorder
        runtime.override(Settings(table_name=TABLE, cursor_secret=SECRET),
                         ImagingStudyService(DynamoDbStore(client, TABLE), SECRET))

    def __call__(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        fn = self.template.function(_logical_id(function))
        if self.recorder:
            self.recorder.reset()
        response = load_handler(fn)(event, LambdaContext(fn))
        if response["statusCode"] >= 400:
            raise RuntimeError(f"{function} answered {response['statusCode']}: {response['body'][:300]}")
        return response


def run() -> list[Row]:
    # The handlers log (and publish metrics) on stdout; the table is all this run prints there.
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        try:
            counts = count_requests()
            scripts, cases, large_counts = record_large()
            times = time_replays(scripts, cases)
            times += time_batch()
        finally:
            runtime.override()
    return counts + large_counts + times


def count_requests() -> list[Row]:
    """Part c: DynamoDB requests of each interaction on an ordinary study."""
    rows = []
    with moto_table() as client:
        api = Api(client, Recorder(client))

        def count(interaction: str, function: str, event: dict[str, Any]) -> dict[str, Any]:
            response = api(function, event)
            requests, judged = len(api.recorder.calls), interaction in ONE_REQUEST
            rows.append(Row("c", f"DynamoDB requests: {interaction}", requests, target="== 1" if judged else "",
                            ok=requests == 1 if judged else None, note=api.recorder.operations()))
            return response

        created = json.loads(count("create", "create", load_event("create"))["body"])
        rid = created["id"]
        count("read", "read", load_event("read", id=rid))
        count("vread", "vread", load_event("vread", id=rid, vid="1"))
        count("update with If-Match", "update",
              load_event("update-if-match", id=rid, body={**created, "description": "updated"}))
        count("update without If-Match", "update",
              load_event("update", id=rid, body={**created, "description": "again"}))
        count("patch", "patch", load_event("patch", id=rid))
        count("search", "search", load_event("search"))
        count("history", "history", load_event("history", id=rid))
        count("type history", "type_history", load_event("type_history"))
        count("delete", "delete", load_event("delete", id=rid))
        rows += count_transactions(api, created)
    return rows


def count_transactions(api: Api, created: dict[str, Any]) -> list[Row]:
    """Part c: DynamoDB requests of a transaction of n ordinary studies, created plainly (target: a guard read
    each, and the one TransactWriteItems) and conditionally on their Study Instance UIDs (If-None-Exist)."""
    rows = []
    study = {k: v for k, v in created.items() if k not in ("id", "meta")}
    for n in (1, 2, bundles.ORDINARY_STUDIES_PER_TRANSACTION):
        for conditional in (False, True):
            entries = []
            for _ in range(n):
                uid = f"urn:oid:2.25.{uuid.uuid4().int}"
                request = {"method": "POST", "url": "ImagingStudy"}
                if conditional:
                    request["ifNoneExist"] = f"identifier=urn:dicom:uid|{uid}"
                entries.append({"resource": {**study, "identifier": [{"system": "urn:dicom:uid", "value": uid}]},
                                "request": request})
            api("bundle", load_event("transaction", body={"resourceType": "Bundle", "type": "transaction",
                                                          "entry": entries}))
            requests = len(api.recorder.calls)
            label = f"DynamoDB requests: transaction of {n} {'conditional ' if conditional else ''}creates"
            rows.append(Row("c", label, requests, target="" if conditional else f"== {n + 1}",
                            ok=None if conditional else requests == n + 1, note=api.recorder.operations()))
    return rows


def record_large() -> tuple[dict[str, Script], dict[str, tuple[dict, bytes]], list[Row]]:
    """Each timed interaction once on moto: its event, its requests with their responses, the body of its floor."""
    study = large_study(INSTANCES)
    scripts: dict[str, Script] = {}
    cases: dict[str, tuple[dict, bytes]] = {}
    with moto_table() as client:
        api = Api(client, Recorder(client))

        def record(interaction: str, event: dict[str, Any], floor_body: bytes | None = None) -> dict[str, Any]:
            response = api(interaction, event)
            scripts[interaction] = list(api.recorder.calls)
            cases[interaction] = (event, floor_body or response["body"].encode())
            return response

        create = load_event("create", body=study)
        created = json.loads(record("create", create, create["body"].encode())["body"])
        rid = created["id"]
        record("read", load_event("read", id=rid))
        record("vread", load_event("vread", id=rid, vid="1"))
        update = load_event("update", id=rid, body={**created, "description": "re-read"})
        record("update", update, update["body"].encode())
        # The rest of the page: copies under their own ids, seeded as the store writes them, less the index items
        # of other parameters (~1,000 per study: half a minute of moto, and no part of this search's answers).
        write_items(client, [item for n in range(1, PAGE) for item in study_items({**created, "id": f"copy-{n:02d}"})
                             if item.get("s_pk", {"S": "patient|"})["S"].startswith("patient|")])
        query = f"patient={study['subject']['reference']}&_count={PAGE}"
        record("search", load_event("search", query=query))
    rows = [Row("c", f"DynamoDB requests: {interaction} ({INSTANCES:,}-instance study)", len(scripts[interaction]),
                note=Recorder.describe(scripts[interaction])) for interaction in ("create", "update")]
    return scripts, cases, rows


def time_replays(scripts: dict[str, Script], cases: dict[str, tuple[dict, bytes]]) -> list[Row]:
    """Part b: each recorded interaction replayed RUNS times with the Stubber, vs the orjson floor of its body."""
    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="bench",
                          aws_secret_access_key="bench")
    api = Api(client)
    rows = []
    # A Lambda process holds little besides its modules; this one holds moto and the recordings. Frozen, the
    # collector stops rescanning them, which would otherwise inflate every timing of a large body (both sides).
    gc.collect()
    gc.freeze()
    with Stubber(client) as stubber:
        for interaction, (event, body) in cases.items():
            replays = [_replay(api, stubber, interaction, event, scripts[interaction]) for _ in range(RUNS + 1)]
            warm = statistics.median(elapsed for elapsed, _ in replays[1:]) * 1000  # the first one warms up
            floor = _median_ms(lambda: orjson.dumps(orjson.loads(body)))  # noqa: B023  called right here
            limit = MAX_FLOOR_RATIO.get(interaction)
            text = replays[-1][1]
            size = len(text.encode())
            note = f"body {len(body) / 1024:,.0f} KB; response {size / 1024:,.0f} KB"
            if size > LAMBDA_RESPONSE_LIMIT:
                note += " (over Lambda's 6 MB response limit)"
            label = f"warm {interaction}"
            if interaction == "search":  # a page stops short of the response limit (and says so)
                entries = [e for e in json.loads(text)["entry"] if e["search"]["mode"] == "match"]
                label += f" ({len(entries)} of _count={PAGE})"
            rows.append(Row("b", f"{label}, {INSTANCES:,}-instance studies", warm, "ms", floor,
                            f"<= {limit}x" if limit else "", warm <= limit * floor if limit else None, note))
    gc.unfreeze()
    return rows


def time_batch(entries: int = 100) -> list[Row]:
    """Part b: a batch of `entries` ordinary entries (creates, If-Match updates and reads, in equal parts) recorded
    on moto and replayed with the Stubber, its entries one at a time so that the recorded responses come in order
    (deployed, BATCH_WORKERS run at once: this is the handler's own work, not DynamoDB's latency)."""
    original_workers, bundles.BATCH_WORKERS = bundles.BATCH_WORKERS, 1
    try:
        with moto_table() as client:
            api = Api(client, Recorder(client))
            created = json.loads(api("create", load_event("create"))["body"])
            study = {k: v for k, v in created.items() if k not in ("id", "meta")}
            targets = [json.loads(api("create", load_event("create", body=_with_new_uid(study)))["body"])
                       for _ in range(entries // 3)]
            batch: list[dict[str, Any]] = []
            for n in range(entries):
                target = targets[n // 3 % len(targets)]
                if n % 3 == 0:
                    batch.append({"resource": _with_new_uid(study),
                                  "request": {"method": "POST", "url": "ImagingStudy"}})
                elif n % 3 == 1:
                    batch.append({"resource": {**target, "description": f"entry {n}"},
                                  "request": {"method": "PUT", "url": f"ImagingStudy/{target['id']}",
                                              "ifMatch": 'W/"1"'}})
                else:
                    batch.append({"request": {"method": "GET", "url": f"ImagingStudy/{target['id']}"}})
            event = load_event("batch", body={"resourceType": "Bundle", "type": "batch", "entry": batch})
            response = api("bundle", event)
            script = list(api.recorder.calls)
        statuses = {e["response"]["status"] for e in json.loads(response["body"])["entry"]}
        client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="bench",
                              aws_secret_access_key="bench")
        api = Api(client)
        gc.collect()
        gc.freeze()
        with Stubber(client) as stubber:
            replays = [_replay(api, stubber, "bundle", event, script)[0] for _ in range(RUNS + 1)]
        gc.unfreeze()
    finally:
        bundles.BATCH_WORKERS = original_workers
    warm = statistics.median(replays[1:]) * 1000
    body = event["body"].encode()
    floor = _median_ms(lambda: orjson.dumps(orjson.loads(body)))
    return [Row("b", f"warm batch of {entries} entries (creates, If-Match updates, reads)", warm, "ms", floor,
                f"<= {BATCH_MS_PER_ENTRY * entries} ms", warm <= BATCH_MS_PER_ENTRY * entries,
                f"{len(script)} DynamoDB requests, stubbed; entries answered {', '.join(sorted(statuses))}; "
                f"body {len(body) / 1024:,.0f} KB")]


def _with_new_uid(study: dict[str, Any]) -> dict[str, Any]:
    return {**study, "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:2.25.{uuid.uuid4().int}"}]}


def _replay(api: Api, stubber: Stubber, function: str, event: dict[str, Any], script: Script) -> tuple[float, str]:
    """One timed invocation with the Stubber primed with the recorded responses: (seconds, response body)."""
    for operation, response in script:
        stubber.add_response(xform_name(operation), response)
    started = time.perf_counter()
    response = api(function, event)
    elapsed = time.perf_counter() - started
    stubber.assert_no_pending_responses()
    return elapsed, response["body"]


def _median_ms(work: Callable[[], object]) -> float:
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def _logical_id(function: str) -> str:
    return "".join(part.capitalize() for part in function.split("_")) + "Function"
