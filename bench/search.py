"""`make bench`: what the first page of a search costs in DynamoDB requests and items read, with 1,000 and
then 10,000 stored studies, for a single-parameter query on patient, identifier, modality and instance.

Not a timed test: it counts requests (Query, BatchGetItem, GetItem) and the items they return, on an
in-process moto table seeded by BatchWriteItem with exactly the items the store writes
(`store.dynamodb.version_items` of `search.index.change`). Each probe has the same answer at both sizes (a
patient whose 5 studies are all among the first 1,000, a unique identifier, a unique instance, a full first
page of one of 4 modalities), so any growth in items read is the table's cost, not the answer's.

Exits 1 unless, for every probe, items read per page grow by at most 1.2x from 1,000 to 10,000 studies, and
identifier and instance lookups take at most 2 requests.
"""
from __future__ import annotations

import copy
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
from moto import mock_aws

from fhirimaging import fhirtime, jsontext
from fhirimaging.search import index
from fhirimaging.search.query import parse_query
from fhirimaging.service import ImagingStudyService
from fhirimaging.service.requests import SearchRequest
from fhirimaging.store import StoredVersion, WriteKind
from fhirimaging.store.dynamodb import DynamoDbStore, version_items
from local.dynamodb import ensure_table
from local.template import load_template

TABLE = "bench"
BASE_URL = "https://fhir.example.org/fhir/R5"
SIZES = (1_000, 10_000)
PATIENTS = 2_000
MODALITIES = ("CT", "MR", "US", "DX")
DCM = "http://dicom.nema.org/resources/ontology/DCM"
SOP = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4", "US": "1.2.840.10008.5.1.4.1.1.6.1",
       "DX": "1.2.840.10008.5.1.4.1.1.1.1"}
PROBE_PATIENT = "bench-probe"
PROBE_PATIENT_STUDIES = (101, 303, 505, 707, 909)  # all among the first 1,000
PROBE_STUDY = 424
PROBES = {
    "patient": f"Patient/{PROBE_PATIENT}",
    "identifier": f"urn:dicom:uid|urn:oid:2.25.777.{PROBE_STUDY}",
    "modality": f"{DCM}|CT",
    "instance": f"2.25.777.{PROBE_STUDY}.1.1",
}
MAX_ITEMS_RATIO = 1.2
MAX_LOOKUP_REQUESTS = 2
_READS = ("Query", "BatchGetItem", "GetItem")


def synthetic_study(n: int, rng: random.Random) -> dict[str, Any]:
    """Study n: a patient of 2,000 (or the probe patient), 1-3 series of one modality, 1-5 instances each."""
    modality = MODALITIES[n % len(MODALITIES)]
    patient = PROBE_PATIENT if n in PROBE_PATIENT_STUDIES else f"bench-{rng.randrange(PATIENTS)}"
    started = datetime(2010, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(15 * 365 * 86400))
    series = [{
        "uid": f"2.25.777.{n}.{k}",
        "number": k,
        "modality": {"coding": [{"system": DCM, "code": modality}]},
        "instance": [{"uid": f"2.25.777.{n}.{k}.{i}", "number": i,
                      "sopClass": {"system": "urn:ietf:rfc:3986", "code": f"urn:oid:{SOP[modality]}"}}
                     for i in range(1, rng.randint(1, 5) + 1)],
    } for k in range(1, rng.randint(1, 3) + 1)]
    return {
        "resourceType": "ImagingStudy",
        "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:2.25.777.{n}"},
                       {"system": "urn:bench:accession", "value": f"ACC{n:07d}"}],
        "status": "available",
        "subject": {"reference": f"Patient/{patient}"},
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "series": series,
    }


def seed(client: Any, first: int, last: int, rng: random.Random) -> None:
    """Studies first..last-1 as version 1, written with BatchWriteItem (25 items a request), not transactions."""
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    pending: list[dict[str, Any]] = []
    for n in range(first, last):
        rid = f"study-{n:06d}"
        last_updated = fhirtime.format_instant(moment + timedelta(milliseconds=n))
        resource = {"resourceType": "ImagingStudy", "id": rid,
                    "meta": {"versionId": "1", "lastUpdated": last_updated}, **synthetic_study(n, rng)}
        version = StoredVersion(rid, 1, last_updated, WriteKind.CREATE, jsontext.dumps(resource))
        items = version_items(version, index.change(rid, None, resource, last_updated))
        pending += [items.version, items.current, *items.index_puts]
        while len(pending) >= 25:
            _write(client, pending[:25])
            del pending[:25]
    if pending:
        _write(client, pending)


