"""SMART scope rules over HTTP against the AUTH=on stack: the holes a patient app or an attacker would try, a
property test against a reference written from the SMART v2 scope rules, and paging under a patient scope."""
from __future__ import annotations

import json
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.smart import FHIR_JSON, World, answer, call, create, study

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
CANCEL = json.dumps([{"op": "replace", "path": "/status", "value": "cancelled"}])


def _stored(client, admin, study_id):
    return call(client, admin, "GET", f"ImagingStudy/{study_id}")


# 1. A patient-confined grant never counts as unrestricted.

@pytest.mark.parametrize("patient_claim", [True, False])
def test_an_update_that_creates_needs_create_for_the_patient_it_writes(client, issuer, admin, patient_claim):
    # GIVEN a token that may update any study, but create only the patient's (or, without a patient, none)
    world = World(client, admin)
    token = issuer.mint("user/ImagingStudy.u patient/ImagingStudy.c", patient=world.own if patient_claim else None)
    new_id = f"new-{uuid.uuid4().hex}"

    # WHEN it PUTs a new id with another patient's study
    response = call(client, token, "PUT", f"ImagingStudy/{new_id}", headers=FHIR_JSON,
                    data=json.dumps({**study(world.other), "id": new_id}))

    # THEN 403, as for POST of the same body, and nothing was created
    assert response.status_code == 403 and response.json()["issue"][0]["code"] == "forbidden", response.text
    post = call(client, token, "POST", "ImagingStudy", headers=FHIR_JSON, data=json.dumps(study(world.other)))
    assert post.status_code == 403
    assert _stored(client, admin, new_id).status_code == 404


def test_an_update_that_creates_for_the_tokens_patient_is_allowed(client, issuer, admin):
    world = World(client, admin)
    token = issuer.mint("user/ImagingStudy.u patient/ImagingStudy.c", patient=world.own)
    new_id = f"new-{uuid.uuid4().hex}"
    response = call(client, token, "PUT", f"ImagingStudy/{new_id}", headers=FHIR_JSON,
                    data=json.dumps({**study(world.own), "id": new_id}))
    assert response.status_code == 201, response.text
    assert _stored(client, admin, new_id).json()["subject"]["reference"] == f"Patient/{world.own}"


@pytest.mark.parametrize("body_patient", ["own", "other"])
def test_an_update_may_not_revive_another_patients_deleted_study_with_a_patient_confined_create(
        client, issuer, admin, body_patient):
    # GIVEN another patient's deleted study, and a token with unrestricted u but patient-confined c
    world = World(client, admin)
    assert call(client, admin, "DELETE", f"ImagingStudy/{world.b}").status_code == 204
    token = issuer.mint("user/ImagingStudy.u patient/ImagingStudy.c", patient=world.own)
    body = {**study(world.own if body_patient == "own" else world.other), "id": world.b}

    # WHEN it PUTs that id: reviving the study would create it again, for whoever's it was
    response = call(client, token, "PUT", f"ImagingStudy/{world.b}", headers=FHIR_JSON, data=json.dumps(body))

    # THEN 403 and it stays deleted
    assert response.status_code == 403, response.text
    assert _stored(client, admin, world.b).status_code == 410


# 2 and Done 3. Paging of patient-scoped searches, compartment searches and history.

def _follow(client, token, first_path, params):
    """Every page from the first, by the next links; the ids of the match entries in order."""
    ids, response = [], call(client, token, "GET", first_path, params=params)
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        bundle = response.json()
        ids += [e["resource"]["id"] for e in bundle.get("entry", []) if e.get("search", {}).get("mode") != "include"]
        pages += 1
        following = [link["url"] for link in bundle.get("link", []) if link["relation"] == "next"]
        if not following:
            return ids, pages
        assert pages < 50
        response = call(client, token, "GET", following[0])


