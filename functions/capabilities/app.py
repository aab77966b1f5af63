"""capabilities: GET /fhir/R5/metadata returns the server's CapabilityStatement."""
from fhirimaging import runtime
from fhirimaging.capabilities import capability_statement
from fhirimaging.http.endpoint import endpoint


@endpoint("capabilities")
def lambda_handler(http):
    return capability_statement(http.base_url, runtime.settings())
