"""Property tests on the three parsers of client input: only mapped errors, never an unhandled exception."""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhirimaging import cursor
from fhirimaging.errors import BadRequest, FhirError, InvalidResource
from fhirimaging.models import validate_imaging_study
from fhirimaging.search.parameters import PARAMETERS
from fhirimaging.search.query import parse_query

EXAMPLE = json.loads((Path(__file__).resolve().parents[1] / "fixtures/imagingstudy-example.json").read_text(),
                     parse_float=Decimal)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECRET = b"fuzz-secret"

# What json.loads(..., parse_float=Decimal) can produce
scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text(max_size=20)
           | st.decimals(allow_nan=False, allow_infinity=False, places=3)
           | st.sampled_from(["", "1.2.3", "2011-01-01", "2011-01-01T11:01:20+03:00", "#p", "Patient/x",
                              "urn:oid:1.2", "available", "DCM", "http://x"]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=20)
KEYS = sorted({*EXAMPLE, "contained", "extension", "modifierExtension", "note", "encounter", "basedOn"})
SERIES_KEYS = sorted({*EXAMPLE["series"][0], "extension", "performer", "specimen"})
INSTANCE_KEYS = sorted({*EXAMPLE["series"][0]["instance"][0], "title", "number", "extension"})


@st.composite
def mutated_studies(draw):
    study = copy.deepcopy(EXAMPLE)
    series = study["series"][0]
    places = {"top": (study, KEYS), "series": (series, SERIES_KEYS), "instance": (series["instance"][0], INSTANCE_KEYS)}
    for _ in range(draw(st.integers(1, 4))):
        target, keys = places[draw(st.sampled_from(sorted(places)))]
        key = draw(st.sampled_from(keys) | st.text(max_size=8))
        if draw(st.booleans()) and key in target:
            del target[key]
        else:
            target[key] = draw(json_values)
    return study


@FUZZ
@given(mutated_studies())
def test_the_validator_raises_only_invalid_resource(study):
    try:
        validate_imaging_study(study)
    except InvalidResource:
        pass


@FUZZ
@given(json_values)
def test_the_validator_refuses_any_json_value_as_a_whole_resource(value):
    try:
        validate_imaging_study(value)
    except InvalidResource:
        pass


NAMES = sorted(PARAMETERS) + ["_count", "_sort", "_total", "_summary", "_elements", "_include", "_id",
                              "_lastUpdated", "_format", "_cursor", "_has", "patient", "subject"]
MODIFIERS = ["", ":exact", ":contains", ":missing", ":not", ":text", ":of-type", ":identifier", ":above",
             ":below", ":in", ":Patient", ":iterate", ":x"]
VALUE_PARTS = ["eq", "ne", "lt", "gt", "ge", "le", "sa", "eb", "ap", "2011", "-01", "T11:01:20Z", "|", ",", "\\",
               "$", ":", "urn:oid:1.2", "Patient/1", "http://x/Patient/1", "true", "-", "0", "1e3", "%", " "]
values = st.lists(st.sampled_from(VALUE_PARTS), max_size=6).map("".join) | st.text(max_size=30)
names = st.builds(lambda n, m: n + m, st.sampled_from(NAMES) | st.text(max_size=10), st.sampled_from(MODIFIERS))


@FUZZ
@given(st.lists(st.tuples(names, values), max_size=6), st.booleans())
def test_the_search_parser_raises_only_fhir_errors(params, strict):
    try:
        parse_query(params, strict=strict, base_url="http://localhost/fhir/R5")
    except FhirError as e:
        assert 400 <= e.status < 500, e


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signed(payload: bytes) -> str:
    encoded = _b64(payload)
    return f"{encoded}.{_b64(hmac.new(SECRET, encoded.encode(), hashlib.sha256).digest()[:16])}"


tokens = (st.text(max_size=80)
          | st.builds(lambda a, b: f"{a}.{b}", st.text("ABCxyz-_=01", max_size=30), st.text("ABCxyz-_=01", max_size=30))
          | st.binary(max_size=60).map(_signed)  # even a correctly signed payload that is not a cursor
          | json_values.map(lambda v: _signed(json.dumps(v, default=str).encode()))
          | st.fixed_dictionaries({"s": st.sampled_from(["q", 1, None]), "x": json_values}, optional={"p": json_values})
          .map(lambda v: _signed(json.dumps(v, default=str).encode())))


@FUZZ
@given(tokens)
def test_the_cursor_decoder_raises_only_bad_request(token):
    try:
        cursor.verify(SECRET, "q", token)
    except BadRequest:
        pass


def test_a_genuine_cursor_still_verifies():
    assert cursor.verify(SECRET, "q", cursor.sign(SECRET, "q", {"k": 1})) == {"k": 1}
