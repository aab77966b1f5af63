"""capabilities: GET /fhir/R5/metadata (the CapabilityStatement) and GET
/fhir/R5/.well-known/smart-configuration (SMART App Launch discovery)."""
from fhirimaging import runtime
from fhirimaging.capabilities import capability_statement, smart_configuration
from fhirimaging.http.endpoint import endpoint
from fhirimaging.interactions import SMART_CONFIGURATION_PATH


@endpoint("capabilities")
def lambda_handler(http):
    if http.path.endswith(SMART_CONFIGURATION_PATH):
        return smart_configuration(runtime.settings())
    return capability_statement(http.base_url, runtime.settings())
