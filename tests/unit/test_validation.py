"""Validation of R5 ImagingStudy JSON: official examples, one-mutation invalid variants, an R5 oracle."""

import contextlib
import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from fhirimaging.errors import InvalidResource
from fhirimaging.models import validate_imaging_study

FIXTURES = Path(__file__).parents[1] / "fixtures"


def load(name: str) -> dict:
    # Parsed exactly as the API parses request bodies.
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)


# The richer of the two official examples: every element a mutation below touches exists in it.
EXAMPLE_XR = load("imagingstudy-example-xr.json")


def _steps(path: str) -> list:
    return [int(step) if step.isdigit() else step for step in path.split(".")]


def with_(path: str, value):
    """Mutation: set the element at a dotted path (numbers index arrays)."""

    def mutate(resource: dict) -> None:
        *parents, last = _steps(path)
        target = resource
        for step in parents:
            target = target[step]
        target[last] = value

    return mutate


def without(path: str):
    """Mutation: remove the element at a dotted path."""

    def mutate(resource: dict) -> None:
        *parents, last = _steps(path)
        target = resource
        for step in parents:
            target = target[step]
        del target[last]

    return mutate


def both(*mutations):
    def mutate(resource: dict) -> None:
        for mutation in mutations:
            mutation(resource)

    return mutate


def mutated(mutation) -> dict:
    resource = copy.deepcopy(EXAMPLE_XR)
    mutation(resource)
    return resource


def issues_of(resource: dict) -> list:
    with pytest.raises(InvalidResource) as raised:
        validate_imaging_study(resource)
    return raised.value.issues


CODING = {"system": "http://snomed.info/sct", "code": "123"}
LAST_UPDATED = "2023-03-26T15:21:02.749+11:00"
EXTENSION_URL = "http://example.org/fhir/StructureDefinition/note"

