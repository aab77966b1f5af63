"""local/dynamodb.py's Table.all_items orders a table's items exactly as moto's own does."""
from __future__ import annotations

import random

from moto.dynamodb.models.table import Table

from local import dynamodb


def _table(range_key: bool, key_type: str) -> Table:
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}] + (
        [{"AttributeName": "sk", "KeyType": "RANGE"}] if range_key else [])
    attrs = [{"AttributeName": "pk", "AttributeType": key_type}] + (
        [{"AttributeName": "sk", "AttributeType": key_type}] if range_key else [])
    table = Table("t", account_id="123456789012", region="us-east-1", schema=schema, attr=attrs)
    rng = random.Random(7)
    for _ in range(500):
        value = (lambda: str(rng.randint(-1000, 1000))) if key_type == "N" else (
            lambda: "".join(rng.choice("aB1#é") for _ in range(rng.randint(1, 6))))
        item = {"pk": {key_type: value()}, **({"sk": {key_type: value()}} if range_key else {})}
        table.put_item(item)
    return table


def test_the_cast_value_sort_gives_moto_s_order_for_string_and_number_keys_with_and_without_a_range_key():
    assert Table.all_items is dynamodb._all_items_by_cast_value
    for range_key in (True, False):
        for key_type in ("S", "N"):
            table = _table(range_key, key_type)
            ours = [(i.hash_key, i.range_key) for i in table.all_items()]
            theirs = [(i.hash_key, i.range_key) for i in dynamodb.moto_all_items(table)]
            assert ours == theirs and len(ours) > 100