@pytest.mark.parametrize("kind", ["search", "search-by-patient", "compartment", "post-search"])
def test_every_next_link_of_a_patient_scoped_search_returns_exactly_the_patients_studies_once(
        client, issuer, admin, kind):
    # GIVEN 5 studies of the token's patient and 4 of another, all with one description
    own, other, marker = f"pg-{uuid.uuid4().hex[:10]}", f"po-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    mine = {create(client, admin, {**study(own), "description": marker}) for _ in range(5)}
    for _ in range(4):
        create(client, admin, {**study(other), "description": marker})
    token = issuer.mint("patient/ImagingStudy.rs", patient=own)

    # WHEN it pages through the search 2 at a time
    if kind == "post-search":
        first = call(client, token, "POST", "ImagingStudy/_search", data={"_count": "2", "_total": "accurate"},
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert first.status_code == 200, first.text
        # the POST's next link is a GET of the same search
        nexts = [link["url"] for link in first.json()["link"] if link["relation"] == "next"]
        ids = [e["resource"]["id"] for e in first.json()["entry"]]
        rest, _ = _follow(client, token, nexts[0], {}) if nexts else ([], 0)
        ids += rest
    else:
        path, params = {
            "search": ("ImagingStudy", {"_count": "2"}),
            "search-by-patient": ("ImagingStudy", {"_count": "2", "patient": f"Patient/{own}"}),
            "compartment": (f"Patient/{own}/ImagingStudy", {"_count": "2"}),
        }[kind]
        ids, pages = _follow(client, token, path, params)
        assert pages >= 3

    # THEN exactly the patient's studies, each once (other patients' studies exist before and after them)
    assert sorted(ids) == sorted(mine), ids


def test_every_next_link_of_a_patient_scoped_history_returns_the_studys_versions_once(client, issuer, admin):
    own = f"ph-{uuid.uuid4().hex[:10]}"
    sid = create(client, admin, study(own))
    for n in range(4):
        r = call(client, admin, "PUT", f"ImagingStudy/{sid}", headers=FHIR_JSON,
                 data=json.dumps({**study(own), "id": sid, "description": f"v{n + 2}"}))
        assert r.status_code == 200
    token = issuer.mint("patient/ImagingStudy.rs", patient=own)
    versions = []
    response = call(client, token, "GET", f"ImagingStudy/{sid}/_history", params={"_count": "2"})
    while True:
        assert response.status_code == 200, response.text
        bundle = response.json()
        versions += [e["resource"]["meta"]["versionId"] for e in bundle["entry"]]
        nexts = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not nexts:
            break
        response = call(client, token, "GET", nexts[0])
    assert versions == ["5", "4", "3", "2", "1"]


# 3. The patient claim is a FHIR id, or the token is refused.

@pytest.mark.parametrize("claim", ["A,B", "A B", "A|B", "../A", "A&patient=B", "x" * 65])
def test_a_patient_claim_that_is_not_a_fhir_id_is_refused(client, issuer, admin, claim):
    # GIVEN studies of patients A and B
    a, b = f"A{uuid.uuid4().hex[:8]}", f"B{uuid.uuid4().hex[:8]}"
    create(client, admin, study(a))
    create(client, admin, study(b))
    spliced = claim.replace("A", a).replace("B", b)
    token = issuer.mint("patient/ImagingStudy.rs", patient=spliced)

    response = call(client, token, "GET", "ImagingStudy", params={"_total": "accurate"})

    assert response.status_code == 403, response.text
    assert response.json()["issue"][0]["code"] == "forbidden"
    assert a not in response.text.replace(spliced, "") and b not in response.text.replace(spliced, "")


# 4. Scopes are separated by spaces only.

@pytest.mark.parametrize("separator", ["\t", "\n", "\u00a0", "\u2003", "\u3000"])
def test_scopes_are_separated_by_spaces_only(client, issuer, separator):
    refused = issuer.mint(f"openid{separator}system/ImagingStudy.rs")
    assert call(client, refused, "GET", "ImagingStudy", params={"_count": "1"}).status_code == 403
    allowed = issuer.mint("openid system/ImagingStudy.rs")
    assert call(client, allowed, "GET", "ImagingStudy", params={"_count": "1"}).status_code == 200


# 5. To a patient-scoped writer, another patient's study is an id without a study, for writes as for reads.

WRITES = {
    "update": lambda world, sid: ("PUT", f"ImagingStudy/{sid}", {
        "headers": FHIR_JSON, "data": json.dumps({**study(world.own), "id": sid})}),
    "update-if-match": lambda world, sid: ("PUT", f"ImagingStudy/{sid}", {
        "headers": {**FHIR_JSON, "If-Match": 'W/"1"'}, "data": json.dumps({**study(world.own), "id": sid})}),
    "update-if-none-match": lambda world, sid: ("PUT", f"ImagingStudy/{sid}", {
        "headers": {**FHIR_JSON, "If-None-Match": "*"}, "data": json.dumps({**study(world.own), "id": sid})}),
    "patch": lambda world, sid: ("PATCH", f"ImagingStudy/{sid}", {"headers": JSON_PATCH, "data": CANCEL}),
    "patch-if-match": lambda world, sid: ("PATCH", f"ImagingStudy/{sid}", {
        "headers": {**JSON_PATCH, "If-Match": 'W/"1"'}, "data": CANCEL}),
    "delete": lambda world, sid: ("DELETE", f"ImagingStudy/{sid}", {}),
    "conditional-update-with-its-id": lambda world, sid: ("PUT", "ImagingStudy", {
        "params": {"identifier": f"urn:test:none|{uuid.uuid4().hex}"}, "headers": FHIR_JSON,
        "data": json.dumps({**study(world.own), "id": sid})}),
}


@pytest.mark.parametrize("deleted", [False, True], ids=["live", "deleted"])
@pytest.mark.parametrize("write", WRITES)
def test_a_write_to_another_patients_study_answers_as_for_an_id_that_never_existed(
        client, issuer, admin, write, deleted):
    # GIVEN another patient's study (live or deleted), and a token confined to patient `own`
    world = World(client, admin)
    if deleted:
        assert call(client, admin, "DELETE", f"ImagingStudy/{world.b}").status_code == 204
    token = issuer.mint("patient/ImagingStudy.cruds", patient=world.own)
    ghost = str(uuid.uuid4())

    # WHEN it writes to that study's id, and to an id that never existed
    method, path, kwargs = WRITES[write](world, world.b)
    hidden = call(client, token, method, path, **kwargs)
    method, path, kwargs = WRITES[write](world, ghost)
    never = call(client, token, method, path, **kwargs)

    # THEN both answers are the same 404, and neither study changed nor came to be
    assert answer(hidden, world.b) == answer(never, ghost), (hidden.text, never.text)
    assert hidden.status_code == 404, hidden.text
    assert [e["response"]["status"] for e in
            call(client, admin, "GET", f"ImagingStudy/{world.b}/_history").json()["entry"]] \
        == (["204 No Content", "201 Created"] if deleted else ["201 Created"])
    assert _stored(client, admin, ghost).status_code == 404


def test_a_patient_scoped_writer_still_writes_its_patients_studies(client, issuer, admin):
    world = World(client, admin)
    token = issuer.mint("patient/ImagingStudy.cruds", patient=world.own)
    updated = call(client, token, "PUT", f"ImagingStudy/{world.a}", headers={**FHIR_JSON, "If-Match": 'W/"1"'},
                   data=json.dumps({**study(world.own), "id": world.a, "description": "changed"}))
    assert updated.status_code == 200 and updated.json()["meta"]["versionId"] == "2", updated.text
    patched = call(client, token, "PATCH", f"ImagingStudy/{world.a}", headers=JSON_PATCH, data=CANCEL)
    assert patched.status_code == 200 and patched.json()["status"] == "cancelled"
    moved = call(client, token, "PATCH", f"ImagingStudy/{world.a}", headers=JSON_PATCH, data=json.dumps(
        [{"op": "replace", "path": "/subject/reference", "value": f"Patient/{world.other}"}]))
    assert moved.status_code == 403  # the patch would give the study to another patient
    assert call(client, token, "DELETE", f"ImagingStudy/{world.a}").status_code == 204
    revived = call(client, token, "PUT", f"ImagingStudy/{world.a}", headers=FHIR_JSON,
                   data=json.dumps({**study(world.own), "id": world.a}))
    assert revived.status_code == 201 and revived.json()["meta"]["versionId"] == "5"


# Done 2. Random scope sets and interactions against a reference written from the SMART v2 scope rules.

_SCOPE = re.compile(r"(patient|user|system)/(ImagingStudy|\*)\.(\S+)")
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}


