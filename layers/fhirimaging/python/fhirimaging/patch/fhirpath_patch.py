"""FHIRPath Patch (FHIR R5 fhirpatch.html): a Parameters resource whose `operation`s add, insert, delete,
replace or move elements named by FHIRPath expressions.

fhirpathpy evaluates the paths. Each element it returns carries its concrete path in the resource
(`ImagingStudy.series[1].instance[0]`), which is walked, and checked against the returned value, to find
the JSON property or list slot to change. Paths are parsed strictly here: fhirpathpy's parser recovers from
syntax errors silently, which would turn a mistyped delete into a no-op.

The spec's rules: replace, insert, move and the container of add must select exactly one element (a list,
for insert and move); delete of nothing is a no-op, of several an error. An element left empty by a delete
is removed too, as FHIR JSON has no empty objects or arrays.

Bounded cost: at most MAX_PATCH_OPERATIONS operations, paths of at most MAX_FHIRPATH_CHARS, the size
budget of patch/budget.py (what add, insert and replace write is measured before it is written), and
MAX_FHIRPATH_STEPS of evaluation per patch: fhirpathpy evaluates every sub-expression through
`engine.do_eval`, which is wrapped here to count one step per evaluation and one per item it returns, so
`select($this.combine($this))`, which doubles a collection in 30 characters, stops after a bounded amount
of work. Its `util.flatten` (behind select and where) is replaced by a linear one: it concatenated lists
pairwise, quadratic in the collection. The client's regular expressions (matches, replaceMatches) run on
RE2, whose matching time is linear in the text: Python's `re` backtracks, and `^(a+)+$` over 30
characters holds a CPU, and with it the GIL, for minutes. RE2 refuses what it cannot run in linear time
(backreferences, lookaround) rather than run it.
"""
from __future__ import annotations

import copy
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import fhirpathpy
import fhirpathpy.engine
import fhirpathpy.engine.util
import re2
from antlr4 import CommonTokenStream, InputStream, Token
from antlr4.error.ErrorListener import ErrorListener
from antlr4.tree.Tree import ParseTreeWalker
from fhirpathpy.engine.nodes import ResourceNode
from fhirpathpy.parser.ASTPathListener import ASTPathListener
from fhirpathpy.parser.generated.FHIRPathLexer import FHIRPathLexer
from fhirpathpy.parser.generated.FHIRPathParser import FHIRPathParser

from fhirimaging.errors import BadRequest, Issue, PayloadTooLarge, TooCostly, Unprocessable, UnsupportedRegex
from fhirimaging.limits import MAX_FHIRPATH_CHARS, MAX_FHIRPATH_STEPS, MAX_PATCH_OPERATIONS
from fhirimaging.patch.budget import SizeBudget
from fhirimaging.patch.schema import child_of, model_at


def _r5_model() -> dict[str, Any]:
    # fhirpathpy.models parses the models of four FHIR versions on import; R5's alone is a quarter of that.
    folder = Path(fhirpathpy.__file__).parent / "models" / "r5"
    model = {path.stem: json.loads(path.read_bytes()) for path in folder.glob("*.json")}
    if not model:
        from fhirpathpy.models import models

        model = models["r5"]
    return model


MODEL = _r5_model()

_PARTS = {  # the parts each operation type takes, besides `type`
    "add": {"path", "name", "value"},
    "insert": {"path", "index", "value"},
    "delete": {"path"},
    "replace": {"path", "value"},
    "move": {"path", "source", "destination"},
}
_ALL_PARTS = {"type"} | set().union(*_PARTS.values())
_ELEMENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_VALUE_KEY = re.compile(r"value([A-Z][A-Za-z0-9]*)")
_STEP = re.compile(r"\.([A-Za-z0-9]+)|\[(\d+)\]")

Steps = tuple[str | int, ...]


@dataclass(frozen=True)
class Value:
    """A `value` part: value[x] (`type` from its suffix, e.g. Coding) or nested parts (a backbone element)."""

    json: Any = None
    type: str | None = None
    parts: tuple[tuple[str, "Value"], ...] | None = None


@dataclass(frozen=True)
class Operation:
    """One operation of a FHIRPath Patch, as its Parameters part gave it."""

    number: int
    type: str
    path: str
    tree: dict
    name: str | None = None
    value: Value | None = None
    index: int | None = None
    source: int | None = None
    destination: int | None = None
    owner_tree: dict | None = None  # insert/move: the path without its last member, to find a list not there yet
    member: str | None = None

    def __str__(self) -> str:
        return f"operation {self.number} ({self.type} {self.path})"


