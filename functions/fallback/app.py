"""fallback: any route no interaction serves gets a 404 or 405 OperationOutcome."""
from fhirimaging.http.endpoint import endpoint
from fhirimaging.http.routing import unmatched


@endpoint("fallback")
def lambda_handler(http):
    return unmatched(http)
