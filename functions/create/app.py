"""create: POST /fhir/R5/ImagingStudy stores a new study under a server-assigned id."""
from fhirimaging import runtime
from fhirimaging.http import parse
from fhirimaging.http.endpoint import endpoint


@endpoint("create")
def lambda_handler(http):
    return runtime.service().create(parse.create(http))
