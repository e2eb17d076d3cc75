"""template.yaml read as data: routes, tables and environments, so nothing repeats it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


@dataclass(frozen=True)
class Tag:
    """A CloudFormation short-form function (!Ref, !Sub, ...), kept as data."""

    name: str
    value: Any


class _Loader(yaml.SafeLoader):
    pass


def _tag_constructor(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Tag:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tag(suffix, value)


_Loader.add_multi_constructor("!", _tag_constructor)


def load_template(path: Path | None = None) -> dict[str, Any]:
    with (path or TEMPLATE).open() as handle:
        return yaml.load(handle, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    module: str
    handler: str

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def pattern(self) -> re.Pattern[str]:
        """The path as a regex: `{name}` matches one segment, as API Gateway does."""
        parts = re.split(r"(\{[^}/]+\})", self.path)
        regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
        return re.compile(f"^{regex}$")


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


@dataclass(frozen=True)
class Schedule:
    """A function's `Schedule` event: EventBridge invokes the handler on a timer."""

    function: str
    event: str
    module: str
    handler: str


def _handler_of(props: dict[str, Any]) -> tuple[str, str]:
    """The Python module and attribute of a function's `Handler` (`app.lambda_handler`)."""
    code_dir = props["CodeUri"].strip("/").replace("/", ".")
    module_name, _, attribute = props["Handler"].rpartition(".")
    return f"{code_dir}.{module_name}", attribute


def schedules(template: dict[str, Any]) -> list[Schedule]:
    """Every Schedule event of every function, with the Python module that handles it."""
    found = []
    for name, resource in functions(template).items():
        props = resource["Properties"]
        module, handler = _handler_of(props)
        for event_name, event in props.get("Events", {}).items():
            if event["Type"] == "Schedule":
                found.append(Schedule(name, event_name, module, handler))
    return found


def http_routes(template: dict[str, Any]) -> list[Route]:
    """Every HttpApi event of every function, with the Python module that handles it."""
    routes = []
    for name, resource in functions(template).items():
        props = resource["Properties"]
        module, handler = _handler_of(props)
        for event in props.get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            routes.append(
                Route(
                    method=event["Properties"]["Method"].upper(),
                    path=event["Properties"]["Path"],
                    function=name,
                    module=module,
                    handler=handler,
                )
            )
    return routes


