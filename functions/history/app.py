"""history: GET /fhir/R5/ImagingStudy/{id}/_history lists one study's versions, newest first."""
from fhirimaging import runtime
from fhirimaging.http import parse
from fhirimaging.http.endpoint import endpoint


@endpoint("history")
def lambda_handler(http, access):
    return runtime.service().history(parse.history(http), access)