def reference_grants(scope: str) -> tuple[set[str], set[str]]:
    """SMART App Launch 2.x: space-separated scopes `context/Type.permissions`, v2 permissions a subsequence of
    `cruds`, v1 `read`, `write` or `*`; `user/` and `system/` grant on every study, `patient/` on the patient's."""
    unrestricted: set[str] = set()
    confined: set[str] = set()
    for item in scope.split(" "):
        m = _SCOPE.fullmatch(item)
        if not m:
            continue
        letters = _V1.get(m[3])
        if letters is None:
            text = m[3]
            known = text != "" and set(text) <= set("cruds")
            in_order = known and all("cruds".index(a) < "cruds".index(b) for a, b in zip(text, text[1:]))
            letters = text if in_order else ""
        (confined if m[1] == "patient" else unrestricted).update(letters)
    return unrestricted, confined


def reference(scope: str, patient: bool, interaction: str, target: str, body: str) -> int:
    """The status the rules give: `target` own/other (live), own-deleted/other-deleted or none (no such id);
    `body` whose study a create or update writes. A caller with only patient-confined grants sees no study but
    its patient's; a write needs its letter for the study's last content and for what it writes."""
    unrestricted, confined = reference_grants(scope)
    available = unrestricted | (confined if patient else set())
    owner = None if target == "none" else target.split("-")[0]
    live = target in ("own", "other")
    hidden = not unrestricted and owner != "own"

    def applies(letter: str, whose: str | None) -> bool:
        return letter in unrestricted or (letter in available and whose == "own")

    def may_write(letter: str, before: str | None, after: str | None) -> bool:
        if letter in unrestricted:
            return True
        return letter in available and before in (None, "own") and after in (None, "own")

    if interaction == "type-history":
        return 200 if "r" in unrestricted else 403
    if interaction == "search":
        return 200 if "s" in available else 403
    if interaction == "create":
        return 201 if applies("c", body) else 403
    if interaction in ("read", "vread", "history"):
        if "r" not in available:
            return 403
        if owner is None or not applies("r", owner):
            return 404
        return 410 if interaction == "read" and not live else 200
    if interaction in ("update", "update-if-match"):
        if not {"u", "c"} & available:
            return 403
        if not {"u", "c"} & unrestricted and not applies("u" if "u" in available else "c", body):
            return 403
        if hidden:
            return 404
        if interaction == "update-if-match" and not live:
            return 412  # deleted (version 2 is current) or no study: not version 1
        letter = "u" if live else "c"
        if not may_write(letter, owner, body):
            return 403
        return 200 if live else 201
    if interaction == "patch":
        if "u" not in available:
            return 403
        if hidden or owner is None:
            return 404
        if not live:
            return 410
        return 200 if may_write("u", owner, owner) else 403
    if interaction == "delete":
        if "d" not in available:
            return 403
        if hidden:
            return 404
        if not live:
            return 204
        return 204 if may_write("d", owner, None) else 403
    raise AssertionError(interaction)


