"""delete: DELETE /fhir/R5/ImagingStudy/{id} records a deletion as the next version."""
from fhirimaging import runtime
from fhirimaging.http import parse
from fhirimaging.http.endpoint import endpoint


@endpoint("delete")
def lambda_handler(http, access):
    return runtime.service().delete(parse.delete(http), access)