@dataclass(frozen=True)
class Location:
    """Where a FHIRPath path points in the resource."""

    steps: Steps  # JSON property names and list indexes from the resource root
    name: str | None  # the last element name as the path wrote it: `value` for the property valueString


def compile_patch(document: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    if type(document) is not dict or document.get("resourceType") != "Parameters":
        raise BadRequest("a FHIRPath Patch document is a Parameters resource; send a JSON Patch array as "
                         "application/json-patch+json")
    parameters = document.get("parameter", [])
    if type(parameters) is not list:
        raise BadRequest("Parameters.parameter must be an array of operations")
    if len(parameters) > MAX_PATCH_OPERATIONS:
        raise PayloadTooLarge(f"the patch has {len(parameters)} operations; the limit is {MAX_PATCH_OPERATIONS}")
    operations = [_operation(number, p) for number, p in enumerate(parameters, 1)]

    def apply(resource: dict[str, Any]) -> dict[str, Any]:
        result = copy.deepcopy(resource)
        budget = SizeBudget(result)
        _steps.left = MAX_FHIRPATH_STEPS
        try:
            for operation in operations:
                _APPLY[operation.type](result, operation, budget)
        finally:
            _steps.left = None
        return result

    return apply


# reading the document

def _operation(number: int, parameter: Any) -> Operation:
    if type(parameter) is not dict or parameter.get("name") != "operation":
        raise BadRequest(f"parameter {number} is not an operation: each parameter of a FHIRPath Patch is named "
                         "'operation'")
    parts = _named_parts(f"operation {number}", parameter, _ALL_PARTS)
    type_part = parts.pop("type", None)
    kind = type_part.get("valueCode") if type_part else None
    if kind not in _PARTS:
        raise BadRequest(f"operation {number} has type {kind!r}; expected valueCode {', '.join(_PARTS)}")
    label = f"operation {number} ({kind})"
    if missing := _PARTS[kind] - parts.keys():
        raise BadRequest(f"{label} has no {', '.join(sorted(missing))} part")
    if unused := parts.keys() - _PARTS[kind]:
        raise BadRequest(f"{label} takes no {', '.join(sorted(unused))} part")
    path = parts["path"].get("valueString")
    if type(path) is not str or not path.strip():
        raise BadRequest(f"{label}: the path part needs a valueString FHIRPath expression")
    if len(path) > MAX_FHIRPATH_CHARS:
        raise BadRequest(f"{label}: the path has {len(path)} characters; the limit is {MAX_FHIRPATH_CHARS}")
    fields: dict[str, Any] = {"tree": _parse(label, path)}
    if "name" in parts:
        name = parts["name"].get("valueString")
        if type(name) is not str or not _ELEMENT_NAME.fullmatch(name):
            raise BadRequest(f"{label}: the name part needs a valueString element name, not {name!r}")
        fields["name"] = name
    for part in ("index", "source", "destination"):
        if part in parts:
            value = parts[part].get("valueInteger")
            if type(value) is not int or value < 0:
                raise BadRequest(f"{label}: the {part} part needs a valueInteger of 0 or more, not {value!r}")
            fields[part] = value
    if "value" in parts:
        fields["value"] = _value(f"{label}: value", parts["value"])
    if kind in ("insert", "move") and (split := _split_last_member(path)):
        fields["owner_tree"], fields["member"] = _parse(label, split[0]), split[1]
    return Operation(number, kind, path, **fields)


def _named_parts(label: str, parameter: dict, allowed: set[str]) -> dict[str, dict]:
    parts = parameter.get("part")
    if type(parts) is not list or not parts:
        raise BadRequest(f"{label} has no parts")
    named: dict[str, dict] = {}
    for part in parts:
        name = part.get("name") if type(part) is dict else None
        if type(name) is not str:
            raise BadRequest(f"{label} has a part without a name")
        if name not in allowed:
            raise BadRequest(f"{label} has an unknown part {name!r}; expected {', '.join(sorted(allowed))}")
        if name in named:
            raise BadRequest(f"{label} has more than one {name} part")
        named[name] = part
    return named


def _value(label: str, part: dict) -> Value:
    keys = [k for k in part if _VALUE_KEY.fullmatch(k)]
    if len(keys) + ("part" in part) != 1:
        raise BadRequest(f"{label} needs exactly one value[x] or a list of parts")
    if keys:
        return Value(part[keys[0]], _VALUE_KEY.fullmatch(keys[0]).group(1))
    if type(part["part"]) is not list or not part["part"]:
        raise BadRequest(f"{label} has no parts")
    children = []
    for child in part["part"]:
        name = child.get("name") if type(child) is dict else None
        if type(name) is not str or not _ELEMENT_NAME.fullmatch(name):
            raise BadRequest(f"{label} has a part without an element name")
        children.append((name, _value(f"{label}.{name}", child)))
    return Value(parts=tuple(children))


class _RaiseOnSyntaxError(ErrorListener):
    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):  # noqa: N802 (ANTLR's name)
        raise ValueError(f"at column {column + 1}: {msg}")