def _request(client, token, world, interaction, study_id, patient_id, body_patient):
    body = study(body_patient)
    match interaction:
        case "read":
            return call(client, token, "GET", f"ImagingStudy/{study_id}")
        case "vread":
            return call(client, token, "GET", f"ImagingStudy/{study_id}/_history/1")
        case "history":
            return call(client, token, "GET", f"ImagingStudy/{study_id}/_history")
        case "type-history":
            return call(client, token, "GET", "ImagingStudy/_history", params={"_count": "1"})
        case "search":
            return call(client, token, "GET", "ImagingStudy", params={"patient": f"Patient/{patient_id}",
                                                                      "_total": "accurate"})
        case "create":
            return call(client, token, "POST", "ImagingStudy", headers=FHIR_JSON, data=json.dumps(body))
        case "update":
            return call(client, token, "PUT", f"ImagingStudy/{study_id}", headers=FHIR_JSON,
                        data=json.dumps({**body, "id": study_id}))
        case "update-if-match":
            return call(client, token, "PUT", f"ImagingStudy/{study_id}", headers={**FHIR_JSON, "If-Match": 'W/"1"'},
                        data=json.dumps({**body, "id": study_id}))
        case "patch":
            return call(client, token, "PATCH", f"ImagingStudy/{study_id}", headers=JSON_PATCH, data=CANCEL)
        case "delete":
            return call(client, token, "DELETE", f"ImagingStudy/{study_id}")
    raise AssertionError(interaction)