# (mutation of example-xr, expected expression, expected issue code)
INVALID = {
    # Unknown elements, including R4 shapes that R5 dropped.
    "unknown top-level element": (with_("foo", "bar"), "ImagingStudy.foo", "structure"),
    "unknown nested element": (
        with_("series.0.instance.0.colour", "red"),
        "ImagingStudy.series[0].instance[0].colour",
        "structure",
    ),
    "R4 procedureCode element": (
        with_("procedureCode", [{"text": "x"}]),
        "ImagingStudy.procedureCode",
        "structure",
    ),
    "R4 CodeableConcept bodySite": (
        with_("series.0.bodySite", {"coding": [CODING]}),
        "ImagingStudy.series[0].bodySite.coding",
        "structure",
    ),
    # Empty and null values.
    "empty string": (with_("description", ""), "ImagingStudy.description", "structure"),
    "whitespace-only string": (
        with_("series.0.description", "  \t "),
        "ImagingStudy.series[0].description",
        "structure",
    ),
    "empty array": (with_("identifier", []), "ImagingStudy.identifier", "structure"),
    "empty object": (with_("subject", {}), "ImagingStudy.subject", "structure"),
    "empty nested object": (
        with_("series.0.instance.0.sopClass", {}),
        "ImagingStudy.series[0].instance[0].sopClass",
        "structure",
    ),
    "object with only an id": (with_("encounter", {"id": "e1"}), "ImagingStudy.encounter", "invariant"),
    "null value": (with_("encounter", None), "ImagingStudy.encounter", "structure"),
    "null array entry": (with_("basedOn", [None]), "ImagingStudy.basedOn[0]", "structure"),
    # Ids and uids.
    "id too long": (with_("id", "a" * 65), "ImagingStudy.id", "value"),
    "id with a bad character": (with_("id", "example_xr"), "ImagingStudy.id", "value"),
    "series uid with a space": (with_("series.0.uid", "2.16.124 1"), "ImagingStudy.series[0].uid", "value"),
    "instance uid too long": (
        with_("series.0.instance.1.uid", "1." * 33),
        "ImagingStudy.series[0].instance[1].uid",
        "value",
    ),
    # Required elements and bindings.
    "missing status": (without("status"), "ImagingStudy.status", "required"),
    "status not in the value set": (with_("status", "done"), "ImagingStudy.status", "code-invalid"),
    "status as a number": (with_("status", 1), "ImagingStudy.status", "structure"),
    # A required primitive needs its value: an extension alone in `_status` does not stand in for it.
    "status with only its primitive extension": (
        both(without("status"), with_("_status", {"extension": [{"url": EXTENSION_URL, "valueCode": "x"}]})),
        "ImagingStudy.status",
        "required",
    ),
    "missing subject": (without("subject"), "ImagingStudy.subject", "required"),
    "missing series uid": (without("series.0.uid"), "ImagingStudy.series[0].uid", "required"),
    "missing series modality": (without("series.0.modality"), "ImagingStudy.series[0].modality", "required"),
    "missing instance uid": (
        without("series.0.instance.0.uid"),
        "ImagingStudy.series[0].instance[0].uid",
        "required",
    ),
    "missing instance sopClass": (
        without("series.0.instance.1.sopClass"),
        "ImagingStudy.series[0].instance[1].sopClass",
        "required",
    ),
    "missing performer actor": (
        without("series.0.performer.0.actor"),
        "ImagingStudy.series[0].performer[0].actor",
        "required",
    ),
    "identifier use not in the value set": (
        with_("identifier.0.use", "primary"),
        "ImagingStudy.identifier[0].use",
        "code-invalid",
    ),
    "wrong resourceType": (with_("resourceType", "Patient"), "ImagingStudy.resourceType", "structure"),
    # Arrays versus single values, and JSON kinds.
    "subject as an array": (
        with_("subject", [{"reference": "Patient/dicom"}]),
        "ImagingStudy.subject",
        "structure",
    ),
    "identifier not an array": (
        with_("identifier", {"value": "55551234"}),
        "ImagingStudy.identifier",
        "structure",
    ),
    "started as an array": (with_("started", ["2017-01-01"]), "ImagingStudy.started", "structure"),
    "series modality as a string": (
        with_("series.0.modality", "DX"),
        "ImagingStudy.series[0].modality",
        "structure",
    ),
    "study modality entry as a string": (with_("modality", ["DX"]), "ImagingStudy.modality[0]", "structure"),
    "number as a string": (with_("numberOfSeries", "1"), "ImagingStudy.numberOfSeries", "structure"),
    "negative unsignedInt": (with_("numberOfSeries", -1), "ImagingStudy.numberOfSeries", "value"),
    "unsignedInt above 32 bits": (with_("numberOfSeries", 2**31), "ImagingStudy.numberOfSeries", "value"),
    "decimal where an integer belongs": (
        with_("numberOfInstances", Decimal("1.5")),
        "ImagingStudy.numberOfInstances",
        "structure",
    ),
    "integral decimal where an integer belongs": (
        with_("series.0.number", Decimal("3.0")),
        "ImagingStudy.series[0].number",
        "structure",
    ),
    "boolean where a number belongs": (
        with_("numberOfInstances", True),
        "ImagingStudy.numberOfInstances",
        "structure",
    ),
    "number where a string belongs": (with_("description", 42), "ImagingStudy.description", "structure"),
    "string where a boolean belongs": (
        with_("modality.0.coding.0.userSelected", "true"),
        "ImagingStudy.modality[0].coding[0].userSelected",
        "structure",
    ),
    "control character in a string": (
        with_("series.0.instance.0.title", "PA\x07VIEW"),
        "ImagingStudy.series[0].instance[0].title",
        "value",
    ),
    # dateTime, instant and their calendar.
    "month 13": (with_("started", "2017-13-01"), "ImagingStudy.started", "value"),
    "30 February": (with_("started", "2017-02-30"), "ImagingStudy.started", "value"),
    "29 February of a common year": (
        with_("series.0.started", "2019-02-29"),
        "ImagingStudy.series[0].started",
        "value",
    ),
    "31 April": (with_("started", "2017-04-31T10:00:00Z"), "ImagingStudy.started", "value"),
    "time without seconds or zone": (with_("started", "2017-01-01T10:00"), "ImagingStudy.started", "value"),
    "time without a zone": (with_("started", "2017-01-01T10:00:00"), "ImagingStudy.started", "value"),
    "hour 25": (with_("started", "2017-01-01T25:00:00Z"), "ImagingStudy.started", "value"),
    "hour 24": (with_("started", "2017-01-01T24:00:00Z"), "ImagingStudy.started", "value"),
    "zone beyond +14:00": (with_("started", "2017-01-01T10:00:00+15:00"), "ImagingStudy.started", "value"),
    "basic format date": (with_("started", "20170101"), "ImagingStudy.started", "value"),
    "unpadded month and day": (with_("started", "2017-1-1"), "ImagingStudy.started", "value"),
    "year zero": (with_("started", "0000"), "ImagingStudy.started", "value"),
    "instant without time": (
        with_("meta.lastUpdated", "2017-01-01"),
        "ImagingStudy.meta.lastUpdated",
        "value",
    ),
    "instant without a zone": (
        with_("meta.lastUpdated", "2017-01-01T10:00:00"),
        "ImagingStudy.meta.lastUpdated",
        "value",
    ),
    # Other primitive formats.
    "Coding.system with whitespace": (
        with_("series.0.modality.coding.0.system", "http://dicom nema.org"),
        "ImagingStudy.series[0].modality.coding[0].system",
        "value",
    ),
    "code with a double space": (
        with_("modality.0.coding.0.code", "D  X"),
        "ImagingStudy.modality[0].coding[0].code",
        "value",
    ),
    "language code with a leading space": (with_("language", " en"), "ImagingStudy.language", "value"),
    "implicitRules with a space": (
        with_("implicitRules", "http://example.org/a rule"),
        "ImagingStudy.implicitRules",
        "value",
    ),
    # Extensions.
    "extension with a value and nested extensions": (
        with_(
            "extension",
            [{"url": "http://x.org/a", "valueString": "x", "extension": [{"url": "b", "valueString": "y"}]}],
        ),
        "ImagingStudy.extension[0]",
        "invariant",
    ),
    "extension with neither value nor nested extensions": (
        with_("extension", [{"url": "http://x.org/a"}]),
        "ImagingStudy.extension[0]",
        "invariant",
    ),
    "extension with two value[x]": (
        with_("extension", [{"url": "http://x.org/a", "valueString": "x", "valueCode": "y"}]),
        "ImagingStudy.extension[0]",
        "structure",
    ),
    "extension without url": (
        with_("extension", [{"valueString": "x"}]),
        "ImagingStudy.extension[0].url",
        "required",
    ),
    "extension with an unknown value[x] type": (
        with_("extension", [{"url": "http://x.org/a", "valueFoo": "x"}]),
        "ImagingStudy.extension[0].valueFoo",
        "structure",
    ),
    "extension with a value of the wrong kind": (
        with_("series.0.extension", [{"url": "http://x.org/a", "valueInteger": "7"}]),
        "ImagingStudy.series[0].extension[0].valueInteger",
        "structure",
    ),
    "integer64 value as a JSON number": (
        with_("extension", [{"url": "http://x.org/a", "valueInteger64": 7}]),
        "ImagingStudy.extension[0].valueInteger64",
        "structure",
    ),
    "quantity comparator not in the value set": (
        with_("extension", [{"url": "http://x.org/a", "valueQuantity": {"value": 1, "comparator": "~"}}]),
        "ImagingStudy.extension[0].valueQuantity.comparator",
        "code-invalid",
    ),
    "decimal value as a string": (
        with_("extension", [{"url": "http://x.org/a", "valueDecimal": "1.5"}]),
        "ImagingStudy.extension[0].valueDecimal",
        "structure",
    ),
    "modifierExtension as an object": (
        with_("modifierExtension", {"url": "http://x.org/a", "valueBoolean": True}),
        "ImagingStudy.modifierExtension",
        "structure",
    ),
    "modifierExtension with an unknown element": (
        with_("series.0.modifierExtension", [{"url": "http://x.org/a", "valueBoolean": True, "flag": 1}]),
        "ImagingStudy.series[0].modifierExtension[0].flag",
        "structure",
    ),
    # Primitive extensions (`_x`), reported at the primitive's path.
    "primitive extension that is a string": (with_("_started", "2017"), "ImagingStudy.started", "structure"),
    "empty primitive extension": (with_("_started", {}), "ImagingStudy.started", "structure"),
    "primitive extension with an unknown element": (
        with_("_started", {"value": "2017"}),
        "ImagingStudy.started.value",
        "structure",
    ),
    "primitive extension with extension not an array": (
        with_("_started", {"extension": {"url": "http://x.org/a", "valueString": "x"}}),
        "ImagingStudy.started.extension",
        "structure",
    ),
    "primitive extension breaking ext-1": (
        with_("series.0._description", {"extension": [{"url": "http://x.org/a"}]}),
        "ImagingStudy.series[0].description.extension[0]",
        "invariant",
    ),
    "primitive extension array shorter than its values": (
        both(with_("meta.profile", ["http://x.org/p1", "http://x.org/p2"]), with_("meta._profile", [None])),
        "ImagingStudy.meta.profile",
        "structure",
    ),
    "null in a primitive array without an extension": (
        with_("meta.profile", ["http://x.org/p1", None]),
        "ImagingStudy.meta.profile[1]",
        "structure",
    ),
    # Datatypes and their invariants.
    "narrative status not in the value set": (
        with_("text.status", "done"),
        "ImagingStudy.text.status",
        "code-invalid",
    ),
    "narrative div that is not a div": (
        with_("text.div", "<p>XR Wrist</p>"),
        "ImagingStudy.text.div",
        "value",
    ),
    "narrative without div": (without("text.div"), "ImagingStudy.text.div", "required"),
    "reference with an unknown element": (
        with_("subject.kind", "Patient"),
        "ImagingStudy.subject.kind",
        "structure",
    ),
    "reference with only a type": (
        with_("referrer", {"type": "Practitioner"}),
        "ImagingStudy.referrer",
        "invariant",
    ),
    "local reference to a missing contained resource": (
        with_("referrer", {"reference": "#p1"}),
        "ImagingStudy.referrer.reference",
        "invariant",
    ),
    "annotation with both authorString and authorReference": (
        with_(
            "note.0",
            {"text": "x", "authorString": "Dr X", "authorReference": {"reference": "Practitioner/x"}},
        ),
        "ImagingStudy.note[0]",
        "structure",
    ),
    "annotation without text": (
        with_("note.0", {"authorString": "Dr X"}),
        "ImagingStudy.note[0].text",
        "required",
    ),
    "period that ends before it starts": (
        with_("identifier.0.period", {"start": "2017-01-02", "end": "2017-01-01"}),
        "ImagingStudy.identifier[0].period",
        "invariant",
    ),
    "contained resource without resourceType": (
        with_("contained", [{"id": "p1", "active": True}]),
        "ImagingStudy.contained[0].resourceType",
        "required",
    ),
    "contained resource with a version": (
        with_("contained", [{"resourceType": "Patient", "id": "p1", "meta": {"versionId": "1"}}]),
        "ImagingStudy.contained[0].meta",
        "invariant",
    ),
}


