"""patch: PATCH /fhir/R5/ImagingStudy/{id} applies a JSON Patch or FHIRPath Patch as the next version."""
from fhirimaging import runtime
from fhirimaging.http import parse
from fhirimaging.http.endpoint import endpoint
from fhirimaging.models import validate_imaging_study  # noqa: F401  built during init, not on the first request
from fhirimaging.patch import json_patch  # noqa: F401  loads during init too; FHIRPath Patch on its first use


@endpoint("patch")
def lambda_handler(http, access):
    return runtime.service().patch(parse.patch(http), access)