def _write(client: Any, items: list[dict[str, Any]]) -> None:
    request: dict[str, Any] = {TABLE: [{"PutRequest": {"Item": item}} for item in items]}
    while request:
        request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


class ReadCounter:
    """Counts DynamoDB requests and the items they return, from botocore's after-call events."""

    def __init__(self, client: Any) -> None:
        self.requests: dict[str, int] = {}
        self.items = 0
        client.meta.events.register("after-call.dynamodb", self._after_call)

    def reset(self) -> None:
        self.requests, self.items = {}, 0

    def _after_call(self, parsed: dict, model: Any, **_: Any) -> None:
        name = model.name
        self.requests[name] = self.requests.get(name, 0) + 1
        if name == "Query":
            self.items += parsed.get("Count", 0)
        elif name == "BatchGetItem":
            self.items += sum(len(found) for found in parsed.get("Responses", {}).values())
        elif name == "GetItem":
            self.items += 1 if "Item" in parsed else 0


@dataclass(frozen=True)
class Measure:
    parameter: str
    studies: int
    requests: int
    items: int
    matches: int
    operations: str


def measure(service: ImagingStudyService, counter: ReadCounter, studies: int) -> list[Measure]:
    found = []
    for parameter, value in PROBES.items():
        counter.reset()
        result = service.search(SearchRequest(parse_query([(parameter, value)], strict=True, base_url=BASE_URL)))
        unexpected = set(counter.requests) - set(_READS)
        if unexpected:
            raise SystemExit(f"search on {parameter} called {sorted(unexpected)}: a search only reads")
        found.append(Measure(parameter, studies, sum(counter.requests.values()), counter.items, len(result.matches),
                             " ".join(f"{op}x{n}" for op, n in sorted(counter.requests.items()))))
    return found


def main() -> int:
    rng = random.Random(20261128)
    properties = copy.deepcopy(load_template().table_properties)
    # The stream has no reader here; without it moto keeps no record per write.
    properties.pop("StreamSpecification", None)
    results: list[Measure] = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="bench",
                              aws_secret_access_key="bench")
        ensure_table(client, TABLE, properties)
        service = ImagingStudyService(DynamoDbStore(client, TABLE), b"bench-cursor-secret")
        counter = ReadCounter(client)
        stored = 0
        for size in SIZES:
            started = time.monotonic()
            seed(client, stored, size, rng)
            print(f"seeded {size - stored:,} studies in {time.monotonic() - started:.1f} s", file=sys.stderr)
            stored = size
            results += measure(service, counter, size)
    return report(results)


def report(results: list[Measure]) -> int:
    small, large = SIZES
    print(f"\nFirst page of a single-parameter search (default _count), {small:,} vs {large:,} studies\n")
    print(f"{'query':<12}{'studies':>8}{'requests':>10}{'items read':>12}{'matches':>9}   requests by operation")
    for m in results:
        print(f"{m.parameter:<12}{m.studies:>8,}{m.requests:>10}{m.items:>12}{m.matches:>9}   {m.operations}")
    print(f"\n{'query':<12}{'items ratio':>12}{'<= ' + str(MAX_ITEMS_RATIO):>9}{'requests':>10}{'<= 2':>6}"
          f"{'same answer':>13}")
    failed = False
    by_key = {(m.parameter, m.studies): m for m in results}
    for parameter in PROBES:
        a, b = by_key[parameter, small], by_key[parameter, large]
        ratio = b.items / a.items if a.items else float("inf")
        ratio_ok = ratio <= MAX_ITEMS_RATIO
        lookup = parameter in ("identifier", "instance")
        requests_ok = not lookup or max(a.requests, b.requests) <= MAX_LOOKUP_REQUESTS
        same = a.matches == b.matches > 0
        failed |= not (ratio_ok and requests_ok and same)
        print(f"{parameter:<12}{ratio:>12.2f}{_mark(ratio_ok):>9}{max(a.requests, b.requests):>10}"
              f"{_mark(requests_ok) if lookup else '-':>6}{_mark(same):>13}")
    print("\n" + ("FAIL: a criterion is not met" if failed else "PASS: items read per page do not grow with the "
                                                                   "table; identifier and instance take <= 2 requests"))
    return 1 if failed else 0


def _mark(ok: bool) -> str:
    return "yes" if ok else "NO"


if __name__ == "__main__":
    sys.exit(main())