def _parse(label: str, path: str) -> dict:
    """fhirpathpy's AST for the expression, refusing what its own parse() would silently recover from."""
    try:
        lexer = FHIRPathLexer(InputStream(path))
        lexer.removeErrorListeners()
        lexer.addErrorListener(_RaiseOnSyntaxError())
        tokens = CommonTokenStream(lexer)
        parser = FHIRPathParser(tokens)
        parser.removeErrorListeners()
        parser.addErrorListener(_RaiseOnSyntaxError())
        tree = parser.expression()
        if tokens.LA(1) != Token.EOF:
            extra = parser.getCurrentToken()
            raise ValueError(f"at column {extra.column + 1}: unexpected {extra.text!r}")
        listener = ASTPathListener()
        ParseTreeWalker().walk(listener, tree)
    except RecursionError as e:
        raise BadRequest(f"{label}: the path is nested too deeply") from e
    except Exception as e:  # ANTLR raises its own exception types as well as ours
        raise BadRequest(f"{label}: the path {path!r} is not a FHIRPath expression: {e}") from e
    return listener.parentStack[0]


def _split_last_member(path: str) -> tuple[str, str] | None:
    """`ImagingStudy.series.where(uid='1.2').instance` -> (`ImagingStudy.series.where(uid='1.2')`, `instance`)."""
    depth, quote, escaped, last_dot = 0, None, False, None
    for i, char in enumerate(path):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "'`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "." and depth == 0:
            last_dot = i
    if last_dot is None:
        return None
    member = path[last_dot + 1:].strip().strip("`")
    return (path[:last_dot], member) if _ELEMENT_NAME.fullmatch(member) else None


# finding what a path selects

def _select(resource: dict, tree: dict, operation: Operation) -> list[Location]:
    try:
        nodes = fhirpathpy.apply_parsed_path(resource, tree, {"resource": resource, "rootResource": resource},
                                             MODEL, _OPTIONS)
    except RecursionError as e:
        raise BadRequest(f"{operation}: the path is too deep to evaluate") from e
    except UnsupportedRegex as e:
        raise BadRequest(f"{operation}: {e}") from e
    except _TooManySteps as e:
        raise TooCostly(f"{operation}: evaluating the paths of this patch takes more than {MAX_FHIRPATH_STEPS} "
                        "steps (one per sub-expression evaluated and per item it returns); the limit is "
                        f"{MAX_FHIRPATH_STEPS}") from e
    except Exception as e:  # fhirpathpy reports wrong arity, unknown functions or variables as plain exceptions
        raise BadRequest(f"{operation}: the path cannot be evaluated: {e}") from e
    found: dict[Steps, Location] = {}
    for node in nodes:
        location = _locate(resource, node, operation)
        found.setdefault(location.steps, location)
    return list(found.values())


def _ignore(*_: Any) -> None:
    """trace() output has nowhere to go in a patch."""


# bounded evaluation

class _TooManySteps(Exception):
    pass


_steps = threading.local()  # the steps left to the patch this thread applies; None: not counting
_do_eval = fhirpathpy.engine.do_eval


def _counted_eval(ctx: dict, parent: Any, node: dict) -> Any:
    result = _do_eval(ctx, parent, node)
    left = getattr(_steps, "left", None)
    if left is not None:
        _steps.left = left = left - 1 - (len(result) if type(result) is list else 0)
        if left < 0:
            raise _TooManySteps()
    return result


def _flatten(items: list) -> list:
    flat: list = []
    for item in items:
        if isinstance(item, list):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


# The evaluators call both through their modules (engine.do_eval, util.flatten), so these take effect for
# every evaluation; nothing else in the layer evaluates FHIRPath.
fhirpathpy.engine.do_eval = _counted_eval
fhirpathpy.engine.util.flatten = _flatten


# client regular expressions

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # the error comes back to the client; nothing for stderr
_RE2_DOT_ALL = re2.Options()
_RE2_DOT_ALL.log_errors = False
_RE2_DOT_ALL.dot_nl = True  # fhirpathpy's matches() compiles with re.DOTALL


