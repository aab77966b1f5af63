"""Index maintenance through the handlers: a study whose index change exceeds one transaction is found by its
findability terms at once and by every instance once the index repair ran, and an update or delete takes the
old terms away."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def study_with_instances(n: int) -> dict:
    body = json.loads(json.loads((ROOT / "events" / "create.json").read_text())["body"])
    series = body["series"][0]
    series["instance"] = [{**series["instance"][0], "uid": f"1.2.826.0.1.3680043.8.498.{i}", "number": i + 1}
                          for i in range(n)]
    series["numberOfInstances"] = body["numberOfInstances"] = n
    return body


def ids(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def test_a_study_with_more_index_terms_than_a_transaction_holds_is_found_by_its_last_instance(api, repair_index):
    # GIVEN a study with 300 instances: over 300 index entries, three times what one transaction takes
    created = api("create", body=study_with_instances(300))
    rid = created.json()["id"]
    # THEN its findability terms were in its transaction
    assert ids(api("search", query="patient=Patient/example").json()) == [rid]
    # WHEN the index repair the table's stream drives has run, and searching for the first and the last instance
    repair_index()
    first = api("search", query="instance=1.2.826.0.1.3680043.8.498.0").json()
    last = api("search", query="instance=1.2.826.0.1.3680043.8.498.299").json()
    # THEN both find it
    assert ids(first) == [rid] and ids(last) == [rid]


def test_update_and_delete_take_old_terms_away(api):
    rid = api("create", body=study_with_instances(3)).json()["id"]
    resource = api("read", id=rid).json()
    resource["series"][0]["modality"]["coding"][0]["code"] = "MR"
    assert api("update", id=rid, body=resource).status == 200
    assert ids(api("search", query="modality=CT").json()) == []
    assert ids(api("search", query="modality=MR").json()) == [rid]
    assert api("delete", id=rid).status == 204
    assert ids(api("search", query="modality=MR").json()) == []
    assert ids(api("search").json()) == []
