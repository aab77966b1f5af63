"""read: GET /fhir/R5/ImagingStudy/{id} returns the current version."""
from fhirimaging import runtime
from fhirimaging.http import parse
from fhirimaging.http.endpoint import endpoint


@endpoint("read")
def lambda_handler(http, access):
    return runtime.service().read(parse.read(http), access)
