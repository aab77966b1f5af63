"""search: GET /ImagingStudy?..., POST /ImagingStudy/_search and GET /Patient/{id}/ImagingStudy."""
from fhirimaging import runtime
from fhirimaging.http import parse
from fhirimaging.http.endpoint import endpoint


@endpoint("search")
def lambda_handler(http, access):
    return runtime.service().search(parse.search(http), access)
