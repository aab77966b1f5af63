"""Part d: what the first page of a search costs in DynamoDB requests and items read, with 1,000 and then
10,000 stored studies, for a single-parameter query on patient, identifier, modality and instance.

Not timed: it counts requests (Query, BatchGetItem, GetItem) and the items they return, on an in-process
moto table seeded with exactly the items the store writes (bench.dynamo). Each probe has the same answer at
both sizes (a patient whose 5 studies are all among the first 1,000, a unique identifier, a unique instance,
a full first page of one of 4 modalities), so any growth in items read is the table's cost, not the answer's.

Target: for every probe, items read per page grow by at most 1.2x from 1,000 to 10,000 studies, and
identifier and instance lookups take at most 2 requests.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from bench.dynamo import TABLE, Recorder, moto_table, study_items, write_items
from bench.table import Row
from fhirimaging import fhirtime
from fhirimaging.search.query import parse_query
from fhirimaging.service import ImagingStudyService
from fhirimaging.service.requests import SearchRequest
from fhirimaging.store.dynamodb import DynamoDbStore

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
    items: list[dict[str, Any]] = []
    for n in range(first, last):
        meta = {"versionId": "1", "lastUpdated": fhirtime.format_instant(moment + timedelta(milliseconds=n))}
        items += study_items({"resourceType": "ImagingStudy", "id": f"study-{n:06d}", "meta": meta,
                              **synthetic_study(n, rng)})
    write_items(client, items)


@dataclass(frozen=True)
class Measure:
    parameter: str
    studies: int
    requests: int
    items: int
    matches: int
    operations: str


def measure(service: ImagingStudyService, recorder: Recorder, studies: int) -> list[Measure]:
    found = []
    for parameter, value in PROBES.items():
        recorder.reset()
        result = service.search(SearchRequest(parse_query([(parameter, value)], strict=True, base_url=BASE_URL)))
        unexpected = {op for op, _ in recorder.calls} - set(_READS)
        if unexpected:
            raise SystemExit(f"search on {parameter} called {sorted(unexpected)}: a search only reads")
        items = sum(_items_read(op, response) for op, response in recorder.calls)
        found.append(Measure(parameter, studies, len(recorder.calls), items, len(result.matches),
                             recorder.operations()))
    return found


def _items_read(operation: str, response: dict[str, Any]) -> int:
    if operation == "Query":
        return response.get("Count", 0)
    if operation == "BatchGetItem":
        return sum(len(found) for found in response.get("Responses", {}).values())
    return 1 if "Item" in response else 0


def run() -> list[Row]:
    rng = random.Random(20261128)
    results: list[Measure] = []
    with moto_table() as client:
        service = ImagingStudyService(DynamoDbStore(client, TABLE), b"bench-cursor-secret")
        recorder = Recorder(client)
        stored = 0
        for size in SIZES:
            seed(client, stored, size, rng)
            stored = size
            results += measure(service, recorder, size)
    return report(results)


def report(results: list[Measure]) -> list[Row]:
    small, large = SIZES
    by_key = {(m.parameter, m.studies): m for m in results}
    rows = []
    for parameter in PROBES:
        a, b = by_key[parameter, small], by_key[parameter, large]
        lookup = parameter in ("identifier", "instance")
        ok = (b.items <= MAX_ITEMS_RATIO * a.items and a.matches == b.matches > 0
              and (not lookup or max(a.requests, b.requests) <= MAX_LOOKUP_REQUESTS))
        target = f"<= {MAX_ITEMS_RATIO}x" + (f", <= {MAX_LOOKUP_REQUESTS} requests" if lookup else "")
        rows.append(Row("d", f"search page by {parameter}: items read, {small:,} -> {large:,} studies", b.items,
                        "items", a.items, target, ok,
                        f"{b.matches} matches (at {small:,}: {a.matches}); {b.operations}"))
    return rows
