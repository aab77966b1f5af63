"""What a function sees at run time, without Lambda: its handler, its context and its environment.

Every handler file is called `app.py`, so each is imported from its CodeUri under a module name
of its own; layers go on sys.path where Lambda would mount them (/opt/python). The environment
is the template's (Globals + function variables) with deploy-time references replaced by local
equivalents: the table name, and for a Secrets Manager secret the function would read by its ARN
(`<NAME>_ARN: !Ref <Secret>`), the value itself, random, as `<NAME>` (there is no Secrets Manager locally).
"""

from __future__ import annotations

import decimal
import hashlib
import importlib.util
import json
import os
import re
import secrets
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from local.template import Function, Template, TemplateError, Unresolved, resolve

LOCAL_ACCOUNT_ID = "123456789012"
LOCAL_REGION = "us-east-1"
LOCAL_STACK_NAME = "fhir-imaging-local"
LOCAL_TABLE_NAME = "fhir-imaging-local"

# Lambda's synchronous invocation limit applies to the request event and to the response.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024

Handler = Callable[[dict[str, Any], Any], Any]

_load_lock = threading.Lock()
_handlers: dict[tuple[str, str], Handler] = {}


class LambdaContext:
    """The attributes and method of the Python runtime's context object."""

    def __init__(self, function: Function, region: str = LOCAL_REGION, account_id: str = LOCAL_ACCOUNT_ID):
        now = datetime.now(UTC)
        self.function_name = function.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function.logical_id}"
        self.memory_limit_in_mb = function.memory_size
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.logical_id}"
        self.log_stream_name = f"{now:%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + function.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(function: Function) -> Handler:
    """Import `CodeUri/<module>.py` under a unique module name (once) and return its handler."""
    module_path, _, attr = function.handler.rpartition(".")
    if not module_path:
        raise TemplateError(f"{function.logical_id}: Handler must be <module>.<function>")
    file = function.code_uri / (module_path.replace(".", "/") + ".py")
    key = (str(file), attr)
    with _load_lock:
        if key in _handlers:
            return _handlers[key]
        for layer in reversed(function.layer_paths):
            if str(layer) not in sys.path:
                sys.path.insert(0, str(layer))
        digest = hashlib.sha1(str(file).encode()).hexdigest()[:8]
        safe_id = re.sub(r"\W", "_", function.logical_id)
        name = f"_lambda_{safe_id}_{digest}"
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None or not file.is_file():
            raise FileNotFoundError(f"{function.logical_id}: handler file {file} not found")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        # Lambda runs with the function's directory on sys.path (/var/task); only while importing
        # here, so that functions' sibling modules are found without shadowing each other later.
        sys.path.insert(0, str(function.code_uri))
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        finally:
            sys.path.remove(str(function.code_uri))
        handler = getattr(module, attr, None)
        if not callable(handler):
            raise TemplateError(f"{function.logical_id}: {file.name} has no callable {attr!r}")
        _handlers[key] = handler
        return handler


def _lambda_default(value: Any) -> Any:
    # The Python runtime's serializer turns Decimal (what boto3 returns for numbers) into float.
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def serialize_result(result: Any) -> str:
    """The handler's return value as the Lambda runtime sends it back: JSON text."""
    return json.dumps(result, default=_lambda_default)


def _is_secret_reference(value: Any) -> bool:
    text = json.dumps(value)
    return "{{resolve:secretsmanager:" in text or "{{resolve:ssm-secure:" in text


