"""Option types shared by every command (one definition each, reused everywhere)."""

from __future__ import annotations

from typing import Annotated, List, Optional

import typer

Json = Annotated[bool, typer.Option("--json", help="Print one JSON array of records.")]
Jsonl = Annotated[bool, typer.Option("--jsonl", help="Print one JSON record a line.")]
Vault = Annotated[Optional[str], typer.Option("--vault", help="The vault folder (default: $HLKB_VAULT, else the current folder).")]
Db = Annotated[Optional[str], typer.Option("--db", help="The index file (default: <vault>/.hlkb/index.sqlite).")]
NoRefresh = Annotated[bool, typer.Option("--no-refresh", help="Use the index as it is; do not bring it up to date first.")]

# Filters shared by `search` and `export` (docs/commands.md#filters).
Kind = Annotated[Optional[List[str]], typer.Option("--kind", help="note, highlight, pair or claim (repeatable).")]
Tag = Annotated[Optional[List[str]], typer.Option("--tag", help="Only records with this tag (repeatable; all must match).")]
Author = Annotated[Optional[str], typer.Option("--author", help="Only records whose note's author contains this.")]
Category = Annotated[Optional[str], typer.Option("--category", help="Only records whose note is in this category (books, articles, tweets, podcasts, ...).")]
Lang = Annotated[Optional[str], typer.Option("--lang", help="Only records in this language: en, zh, mixed.")]
Where = Annotated[Optional[List[str]], typer.Option("--where", help="KEY=VALUE on any front-matter key (repeatable).")]
Since = Annotated[Optional[str], typer.Option("--since", help="Only notes dated on or after YYYY-MM-DD.")]
Until = Annotated[Optional[str], typer.Option("--until", help="Only notes dated on or before YYYY-MM-DD.")]
Limit = Annotated[Optional[int], typer.Option("--limit", help="At most this many records.")]