_NOISE = st.one_of(
    st.sampled_from(["openid", "launch/patient", "fhirUser", "user/Patient.cruds", "patient/Observation.rs",
                     "system/ImagingStudy.rs?modality=CT", "user/ImagingStudy.sr", "*/ImagingStudy.cruds"]),
    st.permutations("crud").map(lambda p: f"user/ImagingStudy.{''.join(p)}"),  # mostly out of order: not v2
)


@st.composite
def _scopes(draw) -> str:
    """Random grants, unrestricted and patient-confined, each written as SMART allows: one v2 scope, a scope a
    letter, or the v1 word; on ImagingStudy or `*`; shuffled among scopes that grant nothing."""
    items = []
    for contexts in (["patient"], ["user", "system"]):
        granted = "".join(c for c in "cruds" if c in draw(st.sets(st.sampled_from("cruds"))))
        if not granted:
            continue
        context, resource = draw(st.sampled_from(contexts)), draw(st.sampled_from(["ImagingStudy", "*"]))
        words = [word for word, letters in _V1.items() if letters == granted]
        form = draw(st.sampled_from(["v2", "each", *(["v1"] if words else [])]))
        parts = {"v2": [granted], "each": list(granted), "v1": words[:1]}[form]
        items += [f"{context}/{resource}.{part}" for part in parts]
    items += draw(st.lists(_NOISE, max_size=2))
    return " ".join(draw(st.permutations(items)))


INTERACTIONS = ("read", "vread", "history", "type-history", "search", "create", "update", "update-if-match",
                "patch", "delete")
TARGETS = ("own", "other", "own-deleted", "other-deleted", "none")
_WRITES = ("create", "update", "update-if-match", "patch", "delete")
_READ_ONLY_WORLD: list[World] = []


def _world(client, admin, fresh: bool) -> World:
    """Studies A (own), B (other, with the secret), a deleted one of each and an id of none; reads share one."""
    if not fresh and _READ_ONLY_WORLD:
        return _READ_ONLY_WORLD[0]
    world = World(client, admin)
    own_deleted, other_deleted = create(client, admin, study(world.own)), create(client, admin, study(world.other))
    for sid in (own_deleted, other_deleted):
        assert call(client, admin, "DELETE", f"ImagingStudy/{sid}").status_code == 204
    world.ids = {"own": world.a, "other": world.b, "own-deleted": own_deleted, "other-deleted": other_deleted,
                 "none": str(uuid.uuid4())}
    if not fresh:
        _READ_ONLY_WORLD.append(world)
    return world


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scope=_scopes(), patient=st.booleans(), interaction=st.sampled_from(INTERACTIONS),
       target=st.sampled_from(TARGETS), body=st.sampled_from(["own", "other"]))
