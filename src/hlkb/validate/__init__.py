"""`hlkb validate`: front-matter checks for notes (built-in rules and user JSON Schemas).

``validate_paths`` yields one ``CheckedFile`` a file; reporters (``reporters.py``) format
the diagnostics. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from hlkb.errors import InputError
from hlkb.textio import read_text
from hlkb.validate.checks import RULES, CheckedFile, Settings, check_text
from hlkb.validate.config import ValidateConfig, find_config, schemas_for
from hlkb.vault import expand_paths

__all__ = ["RULES", "CheckedFile", "Settings", "check_text", "check_file", "validate_paths", "Totals"]


@dataclass
class Totals:
    files: int = 0
    errors: int = 0
    warnings: int = 0

    def add(self, result: CheckedFile) -> None:
        self.files += 1
        for d in result.diagnostics:
            if d.severity == "error":
                self.errors += 1
            else:
                self.warnings += 1


def check_file(path: Path, shown: str, config: ValidateConfig, schema: Path | None = None) -> CheckedFile:
    """All checks for one file; an unreadable file is one ``unreadable`` diagnostic."""

    settings = Settings(disabled=config.disabled, required=config.required)
    try:
        decoded = read_text(path, shown)
    except InputError as exc:
        result = CheckedFile(shown)
        if "unreadable" not in settings.disabled:
            result.add(exc.line or 1, exc.column or 1, "unreadable", exc.message)
        return result
    result = check_text(decoded.text, shown, settings)
    if result.has_front_matter and "schema" not in settings.disabled:
        from hlkb.validate.schema import check_schema

        before = len(result.diagnostics)
        for schema_path in schemas_for(config, path, schema):
            check_schema(result, schema_path)
        if len(result.diagnostics) != before:
            result.diagnostics.sort(key=lambda d: (d.line, d.column, d.code))
    return result


def validate_paths(
    paths: Iterable[str], config: ValidateConfig | None = None, schema: Path | None = None, on_error=None
) -> Iterator[CheckedFile]:
    config = config if config is not None else find_config()
    if schema is not None:
        from hlkb.validate.schema import load_schema

        load_schema(schema)  # a bad --schema is a usage error before any file is read
    for candidate in [config.schema] + [s for _, s in config.schemas]:
        if candidate is not None:
            from hlkb.validate.schema import load_schema

            load_schema(candidate)
    # a missing path is a usage error before anything is checked; named files that are not
    # notes (pre-commit passes every text file) are skipped
    for path, shown in expand_paths(paths, on_error, must_exist=True, notes_only=True):
        yield check_file(path, shown, config, schema)
