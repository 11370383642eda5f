"""Validation settings from ``hlkb.toml`` (``[validate]``) or ``pyproject.toml`` (``[tool.hlkb.validate]``).

Found by walking up from the current folder to the repository root (a folder holding ``.git``),
which is where pre-commit runs hooks. Relative schema paths and globs are relative to the
folder of the config file. Any mistake in the file is a usage error (exit 2), never ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from hlkb.config import load_toml
from hlkb.errors import UsageError
from hlkb.validate.checks import RULES

CONFIG_KEYS = ("schema", "schemas", "disable", "required")


@dataclass
class ValidateConfig:
    source: Path | None = None  # the file the settings came from
    root: Path = field(default_factory=Path.cwd)
    schema: Path | None = None  # applies to every file
    schemas: list[tuple[str, Path]] = field(default_factory=list)  # (glob, schema) for matching files
    disabled: frozenset[str] = frozenset()
    required: tuple[str, ...] = ("title",)


_load_toml = load_toml  # one reader of settings files (hlkb.config)


def _section(path: Path) -> dict | None:
    data = _load_toml(path)
    if path.name == "pyproject.toml":
        section = data.get("tool", {}).get("hlkb", {}).get("validate")
    else:
        section = data.get("validate")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise UsageError("the validate settings must be a table", str(path))
    return section


def find_config(start: Path | None = None) -> ValidateConfig:
    """The nearest config with validate settings, from ``start`` up to the repository root."""
    folder = (start or Path.cwd()).resolve()
    for candidate_dir in (folder, *folder.parents):
        for name in ("hlkb.toml", "pyproject.toml"):
            candidate = candidate_dir / name
            if candidate.is_file():
                section = _section(candidate)
                if section is not None:
                    return config_from_section(section, candidate)
        if (candidate_dir / ".git").exists():
            break
    return ValidateConfig()


def load_config(path: Path) -> ValidateConfig:
    """An explicitly named config file (``--config``); it must hold validate settings."""
    if not path.is_file():
        raise UsageError(
            "config file does not exist" if not path.exists() else "config is not a regular file", str(path)
        )
    section = _section(path)
    if section is None:
        where = "[tool.hlkb.validate]" if path.name == "pyproject.toml" else "[validate]"
        raise UsageError(f"no {where} table in this file", str(path))
    return config_from_section(section, path)


def config_from_section(section: dict, source: Path) -> ValidateConfig:

    where = str(source)
    unknown = sorted(set(section) - set(CONFIG_KEYS))
    if unknown:
        raise UsageError(f"unknown validate setting {unknown[0]!r} (known: {', '.join(CONFIG_KEYS)})", where)
    root = source.parent.resolve()
    config = ValidateConfig(source=source, root=root)
    if "schema" in section:
        if not isinstance(section["schema"], str) or not section["schema"].strip():
            raise UsageError("'schema' must be a path to a JSON Schema file", where)
        config.schema = root / section["schema"]
    if "schemas" in section:
        table = section["schemas"]
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise UsageError('\'schemas\' must be a table of "glob" = "schema path"', where)
        config.schemas = [(glob, root / schema) for glob, schema in table.items()]
    if "disable" in section:
        rules = section["disable"]
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise UsageError("'disable' must be a list of rule codes", where)
        for rule in rules:
            if rule not in RULES:
                raise UsageError(f"unknown rule {rule!r} in 'disable' (known: {', '.join(RULES)})", where)
        config.disabled = frozenset(rules)
    if "required" in section:
        keys = section["required"]
        if not isinstance(keys, list) or not all(isinstance(k, str) and k.strip() for k in keys):
            raise UsageError("'required' must be a list of key names", where)
        config.required = tuple(keys)
    return config


def glob_to_regex(glob: str) -> re.Pattern:
    """``**`` spans folders, ``*`` and ``?`` stay within one; a glob without "/" matches the file name."""
    out = []
    i = 0
    while i < len(glob):
        ch = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        out.append("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch))
        i += 1
    prefix = "" if "/" in glob else "(?:.*/)?"
    return re.compile(prefix + "".join(out) + r"\Z")


def schemas_for(config: ValidateConfig, file: Path, override: Path | None = None) -> list[Path]:
    """The schema files that apply to ``file``: --schema (else the config's), then per-glob ones."""
    chosen = [override] if override else ([config.schema] if config.schema else [])
    if config.schemas:
        try:
            rel = file.resolve().relative_to(config.root).as_posix()
        except ValueError:
            rel = file.as_posix()
        for glob, schema in config.schemas:
            if glob_to_regex(glob).match(rel) and schema not in chosen:
                chosen.append(schema)
    return chosen