@pytest.mark.parametrize("fixture", ["imagingstudy-example.json", "imagingstudy-example-xr.json"])
def test_official_examples_are_valid(fixture):
    assert validate_imaging_study(load(fixture)) is None


@pytest.mark.parametrize(("mutation", "expression", "code"), list(INVALID.values()), ids=list(INVALID))
def test_invalid_resource_is_rejected_with_located_issue(mutation, expression, code):
    # GIVEN the official example with one mutation WHEN it is validated THEN one issue locates the problem.
    issues = issues_of(mutated(mutation))

    assert [(issue.expression, issue.code) for issue in issues] == [((expression,), code)]
    assert issues[0].severity == "error" and issues[0].diagnostics


# (mutation of example-xr) for resources that are valid R5.
VALID = {
    "year": with_("started", "2017"),
    "year and month": with_("started", "2017-01"),
    "date": with_("started", "2017-01-01"),
    "UTC dateTime": with_("started", "2017-01-01T11:01:20Z"),
    "dateTime with a positive offset": with_("started", "2017-01-01T11:01:20+05:30"),
    "dateTime with fractional seconds": with_("started", "2017-01-01T11:01:20.123456-03:00"),
    "29 February of a leap year": with_("series.0.started", "2020-02-29"),
    "leap second, as the R5 regex allows": with_("started", "2016-12-31T23:59:60Z"),
    "id of 64 characters": with_("id", "a" * 64),
    "server-assigned meta": both(with_("meta.versionId", "3"), with_("meta.lastUpdated", LAST_UPDATED)),
    "primitive extension without its value": both(
        without("started"),
        with_(
            "_started",
            {
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                        "valueCode": "unknown",
                    }
                ]
            },
        ),
    ),
    "primitive extensions beside their values": both(
        with_("_status", {"id": "s1"}),
        with_("series.0.instance.0._title", {"extension": [{"url": EXTENSION_URL, "valueString": "PA"}]}),
    ),
    "repeating primitive with aligned extensions": with_(
        "meta",
        {
            "profile": ["http://x.org/p1", None],
            "_profile": [None, {"extension": [{"url": EXTENSION_URL, "valueCode": "p2"}]}],
        },
    ),
    "nested extensions": with_(
        "extension",
        [
            {
                "url": EXTENSION_URL,
                "extension": [
                    {"url": "kind", "valueCoding": CODING},
                    {"url": "when", "valuePeriod": {"start": "2017-01-01", "end": "2017-01-01T12:00:00Z"}},
                    {"url": "inner", "extension": [{"url": "deep", "valueBoolean": False}]},
                ],
            }
        ],
    ),
    "modifierExtension": both(
        with_("modifierExtension", [{"url": EXTENSION_URL, "valueBoolean": True}]),
        with_("series.0.instance.0.modifierExtension", [{"url": EXTENSION_URL, "valueCode": "x"}]),
    ),
    "contained resource referenced locally": both(
        with_("contained", [{"resourceType": "Patient", "id": "p1", "active": True}]),
        with_("subject", {"reference": "#p1"}),
    ),
    "decimal value": with_("extension", [{"url": EXTENSION_URL, "valueDecimal": Decimal("1.50")}]),
    "extension values of many types": with_(
        "series.0.extension",
        [
            {"url": EXTENSION_URL, "valueInteger64": "9223372036854775807"},
            {
                "url": EXTENSION_URL,
                "valueQuantity": {
                    "value": Decimal("2.5"),
                    "comparator": "<",
                    "unit": "mm",
                    "system": "http://unitsofmeasure.org",
                    "code": "mm",
                },
            },
            {"url": EXTENSION_URL, "valueUuid": "urn:uuid:c757873d-ec9a-4326-a141-556f43239520"},
            {"url": EXTENSION_URL, "valueOid": "urn:oid:1.2.840.10008.5.1.4.1.1.2"},
            {"url": EXTENSION_URL, "valueTime": "23:59:59.5"},
            {"url": EXTENSION_URL, "valueInstant": LAST_UPDATED},
            {"url": EXTENSION_URL, "valueReference": {"display": "Dr X"}},
            {"url": EXTENSION_URL, "valueHumanName": {"family": "Smith"}},
        ],
    ),
    "annotation with an author and time": with_(
        "note.0",
        {"authorReference": {"reference": "Practitioner/x"}, "time": "2017-01-01", "text": "*marked*"},
    ),
    "identifier period of year to day precision": with_(
        "identifier.0.period", {"start": "2017", "end": "2017-12-31"}
    ),
}