def local_refs(template: Template, table_name: str, region: str = LOCAL_REGION) -> dict[str, str]:
    """Local values for the Refs and pseudo parameters a function's environment may use."""
    refs = {
        "AWS::Region": region,
        "AWS::AccountId": LOCAL_ACCOUNT_ID,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": LOCAL_STACK_NAME,
        template.table_id: table_name,
        f"{template.table_id}.Arn": f"arn:aws:dynamodb:{region}:{LOCAL_ACCOUNT_ID}:table/{table_name}",
    }
    refs.update(template.parameter_values)  # a parameter a deploy must set (JwtIssuer) is "" locally
    for name, resource in template.resources.items():
        kind = (resource or {}).get("Type")
        if kind == "AWS::Events::EventBus":
            refs[name] = ""  # no bus locally: the change publisher writes JSON lines instead
        elif kind == "AWS::Serverless::HttpApi":
            refs[name] = "local"  # an API id exists only once deployed
    return refs


def _secret_ids(template: Template) -> set[str]:
    return {name for name, r in template.resources.items() if (r or {}).get("Type") == "AWS::SecretsManager::Secret"}


def _secret_arn(template: Template, name: str, value: Any) -> bool:
    return name.endswith("_ARN") and isinstance(value, dict) and value.get("Ref") in _secret_ids(template)


def settable_names(template: Template, variables: Mapping[str, Any]) -> list[str]:
    """The variables the local environment may set: the declared ones and the values of secrets read by ARN."""
    return [*variables, *(n.removesuffix("_ARN") for n, v in variables.items() if _secret_arn(template, n, v))]


def declared_variables(functions: Iterable[Function]) -> dict[str, Any]:
    """The union of the functions' variables; in one process they must agree on every value."""
    variables: dict[str, Any] = {}
    for function in functions:
        for name, value in function.environment.items():
            if name in variables and variables[name] != value:
                raise TemplateError(
                    f"{name}: functions declare different values; one process cannot serve both"
                )
            variables[name] = value
    return variables


def table_name_for(template: Template, variables: Mapping[str, Any], overrides: Mapping[str, str]) -> str:
    """The local table name: an override of the variable that holds `!Ref <table>`, else the default."""
    for name, value in variables.items():
        if value == {"Ref": template.table_id} and overrides.get(name):
            return overrides[name]
    return LOCAL_TABLE_NAME


def resolve_environment(
    template: Template,
    variables: Mapping[str, Any],
    *,
    table_name: str,
    overrides: Mapping[str, str],
    region: str = LOCAL_REGION,
) -> dict[str, str]:
    """Every declared variable as a string: an override, else the local value of its template value."""
    refs = local_refs(template, table_name, region)
    env: dict[str, str] = {}
    for name, value in variables.items():
        if _secret_arn(template, name, value):
            env[name] = ""  # the function reads the value from this variable instead:
            plain = name.removesuffix("_ARN")
            env[plain] = overrides.get(plain) or secrets.token_urlsafe(32)
            continue
        if name in overrides:
            env[name] = overrides[name]
            continue
        try:
            env[name] = resolve(value, refs)
        except Unresolved as e:
            if not _is_secret_reference(value):
                raise TemplateError(
                    f"{name}: no local value for {e}; set {name} in the environment"
                ) from None
            env[name] = secrets.token_urlsafe(32)
    return env


def aws_defaults(environ: Mapping[str, str]) -> dict[str, str]:
    """Region and dummy credentials, unless the environment already has them (no IMDS lookups)."""
    out: dict[str, str] = {}
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or LOCAL_REGION
    out["AWS_REGION"] = environ.get("AWS_REGION") or region
    out["AWS_DEFAULT_REGION"] = environ.get("AWS_DEFAULT_REGION") or region
    if not environ.get("AWS_ACCESS_KEY_ID") and not environ.get("AWS_PROFILE"):
        out["AWS_ACCESS_KEY_ID"] = "testing"
        out["AWS_SECRET_ACCESS_KEY"] = "testing"
    return out


class EnvironmentPatch:
    """Set variables in os.environ and put the previous values back on restore()."""

    def __init__(self, values: Mapping[str, str]):
        self._saved: dict[str, str | None] = {}
        self.update(values)

    def update(self, values: Mapping[str, str]) -> None:
        for name in values:
            self._saved.setdefault(name, os.environ.get(name))
        os.environ.update(values)

    def restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
