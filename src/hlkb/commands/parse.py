"""`hlkb parse FILE...`: parse files without an index and print their records."""

from __future__ import annotations

from typing import List

import typer

from hlkb.commands import options as opt


def register(app) -> None:
    app.command("parse", help="Parse note files (no index) and print note, highlight, pair and claim records.")(parse_command)


def parse_command(
    files: List[str] = typer.Argument(..., help="Note files (.md, .markdown, .txt)."),
    json_: opt.Json = False,
    jsonl: opt.Jsonl = False,
) -> int:
    from hlkb.errors import HlkbError
    from hlkb.output import emit, message, output_format
    from hlkb.pipeline import parse_and_analyze

    fmt = output_format(json_, jsonl)
    failed = 0

    def records():
        nonlocal failed
        for f in files:
            try:
                note = parse_and_analyze(f)
            except HlkbError as exc:
                failed += 1
                message(f"hlkb: {exc}")
                continue
            yield from note.records()

    emit(records(), fmt, render=_render)
    return 2 if failed else 0


def _render(records: list[dict]) -> None:
    from hlkb.display import rich_text
    from hlkb.output import stdout_console

    console = stdout_console()
    for rec in records:
        if rec["kind"] == "note":
            console.print(rich_text(f"{rec['path']}  ({rec['highlight_count']} highlights)", "bold"))
            console.print(rich_text(f"  {rec['title'] or ''} — {rec['author'] or ''}"))
        elif rec["kind"] == "highlight":
            console.print(rich_text(f"  {rec['line']:>5}  {rec['text'][:200]}"))