@pytest.mark.parametrize("mutation", list(VALID.values()), ids=list(VALID))
def test_valid_variant_is_accepted(mutation):
    assert validate_imaging_study(mutated(mutation)) is None


@pytest.mark.parametrize("mutation", list(VALID.values()), ids=list(VALID))
def test_accepted_variant_is_valid_for_independent_r5_models(mutation):
    # fhir.resources 8 models R5 at the package top level (there is no fhir.resources.R5 in this release).
    # It is laxer than this validator (it accepts status "done"), so only this direction is asserted.
    import fhir.resources
    from fhir.resources.imagingstudy import ImagingStudy

    assert fhir.resources.__fhir_version__ == "5.0.0"
    resource = mutated(mutation)
    validate_imaging_study(resource)
    ImagingStudy.model_validate(resource)


def test_several_problems_give_one_issue_each():
    # GIVEN three independent problems
    resource = mutated(both(with_("status", "done"), without("series.0.uid"), with_("started", "2017-02-30")))

    # WHEN validated THEN each is its own issue
    issues = issues_of(resource)

    assert sorted((issue.expression[0], issue.code) for issue in issues) == [
        ("ImagingStudy.series[0].uid", "required"),
        ("ImagingStudy.started", "value"),
        ("ImagingStudy.status", "code-invalid"),
    ]