def test_the_servers_decisions_equal_the_reference_and_reveal_no_study_the_caller_cannot_reach(
        client, issuer, admin, scope, patient, interaction, target, body):
    # GIVEN live and deleted studies of two patients (new ones for a write), and a token with random scopes (and
    # maybe patient `own`)
    world = _world(client, admin, fresh=interaction in _WRITES)
    token = issuer.mint(scope, patient=world.own if patient else None)
    owner = None if target == "none" else target.split("-")[0]
    whose = {"own": world.own, "other": world.other}
    patient_id = whose.get(owner) or f"nobody-{uuid.uuid4().hex[:8]}"
    ids = world.ids

    # WHEN it makes the interaction on the target
    response = _request(client, token, world, interaction, ids[target], patient_id, whose[body])

    # THEN the status is the reference's, errors are OperationOutcomes
    expected = reference(scope, patient, interaction, target, body)
    assert response.status_code == expected, (scope, patient, interaction, target, body, response.text)
    if response.status_code >= 400:
        assert response.json()["resourceType"] == "OperationOutcome"
    unrestricted, _ = reference_grants(scope)
    # and the other patient's content shows only to a caller that may read or search every study, or that may
    # patch every study (the answer is the patched study)
    if not {"r", "s"} & unrestricted and not (interaction == "patch" and "u" in unrestricted):
        assert world.secret not in response.text
    if interaction == "search" and response.status_code == 200 and "s" not in unrestricted:
        bundle = response.json()
        assert {e["resource"]["subject"]["reference"] for e in bundle.get("entry", [])} <= {f"Patient/{world.own}"}
    # and to a caller with only patient-confined grants, another patient's study is an id without one
    if not unrestricted and owner == "other" and interaction not in ("create", "type-history"):
        ghost = str(uuid.uuid4())
        never = _request(client, token, world, interaction, ghost, f"nobody-{uuid.uuid4().hex[:8]}",
                         whose[body])
        assert answer(response, ids[target]) == answer(never, ghost)


# 6. Bundles: every entry is judged as its single interaction, with the caller's token.

def test_a_patient_apps_batch_answers_each_entry_as_alone_and_its_transaction_fails_whole(client, issuer, admin):
    # GIVEN a token that reads and creates its patient's studies only
    world = World(client, admin)
    token = issuer.mint("patient/ImagingStudy.cr", patient=world.own)
    entries = [
        {"resource": study(world.own), "request": {"method": "POST", "url": "ImagingStudy"}},
        {"resource": study(world.other), "request": {"method": "POST", "url": "ImagingStudy"}},
        {"request": {"method": "GET", "url": f"ImagingStudy/{world.a}"}},
        {"request": {"method": "GET", "url": f"ImagingStudy/{world.b}"}},
        {"request": {"method": "DELETE", "url": f"ImagingStudy/{world.a}"}},
    ]

    def send(kind):
        return call(client, token, "POST", "", headers=FHIR_JSON,
                    data=json.dumps({"resourceType": "Bundle", "type": kind, "entry": entries}))

    # WHEN it sends them as a batch, THEN each answers what the single request answers
    batch = send("batch")
    assert batch.status_code == 200, batch.text
    statuses = [e["response"]["status"] for e in batch.json()["entry"]]
    assert statuses == ["201 Created", "403 Forbidden", "200 OK", "404 Not Found", "403 Forbidden"]
    assert world.secret not in batch.text
    # AND as a transaction, the first refused entry fails it whole: nothing of it is written
    mine = call(client, admin, "GET", "ImagingStudy", params={"subject": f"Patient/{world.own}"}).json()["total"]
    transaction = send("transaction")
    assert transaction.status_code == 403 and "Bundle.entry[" in transaction.text, transaction.text
    assert call(client, admin, "GET", "ImagingStudy", params={"subject": f"Patient/{world.own}"}).json()["total"] \
        == mine
    assert _stored(client, admin, world.a).status_code == 200
