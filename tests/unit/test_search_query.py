"""Search query parsing: the parameter table against the official R5 definitions, every value form,
escapes, OR/AND, strict and lenient handling, each 400, and the self link's parameters."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from fhirimaging.errors import BadRequest, TooCostly
from fhirimaging.limits import MAX_OR_VALUES, MAX_SEARCH_VALUES
from fhirimaging.search.parameters import PARAMETERS, RESULT_PARAMETERS, element_values
from fhirimaging.search.query import (
    DateValue,
    OfTypeValue,
    ReferenceValue,
    TextValue,
    TokenValue,
    parse_query,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
BASE = "https://fhir.example.org/fhir/R5"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
OFFICIAL = json.loads((FIXTURES / "searchparameters-imagingstudy-summary.json").read_text(encoding="utf-8"))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def parse(query: str, strict: bool = True):
    pairs = [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in query.split("&")] if query else []
    return parse_query(pairs, strict=strict, base_url=BASE)


def only(query: str, strict: bool = True):
    """The one criterion of a single-parameter query."""
    (criterion,) = parse(query, strict).criteria
    return criterion


def rejected(query: str, strict: bool = True) -> str:
    with pytest.raises(BadRequest) as raised:
        parse(query, strict)
    return raised.value.diagnostics


# The parameter table -----------------------------------------------------------------------------------

def official(code: str) -> dict:
    (definition,) = [d for d in OFFICIAL if d["code"] == code and d["type"] != "special"]
    return definition


def test_the_table_holds_exactly_the_parameters_issue_3_lists():
    assert set(PARAMETERS) == {
        "based-on", "body-site", "body-structure", "dicom-class", "encounter", "endpoint", "identifier", "instance",
        "modality", "patient", "performer", "reason", "referrer", "series", "started", "status", "subject",
        "_id", "_lastUpdated", "_tag", "_profile", "_security", "_source",
    }
    assert RESULT_PARAMETERS == {"_count", "_sort", "_total", "_summary", "_elements", "_include", "_revinclude",
                                 "_cursor", "_format"}


@pytest.mark.parametrize("code", sorted(PARAMETERS))
def test_parameter_matches_its_official_r5_definition(code):
    parameter, definition = PARAMETERS[code], official(code)
    assert parameter.code == definition["code"]
    assert parameter.type == definition["type"]
    assert parameter.url == definition["url"]
    assert parameter.targets == tuple(definition["target"] or ())
    if definition["expression"] is not None:
        assert parameter.expression == definition["expression"]
    assert parameter.comparators == tuple(definition.get("comparator") or ())


def test_reason_has_no_official_expression_so_ours_is_documented():
    assert official("reason")["expression"] is None
    assert PARAMETERS["reason"].expression == "ImagingStudy.reason.concept"
    assert "ImagingStudy.reason.concept" in PARAMETERS["reason"].documentation


def test_every_path_agrees_with_the_expression():
    for parameter in PARAMETERS.values():
        if parameter.code == "patient":
            continue  # the where(resolve() is Patient) filter is applied by the matcher
        dotted = {".".join(path) for path in parameter.paths}
        published = {branch.strip().split(".", 1)[1] for branch in parameter.expression.split("|")}
        assert dotted == published, parameter.code


def test_element_values_flattens_lists_along_every_path():
    resource = {"endpoint": [{"reference": "Endpoint/a"}],
                "series": [{"endpoint": [{"reference": "Endpoint/b"}, {"reference": "Endpoint/c"}]}, {"uid": "1"}]}
    assert element_values(resource, PARAMETERS["endpoint"]) == [
        {"reference": "Endpoint/a"}, {"reference": "Endpoint/b"}, {"reference": "Endpoint/c"}]
    assert element_values({"series": []}, PARAMETERS["endpoint"]) == []


# Tokens ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("modality=CT", TokenValue(None, "CT")),
    (f"modality={DCM}|CT", TokenValue(DCM, "CT")),
    ("modality=|CT", TokenValue("", "CT")),
    (f"modality={DCM}|", TokenValue(DCM, None)),
    ("identifier=urn:dicom:uid|urn:oid:1.2.3", TokenValue("urn:dicom:uid", "urn:oid:1.2.3")),
    ("series=1.2.840.113619.2.1", TokenValue(None, "1.2.840.113619.2.1")),
    ("instance=1.2.840.113619.2.1.1", TokenValue(None, "1.2.840.113619.2.1.1")),
    ("_id=example", TokenValue(None, "example")),
    ("status:not=cancelled", TokenValue(None, "cancelled")),
])
def test_token_forms_parse_to_system_and_code(query, expected):
    assert only(query).values == (expected,)


@pytest.mark.parametrize("query, expected", [
    (r"identifier=a\|b|c\,d", TokenValue("a|b", "c,d")),
    (r"identifier=back\\slash", TokenValue(None, "back\\slash")),
    (r"identifier=x\$y", TokenValue(None, "x$y")),
    (r"identifier=ends\\|v", TokenValue("ends\\", "v")),
    (r"identifier=keeps\other", TokenValue(None, "keeps\\other")),
])
def test_escaped_separators_are_literal_characters(query, expected):
    assert only(query).values == (expected,)


def test_comma_ors_values_within_one_occurrence():
    criterion = only("modality=CT,MR,|US")
    assert criterion.values == (TokenValue(None, "CT"), TokenValue(None, "MR"), TokenValue("", "US"))


def test_repeating_a_parameter_ands_its_occurrences():
    query = parse("modality=CT&modality=MR")
    assert [c.values for c in query.criteria] == [(TokenValue(None, "CT"),), (TokenValue(None, "MR"),)]


def test_an_escaped_comma_does_not_split():
    assert only(r"identifier=a\,b").values == (TokenValue(None, "a,b"),)


@pytest.mark.parametrize("query, expected", [
    ("reason:missing=true", True),
    ("reason:missing=false", False),
    ("subject:missing=true", True),
    ("started:missing=false", False),
    ("_source:missing=true", True),
])
def test_missing_takes_true_or_false(query, expected):
    criterion = only(query)
    assert criterion.modifier == "missing"
    assert criterion.values == (expected,)


def test_text_keeps_the_text_and_its_folded_form():
    criterion = only("reason:text=Fracturé,Wrist")
    assert criterion.modifier == "text"
    assert criterion.values == (TextValue("Fracturé", "fracture"), TextValue("Wrist", "wrist"))


def test_of_type_names_the_identifier_type_and_value():
    criterion = only("identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|ACSN|W123")
    assert criterion.values == (
        OfTypeValue(TokenValue("http://terminology.hl7.org/CodeSystem/v2-0203", "ACSN"), "W123"),)


# References --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("subject=dicom", ReferenceValue(None, "dicom", None, None, None)),
    ("subject=Patient/dicom", ReferenceValue("Patient", "dicom", None, None, None)),
    ("subject=Group/g1", ReferenceValue("Group", "g1", None, None, None)),
    (f"subject={BASE}/Patient/dicom", ReferenceValue("Patient", "dicom", None, None, None)),
    (f"subject={BASE}/Patient/dicom/_history/2", ReferenceValue("Patient", "dicom", None, "2", None)),
    ("subject=https://other.example.org/fhir/Patient/9",
     ReferenceValue(None, None, "https://other.example.org/fhir/Patient/9", None, None)),
    ("subject=urn:uuid:6e4b1c7a-0c5f-4a55-9c8e-2b0f3f1a9d10",
     ReferenceValue(None, None, "urn:uuid:6e4b1c7a-0c5f-4a55-9c8e-2b0f3f1a9d10", None, None)),
    ("subject=Patient/dicom/_history/3", ReferenceValue("Patient", "dicom", None, "3", None)),
    ("subject:Patient=dicom", ReferenceValue("Patient", "dicom", None, None, None)),
    ("subject:Patient=Patient/dicom", ReferenceValue("Patient", "dicom", None, None, None)),
    ("based-on=example", ReferenceValue(None, "example", None, None, None)),
    ("based-on:identifier=W12342398", ReferenceValue(None, None, None, None, TokenValue(None, "W12342398"))),
    ("based-on:identifier=urn:acsn|W1", ReferenceValue(None, None, None, None, TokenValue("urn:acsn", "W1"))),
    ("based-on:identifier=|W1", ReferenceValue(None, None, None, None, TokenValue("", "W1"))),
])
def test_reference_forms_parse_to_type_id_version_url_or_identifier(query, expected):
    assert only(query).values == (expected,)


@pytest.mark.parametrize("query", ["patient=dicom", "encounter=example", "endpoint=wado", "body-structure=bs1"])
def test_an_id_alone_on_a_single_target_parameter_names_that_type(query):
    (value,) = only(query).values
    assert value.type == PARAMETERS[query.split("=")[0]].targets[0]
    assert value.id == query.split("=")[1]


def test_a_reference_type_modifier_is_kept_as_the_modifier():
    assert only("subject:Group=g1").modifier == "Group"


# Dates -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("started=2011", DateValue("eq", utc(2011, 1, 1), utc(2012, 1, 1))),
    ("started=2011-02", DateValue("eq", utc(2011, 2, 1), utc(2011, 3, 1))),
    ("started=2011-12", DateValue("eq", utc(2011, 12, 1), utc(2012, 1, 1))),
    ("started=2011-01-01", DateValue("eq", utc(2011, 1, 1), utc(2011, 1, 2))),
    ("started=2011-01-01T11:01Z", DateValue("eq", utc(2011, 1, 1, 11, 1), utc(2011, 1, 1, 11, 2))),
    ("started=2011-01-01T11:01%2B03:00", DateValue("eq", utc(2011, 1, 1, 8, 1), utc(2011, 1, 1, 8, 2))),
    ("started=2011-01-01T11:01", DateValue("eq", utc(2011, 1, 1, 11, 1), utc(2011, 1, 1, 11, 2))),
    ("started=2011-01-01T11:01:20+03:00", DateValue("eq", utc(2011, 1, 1, 8, 1, 20), utc(2011, 1, 1, 8, 1, 21))),
    ("started=2011-01-01T11:01:20-05:00", DateValue("eq", utc(2011, 1, 1, 16, 1, 20), utc(2011, 1, 1, 16, 1, 21))),
    ("started=2011-01-01T11:01:20", DateValue("eq", utc(2011, 1, 1, 11, 1, 20), utc(2011, 1, 1, 11, 1, 21))),
    ("_lastUpdated=ge2023-03-26T15:21:02.749Z",
     DateValue("ge", utc(2023, 3, 26, 15, 21, 2, 749000), utc(2023, 3, 26, 15, 21, 2, 750000))),
])
def test_dates_parse_to_their_precision_range_in_utc(query, expected):
    name, value = query.split("=", 1)
    # "%2B" stands for what a client sends for "+"; "+" unencoded arrives as a space
    criterion = parse_query([(name, value.replace("%2B", "+"))], strict=True, base_url=BASE).criteria[0]
    assert criterion.values == (expected,)


def test_an_unencoded_plus_in_a_timezone_still_parses():
    # a client that forgot to encode '+' sends a space
    (value,) = parse_query([("started", "2011-01-01T11:01:20 03:00")], strict=True, base_url=BASE).criteria[0].values
    assert value.low == utc(2011, 1, 1, 8, 1, 20)


@pytest.mark.parametrize("prefix", ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"])
def test_every_date_prefix_is_read_off_the_value(prefix):
    (value,) = only(f"started={prefix}2011-01-01").values
    assert value == DateValue(prefix, utc(2011, 1, 1), utc(2011, 1, 2))


# URIs --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, modifier, expected", [
    ("_source=https://src.example.org/pacs", None, "https://src.example.org/pacs"),
    ("_source:below=https://src.example.org", "below", "https://src.example.org"),
    ("_source:above=https://src.example.org/pacs/a", "above", "https://src.example.org/pacs/a"),
    (r"_source=urn:x\,y", None, "urn:x,y"),
    ("_profile=http://example.org/StructureDefinition/img|1.0", None, "http://example.org/StructureDefinition/img|1.0"),
    ("_profile:below=http://example.org/StructureDefinition", "below", "http://example.org/StructureDefinition"),
])
def test_uris_and_canonicals_are_kept_as_strings(query, modifier, expected):
    criterion = only(query)
    assert (criterion.modifier, criterion.values) == (modifier, (expected,))


# Result parameters -------------------------------------------------------------------------------------

def test_result_parameters_are_read():
    query = parse("_count=20&_sort=-started,_id&_total=accurate&_summary=true&_elements=status,ImagingStudy.series"
                  "&_include=ImagingStudy:subject&_revinclude=Provenance:target&_cursor=abc&_format=json")
    assert query.criteria == ()
    assert query.count == 20
    assert query.sort == (("started", True), ("_id", False))
    assert (query.total, query.summary, query.elements) == ("accurate", "true", ("status", "series"))
    assert query.includes == (("_include", "ImagingStudy:subject"), ("_revinclude", "Provenance:target"))
    assert (query.cursor, query.format) == ("abc", "json")


@pytest.mark.parametrize("sort", ["started", "-started", "_lastUpdated", "-_lastUpdated", "_id", "-_id", "status",
                                  "-status"])
def test_each_sortable_parameter_sorts_both_ways(sort):
    assert parse(f"_sort={sort}").sort == ((sort.lstrip("-"), sort.startswith("-")),)


@pytest.mark.parametrize("total", ["none", "estimate", "accurate"])
def test_total_accepts_its_three_values(total):
    assert parse(f"_total={total}").total == total


@pytest.mark.parametrize("summary", ["true", "false", "count", "data", "text"])
def test_summary_accepts_its_five_values(summary):
    assert parse(f"_summary={summary}").summary == summary


def test_count_zero_is_allowed():
    assert parse("_count=0").count == 0


def test_an_identical_repeat_of_a_result_parameter_is_harmless():
    assert parse("_count=5&_count=5").count == 5


def test_include_iterate_is_recorded_as_an_include():
    assert parse("_include:iterate=ImagingStudy:subject").includes == (("_include", "ImagingStudy:subject"),)


# Strict and lenient ------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, ignored", [
    ("foo=bar", "foo"),
    ("_text=wrist", "_text"),
    ("_has:Observation:subject:code=1", "_has:Observation:subject:code"),
    ("status:text=avail", "status:text"),
    ("modality:in=http://example.org/vs", "modality:in"),
    ("modality:below=CT", "modality:below"),
    ("subject:not=Patient/1", "subject:not"),
    ("started:missing2=true", "started:missing2"),
    ("modality:=CT", "modality:"),
    ("subject:type=Patient/1", "subject:type"),
    ("_count:x=1", "_count:x"),
    ("status=", "status"),
    ("_sort=", "_sort"),
    ("_sort=-series", "_sort=-series"),
    ("_elements=nonesuch", "_elements=nonesuch"),
    ("_include=", "_include"),
])
def test_lenient_search_ignores_unknown_parameters_and_modifiers(query, ignored):
    query_with_a_real_criterion = parse(f"{query}&status=available", strict=False)
    assert query_with_a_real_criterion.ignored == (ignored,)
    assert [c.parameter.code for c in query_with_a_real_criterion.criteria] == ["status"]
    assert query_with_a_real_criterion.self_params() == [("status", "available")]


@pytest.mark.parametrize("query, named", [
    ("foo=bar", "foo"),
    ("status:text=avail", ":text"),
    ("modality:in=http://example.org/vs", ":in"),
    ("status=", "status"),
    ("_sort=-series", "series"),
    ("_elements=nonesuch", "nonesuch"),
])
def test_strict_search_rejects_unknown_parameters_and_modifiers_naming_them(query, named):
    assert named in rejected(query, strict=True)


def test_a_strict_rejection_is_a_not_supported_issue():
    with pytest.raises(BadRequest) as raised:
        parse("foo=bar", strict=True)
    assert raised.value.status == 400
    assert raised.value.issues[0].code == "not-supported"


def test_sort_keeps_the_known_codes_when_lenient():
    assert parse("_sort=series,-started", strict=False).sort == (("started", True),)


# Invalid values: 400 whatever the handling -------------------------------------------------------------

@pytest.mark.parametrize("query, named", [
    ("started=2011-13", "started"),
    ("started=01-01-2011", "started"),
    ("started=2011-01-01T25:00Z", "started"),
    ("started=2011-01-01T10:00+15:00", "started"),
    ("started=xx2011", "'xx'"),
    ("started=gt", "started"),
    ("started=ge2011,", "started"),
    ("_lastUpdated=yesterday", "_lastUpdated"),
    ("reason:missing=yes", "reason:missing"),
    ("reason:missing=true,false", "reason:missing"),
    ("identifier:of-type=ACSN|W1", "identifier:of-type"),
    ("identifier:of-type=urn:x|ACSN|", "identifier:of-type"),
    ("identifier=a|b|c", "identifier"),
    ("identifier=|", "identifier"),
    ("modality=CT,,MR", "modality"),
    ("subject=Practitioner/1", "Practitioner"),
    ("patient=Group/g1", "Group"),
    ("subject:Practitioner=1", "Practitioner"),
    ("patient:Group=g1", "Group"),
    ("subject:Patient=Group/g1", "subject:Patient"),
    ("subject=not an id", "subject"),
    ("subject=Patient/", "subject"),
    ("subject=#p1", "subject"),
    ("based-on:identifier=urn:acsn|", "based-on:identifier"),
    ("_count=-1", "_count"),
    ("_count=ten", "_count"),
    ("_count=²", "_count"),
    ("_count=5&_count=6", "_count"),
    ("_total=maybe", "_total"),
    ("_summary=yes", "_summary"),
    ("_sort=started,-started", "started"),
    ("_sort=started,", "_sort"),
    ("_elements=status,", "_elements"),
])
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_an_invalid_value_is_a_400_naming_the_parameter(query, named, strict):
    assert named in rejected(query, strict=strict)


# The self link -----------------------------------------------------------------------------------------

def test_self_params_echo_exactly_the_parameters_used_in_a_canonical_order():
    query = parse("status=available&foo=1&_cursor=abc&_total=accurate&modality=CT,MR&_count=10&_sort=-started"
                  "&_include=ImagingStudy:subject&patient=Patient/dicom&_summary=true&_elements=status",
                  strict=False)
    assert query.self_params() == [
        ("modality", "CT,MR"), ("patient", "Patient/dicom"), ("status", "available"),
        ("_count", "10"), ("_elements", "status"), ("_sort", "-started"), ("_summary", "true"), ("_total", "accurate"),
    ]


def test_equivalent_queries_share_their_self_params():
    one = parse("status=available&modality=CT&modality=MR&_count=5")
    other = parse("_count=5&modality=MR&status=available&modality=CT")
    assert one.self_params() == other.self_params()


def test_self_params_keep_values_as_sent_with_their_escapes_and_modifiers():
    query = parse(r"identifier=a\,b&subject:Patient=dicom&started=ge2011-01-01T11:01:20+03:00")
    assert query.self_params() == [
        ("identifier", r"a\,b"), ("started", "ge2011-01-01T11:01:20+03:00"), ("subject:Patient", "dicom")]


def test_an_empty_query_uses_no_parameters():
    query = parse("")
    assert (query.criteria, query.self_params(), query.ignored) == ((), [], ())


# Bounded cost: OR-ed values per parameter and per query -------------------------------------------------

def test_more_values_in_one_or_list_than_the_limit_is_too_costly_naming_the_parameter_and_the_limit():
    parse("modality=" + ",".join(f"M{n}" for n in range(MAX_OR_VALUES)))
    with pytest.raises(TooCostly) as refused:
        parse("modality=" + ",".join(f"M{n}" for n in range(MAX_OR_VALUES + 1)))
    assert refused.value.status == 400 and refused.value.code == "too-costly"
    assert refused.value.diagnostics == (f"modality has {MAX_OR_VALUES + 1} values in one OR list; "
                                         f"the limit is {MAX_OR_VALUES}")


def test_more_values_in_all_than_the_limit_is_too_costly_naming_the_limit():
    per = MAX_SEARCH_VALUES // 4
    lists = [",".join(f"{code}{n}" for n in range(per)) for code in ("A", "B", "C", "D")]
    parse("&".join(f"modality={values}" for values in lists))
    with pytest.raises(TooCostly) as refused:
        parse("&".join(f"modality={values}" for values in lists) + "&status=available")
    assert f"the limit is {MAX_SEARCH_VALUES}" in refused.value.diagnostics
    assert "up to status" in refused.value.diagnostics


def test_an_escaped_comma_is_not_a_value_of_the_or_list():
    (value,) = only("identifier=" + "\\,".join(["x"] * (MAX_OR_VALUES + 1))).values
    assert value.code == ",".join(["x"] * (MAX_OR_VALUES + 1))
