"""Read template.yaml: functions, their HttpApi routes, Globals environment and the DynamoDB table.

The local stack must serve exactly what the template deploys, so nothing here is duplicated in
code: routes, handlers, environment variables and the table definition all come from the file.
CloudFormation short tags (`!Ref`, `!Sub`, ...) load as their long form (`{"Ref": ...}`,
`{"Fn::Sub": ...}`) so the values can be inspected and, where possible, resolved locally.
Conditions are evaluated with the parameters' defaults (or the values given) and every `Fn::If`
replaced by its branch, as CloudFormation does with the template SAM produces.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"

DEFAULT_ROUTE_KEY = "$default"


class TemplateError(ValueError):
    pass


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns every `!Tag` into CloudFormation's long form."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix in ("Ref", "Condition"):
        return {tag_suffix: value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        data = yaml.load(f, Loader=_CfnLoader)  # a SafeLoader subclass
    if not isinstance(data, dict):
        raise TemplateError(f"{path}: not a CloudFormation template")
    return data


@dataclass(frozen=True)
class Route:
    """One API Gateway route: `GET /a/{id}`, `ANY /a/{proxy+}` or the `$default` catch-all."""

    function_id: str
    method: str | None = None  # upper-case method or "ANY"; None for $default
    path: str | None = None  # route path as written in the template; None for $default
    public: bool = False  # no token needed: its API's OpenAPI document gives it no `security`

    @property
    def key(self) -> str:
        return DEFAULT_ROUTE_KEY if self.path is None else f"{self.method} {self.path}"

    @property
    def is_default(self) -> bool:
        return self.path is None


@dataclass(frozen=True)
class StreamSource:
    """A function's DynamoDB stream event source: which records it is given, and how many at a time."""

    patterns: tuple[dict[str, Any], ...]  # its FilterCriteria; a record is given if any matches (none: all are)
    batch_size: int


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_uri: Path
    handler: str
    routes: tuple[Route, ...]
    environment: dict[str, Any]  # Globals merged with the function's own variables, unresolved
    memory_size: int
    timeout: int
    layer_paths: tuple[Path, ...]  # directories Lambda would mount under /opt/python
    stream: StreamSource | None = None  # the table's stream feeds it


@dataclass(frozen=True)
class Template:
    path: Path
    data: dict[str, Any] = field(repr=False)  # with every Fn::If resolved
    functions: tuple[Function, ...]
    globals_environment: dict[str, Any]
    table_id: str
    table_properties: dict[str, Any]
    parameter_values: dict[str, str] = field(default_factory=dict)  # defaults, overridden by load_template's

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def resources(self) -> dict[str, Any]:
        return self.data.get("Resources", {})

    @property
    def routes(self) -> list[Route]:
        return [route for fn in self.functions for route in fn.routes]

    def function(self, logical_id: str) -> Function:
        for fn in self.functions:
            if fn.logical_id == logical_id:
                return fn
        known = ", ".join(fn.logical_id for fn in self.functions)
        raise TemplateError(f"no function {logical_id!r} in {self.path.name} (functions: {known})")

    @property
    def base_path(self) -> str:
        """The API's base path, e.g. `/fhir/R5`: from the execute-api URL in Outputs, else the routes."""
        for output in (self.data.get("Outputs") or {}).values():
            value = (output or {}).get("Value")
            sub = value.get("Fn::Sub") if isinstance(value, dict) else None
            text = sub[0] if isinstance(sub, list) else sub
            if isinstance(text, str) and ".execute-api." in text:
                return urlsplit(re.sub(r"\$\{[^}]*\}", "x", text)).path.rstrip("/")
        paths = [r.path.strip("/").split("/") for r in self.routes if r.path]
        common: list[str] = []
        for parts in zip(*paths):
            if len(set(parts)) != 1 or parts[0].startswith("{"):
                break
            common.append(parts[0])
        return "/" + "/".join(common) if common else ""