def test_invariant_problem_is_reported_with_the_element_field_problems():
    resource = mutated(with_("extension", [{"url": "http://x.org/a", "valueString": "", "valueCode": "y"}]))

    issues = issues_of(resource)

    assert sorted((issue.expression[0], issue.code) for issue in issues) == [
        ("ImagingStudy.extension[0]", "structure"),
        ("ImagingStudy.extension[0].valueString", "structure"),
    ]


def test_problem_deep_in_a_large_study_is_located():
    resource = copy.deepcopy(EXAMPLE_XR)
    template = resource["series"][0]["instance"][0]
    resource["series"][0]["instance"] = [dict(template, uid=f"1.2.3.{n}", number=n) for n in range(10_000)]
    validate_imaging_study(resource)

    resource["series"][0]["instance"][9_876]["number"] = -1

    [issue] = issues_of(resource)
    assert issue.expression == ("ImagingStudy.series[0].instance[9876].number",)


def test_issue_names_the_problem():
    [issue] = issues_of(mutated(with_("status", "done")))

    assert issue.severity == "error"
    assert "'done'" in issue.diagnostics and "available" in issue.diagnostics


@pytest.mark.parametrize("body", [[], "ImagingStudy", None])
def test_non_object_body_is_rejected(body):
    [issue] = issues_of(body)

    assert (issue.expression, issue.code) == (("ImagingStudy",), "structure")


@pytest.mark.parametrize("resource", [EXAMPLE_XR, mutated(with_("status", "done"))], ids=["valid", "invalid"])
def test_input_is_left_unchanged(resource):
    sent = copy.deepcopy(resource)

    with contextlib.suppress(InvalidResource):
        validate_imaging_study(resource)

    assert resource == sent
    assert json.dumps(resource, default=str) == json.dumps(sent, default=str)


def test_month_lengths_agree_with_the_calendar_module():
    # rules.py counts days itself so that validation does not import calendar.
    import calendar

    from fhirimaging.models.rules import _days_in

    assert all(_days_in(y, m) == calendar.monthrange(y, m)[1] for y in range(1, 10000) for m in range(1, 13))
