"""type_history: GET /fhir/R5/ImagingStudy/_history lists every study's versions, newest first."""
from fhirimaging import runtime
from fhirimaging.http import parse
from fhirimaging.http.endpoint import endpoint


@endpoint("type_history")
def lambda_handler(http, access):
    return runtime.service().history(parse.history(http), access)