def _regex(pattern: str, options: Any) -> Any:
    try:
        return re2.compile(pattern, options)
    except re2.error as e:
        why = e.args[0].decode(errors="replace") if e.args and isinstance(e.args[0], bytes) else str(e)
        raise UnsupportedRegex(f"the regular expression {pattern[:100]!r} is not supported ({why}); this server "
                               "runs RE2 syntax, without backreferences or lookaround") from e


def _one_string(coll: list) -> str:
    if len(coll) != 1 or type(coll[0]) is not str:
        raise ValueError("a string function needs a single string as its input")
    return coll[0]


def _matches(coll: list, pattern: Any) -> Any:
    if not pattern or not coll:
        return []
    return _regex(pattern, _RE2_DOT_ALL).search(_one_string(coll)) is not None


def _replace_matches(coll: list, pattern: Any, substitution: Any) -> Any:
    if type(pattern) is not str or type(substitution) is not str:
        return []
    # FHIRPath writes groups as $1; RE2, like re, as \1
    return _regex(pattern, _RE2_OPTIONS).sub(re.sub(r"\$(\d+)", r"\\\1", substitution), _one_string(coll))


_OPTIONS = {
    "returnRawData": True,
    "traceFn": _ignore,
    "userInvocationTable": {
        "matches": {"fn": _matches, "arity": {1: ["String"]}, "nullable_input": True},
        "replaceMatches": {"fn": _replace_matches, "arity": {2: ["String", "String"]}, "nullable_input": True},
    },
}


def _locate(resource: dict, node: Any, operation: Operation) -> Location:
    if not isinstance(node, ResourceNode):
        raise _refused(operation, f"the path evaluates to {node!r}, which is not an element of the resource")
    if node.propName is None and node.data is resource:
        return Location((), None)
    steps: list[str | int] = []
    value: Any = resource
    name = None
    path = (node.propName or "").partition(".")[2]  # ImagingStudy.series[1].instance[0] -> series[1].instance[0]
    for key, index in _STEP.findall("." + path):
        if key:
            name = key
            actual = _property(value, key)
            if actual is None:
                break
            steps.append(actual)
            value = value[actual]
        else:
            if type(value) is not list or int(index) >= len(value):
                break
            steps.append(int(index))
            value = value[int(index)]
    else:
        if _same(value, node.data):
            return Location(tuple(steps), name)
        if steps and isinstance(steps[-1], str):  # the extension of a primitive sits in `_name` beside it
            owner = _get(resource, tuple(steps[:-1]))
            if _same(owner.get("_" + steps[-1]), node.data):
                return Location((*steps[:-1], "_" + steps[-1]), name)
    raise _refused(operation, f"the element at {node.propName} could not be found in the resource")


def _property(obj: Any, name: str) -> str | None:
    if type(obj) is not dict:
        return None
    if name in obj:
        return name
    choices = [k for k in obj if k.startswith(name) and k[len(name):][:1].isupper()]  # value -> valueString
    return choices[0] if len(choices) == 1 else None


def _same(found: Any, data: Any) -> bool:
    if isinstance(data, (dict, list)):
        return found is data
    return type(found) is type(data) and found == data


def _get(resource: Any, steps: Steps) -> Any:
    for step in steps:
        resource = resource[step]
    return resource


def _one(resource: dict, operation: Operation) -> Location:
    found = _select(resource, operation.tree, operation)
    if len(found) != 1:
        raise _refused(operation, f"the path must select exactly one element; it selects {len(found)}")
    return found[0]


def _list(resource: dict, operation: Operation) -> tuple[Steps, str]:
    """Where the list the path names belongs, and its property (the list may not exist yet)."""
    found = _select(resource, operation.tree, operation)
    if found:
        lists = {location.steps[:-1] for location in found}
        steps = next(iter(lists))
        if len(lists) == 1 and steps and isinstance(found[0].steps[-1], int):
            return steps[:-1], steps[-1]
        raise _refused(operation, f"the path must select one list; it selects {len(found)} element(s) "
                                  "that are not the items of one list")
    if operation.owner_tree is None:
        raise _refused(operation, "the path selects nothing")
    owners = _select(resource, operation.owner_tree, operation)
    if len(owners) != 1 or type(_get(resource, owners[0].steps)) is not dict:
        raise _refused(operation, f"the path must name a list of one element; {len(owners)} elements could "
                                  "hold it")
    return owners[0].steps, operation.member


# building values

def _materialize(value: Value, model: Any) -> Any:
    """The JSON of a value part; nested parts become an object whose repeating elements are arrays."""
    if value.parts is None:
        return copy.deepcopy(value.json)
    grouped: dict[str, list] = {}
    repeats: set[str] = set()
    for name, part in value.parts:
        child = child_of(model, name, part.type)
        key = child.key if child else name
        if child and child.repeats:
            repeats.add(key)
        grouped.setdefault(key, []).append(_materialize(part, child.model if child else None))
    return {key: items if key in repeats or len(items) > 1 else items[0] for key, items in grouped.items()}


