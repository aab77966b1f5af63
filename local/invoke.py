"""`python -m local.invoke <FunctionLogicalId> -e <event.json>`: `sam local invoke` without Docker.

Runs one function of template.yaml in this process with the environment the local server gives
it, against a fresh embedded DynamoDB (empty table, like a new stack) or DYNAMODB_ENDPOINT_URL.
The handler's result goes to stdout as JSON; its logs and prints go to stderr, so the output
can be piped. Exit code 0 when the invocation returned, 1 when the handler raised (the Lambda
error document is printed instead), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import traceback
from typing import Any

from local.dynamodb import EmbeddedDynamoDB, ensure_table
from local.functions import (
    EnvironmentPatch,
    LambdaContext,
    aws_defaults,
    load_handler,
    resolve_environment,
    serialize_result,
    settable_names,
    table_name_for,
)
from local.template import TemplateError, load_template


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__.splitlines()[0])
    parser.add_argument("function", help="logical id of the function in the template, e.g. ReadFunction")
    parser.add_argument("-e", "--event", help="event JSON file ('-' for stdin); default: {}")
    parser.add_argument("-t", "--template", help="template file (default: template.yaml)")
    parser.add_argument(
        "-n",
        "--env-vars",
        help='JSON file of overrides as for sam: {"<FunctionLogicalId>": {...}, "Parameters": {...}}',
    )
    return parser.parse_args(argv)


def _read_event(path: str | None) -> Any:
    if path is None:
        return {}
    if path == "-":
        return json.load(sys.stdin)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _env_overrides(path: str | None, function_id: str) -> dict[str, str]:
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    overrides = {**document.get("Parameters", {}), **document.get(function_id, {})}
    return {name: str(value) for name, value in overrides.items()}


def _error_document(e: BaseException, request_id: str) -> dict[str, Any]:
    return {
        "errorMessage": str(e),
        "errorType": type(e).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(e.__traceback__),
    }


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    args = _parse_args(argv)
    try:
        template = load_template(args.template)
        function = template.function(args.function)
        event = _read_event(args.event)
        file_overrides = _env_overrides(args.env_vars, function.logical_id)
    except (OSError, ValueError, TemplateError) as e:
        print(f"local.invoke: {e}", file=sys.stderr)
        return 2

    variables = function.environment
    overrides = {k: os.environ[k] for k in settable_names(template, variables) if os.environ.get(k)}
    overrides.update(file_overrides)
    table_name = table_name_for(template, variables, overrides)
    try:
        environment = resolve_environment(template, variables, table_name=table_name, overrides=overrides)
    except TemplateError as e:
        print(f"local.invoke: {e}", file=sys.stderr)
        return 2

    with contextlib.ExitStack() as stack:
        endpoint = os.environ.get("DYNAMODB_ENDPOINT_URL") or None
        if endpoint is None:
            endpoint = stack.enter_context(EmbeddedDynamoDB()).endpoint_url
        environment["DYNAMODB_ENDPOINT_URL"] = endpoint
        if "AUTH" in environment and "AUTH" not in overrides:
            environment["AUTH"] = "off"  # as the local stack: SMART scopes only with AUTH=on
        environment.update({k: v for k, v in file_overrides.items() if k not in environment})
        environment.update(aws_defaults({**os.environ, **environment}))
        stack.callback(EnvironmentPatch(environment).restore)

        import boto3  # deferred until the environment (region, credentials) is in place

        client = boto3.session.Session().client("dynamodb", endpoint_url=endpoint)
        ensure_table(client, table_name, template.table_properties)

        context = LambdaContext(function, region=environment["AWS_DEFAULT_REGION"])
        # Lambda's log stream is stderr here: stdout carries only the result.
        with contextlib.redirect_stdout(sys.stderr):
            try:
                result = serialize_result(load_handler(function)(event, context))
                status = 0
            except Exception as e:  # noqa: BLE001 - reported as Lambda's error document
                traceback.print_exc()
                result = json.dumps(_error_document(e, context.aws_request_id))
                status = 1
        print(result, flush=True)
        return status


if __name__ == "__main__":
    sys.exit(main())