def _merge_function_properties(globals_fn: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """SAM Globals semantics: maps merge (function wins), lists append, scalars are replaced."""
    merged = dict(globals_fn)
    for key, value in props.items():
        base = merged.get(key)
        if isinstance(base, dict) and isinstance(value, dict):
            merged[key] = _merge_maps(base, value)
        elif isinstance(base, list) and isinstance(value, list):
            merged[key] = base + value
        else:
            merged[key] = value
    return merged


def _merge_maps(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        both_maps = isinstance(out.get(key), dict) and isinstance(value, dict)
        out[key] = _merge_maps(out[key], value) if both_maps else value
    return out


@dataclass(frozen=True)
class _ApiAuth:
    """An HttpApi's authorizers, and the (method, path) of each route that needs one (path None: $default)."""

    has_authorizer: bool = False
    secured: frozenset[tuple[str, str | None]] = frozenset()
    default_authorizer: bool = False

    def is_public(self, props: dict[str, Any], method: str, path: str | None) -> bool:
        """True for a route that needs no token although its API has an authorizer."""
        if not self.has_authorizer:
            return False
        if str((props.get("Auth") or {}).get("Authorizer", "")).upper() == "NONE":
            return True
        return not self.default_authorizer and (method, path) not in self.secured


def _api_auth(resources: dict[str, Any]) -> dict[str, _ApiAuth]:
    """HttpApi id -> its authorizers: SAM's Auth (Authorizers, DefaultAuthorizer) or, in its DefinitionBody,
    securitySchemes and each operation's `security`."""
    apis = {}
    for logical_id, resource in resources.items():
        if (resource or {}).get("Type") != "AWS::Serverless::HttpApi":
            continue
        props = resource.get("Properties") or {}
        auth, body = props.get("Auth") or {}, props.get("DefinitionBody") or {}
        secured = set()
        for path, item in (body.get("paths") or {}).items():
            for method, operation in (item or {}).items():
                if isinstance(operation, dict) and operation.get("security"):
                    method = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
                    secured.add((method, None if path == DEFAULT_ROUTE_KEY else path))
        apis[logical_id] = _ApiAuth(
            has_authorizer=bool(auth.get("Authorizers") or (body.get("components") or {}).get("securitySchemes")),
            secured=frozenset(secured),
            default_authorizer=bool(auth.get("DefaultAuthorizer")),
        )
    return apis


def _routes(logical_id: str, events: dict[str, Any], apis: dict[str, _ApiAuth] | None = None) -> tuple[Route, ...]:
    routes = []
    for name, event in (events or {}).items():
        if (event or {}).get("Type") != "HttpApi":
            continue
        props = event.get("Properties") or {}
        path, method = props.get("Path"), props.get("Method")
        api_id = props.get("ApiId")
        api = (apis or {}).get(api_id.get("Ref", "") if isinstance(api_id, dict) else "", _ApiAuth())
        if path is None and method is None:
            routes.append(Route(logical_id, public=api.is_public(props, "ANY", None)))
        elif path is None or method is None:
            raise TemplateError(f"{logical_id}.Events.{name}: HttpApi needs both Path and Method, or neither")
        else:
            method = str(method).upper()
            if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
                method = "ANY"
            routes.append(Route(logical_id, method, path, api.is_public(props, method, path)))
    return tuple(routes)


def _stream_mappings(resources: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Function id -> the properties of the AWS::Lambda::EventSourceMapping resources that feed it a table's stream."""
    mappings: dict[str, list[dict[str, Any]]] = {}
    for resource in resources.values():
        if (resource or {}).get("Type") != "AWS::Lambda::EventSourceMapping":
            continue
        props = resource.get("Properties") or {}
        source, function = props.get("EventSourceArn"), props.get("FunctionName")
        is_stream = isinstance(source, dict) and (source.get("Fn::GetAtt") or [None, None])[1] == "StreamArn"
        if is_stream and isinstance(function, dict) and "Ref" in function:
            mappings.setdefault(function["Ref"], []).append(props)
    return mappings


def _stream(logical_id: str, events: dict[str, Any], mappings: list[dict[str, Any]] = ()) -> StreamSource | None:
    """From a DynamoDB event of the function (SAM) or an event source mapping naming it (same properties)."""
    sources = [(event.get("Properties") or {}) for event in (events or {}).values()
               if (event or {}).get("Type") == "DynamoDB"] + list(mappings)
    if not sources:
        return None
    if len(sources) > 1:
        raise TemplateError(f"{logical_id}: more than one DynamoDB stream event source")
    (props,) = sources
    filters = (props.get("FilterCriteria") or {}).get("Filters") or []
    return StreamSource(tuple(json.loads(f["Pattern"]) for f in filters), int(props.get("BatchSize", 100)))


def _layer_paths(root: Path, resources: dict[str, Any], layers: list[Any]) -> tuple[Path, ...]:
    paths = []
    for layer in layers or []:
        ref = layer.get("Ref") if isinstance(layer, dict) else None
        resource = resources.get(ref) if ref else None
        if not resource or resource.get("Type") != "AWS::Serverless::LayerVersion":
            continue  # a published layer ARN has no local source
        content = root / resource["Properties"]["ContentUri"]
        paths.append(content / "python" if (content / "python").is_dir() else content)
    return tuple(paths)


_NO_VALUE = {"Ref": "AWS::NoValue"}


def parameter_values(data: dict[str, Any], given: dict[str, str] | None = None) -> dict[str, str]:
    """Every parameter's value: the given one, else its Default, else "" (unset locally, e.g. JwtIssuer)."""
    values = {name: str((p or {}).get("Default", "")) for name, p in (data.get("Parameters") or {}).items()}
    parameters = data.get("Parameters") or {}
    for name, value in (given or {}).items():
        if name not in parameters:
            raise TemplateError(f"no parameter {name!r} in the template")
        allowed = (parameters[name] or {}).get("AllowedValues")
        if allowed is not None and value not in allowed:
            raise TemplateError(f"{name}={value!r} is not one of {allowed}")
    return {**values, **(given or {})}


def evaluate_conditions(data: dict[str, Any], parameters: dict[str, str]) -> dict[str, bool]:
    definitions = data.get("Conditions") or {}
    results: dict[str, bool] = {}

    def operand(value: Any) -> str:
        if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
            return parameters[value["Ref"]]
        if isinstance(value, (str, int, float, bool)):
            return str(value)
        raise TemplateError(f"cannot evaluate {value!r} in a condition locally")

    def evaluate(expression: Any) -> bool:
        if isinstance(expression, dict) and len(expression) == 1:
            ((fn, arg),) = expression.items()
            if fn == "Fn::Equals":
                return operand(arg[0]) == operand(arg[1])
            if fn == "Fn::Not":
                return not evaluate(arg[0])
            if fn == "Fn::And":
                return all(evaluate(a) for a in arg)
            if fn == "Fn::Or":
                return any(evaluate(a) for a in arg)
            if fn == "Condition":
                return condition(arg)
        raise TemplateError(f"cannot evaluate the condition {expression!r} locally")

    def condition(name: str) -> bool:
        if name not in results:
            if name not in definitions:
                raise TemplateError(f"no condition {name!r} in the template")
            results[name] = evaluate(definitions[name])
        return results[name]

    return {name: condition(name) for name in definitions}


def resolve_conditionals(value: Any, conditions: dict[str, bool]) -> Any:
    """`Fn::If` replaced by the branch its condition selects; `AWS::NoValue` removes the key or item."""
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            name, when_true, when_false = value["Fn::If"]
            if name not in conditions:
                raise TemplateError(f"Fn::If names no condition of the template: {name!r}")
            return resolve_conditionals(when_true if conditions[name] else when_false, conditions)
        resolved = {k: resolve_conditionals(v, conditions) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v != _NO_VALUE}
    if isinstance(value, list):
        return [v for v in (resolve_conditionals(v, conditions) for v in value) if v != _NO_VALUE]
    return value


def load_template(path: Path | str | None = None, parameters: dict[str, str] | None = None) -> Template:
    """The template as deployed with these parameter values (the defaults unless given)."""
    path = Path(path or DEFAULT_TEMPLATE).resolve()
    data = load_yaml(path)
    values = parameter_values(data, parameters)
    conditions = evaluate_conditions(data, values)
    data = {k: v if k in ("Conditions", "Parameters") else resolve_conditionals(v, conditions)
            for k, v in data.items()}
    resources = data.get("Resources") or {}
    globals_fn = ((data.get("Globals") or {}).get("Function")) or {}
    globals_env = dict(((globals_fn.get("Environment") or {}).get("Variables")) or {})

    mappings = _stream_mappings(resources)
    apis = _api_auth(resources)
    functions = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = _merge_function_properties(globals_fn, resource.get("Properties") or {})
        if "CodeUri" not in props or "Handler" not in props:
            raise TemplateError(f"{logical_id}: CodeUri and Handler are required")
        functions.append(
            Function(
                logical_id=logical_id,
                code_uri=(path.parent / props["CodeUri"]).resolve(),
                handler=props["Handler"],
                routes=_routes(logical_id, props.get("Events") or {}, apis),
                environment=dict(((props.get("Environment") or {}).get("Variables")) or {}),
                memory_size=int(props.get("MemorySize", 128)),
                timeout=int(props.get("Timeout", 3)),
                layer_paths=_layer_paths(path.parent, resources, props.get("Layers") or []),
                stream=_stream(logical_id, props.get("Events") or {}, mappings.get(logical_id, [])),
            )
        )

    tables = {k: v for k, v in resources.items() if v.get("Type") == "AWS::DynamoDB::Table"}
    if len(tables) != 1:
        raise TemplateError(f"expected exactly one AWS::DynamoDB::Table, found {sorted(tables) or 'none'}")
    ((table_id, table),) = tables.items()

    defaults = [r.function_id for fn in functions for r in fn.routes if r.is_default]
    if len(defaults) > 1:
        raise TemplateError(f"more than one $default route: {defaults}")

    return Template(
        path=path,
        data=data,
        functions=tuple(functions),
        globals_environment=globals_env,
        table_id=table_id,
        table_properties=dict(table.get("Properties") or {}),
        parameter_values=values,
    )


class Unresolved(Exception):
    """A value that only exists once deployed (e.g. a Secrets Manager dynamic reference)."""


_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


def resolve(value: Any, refs: dict[str, str]) -> str:
    """Resolve a Ref / Fn::Sub / Fn::GetAtt value against local equivalents in `refs`.

    `refs` maps logical ids, pseudo parameters (`AWS::Region`) and `Id.Attribute` names to local
    values. Raises Unresolved for anything without a local equivalent, including dynamic
    references (`{{resolve:...}}`), which CloudFormation resolves only at deploy time.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref" and arg in refs:
            return refs[arg]
        if fn == "Fn::GetAtt":
            name = ".".join(arg) if isinstance(arg, list) else str(arg)
            if name in refs:
                return refs[name]
        if fn == "Fn::Sub":
            text, extra = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
            local = {**refs, **{k: resolve(v, refs) for k, v in extra.items()}}

            def substitute(match: re.Match[str]) -> str:
                if match.group(1) not in local:
                    raise Unresolved(f"${{{match.group(1)}}}")
                return local[match.group(1)]

            result = _SUB_VAR.sub(substitute, text).replace("${!", "${")
            if "{{resolve:" in result:
                raise Unresolved(result)
            return result
    raise Unresolved(repr(value))
