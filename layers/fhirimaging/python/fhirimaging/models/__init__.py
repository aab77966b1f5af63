"""Validation of FHIR R5 ImagingStudy JSON with hand-written pydantic models.

The single entry point is validate_imaging_study; it never rewrites what was sent. The models
(imagingstudy.py, datatypes.py, primitives.py, rules.py) are compiled ahead of time into core_schema.py,
so validating imports pydantic-core alone (see compile.py).
"""

from __future__ import annotations

from pydantic_core import SchemaValidator, ValidationError

from fhirimaging.errors import InvalidResource
from fhirimaging.resource import RESOURCE_TYPE

from .core_schema import CONFIG, SCHEMA
from .issues import issues_from

__all__ = ["validate_imaging_study"]

_validate = SchemaValidator(SCHEMA, CONFIG).validate_python


def validate_imaging_study(resource: dict) -> None:
    """Raise InvalidResource with one Issue per problem; return None if valid.

    `resource` is the body as parsed by json.loads(..., parse_float=decimal.Decimal); it is only read.
    """
    try:
        _validate(resource, context={"contained_ids": _contained_ids(resource)})
    except ValidationError as error:
        issues = issues_from(error, RESOURCE_TYPE)
        count = f"{len(issues)} problem{'s' if len(issues) != 1 else ''}"
        raise InvalidResource(f"The {RESOURCE_TYPE} is not valid R5: {count}", issues=issues) from None


def _contained_ids(resource: object) -> frozenset[str]:
    """Ids that local references ('#id') may point to; malformed input is left for validation to report."""
    contained = resource.get("contained") if type(resource) is dict else None
    if type(contained) is not list:
        return frozenset()
    return frozenset(item["id"] for item in contained if type(item) is dict and type(item.get("id")) is str)
