"""`hlkb parse FILE...`: parse files (or the notes inside folders) without an index."""

from __future__ import annotations

from typing import List

import typer

from hlkb.cli.commands import options as opt
from hlkb.cli.display import terminal_safe
from hlkb.cli.output import emit, message, output_format, stdout_console
from hlkb.errors import HlkbError
from hlkb.pipeline import parse_and_analyze
from hlkb.vault import expand_paths

# The human view shows this much of a highlight; --json has it all.
_TEXT_LIMIT = 280
_NOTE_LIMIT = 200


def register(app) -> None:
    app.command(
        "parse",
        help="Parse note files (no index) and print note, highlight, pair and claim records. "
        "Folders are searched for notes.",
    )(parse_command)


def parse_command(
    files: List[str] = typer.Argument(..., help="Note files (.md, .markdown, .txt) or folders of notes."),
    json_: opt.Json = False,
    jsonl: opt.Jsonl = False,
    format_: opt.Format = None,
) -> int:

    fmt = output_format(json_, jsonl, format_)
    failed = 0

    def records():
        nonlocal failed
        for path, shown in expand_paths(files, lambda p, msg: message(f"hlkb: {p}: {msg}")):
            try:
                note = parse_and_analyze(path, shown, strict=False)
            except HlkbError as exc:
                failed += 1
                message(f"hlkb: {exc}")
                continue
            for warning in note.warnings:
                message(f"hlkb: warning: {warning}")
            yield from note.records()

    emit(records(), fmt, render=_render)
    return 2 if failed else 0


def _shorten(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _render(records: list[dict]) -> None:
    from rich.text import Text

    console = stdout_console()
    gutter = 7  # "  1234  " line-number column; wrapped lines hang under the text

    def safe(text, style=""):
        return Text(terminal_safe(text or ""), style=style)

    def row(number: str, body: Text) -> None:
        width = max(20, console.width - gutter)
        lines = body.wrap(console, width, overflow="fold")
        for i, line in enumerate(lines):
            out = Text()
            out.append(f"{number:>{gutter - 2}}  " if i == 0 else " " * gutter, style="green")
            out.append_text(line)
            out.rstrip()
            console.print(out, soft_wrap=True)

    current_section = None
    first = True
    for rec in records:
        kind = rec["kind"]
        if kind == "note":
            if not first:
                console.print()
            first = False
            console.print(_note_header(rec, safe))
            current_section = None
        elif kind == "highlight":
            if rec.get("section") and rec["section"] != current_section:
                current_section = rec["section"]
                row("", safe(f"§ {current_section}", "bold yellow"))
            body = Text()
            loc = rec["location"]
            if loc and loc["value"] is not None:
                body.append_text(safe(f"[{loc['label']}] ", "dim"))
            body.append_text(safe(_shorten(rec["text"], _TEXT_LIMIT)))
            row(str(rec["line"]), body)
            if rec["note"]:
                row("", safe(f"note: {_shorten(rec['note'], _NOTE_LIMIT)}", "italic cyan"))
            if rec["tags"]:
                row("", safe("tags: " + " ".join(f"#{t}" for t in rec["tags"]), "magenta"))
        elif kind == "pair":
            en = _shorten(" ".join(rec["en"]), 120)
            zh = _shorten(" ".join(rec["zh"]), 80)
            row(str(rec["line"]), safe(f"pair {rec['score']:.2f}: {en} | {zh}", "dim"))
        elif kind == "claim":
            row(str(rec["line"]), safe(f"claim [{rec['check']}]: {_shorten(rec['text'], 160)}", "dim"))


def _note_header(rec: dict, safe):
    from rich.console import Group
    from rich.text import Text

    head = Text()
    head.append_text(safe(rec["title"] or "(untitled)", "bold"))
    if rec["author"]:
        head.append_text(safe(f" — {rec['author']}", "italic"))
    facts = [rec["category"] or None, rec["format"], f"{rec['highlight_count']} highlights"]
    if rec.get("pair_count"):
        facts.append(f"{rec['pair_count']} pairs")
    if rec.get("claim_count"):
        facts.append(f"{rec['claim_count']} claims")
    facts.append(f"lang {rec['lang']}")
    if rec.get("date"):
        facts.append(rec["date"])
    parts = [head, safe(" · ".join(f for f in facts if f), "dim"), safe(rec["path"], "cyan")]
    if rec["url"]:
        parts.append(safe(rec["url"], "blue"))
    tags = rec["tags"] + [t for t in rec.get("document_tags", []) if t not in rec["tags"]]
    if tags:
        parts.append(safe("tags: " + ", ".join(tags), "magenta"))
    if rec.get("summary"):
        parts.append(safe(_shorten(rec["summary"], _TEXT_LIMIT), "dim"))
    return Group(*parts)
