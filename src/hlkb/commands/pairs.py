"""`hlkb pairs FILE...`: the bilingual splitter's English/Chinese paragraph pairs."""

from __future__ import annotations

from typing import Annotated, List

import typer

from hlkb.commands import options as opt

Tsv = Annotated[bool, typer.Option("--tsv", help="Print en<TAB>zh<TAB>score, one pair a line.")]
Tmx = Annotated[bool, typer.Option("--tmx", help="Print a TMX 1.4 translation memory.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v",
                                       help="Say on stderr, per file, why it is or is not a bilingual article.")]


def register(app) -> None:
    app.command("pairs", help="Pair the English and Chinese paragraphs of bilingual articles.")(pairs_command)


def pairs_command(
    files: List[str] = typer.Argument(..., help="Bilingual article files (.md, .markdown, .txt)."),
    json_: opt.Json = False,
    jsonl: opt.Jsonl = False,
    tsv: Tsv = False,
    tmx: Tmx = False,
    verbose: Verbose = False,
) -> int:
    import sys

    from hlkb.errors import HlkbError, UsageError
    from hlkb.output import emit, message

    chosen = [name for name, on in (("--json", json_), ("--jsonl", jsonl), ("--tsv", tsv), ("--tmx", tmx)) if on]
    if len(chosen) > 1:
        raise UsageError(f"choose one of {', '.join(chosen)}")
    failed = 0

    def records():
        nonlocal failed
        for f in files:
            try:
                pairs, verdict = file_pairs_explained(f)
            except HlkbError as exc:
                failed += 1
                message(f"hlkb: {exc}")
                continue
            if not pairs:
                message(f"hlkb: {f}: not a bilingual article"
                        + (f": {verdict.reason}" if verbose else " (no English/Chinese pairs)"))
            elif verbose:
                message(f"hlkb: {f}: {len(pairs)} pair{'s' if len(pairs) != 1 else ''}: {verdict.reason}")
            for p in pairs:
                yield p.to_record()

    if tsv:
        write_tsv(records(), sys.stdout)
    elif tmx:
        from hlkb.export.tmx import write_tmx

        write_tmx(records(), sys.stdout)
    else:
        fmt = "json" if json_ else "jsonl" if jsonl else "table"
        emit(records(), fmt, render=_render)
    return 2 if failed else 0


def file_pairs(path: str):
    """Pairs of one file, with the note id the parser gives it (so ids match `parse`)."""
    return file_pairs_explained(path)[0]


def file_pairs_explained(path: str):
    """``file_pairs`` and the verdict that decided them (hlkb.align.Verdict)."""
    from hlkb.align import explain_note
    from hlkb.parse import parse_file

    return explain_note(parse_file(path, strict=False))


def _tsv_field(paragraphs: list[str]) -> str:
    text = " ".join(paragraphs)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def write_tsv(records, out) -> int:
    n = 0
    for rec in records:
        out.write(f"{_tsv_field(rec['en'])}\t{_tsv_field(rec['zh'])}\t{rec['score']:.4f}\n")
        n += 1
    return n


def _render(records: list[dict]) -> None:
    from rich.table import Table

    from hlkb.display import rich_text
    from hlkb.output import stdout_console

    if not records:
        return
    console = stdout_console()
    by_path: dict[str, list[dict]] = {}
    for rec in records:
        by_path.setdefault(rec["path"], []).append(rec)
    for path, recs in by_path.items():
        table = Table(title=rich_text(f"{path} — {len(recs)} pairs"), show_lines=True, expand=True)
        table.add_column("line", justify="right", no_wrap=True)
        table.add_column("English", ratio=1, overflow="fold")
        table.add_column("Chinese", ratio=1, overflow="fold")
        table.add_column("score", justify="right", no_wrap=True)
        for rec in recs:
            table.add_row(str(rec["line"]), rich_text("\n\n".join(rec["en"])), rich_text("\n\n".join(rec["zh"])),
                          f"{rec['score']:.2f}")
        console.print(table)
        repairs = [r for rec in recs for r in rec["repairs"]]
        if repairs:
            console.print(rich_text(f"{len(repairs)} repairs:", "bold"))
            for r in repairs:
                what = "flagged (left as is)" if r["kind"] == "flag" else f"-> {r['to']}"
                console.print(rich_text(f"  line {r['line']}: {r['kind']}: {r['from']} {what}"))
