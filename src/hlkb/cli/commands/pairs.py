"""`hlkb pairs FILE...`: the bilingual splitter's English/Chinese paragraph pairs."""

from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from hlkb.align import explain_note
from hlkb.cli.commands import options as opt
from hlkb.cli.display import records_by_path, rich_text
from hlkb.cli.output import emit, message, output_format, stdout_console
from hlkb.config import template_for
from hlkb.errors import HlkbError
from hlkb.parse import parse_file
from hlkb.vault import expand_paths, rel_text

Tsv = Annotated[bool, typer.Option("--tsv", help="Print en<TAB>zh<TAB>score, one pair a line.")]
Tmx = Annotated[bool, typer.Option("--tmx", help="Print a TMX 1.4 translation memory.")]
Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Say on stderr, per file, why it is or is not a bilingual article.")
]

PAIR_FORMATS = ("json", "jsonl", "tsv", "tmx")


def register(app) -> None:
    app.command(
        "pairs", help="Pair the English and Chinese paragraphs of bilingual articles. Folders are searched for notes."
    )(pairs_command)


def pairs_command(
    files: List[str] = typer.Argument(..., help="Bilingual article files (.md, .markdown, .txt) or folders of them."),
    json_: opt.Json = False,
    jsonl: opt.Jsonl = False,
    tsv: Tsv = False,
    tmx: Tmx = False,
    format_: Annotated[
        Optional[str],
        typer.Option(
            "--format", help="table (the terminal view), json, jsonl, tsv or tmx (as --json, --jsonl, --tsv, --tmx)."
        ),
    ] = None,
    verbose: Verbose = False,
) -> int:
    fmt = output_format(json_, jsonl, format_, choices=PAIR_FORMATS, tsv=tsv, tmx=tmx)
    failed = 0
    # a file named on the command line that is not bilingual is said so; one of the many
    # notes a folder holds is counted instead (each said with -v)
    named = {rel_text(name) for name in files}
    quiet = [0, 0]  # (notes from folders, of which not bilingual)

    def records():
        nonlocal failed
        for path, f in expand_paths(files, lambda p, msg: message(f"hlkb: {p}: {msg}")):
            try:
                pairs, verdict = file_pairs_explained(path, f)
            except HlkbError as exc:
                failed += 1
                message(f"hlkb: {exc}")
                continue
            from_folder = f not in named
            quiet[0] += from_folder
            if not pairs and from_folder and not verbose:
                quiet[1] += 1
            elif not pairs:
                message(
                    f"hlkb: {f}: not a bilingual article"
                    + (f": {verdict.reason}" if verbose else " (no English/Chinese pairs)")
                )
            elif verbose:
                message(f"hlkb: {f}: {len(pairs)} pair{'s' if len(pairs) != 1 else ''}: {verdict.reason}")
            for p in pairs:
                yield p.to_record()
        if quiet[1]:
            message(
                f"hlkb: {quiet[1]} of {quiet[0]} notes found in folders are not bilingual articles "
                "(-v says why, per file)"
            )

    emit(records(), fmt, render=_render)
    return 2 if failed else 0


def file_pairs(path: str, shown: str | None = None):
    """Pairs of one file, with the note id and path the parser gives it (so records match
    `parse`: the export template configured above the file, the path as shown)."""
    return file_pairs_explained(path, shown)[0]


def file_pairs_explained(path: str, shown: str | None = None):
    """``file_pairs`` and the verdict that decided them (hlkb.align.Verdict)."""
    return explain_note(parse_file(path, shown, strict=False, template=template_for(path)))


def _render(records: list[dict]) -> None:
    from rich.table import Table

    if not records:
        return
    console = stdout_console()
    for path, recs in records_by_path(records).items():
        table = Table(title=rich_text(f"{path} — {len(recs)} pairs"), show_lines=True, expand=True)
        table.add_column("line", justify="right", no_wrap=True)
        table.add_column("English", ratio=1, overflow="fold")
        table.add_column("Chinese", ratio=1, overflow="fold")
        table.add_column("score", justify="right", no_wrap=True)
        for rec in recs:
            table.add_row(
                str(rec["line"]),
                rich_text("\n\n".join(rec["en"])),
                rich_text("\n\n".join(rec["zh"])),
                f"{rec['score']:.2f}",
            )
        console.print(table)
        repairs = [r for rec in recs for r in rec["repairs"]]
        if repairs:
            console.print(rich_text(f"{len(repairs)} repairs:", "bold"))
            for r in repairs:
                what = "flagged (left as is)" if r["kind"] == "flag" else f"-> {r['to']}"
                console.print(rich_text(f"  line {r['line']}: {r['kind']}: {r['from']} {what}"))