def table_specs(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """boto3 `create_table` arguments of each AWS::DynamoDB::Table (without its name)."""
    specs = {}
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        spec: dict[str, Any] = {
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            spec["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        specs[name] = spec
    return specs


def generated_secrets(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The `GenerateSecretString` of each AWS::SecretsManager::Secret CloudFormation generates."""
    return {
        name: resource["Properties"]["GenerateSecretString"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::SecretsManager::Secret"
        and "GenerateSecretString" in resource.get("Properties", {})
    }


def global_environment_refs(template: dict[str, Any], logical_ids: dict[str, str]) -> dict[str, str]:
    """The Globals environment variables that `!Ref` one of `logical_ids`, resolved to its value."""
    variables = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    return {
        name: logical_ids[value.value]
        for name, value in variables.items()
        if isinstance(value, Tag) and value.name == "Ref" and value.value in logical_ids
    }


def ttl_attribute(template: dict[str, Any], table: str) -> str | None:
    ttl = template["Resources"][table]["Properties"].get("TimeToLiveSpecification") or {}
    return ttl.get("AttributeName") if ttl.get("Enabled") else None


def resolve_value(value: Any, refs: dict[str, str], template: dict[str, Any] | None = None) -> str:
    """A template value with !Ref, !Sub, !GetAtt (and, given the template, !If on its Conditions)
    resolved from `refs` (logical ids, parameters, pseudo-params, `Resource.Attribute`)."""
    if isinstance(value, Tag):
        if value.name == "Ref":
            return refs.get(value.value, "")
        if value.name == "GetAtt":
            name = value.value if isinstance(value.value, str) else ".".join(value.value)
            return refs.get(name, "")
        if value.name == "Sub" and isinstance(value.value, str):
            return re.sub(r"\$\{([^}]+)\}", lambda m: refs.get(m.group(1), ""), value.value)
        if value.name == "If" and template is not None:
            name, when_true, when_false = value.value
            chosen = when_true if condition(template, name, refs) else when_false
            return resolve_value(chosen, refs, template)
        return ""
    return str(value)


def condition(template: dict[str, Any], name: str, refs: dict[str, str]) -> bool:
    """One of the template's Conditions (!Equals, !Not, !And, !Or, !Condition), evaluated."""
    return _truth(template.get("Conditions", {})[name], template, refs)


def _truth(expression: Any, template: dict[str, Any], refs: dict[str, str]) -> bool:
    if not isinstance(expression, Tag):
        raise ValueError(f"not a condition: {expression!r}")
    if expression.name == "Equals":
        left, right = (resolve_value(v, refs, template) for v in expression.value)
        return left == right
    if expression.name == "Not":
        return not _truth(expression.value[0], template, refs)
    if expression.name == "And":
        return all(_truth(e, template, refs) for e in expression.value)
    if expression.name == "Or":
        return any(_truth(e, template, refs) for e in expression.value)
    if expression.name == "Condition":
        return condition(template, expression.value, refs)
    raise ValueError(f"unsupported condition function !{expression.name}")


def output(template: dict[str, Any], name: str, refs: dict[str, str]) -> str:
    """The value a stack output would have, given the parameters and resource ids in `refs`."""
    return resolve_value(template["Outputs"][name]["Value"], refs, template)


def function_environment(template: dict[str, Any], function: str, refs: dict[str, str]) -> dict[str, str]:
    """The environment variables the template gives `function` (Globals, then its own)."""
    merged: dict[str, Any] = {}
    merged.update(template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
    own = functions(template)[function]["Properties"].get("Environment", {}).get("Variables", {})
    merged.update(own)
    return {key: resolve_value(value, refs, template) for key, value in merged.items()}


@dataclass(frozen=True)
class QueueSource:
    """A function's `SQS` event: Lambda polls the queue and invokes the handler with batches."""

    function: str
    queue: str  # the queue's logical id
    module: str
    handler: str
    batch_size: int
    reports_failures: bool  # FunctionResponseTypes: ReportBatchItemFailures


def queue_sources(template: dict[str, Any]) -> list[QueueSource]:
    found = []
    for name, resource in functions(template).items():
        props = resource["Properties"]
        module, handler = _handler_of(props)
        for event in props.get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            queue = event["Properties"]["Queue"]
            logical = (queue.value if isinstance(queue.value, str) else queue.value[0]).split(".")[0]
            found.append(
                QueueSource(
                    function=name,
                    queue=logical,
                    module=module,
                    handler=handler,
                    batch_size=int(event["Properties"].get("BatchSize", 10)),
                    reports_failures="ReportBatchItemFailures"
                    in event["Properties"].get("FunctionResponseTypes", []),
                )
            )
    return found


def queue_specs(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each AWS::SQS::Queue's properties, dead-letter queues first (a redrive policy names its target)."""
    queues = {
        n: r.get("Properties", {}) for n, r in template["Resources"].items() if r["Type"] == "AWS::SQS::Queue"
    }
    return dict(sorted(queues.items(), key=lambda item: "RedrivePolicy" in item[1]))


def function_timeout(template: dict[str, Any], function: str) -> int:
    own = functions(template)[function]["Properties"].get("Timeout")
    return int(own or template.get("Globals", {}).get("Function", {}).get("Timeout", 3))


@dataclass(frozen=True)
class EventRule:
    """A function's `EventBridgeRule` event: EventBridge invokes the handler with matching events."""

    function: str
    event: str
    module: str
    handler: str
    pattern: dict[str, Any]  # as written (intrinsics unresolved): see `resolve_pattern`


def event_rules(template: dict[str, Any]) -> list[EventRule]:
    found = []
    for name, resource in functions(template).items():
        props = resource["Properties"]
        module, handler = _handler_of(props)
        for event_name, event in props.get("Events", {}).items():
            if event["Type"] == "EventBridgeRule":
                found.append(EventRule(name, event_name, module, handler, event["Properties"]["Pattern"]))
    return found


def resolve_pattern(pattern: Any, refs: dict[str, str], template: dict[str, Any]) -> Any:
    """A rule's pattern with its intrinsic functions resolved."""
    if isinstance(pattern, dict):
        return {key: resolve_pattern(value, refs, template) for key, value in pattern.items()}
    if isinstance(pattern, list):
        return [resolve_pattern(value, refs, template) for value in pattern]
    return resolve_value(pattern, refs, template) if isinstance(pattern, Tag) else pattern


def matches(pattern: Any, event: Any) -> bool:
    """EventBridge's matching of exact values: each field of the pattern is in the event, and a
    list of values matches when the event's value (or one of the event's list) is among them.
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html"""
    if isinstance(pattern, dict):
        return isinstance(event, dict) and all(
            key in event and matches(value, event[key]) for key, value in pattern.items()
        )
    if isinstance(pattern, list):
        values = event if isinstance(event, list) else [event]
        return any(value in pattern for value in values)
    return bool(pattern == event)
