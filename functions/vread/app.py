"""vread: GET /fhir/R5/ImagingStudy/{id}/_history/{vid} returns one version."""
from fhirimaging import runtime
from fhirimaging.http import parse
from fhirimaging.http.endpoint import endpoint


@endpoint("vread")
def lambda_handler(http, access):
    return runtime.service().vread(parse.vread(http), access)
