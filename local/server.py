"""`python -m local.server`: the API on http://127.0.0.1:$PORT, like `sam local start-api` without Docker.

Each HTTP request becomes the API Gateway payload 2.0 event for the route template.yaml gives it,
and the real handler runs in this process with a Lambda context; its proxy response goes back
over HTTP. DynamoDB is the embedded one (local/dynamodb.py), or the endpoint in
DYNAMODB_ENDPOINT_URL (e.g. DynamoDB Local), where the table is created if missing.

`LocalStack` is the same stack as an object, for tests: `with LocalStack(port=0) as s: s.base_url`.

`make run` also serves the embedded DynamoDB and S3 on fixed ports (DYNAMODB_PORT, S3_PORT), on 127.0.0.1 and
on an address `sam local`'s containers reach (Docker's bridge when there is one; SERVICES_HOST sets another),
writes the --env-vars file that points the functions there (.sam-local/env.json, or SAM_ENV_FILE) and prints
the `sam local` lines that use it.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

from local.changes import StreamPoller
from local.dynamodb import EmbeddedDynamoDB, ensure_table
from local.events import (
    HttpResponse,
    MalformedResponse,
    Router,
    build_event,
    error_response,
    to_http_response,
)
from local.functions import (
    MAX_PAYLOAD_BYTES,
    EnvironmentPatch,
    LambdaContext,
    aws_defaults,
    declared_variables,
    load_handler,
    resolve_environment,
    serialize_result,
    settable_names,
    table_name_for,
)
from local.s3 import DEFAULT_BUCKET, DEFAULT_S3_PORT, EmbeddedS3, IngestQueue
from local.sam import ENV_VARS_FILE, docker_bridge_address, env_vars, sam_commands, write_env_vars
from local.template import Function, Template, TemplateError, load_template

log = logging.getLogger("local.server")

DEFAULT_PORT = 3000
DEFAULT_DYNAMODB_PORT = 8000  # DynamoDB Local's
INGEST_FUNCTION = "IngestFunction"
PUBLISHER_FUNCTION = "PublisherFunction"
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's request payload limit


class LocalStack:
    """The whole local stack in this process: embedded DynamoDB, environment, HTTP server.

    start() returns once the server accepts connections; stop() undoes everything, including the
    environment variables it set. The handlers read that environment in this process, so only one
    LocalStack should run per process.
    """

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        template: Template | Path | str | None = None,
        dynamodb_endpoint_url: str | None = None,
        env: dict[str, str] | None = None,
        s3_port: int = 0,
        change_events_file: Path | str | None = None,
        auth: bool | None = None,
        auth_key_file: Path | str | None = None,
        dynamodb_port: int = 0,
        services_host: str = "127.0.0.1",
        container_host: str | None = None,
    ):
        self.host, self.port = host, port
        self._dynamodb_port, self.services_host = dynamodb_port, services_host  # the embedded DynamoDB's and S3's
        self.container_host = container_host  # where they are served too, for containers (sam local)
        self._mirrors: list[_Mirror] = []
        self.template = template if isinstance(template, Template) else load_template(template)
        self.router = Router(self.template.routes)
        self._external_endpoint = dynamodb_endpoint_url
        self._env_overrides = dict(env or {})
        self.dynamodb: EmbeddedDynamoDB | None = None
        self.environment: dict[str, str] = {}
        self.table_name = ""
        self._env_patch: EnvironmentPatch | None = None
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._functions = {fn.logical_id: fn for fn in self.template.functions}
        self._s3_port = s3_port
        self.s3: EmbeddedS3 | None = None
        self.ingest_queue: IngestQueue | None = None
        self.stream_pollers: dict[str, StreamPoller] = {}  # function id -> the poller feeding it the table's stream
        self.bucket = DEFAULT_BUCKET
        if change_events_file is None:  # one file per stack, so runs and parallel stacks do not mix
            handle, change_events_file = tempfile.mkstemp(prefix="fhir-imaging-changes-", suffix=".jsonl")
            os.close(handle)
        self.change_events_file = Path(change_events_file)
        # AUTH=on: JWTs from a development issuer (local/auth.py), checked here as API Gateway would.
        if auth is None:
            auth = os.environ.get("AUTH", "off").strip().lower() in ("on", "true", "1", "yes")
        self.auth = auth
        self._auth_key_file = Path(auth_key_file) if auth_key_file else None
        self.issuer = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        try:
            self._start_dynamodb_and_environment()
            self._start_events()
            self._httpd = _Server((self.host, self.port), _RequestHandler)
            self._httpd.stack = self
            if self.auth:
                from local.auth import DevIssuer

                self.issuer = DevIssuer.create(f"{self.url}/local/issuer", self._auth_key_file)
                self._set_environment({"SMART_ISSUER": self.issuer.issuer})  # for .well-known/smart-configuration
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="local-stack-http",
                daemon=True,
            )
            self._thread.start()
            if PUBLISHER_FUNCTION in self.stream_pollers:  # change events link to this server, known once it is bound
                self._set_environment({"CHANGE_EVENTS_BASE_URL": self.base_url})
        except BaseException:
            self.stop()
            raise
        return self

    def _start_dynamodb_and_environment(self) -> None:
        variables = declared_variables(self.template.functions)
        overrides = {k: os.environ[k] for k in settable_names(self.template, variables) if os.environ.get(k)}
        overrides.update(self._env_overrides)
        self.table_name = table_name_for(self.template, variables, overrides)
        environment = resolve_environment(
            self.template, variables, table_name=self.table_name, overrides=overrides
        )

        endpoint = self._external_endpoint
        if not endpoint:
            self.dynamodb = EmbeddedDynamoDB(host=self.services_host, port=self._dynamodb_port).start()
            self._mirror(self.dynamodb, self.dynamodb.endpoint_url)
            endpoint = self.dynamodb.endpoint_url
        environment["DYNAMODB_ENDPOINT_URL"] = endpoint
        environment["AUTH"] = "on" if self.auth else "off"  # the template's "on" is for AWS only
        environment.update({k: v for k, v in self._env_overrides.items() if k not in environment})
        environment.update(aws_defaults({**os.environ, **environment}))
        self.environment = environment
        self._env_patch = EnvironmentPatch(environment)
        self._create_table()

    def _start_events(self) -> None:
        """S3 uploads -> ingest function; the table's stream -> the functions it feeds (as the template wires them)."""
        body_bucket = self.environment.get("BODY_BUCKET")
        if INGEST_FUNCTION in self._functions or body_bucket:
            if INGEST_FUNCTION in self._functions:
                self.ingest_queue = IngestQueue(lambda event: self.invoke(INGEST_FUNCTION, event),
                                                self.environment["AWS_DEFAULT_REGION"]).start()
            self.s3 = EmbeddedS3(self._uploaded, host=self.services_host, port=self._s3_port).start()
            self._mirror(self.s3, self.s3.endpoint_url)
            import boto3

            s3 = boto3.session.Session().client("s3", endpoint_url=self.s3.endpoint_url,
                                                 region_name=self.environment["AWS_DEFAULT_REGION"])
            for bucket in filter(None, (self.ingest_queue and self.bucket, body_bucket)):
                s3.create_bucket(Bucket=bucket)
            self._set_environment({"S3_ENDPOINT_URL": self.s3.endpoint_url})
        if self.dynamodb is None:
            return  # an external DynamoDB's stream is not read locally
        if PUBLISHER_FUNCTION in self._functions:
            # Change events go to a JSON-lines file (and stdout) instead of EventBridge.
            self._set_environment({"CHANGE_EVENTS_FILE": str(self.change_events_file)})
        backend, table = self.dynamodb.backend, self.table_name

        def records() -> list:
            shard = backend.tables[table].stream_shard if table in backend.tables else None
            return list(shard.items) if shard is not None else []

        for fn in self.template.functions:
            if fn.stream is not None:
                self.stream_pollers[fn.logical_id] = StreamPoller(
                    records, functools.partial(self.invoke, fn), fn.stream.patterns, fn.stream.batch_size).start()

    def _mirror(self, app: Any, endpoint_url: str) -> None:
        if self.container_host and self.container_host != self.services_host:
            self._mirrors.append(_Mirror(app, self.container_host, urlsplit(endpoint_url).port))

    def container_url(self, endpoint_url: str) -> str | None:
        """An embedded endpoint as containers reach it (None: they cannot)."""
        host = self.container_host or self.services_host
        if host in ("0.0.0.0", "::"):  # every interface: containers come in by the bridge
            host = docker_bridge_address() or "host.docker.internal"
        if host.startswith("127.") or host == "localhost":
            return None
        return f"http://{host}:{urlsplit(endpoint_url).port}"

    def _uploaded(self, bucket: str, key: str, size: int) -> None:
        """S3 notifies the ingest queue of new objects in the DICOM bucket only (as the template wires it)."""
        if self.ingest_queue is not None and bucket == self.bucket:
            self.ingest_queue.put(bucket, key, size)

    def _set_environment(self, values: dict[str, str]) -> None:
        self.environment.update(values)
        if self._env_patch is not None:
            self._env_patch.update(values)

    def wait_for_events(self, timeout: float = 30) -> None:
        """Block until every upload so far is ingested and the table's stream so far delivered: changes published,
        index items repaired (for tests and scripts)."""
        deadline = time.monotonic() + timeout
        while self.ingest_queue is not None and not self.ingest_queue.idle.wait(0.05):
            if time.monotonic() > deadline:
                raise TimeoutError("uploads are still being ingested")
        for poller in self.stream_pollers.values():
            poller.poll()

    def apply_environment(self) -> None:
        """Put the stack's variables back into os.environ if something in the process changed them."""
        for name, value in self.environment.items():
            if os.environ.get(name) != value:
                os.environ[name] = value

    def _create_table(self) -> None:
        import boto3  # deferred: ~0.4 s, and only needed once the stack starts

        client = boto3.session.Session().client(
            "dynamodb",
            endpoint_url=self.environment["DYNAMODB_ENDPOINT_URL"],
            region_name=self.environment["AWS_DEFAULT_REGION"],
        )
        if ensure_table(client, self.table_name, self.template.table_properties):
            log.debug("created table %s", self.table_name)

    def stop(self) -> None:
        for mirror in self._mirrors:
            mirror.stop()
        self._mirrors = []
        for poller in self.stream_pollers.values():
            poller.stop()
        self.stream_pollers = {}
        if self.s3 is not None:
            self.s3.stop()
        if self.ingest_queue is not None:
            self.ingest_queue.stop()
        self.s3 = self.ingest_queue = None
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.dynamodb is not None:
            self.dynamodb.stop()
        if self._env_patch is not None:
            self._env_patch.restore()
        self._httpd, self._thread, self.dynamodb, self._env_patch = None, None, None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Server root, e.g. `http://127.0.0.1:3000`."""
        if self._httpd is None:
            raise RuntimeError("LocalStack is not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        """FHIR base URL, e.g. `http://127.0.0.1:3000/fhir/R5`."""
        return self.url + self.template.base_path

    @property
    def dynamodb_endpoint_url(self) -> str:
        return self.environment["DYNAMODB_ENDPOINT_URL"]

    # -- invocation ------------------------------------------------------------------------

    def invoke(self, function: Function | str, event: dict[str, Any]) -> Any:
        """Invoke a function in-process with a fresh context; returns what the handler returned."""
        fn = function if isinstance(function, Function) else self._functions[function]
        handler = load_handler(fn)
        return handler(
            event, LambdaContext(fn, region=self.environment.get("AWS_DEFAULT_REGION", "us-east-1"))
        )

    def handle(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str = "127.0.0.1",
        protocol: str = "HTTP/1.1",
    ) -> tuple[HttpResponse, str]:
        """One HTTP request through route -> event -> handler -> response; also names the function."""
        raw_path, _, raw_query = target.partition("?")
        matched = self.router.match(method, raw_path)
        if matched is None:
            return error_response(404, "Not Found"), "-"
        route, path_parameters = matched
        fn = self._functions[route.function_id]
        claims = None
        if self.issuer is not None and not route.public:
            authorization = next((v for k, v in headers if k.lower() == "authorization"), None)
            claims = self.issuer.verify(authorization)
            if claims is None:  # API Gateway's own answer: the function never runs
                response = error_response(401, "Unauthorized")
                response.headers.append(("www-authenticate", "Bearer"))
                return response, "-"
        request_id = str(uuid.uuid4())
        event = build_event(
            method=method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=headers,
            body=body,
            route_key=route.key,
            path_parameters=path_parameters,
            source_ip=source_ip,
            protocol=protocol,
            forwarded_port=self._httpd.server_address[1] if self._httpd else None,
            request_id=request_id,
        )
        if claims is not None:
            event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        response = self._invoke_for_http(fn, event)
        response.headers.append(("apigw-requestid", request_id))
        return response, fn.logical_id

    def _invoke_for_http(self, fn: Function, event: dict[str, Any]) -> HttpResponse:
        if len(serialize_result(event)) > MAX_PAYLOAD_BYTES:
            log.error(
                "%s: request event exceeds Lambda's %d-byte payload limit", fn.logical_id, MAX_PAYLOAD_BYTES
            )
            return error_response(413, "Request Entity Too Large")
        started = time.monotonic()
        try:
            payload = serialize_result(self.invoke(fn, event))
        except Exception as e:  # noqa: BLE001 - a handler error is the function's 500, as in Lambda
            log.error(
                "%s: unhandled %s: %s\n%s",
                fn.logical_id,
                type(e).__name__,
                e,
                traceback.format_exc().rstrip(),
            )
            return error_response(500, "Internal Server Error")
        elapsed = time.monotonic() - started
        if elapsed > fn.timeout:
            log.warning(
                "%s: took %.1f s, over its %d s Timeout (Lambda would have stopped it)",
                fn.logical_id,
                elapsed,
                fn.timeout,
            )
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            log.error("%s: response exceeds Lambda's %d-byte payload limit", fn.logical_id, MAX_PAYLOAD_BYTES)
            return error_response(500, "Internal Server Error")
        try:
            return to_http_response(payload)
        except MalformedResponse as e:
            log.error("%s: malformed Lambda proxy response: %s", fn.logical_id, e)
            return error_response(500, "Internal Server Error")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 resets a burst of concurrent clients
    stack: LocalStack


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fhir-imaging-local"
    disable_nagle_algorithm = True  # else keep-alive clients wait ~40 ms (delayed ACK) per response
    server: _Server

    def _serve(self) -> None:
        started = time.monotonic()
        function_id = "-"
        body = self._read_body()
        if isinstance(body, HttpResponse):
            response = body
            self.close_connection = True
        else:
            headers = list(self.headers.items())
            if not any(name.lower() == "host" for name, _ in headers):
                headers.append(("host", f"{self.server.stack.host}:{self.server.server_address[1]}"))
            target = self.path
            if "://" in target.split("?", 1)[0]:  # absolute-form request target
                target = "/" + target.split("://", 1)[1].partition("/")[2]
            try:
                response, function_id = self.server.stack.handle(
                    self.command, target, headers, body, self.client_address[0], self.request_version
                )
            except Exception:
                log.exception("local stack failed on %s %s", self.command, self.path)
                response = error_response(500, "Internal Server Error")
        self._send(response)
        log.info(
            '%s "%s %s" %d %d %s %.0fms',
            self.client_address[0],
            self.command,
            self.path,
            response.status,
            len(response.body),
            function_id,
            (time.monotonic() - started) * 1000,
        )

    def _read_body(self) -> bytes | HttpResponse:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return error_response(411, "Length Required")
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.strip().isdigit():
            return error_response(400, "Bad Request")
        if int(length) > MAX_REQUEST_BYTES:
            return error_response(413, "Request Entity Too Large")
        return self.rfile.read(int(length))

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    try:
        port = int(os.environ.get("PORT", DEFAULT_PORT))
        s3_port = int(os.environ.get("S3_PORT", DEFAULT_S3_PORT))
        dynamodb_port = int(os.environ.get("DYNAMODB_PORT", DEFAULT_DYNAMODB_PORT))
    except ValueError:
        print("local stack: PORT, S3_PORT and DYNAMODB_PORT must be numbers", file=sys.stderr)
        return 2
    # 127.0.0.1 is reachable from this host only, Docker's bridge from the host and its containers only.
    services_host = "127.0.0.1"
    container_host = os.environ.get("SERVICES_HOST") or docker_bridge_address()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        stack = LocalStack(port=port, dynamodb_endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
                           s3_port=s3_port, change_events_file=os.environ.get("CHANGE_EVENTS_FILE") or None,
                           dynamodb_port=dynamodb_port, services_host=services_host, container_host=container_host)
        stack.start()
    except TemplateError as e:
        print(f"local stack: {e}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as e:
        print(f"local stack: cannot prepare the table: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        where = f"127.0.0.1{f' and {container_host}' if container_host else ''}"
        print(f"local stack: cannot listen on 127.0.0.1:{port}, or on {where} at {dynamodb_port} (DynamoDB) or "
              f"{s3_port} (S3): {e.strerror or e}", file=sys.stderr)
        return 1
    where = "embedded" if stack.dynamodb else "external"
    log.info(
        "local stack: %d functions, %d routes; %s DynamoDB %s, table %s. Ctrl-C stops.",
        len(stack.template.functions),
        len(stack.template.routes),
        where,
        stack.dynamodb_endpoint_url,
        stack.table_name,
    )
    if stack.s3 is not None:
        log.info("local stack: S3 %s, bucket %s: uploads are ingested (aws s3 cp ... s3://%s/ --endpoint-url %s)",
                 stack.s3.endpoint_url, stack.bucket, stack.bucket, stack.s3.endpoint_url)
        if stack.environment.get("BODY_BUCKET"):
            log.info("local stack: bodies too large for an item go to s3://%s/", stack.environment["BODY_BUCKET"])
    if PUBLISHER_FUNCTION in stack.stream_pollers:
        log.info("local stack: change events are printed and appended to %s", stack.change_events_file)
    if stack.issuer is not None:
        log.info("local stack: AUTH=on: send Authorization: Bearer $(python -m local.token --scope "
                 "'system/ImagingStudy.cruds'); issuer %s, audience %s", stack.issuer.issuer, stack.issuer.audience)
    _print_sam_local(stack)
    print(stack.base_url, flush=True)
    while not stop.wait(0.5):
        pass
    log.info("local stack: stopping")
    stack.stop()
    return 0


def _print_sam_local(stack: LocalStack) -> None:
    """The --env-vars file for `sam local` and the lines that use it, when its containers can reach the stack."""
    if stack.s3 is None or stack.dynamodb is None:
        return
    dynamodb_url, s3_url = stack.container_url(stack.dynamodb_endpoint_url), stack.container_url(stack.s3.endpoint_url)
    if dynamodb_url is None or s3_url is None:
        log.info("local stack: no Docker bridge, so sam local's containers cannot reach DynamoDB and S3; "
                 "SERVICES_HOST=<an address of this host they reach> make run")
        return
    document = env_vars(dynamodb_url, s3_url, stack.table_name, stack.environment.get("BODY_BUCKET"))
    env_file = write_env_vars(document, Path(os.environ.get("SAM_ENV_FILE") or ENV_VARS_FILE))
    log.info("local stack: for sam local (after `make sam-local`), %s points the functions at DynamoDB %s and S3 %s:",
             env_file, dynamodb_url, s3_url)
    for line in sam_commands(env_file):
        log.info("  %s", line)


class _Mirror:
    """One more listener for an embedded endpoint's WSGI app (same port, another address): its state is shared."""

    def __init__(self, app: Any, host: str, port: int):
        from werkzeug.serving import WSGIRequestHandler, make_server

        quiet = type("Quiet", (WSGIRequestHandler,), {"log_request": lambda *args, **kwargs: None})
        self._server = make_server(host, port, app, threaded=True, request_handler=quiet)
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"mirror-{host}:{port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
