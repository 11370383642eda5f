"""`hlkb validate PATH... [--schema FILE] [--format text|json|github]`: check front matter."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from hlkb.cli.output import message
from hlkb.validate import Totals, validate_paths
from hlkb.validate.config import find_config, load_config
from hlkb.validate.reporters import make_reporter


def register(app) -> None:
    app.command("validate", help="Check the YAML front matter of notes (files or folders); exit 1 on any error.")(
        validate_command
    )


def validate_command(
    paths: List[str] = typer.Argument(..., help="Note files or folders (folders are walked like a vault)."),
    schema: Optional[str] = typer.Option(None, "--schema", help="A JSON Schema every front matter must match."),
    format_: str = typer.Option("text", "--format", help="text, json (diagnostic records) or github (annotations)."),
    config: Optional[str] = typer.Option(
        None, "--config", help="Settings file (default: nearest hlkb.toml or pyproject.toml with validate settings)."
    ),
) -> int:

    reporter = make_reporter(format_.strip().lower())
    settings = load_config(Path(config)) if config else find_config()
    results = validate_paths(
        paths, settings, Path(schema) if schema else None, on_error=lambda p, m: message(f"hlkb: {p}: {m}")
    )
    totals = Totals()
    first = next(results, None)  # usage errors (bad path, bad schema) surface before any output
    if first is not None:
        for result in _chain(first, results):
            totals.add(result)
            for diagnostic in result.diagnostics:
                reporter.report(diagnostic)
    reporter.finish(totals.files, totals.errors, totals.warnings)
    return 1 if totals.errors else 0


def _chain(first, rest):
    yield first
    yield from rest
