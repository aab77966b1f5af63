"""create: POST /fhir/R5/ImagingStudy stores a new study under a server-assigned id."""
from fhirimaging import runtime
from fhirimaging.http import parse
from fhirimaging.http.endpoint import endpoint
from fhirimaging.models import validate_imaging_study  # noqa: F401  built during init, not on the first request


@endpoint("create")
def lambda_handler(http, access):
    return runtime.service().create(parse.create(http), access)
