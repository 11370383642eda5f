"""Option types shared by every command (one definition each, reused everywhere)."""

from __future__ import annotations

import functools
import inspect
import typing
from typing import Annotated, List, Optional

import typer

from hlkb.filters import build_filters

Json = Annotated[bool, typer.Option("--json", help="Print one JSON array of records.")]
Jsonl = Annotated[bool, typer.Option("--jsonl", help="Print one JSON record a line.")]
JsonObject = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")]
Format = Annotated[
    Optional[str], typer.Option("--format", help="table (the terminal view), json or jsonl (as --json, --jsonl).")
]
Vault = Annotated[
    Optional[str], typer.Option("--vault", help="The vault folder (default: $HLKB_VAULT, else the current folder).")
]
Db = Annotated[Optional[str], typer.Option("--db", help="The index file (default: <vault>/.hlkb/index.sqlite).")]
NoRefresh = Annotated[
    bool, typer.Option("--no-refresh", help="Use the index as it is; do not bring it up to date first.")
]

# Filters shared by `search` and `export` (docs/commands.md#filters).
Kind = Annotated[Optional[List[str]], typer.Option("--kind", help="note, highlight, pair or claim (repeatable).")]
Tag = Annotated[
    Optional[List[str]], typer.Option("--tag", help="Only records with this tag (repeatable; all must match).")
]
Author = Annotated[Optional[str], typer.Option("--author", help="Only records whose note's author contains this.")]
Category = Annotated[
    Optional[str],
    typer.Option(
        "--category", help="Only records whose note is in this category (books, articles, tweets, podcasts, ...)."
    ),
]
Lang = Annotated[Optional[str], typer.Option("--lang", help="Only records in this language: en, zh, mixed.")]
Where = Annotated[Optional[List[str]], typer.Option("--where", help="KEY=VALUE on any front-matter key (repeatable).")]
Since = Annotated[Optional[str], typer.Option("--since", help="Only notes dated on or after YYYY-MM-DD.")]
Until = Annotated[Optional[str], typer.Option("--until", help="Only notes dated on or before YYYY-MM-DD.")]
Limit = Annotated[Optional[int], typer.Option("--limit", help="At most this many records.")]

FILTER_OPTIONS = (
    ("kind", Kind),
    ("tag", Tag),
    ("author", Author),
    ("category", Category),
    ("lang", Lang),
    ("where", Where),
    ("since", Since),
    ("until", Until),
    ("limit", Limit),
)


def with_filters(command=None, *, tag_option=Tag, tag_param: str = "tag"):
    """Give a command the filters (docs/commands.md#filters) in one line: where its
    signature has ``filters: Filters``, the options --kind … --limit appear, and the command
    receives them built and checked (a bad value is a usage error). ``tag_option`` replaces
    the --tag option's help where a command has a --tag of its own meaning, ``tag_param``
    its parameter's name where the command has a ``tag`` of its own."""

    def decorate(func):
        signature = inspect.signature(func)
        # the command's annotations resolved now (they are strings under `from __future__
        # import annotations`, and typer reads them from the signature given here)
        hints = typing.get_type_hints(func, include_extras=True)
        params = []
        for param in signature.parameters.values():
            if param.name != "filters":
                params.append(param.replace(annotation=hints.get(param.name, param.annotation)))
                continue
            for name, annotation in FILTER_OPTIONS:
                params.append(
                    inspect.Parameter(
                        tag_param if name == "tag" else name,
                        inspect.Parameter.POSITIONAL_OR_KEYWORD,
                        default=None,
                        annotation=tag_option if name == "tag" else annotation,
                    )
                )
        annotations = {p.name: p.annotation for p in params}
        if "return" in hints:
            annotations["return"] = hints["return"]

        @functools.wraps(func)
        def run(*args, **kwargs):
            values = [kwargs.pop(tag_param if name == "tag" else name, None) for name, _ in FILTER_OPTIONS]
            return func(*args, filters=build_filters(*values), **kwargs)

        run.__signature__ = signature.replace(parameters=params)
        run.__annotations__ = annotations
        return run

    return decorate(command) if command is not None else decorate
