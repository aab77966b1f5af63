"""HTTP fuzz run against the local stack: a seeded generator of methods x paths x queries x headers x bodies
over every route (and some no route serves). Not one response may be a 5xx; every body must be valid R5,
and every 4xx an OperationOutcome.

The run is confined to its own data: every study it writes carries the run's identifier system, and every
conditional write's query names it, so no other test's study is changed.
"""
from __future__ import annotations

import copy
import json
import random
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlencode

import requests

from tests.oracle import assert_valid_body

REQUESTS = 2000
THREADS = 4
SEED = 20261128
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
STUDIES = [json.loads((FIXTURES / name).read_text())
           for name in ("imagingstudy-example.json", "imagingstudy-example-xr.json")]
SYSTEM = f"urn:fuzz:{uuid.uuid4().hex}"  # this run's studies, and the only ones its conditional writes may hit

SEARCH_PARAMS = ["identifier", "modality", "status", "started", "subject", "patient", "series", "instance",
                 "bodysite", "basedon", "encounter", "endpoint", "performer", "reason", "referrer", "dicom-class",
                 "_id", "_lastUpdated", "_count", "_sort", "_total", "_summary", "_elements", "_include",
                 "_revinclude", "_format", "_cursor", "_since", "_at", "_has", "_text", "_content", "_tag"]
MODIFIERS = ["", ":exact", ":contains", ":missing", ":not", ":text", ":of-type", ":identifier", ":above",
             ":below", ":Patient", ":iterate", ":bogus", ":"]
VALUES = ["CT", "DX", "available", "cancelled", "true", "false", "0", "1", "-1", "1000", "1001", "99999999999999999999",
          "2011", "2011-01-01", "ge2011-01-01", "lt2017-01-01T00:00:00Z", "sa2011", "eb2011-13", "ap2011-02-30",
          "Patient/dicom", "Patient/", "http://localhost/fhir/R5/Patient/dicom", "urn:oid:1.2.3|", "|x", "a|b|c",
          "urn:dicom:uid|urn:oid:2.16.124.113543.6003.1154777499.30246.19789.3503430045", "DCM|CT", "a,b,,c",
          "a\\,b", "a\\\\", "$", "%", "%00", "%ZZ", "\u00e9", "\U0001F600", "ImagingStudy:subject", "-started",
          "started,-_lastUpdated", "id,status", "accurate", "count", "json", "xml", "text/html", "*", "", " ",
          "eyJzIjoiaGlzdG9yeSJ9.AAAA", "A" * 300]
ACCEPTS = [None, "application/fhir+json", "application/json", "*/*", "application/xml", "text/html;q=0",
           "application/fhir+json; fhirVersion=4.0", "application/fhir+json;q=abc", ",,,"]
CONTENT_TYPES = [None, "application/fhir+json", "application/json", "application/json-patch+json",
                 "application/x-www-form-urlencoded", "text/plain", "application/fhir+json; charset=latin1"]
IF_MATCH = [None, 'W/"1"', 'W/"2"', '"1"', "W/\"abc\"", "*", "", 'W/"99999999999999999999"']
PREFER = [None, "return=minimal", "return=representation", "return=OperationOutcome", "handling=strict",
          "handling=lenient", "respond-async", "return"]


