"""A user's JSON Schema for front matter, checked with jsonschema; each error gets a key's line.

The front matter is validated as JSON values (dates as ISO strings, as ``hlkb parse``
prints them), so a schema written against the exported records also fits here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from hlkb.errors import InputError, UsageError
from hlkb.textio import read_regular_file
from hlkb.validate.checks import CheckedFile

_cache: dict[Path, Any] = {}


def load_schema(path: Path):
    """A ready jsonschema validator for ``path``; a missing or broken schema is a usage error."""
    key = Path(path).resolve()
    if key in _cache:
        return _cache[key]
    import jsonschema
    from jsonschema.exceptions import SchemaError

    try:
        text = read_regular_file(path, str(path))[0].decode("utf-8")
    except InputError as exc:
        if exc.message == "no such file":
            raise UsageError("schema file does not exist", str(path)) from None
        raise UsageError(f"cannot read schema: {exc.message}", str(path)) from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read schema: {exc}", str(path)) from None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"schema is not valid JSON: {exc.msg}", str(path), exc.lineno, exc.colno) from None
    if not isinstance(schema, (dict, bool)):
        raise UsageError("a JSON Schema must be an object", str(path))
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        raise UsageError(f"not a valid JSON Schema at {where}: {exc.message}", str(path)) from None
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    _cache[key] = validator
    return validator


def check_schema(result: CheckedFile, schema_path: Path) -> None:
    """Add one ``schema`` diagnostic per jsonschema error, at the line of the key it concerns."""
    if not result.has_front_matter or result.node is None and result.data is None:
        return  # no front matter, or YAML too broken to validate: already reported
    validator = load_schema(schema_path)
    data = result.data if result.data is not None else {}
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        node, path = _locate(result.node, list(error.absolute_path), error)
        where = "/".join(str(p) for p in path)
        text = f"{where}: {error.message}" if where else error.message
        if len(text) > 300:
            text = text[:297] + "..."
        label = Path(schema_path).name
        if node is not None:
            result.at(node, "schema", f"{text} ({label})")
        else:
            result.add(result.fm.open_line, 1, "schema", f"{text} ({label})")


def _locate(root, path: list, error):
    """The node for a JSON path: a mapping key's own node (its line), or a list item."""
    node = root
    located = node
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = None
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                    match = (key_node, value_node)
            if match is None:
                return located, path
            located, node = match[0], match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            located = node
        else:
            return located, path
    # An unexpected key: point at it rather than at its parent.
    if (
        error.validator == "additionalProperties"
        and isinstance(node, yaml.MappingNode)
        and isinstance(error.instance, dict)
    ):
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        patterns = error.schema.get("patternProperties", {}) if isinstance(error.schema, dict) else {}
        import re

        for key_node, _ in node.value:
            key = getattr(key_node, "value", None)
            if key not in props and not any(re.search(p, str(key)) for p in patterns):
                return key_node, path
    if node is root and located is root:
        return None, path  # the whole front matter (e.g. a required key is missing)
    return located, path
