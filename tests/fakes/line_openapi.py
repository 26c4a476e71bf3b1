"""LINE's official OpenAPI specs, made checkable: discriminators resolved, loaded once.

LINE's specs describe polymorphic objects (``Message``, ``Action``, ``FlexComponent``,
``Event``...) with an OpenAPI 3.0 ``discriminator`` on the base schema and ``allOf: [Base]``
in each subtype. JSON-Schema validators (openapi-core's included) ignore ``discriminator``, so
a message ``{"type": "text"}`` without ``text`` would pass. ``resolve_discriminators`` rewrites
every *use* of such a base into a ``oneOf`` over its subtypes, each pinned to its ``type``
value, so the subtype's own rules (required fields, lengths) apply.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import OAS30Validator

ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = ROOT.parent / "shared" / "corpora" / "line-openapi"
_SCHEMAS = "#/components/schemas/"


def resolve_discriminators(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` where every reference to a discriminated base checks the subtype."""
    spec = copy.deepcopy(spec)
    schemas: dict[str, Any] = spec["components"]["schemas"]
    bases = {
        name: schema["discriminator"]
        for name, schema in schemas.items()
        if isinstance(schema.get("discriminator"), dict) and schema["discriminator"].get("mapping")
    }
    for name, discriminator in bases.items():
        prop = discriminator["propertyName"]
        schemas[f"{name}__any"] = {
            "oneOf": [
                {
                    "allOf": [
                        {"$ref": target},
                        {
                            "type": "object",
                            "properties": {prop: {"type": "string", "enum": [value]}},
                        },
                    ]
                }
                for value, target in discriminator["mapping"].items()
            ]
        }
    refs = {_SCHEMAS + name: _SCHEMAS + name + "__any" for name in bases}

    def walk(node: Any, inherits: bool = False) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        # A direct member of an ``allOf`` naming the base is inheritance: the subtype
        # extends it, so it must stay the plain base (else it would recurse into oneOf).
        if isinstance(ref, str) and ref in refs and not inherits:
            return {**node, "$ref": refs[ref]}
        return {
            key: [walk(item, inherits=True) for item in value]
            if key == "allOf" and isinstance(value, list)
            else walk(value)
            for key, value in node.items()
        }

    resolved: dict[str, Any] = walk(spec)
    return resolved


def _without_servers(spec: dict[str, Any]) -> dict[str, Any]:
    # api-data.line.me operations name their own server; LINE_API_URL replaces both hosts,
    # so one server for everything is what the fake serves.
    spec["servers"] = [{"url": "https://api.line.me"}]
    for item in spec.get("paths", {}).values():
        item.pop("servers", None)
        for operation in item.values():
            if isinstance(operation, dict):
                operation.pop("servers", None)
    return spec


@functools.cache
def load_spec(name: str) -> dict[str, Any]:
    """A LINE spec file (``messaging-api.yml``, ``webhook.yml``), resolved; parsed once."""
    path = SPEC_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: LINE OpenAPI spec not found (../shared/corpora)")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    return _without_servers(resolve_discriminators(raw))


@functools.cache
def schema_validator(spec_name: str, schema: str) -> OAS30Validator:
    """A validator for one component schema of a spec (e.g. webhook ``CallbackRequest``)."""
    spec = load_spec(spec_name)
    root = {"$ref": _SCHEMAS + schema, "components": spec["components"]}
    return OAS30Validator(root)


def explain(errors: list[ValidationError]) -> str:
    """The most telling of some schema errors, with where in the document it is."""
    error = best_match(errors)
    if error is None:
        return "invalid"
    # A failed oneOf hides the real reason in its context: the branch of the object's own
    # type (the others fail on their pinned ``enum``) says what is wrong.
    while error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        matching = [
            subs for subs in branches.values() if not any(s.validator == "enum" for s in subs)
        ]
        if error.validator == "oneOf" and branches and not matching:
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            kind = error.instance.get("type") if isinstance(error.instance, dict) else None
            return f"{where}: unknown type {kind!r}"
        deeper = best_match(matching[0] if matching else error.context)
        if deeper is None:
            break
        error = deeper
    where = "/".join(str(p) for p in error.absolute_path) or "(body)"
    return f"{where}: {error.message}"


def check_schema(spec_name: str, schema: str, document: Any) -> None:
    """Raise ``ValueError`` naming the first problem when ``document`` breaks the schema."""
    errors = list(schema_validator(spec_name, schema).iter_errors(document))
    if errors:
        raise ValueError(f"{schema}: {explain(errors)}\n{json.dumps(document)[:500]}")
