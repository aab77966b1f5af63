"""bundle: POST /fhir/R5 with a batch or transaction Bundle, each entry served as its single interaction."""
from fhirimaging import runtime
from fhirimaging.http import bundle
from fhirimaging.http.endpoint import endpoint
from fhirimaging.models import validate_imaging_study  # noqa: F401  built during init, not on the first request


@endpoint("bundle")
def lambda_handler(http, access):
    return bundle.serve(runtime.service(), http, access)
