"""update: PUT /fhir/R5/ImagingStudy/{id} writes the next version (or creates with the client's id)."""
from fhirimaging import runtime
from fhirimaging.http import parse
from fhirimaging.http.endpoint import endpoint
from fhirimaging.models import validate_imaging_study  # noqa: F401  built during init, not on the first request


@endpoint("update")
def lambda_handler(http, access):
    return runtime.service().update(parse.update(http), access)
