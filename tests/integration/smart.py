"""Helpers of the AUTH=on tests: requests with a bearer token, and two patients' studies to ask about."""
from __future__ import annotations

import json
import uuid

FHIR_JSON = {"Content-Type": "application/fhir+json"}
SYSTEM = "urn:test:auth"


def call(client, token, method, url, **kwargs):
    headers = {**kwargs.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    return client.request(method, url, headers=headers, **kwargs)


def study(patient, secret="", identifier=None):
    resource = {"resourceType": "ImagingStudy", "status": "available", "subject": {"reference": f"Patient/{patient}"},
                "description": secret or "a study"}
    if identifier:
        resource["identifier"] = [{"system": SYSTEM, "value": identifier}]
    return resource


class World:
    """Per test: patient `own` with study A, patient `other` with study B (whose description is a secret)."""

    def __init__(self, client, admin):
        self.own, self.other = f"own-{uuid.uuid4().hex[:12]}", f"oth-{uuid.uuid4().hex[:12]}"
        self.secret = f"secret-{uuid.uuid4().hex}"
        self.a_ident, self.b_ident = uuid.uuid4().hex, uuid.uuid4().hex
        self.a = create(client, admin, study(self.own, identifier=self.a_ident))
        self.b = create(client, admin, study(self.other, self.secret, self.b_ident))


def create(client, admin, resource) -> str:
    r = call(client, admin, "POST", "ImagingStudy", data=json.dumps(resource), headers=FHIR_JSON)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def answer(response, study_id):
    """Status, the headers a client could tell apart, and the body with ids and volatile fields masked."""
    text = response.text.replace(study_id, "<id>")
    body = json.loads(text) if text else None
    if isinstance(body, dict) and body.get("resourceType") == "Bundle":
        body = {k: v for k, v in body.items() if k not in ("id", "meta", "link")}
    headers = {k: response.headers.get(k) for k in ("Content-Type", "ETag", "Last-Modified", "Location")}
    return response.status_code, headers, body