class Generator:
    def __init__(self, seed: int, ids: list[str]) -> None:
        self.r = random.Random(seed)
        self.ids = ids

    def pick(self, options):
        return self.r.choice(options)

    def id(self) -> str:
        return self.pick(self.ids * 4 + ["unknown-id-0", "bad_id", "a" * 65, "%20", "..", "ImagingStudy", "_history",
                                         "-", "0" * 64, "\u00e9t\u00e9", "%2F", "1.2.3"])

    def version(self) -> str:
        return self.pick(["1", "2", "3", "0", "-1", "01", "x", "99999999999999999999", "1.5", ""])

    def query(self, *, conditional: bool = False, page: bool = False) -> list[tuple[str, str]]:
        params = [(self.pick(SEARCH_PARAMS) + self.pick(MODIFIERS), self.pick(VALUES))
                  for _ in range(self.r.randint(0, 4))]
        if page and self.r.random() < 0.85 and not any(k.startswith("_count") for k, _ in params):
            params.append(("_count", str(self.r.randint(1, 4))))  # small pages keep the run fast
        if self.r.random() < 0.1:
            params.append(("".join(self.r.choice("ab_:-.$") for _ in range(5)), self.pick(VALUES)))
        if self.r.random() < 0.01:  # over the limits: 414 and 400
            params += [("identifier", "x" * 8200)] if self.r.random() < 0.5 else [("_count", "1")] * 101
        if conditional:  # every conditional write stays among this run's own studies
            params.append(("identifier", f"{SYSTEM}|{self.r.randint(0, 5)}"))
            self.r.shuffle(params)
        return params

    def study(self) -> dict:
        study = copy.deepcopy(self.pick(STUDIES))
        study.pop("id", None)
        study["identifier"] = [{"system": SYSTEM, "value": str(self.r.randint(0, 5))}]
        return study

    def body(self, resource_id: str | None = None) -> bytes | None:
        kind = self.r.random()
        if kind < 0.4:
            study = self.study()
            if resource_id is not None and self.r.random() < 0.8:
                study["id"] = resource_id
            return json.dumps(study).encode()
        if kind < 0.7:
            return json.dumps(self.mutate(self.study())).encode()
        if kind < 0.85:
            return json.dumps(self.random_json(3)).encode()
        if kind < 0.95:
            return bytes(self.r.randrange(256) for _ in range(self.r.randint(0, 200)))
        return None

    def patch_body(self) -> bytes | None:
        if self.r.random() < 0.5:
            ops = [{"op": self.pick(["add", "remove", "replace", "move", "copy", "test", "bogus"]),
                    "path": self.pick(["/description", "/status", "/series/0", "/series/-", "/id", "/meta/versionId",
                                       "/identifier/0/value", "/x", "", "/series/0/instance/0/uid", "~1"]),
                    "from": self.pick(["/series/0", "/description", "/nope"]),
                    "value": self.random_json(2)} for _ in range(self.r.randint(0, 3))]
            return json.dumps(ops).encode()
        return self.body()

    def mutate(self, value):
        for _ in range(self.r.randint(1, 4)):
            target = value
            while True:
                children = list(target.items()) if isinstance(target, dict) else list(enumerate(target))
                containers = [(k, v) for k, v in children if isinstance(v, (dict, list)) and v]
                if not containers or self.r.random() < 0.3:
                    break
                _, target = self.pick(containers)
            key = (self.pick(list(target) + ["extension", "zz", "id"]) if isinstance(target, dict)
                   else self.r.randint(0, len(target)))
            new = self.random_json(2) if self.r.random() < 0.7 else None
            if isinstance(target, dict):
                if self.r.random() < 0.3 and key in target:
                    del target[key]
                else:
                    target[key] = new
            elif key < len(target):
                target[key] = new
        return value

    def random_json(self, depth: int):
        kind = self.r.randint(0, 7 if depth > 0 else 4)
        if kind == 0:
            return None
        if kind == 1:
            return self.r.choice([True, False])
        if kind == 2:
            return self.r.choice([0, -1, 1.5, 10**30, 1e-7])
        if kind in (3, 4):
            return self.pick(VALUES + ["#p", "Patient/dicom", "1.2.3", "2011-01-01T11:01:20+03:00"])
        if kind == 5:
            return [self.random_json(depth - 1) for _ in range(self.r.randint(0, 3))]
        return {self.pick(["resourceType", "id", "status", "subject", "series", "uid", "url", "value", "x"]):
                self.random_json(depth - 1) for _ in range(self.r.randint(0, 3))}

    def headers(self, has_body: bool) -> dict[str, str]:
        headers = {}
        # mostly acceptable negotiation headers, so that most requests reach the handlers' own checks
        for name, options, odds in (("Accept", ACCEPTS, 0.15), ("If-Match", IF_MATCH, 0.3), ("Prefer", PREFER, 0.3)):
            value = self.pick(options) if self.r.random() < odds else options[1] if name == "Accept" else None
            if value is not None:
                headers[name] = value
        if has_body or self.r.random() < 0.2:
            ct = self.pick(CONTENT_TYPES) if self.r.random() < 0.15 else "application/fhir+json"
            if ct:
                headers["Content-Type"] = ct
        if self.r.random() < 0.2:
            headers["If-None-Exist"] = urlencode(self.query(conditional=True))
        if self.r.random() < 0.1:
            headers["If-None-Match"] = self.pick(['W/"1"', "*", "junk"])
        if self.r.random() < 0.05:
            headers["If-Modified-Since"] = self.pick(["Sat, 28 Nov 2026 12:00:00 GMT", "yesterday"])
        return headers

    def request(self) -> tuple[str, str, dict[str, str], bytes | None]:
        """(method, path relative to the base with its query, headers, body)"""
        # every route; the ones that read many items (type history's 16 shards, searches) less often
        route = self.r.choices(range(16), weights=[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, .3, .5, .5, .5, 1])[0]

        def qs(**kw) -> str:
            q = self.query(**kw)
            return "?" + "&".join(f"{quote(k, safe=':_-.$')}={quote(v, safe=':|,$-')}" for k, v in q) if q else ""

        rid = self.id()
        if route == 0:
            return "GET", "metadata" + qs(), self.headers(False), None
        if route == 1:
            return "POST", "ImagingStudy" + qs(), self.headers(True), self.body()
        if route == 2:
            return "GET", f"ImagingStudy/{rid}" + qs(), self.headers(False), None
        if route == 3:
            return "GET", f"ImagingStudy/{rid}/_history/{self.version()}" + qs(), self.headers(False), None
        if route == 4:
            rid = self.pick(self.ids + [f"fuzz-{self.r.randrange(10**6)}", rid])
            return "PUT", f"ImagingStudy/{rid}", self.headers(True), self.body(rid)
        if route == 5:
            return "PUT", "ImagingStudy" + qs(conditional=True), self.headers(True), self.body()
        if route == 6:
            return "PATCH", f"ImagingStudy/{rid}", self.headers(True), self.patch_body()
        if route == 7:
            return "PATCH", "ImagingStudy" + qs(conditional=True), self.headers(True), self.patch_body()
        if route == 8:
            return "DELETE", f"ImagingStudy/{rid}", self.headers(False), None
        if route == 9:
            return "DELETE", "ImagingStudy" + qs(conditional=True), self.headers(False), None
        if route == 10:
            return "GET", f"ImagingStudy/{rid}/_history" + qs(page=True), self.headers(False), None
        if route == 11:
            return "GET", "ImagingStudy/_history" + qs(page=True), self.headers(False), None
        if route == 12:
            return "GET", "ImagingStudy" + qs(page=True), self.headers(False), None
        if route == 13:
            form = urlencode(self.query(page=True)).encode() if self.r.random() < 0.8 else self.body()
            headers = {**self.headers(False), "Content-Type": self.pick(
                ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
                 "application/fhir+json", "text/plain"])}
            return "POST", "ImagingStudy/_search" + qs(), headers, form
        if route == 14:
            patient = self.pick(["dicom", "bad_id", "a" * 70, "example", "%20"])
            return "GET", f"Patient/{patient}/ImagingStudy" + qs(page=True), self.headers(False), None
        method = self.pick(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
        path = self.pick(["", "Patient", "Patient/dicom", "ImagingStudy/_search", "ImagingStudy/x/_history/1/extra",
                          "ImagingStudy/x/y", "Observation/1", "metadata/x", "_history", "ImagingStudy/_history/1",
                          ".well-known/smart-configuration", "ImagingStudy/$validate", "%ZZ"])
        return method, path + qs(), self.headers(method in ("POST", "PUT", "PATCH")), self.body()


def test_two_thousand_fuzzed_requests_get_no_5xx_and_only_valid_r5_bodies(stack, http):
    seeds = []
    for n in range(3):
        study = {**copy.deepcopy(STUDIES[n % 2]), "identifier": [{"system": SYSTEM, "value": str(n)}]}
        study.pop("id", None)
        created = http.post("ImagingStudy", data=json.dumps(study), headers={"Content-Type": "application/fhir+json"})
        assert created.status_code == 201, created.text
        seeds.append(created.json()["id"])

    statuses: Counter[int] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    local = threading.local()

    def send(job: tuple[str, str, dict, bytes | None]) -> None:
        method, path, headers, body = job
        if not hasattr(local, "session"):
            local.session = requests.Session()
        response = local.session.request(method, f"{stack.base_url}/{path}", headers=headers, data=body, timeout=30)
        problem = None
        if response.status_code >= 500:
            problem = "5xx"
        elif response.content and method != "HEAD":
            try:
                resource = assert_valid_body(response.url, method, response.status_code,
                                             response.headers.get("Content-Type", ""), response.content)
                if response.status_code >= 400 and resource.get("resourceType") != "OperationOutcome":
                    problem = "a 4xx that is not an OperationOutcome"
            except Exception as e:  # noqa: BLE001 - any failure to parse or validate is a finding
                problem = f"invalid body: {type(e).__name__}: {str(e)[:200]}"
        with lock:
            statuses[response.status_code] += 1
            if problem:
                shown = body[:300] if isinstance(body, bytes) else body
                failures.append(f"{problem}: {method} {path[:300]} {headers} {shown!r} -> "
                                f"{response.status_code} {response.text[:500]}")

    generator = Generator(SEED, seeds)
    jobs = [generator.request() for _ in range(REQUESTS)]
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(send, jobs))

    print(f"\nfuzz: {sum(statuses.values())} requests, statuses {dict(sorted(statuses.items()))}")
    assert sum(statuses.values()) == REQUESTS >= 2000
    assert not failures, f"{len(failures)} findings:\n" + "\n".join(failures[:20])
    assert len(statuses) >= 8  # the generator reaches well beyond the happy path


def test_the_generator_is_deterministic_for_a_seed():
    first, second = Generator(7, ["a"]), Generator(7, ["a"])
    assert [first.request() for _ in range(50)] == [second.request() for _ in range(50)]