# the operations

def _add(resource: dict, operation: Operation, budget: SizeBudget) -> None:
    location = _one(resource, operation)
    container = _get(resource, location.steps)
    if type(container) is not dict:
        raise _refused(operation, f"the path selects a {_kind(container)}, which has no elements to add to")
    child = child_of(model_at(location.steps), operation.name, operation.value.type)
    key = child.key if child else operation.name
    value = _materialize(operation.value, child.model if child else None)
    budget.grow(value, str(operation))
    if key in container:
        if type(container[key]) is not list:
            raise _refused(operation, f"{key} is already present and does not repeat; use replace")
        container[key].append(value)
    else:
        container[key] = [value] if child and child.repeats else value


def _insert(resource: dict, operation: Operation, budget: SizeBudget) -> None:
    owner_steps, key = _list(resource, operation)
    owner = _get(resource, owner_steps)
    items = owner.get(key, [])
    if type(items) is not list:
        raise _refused(operation, f"{key} does not repeat, so it has no index to insert at")
    if operation.index > len(items):
        raise _refused(operation, f"index {operation.index} is past the end of the list of {len(items)}")
    value = _materialize(operation.value, model_at((*owner_steps, key)))
    budget.grow(value, str(operation))
    items.insert(operation.index, value)
    owner[key] = items
    if type(owner.get("_" + key)) is list:  # keep a primitive list's extensions aligned with its values
        owner["_" + key].insert(operation.index, None)


def _move(resource: dict, operation: Operation, budget: SizeBudget) -> None:
    owner_steps, key = _list(resource, operation)
    owner = _get(resource, owner_steps)
    items = owner.get(key)
    if type(items) is not list:
        raise _refused(operation, f"there is no {key} list to move within")
    for part in ("source", "destination"):
        if getattr(operation, part) >= len(items):
            raise _refused(operation, f"{part} {getattr(operation, part)} is outside the list of {len(items)}")
    for aligned in (items, owner.get("_" + key)):
        if type(aligned) is list and len(aligned) == len(items):
            aligned.insert(operation.destination, aligned.pop(operation.source))


def _delete(resource: dict, operation: Operation, budget: SizeBudget) -> None:
    found = _select(resource, operation.tree, operation)
    if not found:
        return
    if len(found) > 1:
        raise _refused(operation, f"the path selects {len(found)} elements; a delete removes at most one")
    steps = found[0].steps
    if not steps:
        raise _refused(operation, "a patch cannot delete the resource itself; use DELETE")
    _remove(resource, steps)
    steps = steps[:-1]
    while steps and _get(resource, steps) in ({}, []):  # FHIR JSON has no empty objects or arrays
        _remove(resource, steps)
        steps = steps[:-1]


def _replace(resource: dict, operation: Operation, budget: SizeBudget) -> None:
    location = _one(resource, operation)
    steps = location.steps
    if not steps:
        raise _refused(operation, "a patch cannot replace the whole resource; use PUT")
    parent = _get(resource, steps[:-1])
    last = steps[-1]
    if isinstance(last, str) and location.name and last not in (location.name, "_" + location.name):
        # a choice element: replacing valueString with a Coding makes it valueCoding
        child = child_of(model_at(steps[:-1]), location.name, operation.value.type)
        del parent[last]
        last = child.key if child else last
        value = _materialize(operation.value, child.model if child else None)
    else:
        value = _materialize(operation.value, model_at(steps))
    budget.grow(value, str(operation))
    parent[last] = value


def _remove(resource: dict, steps: Steps) -> None:
    parent, last = _get(resource, steps[:-1]), steps[-1]
    if isinstance(last, int):
        del parent[last]
        owner, key = _get(resource, steps[:-2]), steps[-2]
        companion = owner.get("_" + key) if isinstance(key, str) else None
        if type(companion) is list and last < len(companion):
            del companion[last]
    else:
        del parent[last]
        parent.pop("_" + last, None)


def _refused(operation: Operation, why: str) -> Unprocessable:
    diagnostics = f"{operation}: {why}"
    return Unprocessable(diagnostics, [Issue("processing", diagnostics, expression=(operation.path,))])


def _kind(value: Any) -> str:
    return "list" if type(value) is list else "primitive value"


_APPLY: dict[str, Callable[[dict, Operation, SizeBudget], None]] = {
    "add": _add, "insert": _insert, "delete": _delete, "replace": _replace, "move": _move,
}
