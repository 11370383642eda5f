"""Speed of tag edits against parsing the same files (baseline measured in the same run).

    .venv/bin/python benchmarks/bench_tag.py [--notes 400] [--highlights 25]

Prints seconds and the ratio of each tag operation to "read + parse every file" (what
indexing costs per file). A rename or add plans and verifies every file (parse before and
after), so about 2-3x the baseline is expected; well above that means something regressed.
"write the renamed files" times only writing already planned edits (temp file, fsync,
rename, folder fsync per file), the part the locking and atomic-write code adds to.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hlkb.edit import TagOp, load_source, plan_rename, plan_tag_edits
from hlkb.edit.batch import plan_renames, write_plans
from hlkb.edit.plan import parse_source


def make_vault(root: Path, notes: int, highlights: int) -> list[Path]:
    paths = []
    for n in range(notes):
        lines = [
            "---",
            f"title: Generated note {n}",
            "tags: [bench, shelf]",
            "---",
            f"# Generated note {n}",
            "",
            "## Metadata",
            "- Author: [[Bench Writer]]",
            "- Document Tags: [[bench]] ",
            "",
            "## Highlights",
        ]
        for h in range(highlights):
            lines.append(
                f"- Sentence {h} of note {n} says something about the #bench and the weather. "
                f"([Location\u00a0{h * 10}](https://readwise.io/to_kindle?action=open&asin=B{n}&location={h * 10}))"
            )
            if h % 3 == 0:
                lines.append("    - Tags: [[bench]] [[blue]] ")
        path = root / f"note-{n:04d}.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notes", type=int, default=400)
    ap.add_argument("--highlights", type=int, default=25)
    ap.add_argument("--big", type=int, default=20_000, help="highlights in the one big note (0: skip)")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hlkb-bench-tag-"))
    try:
        paths = make_vault(root, args.notes, args.highlights)
        files = [(p, p.name) for p in paths]
        baseline = timed(lambda: [parse_source(load_source(p)) for p in paths])

        def add_everywhere():
            for p in paths:
                src = load_source(p)
                note = parse_source(src)
                ops = [TagOp("add", "fresh")] + [TagOp("add", "fresh", h.id) for h in note.highlights[:5]]
                plan_tag_edits(src, ops, note)

        def write_renamed():
            # the write path a command takes: atomic, hash-checked writes of every planned file
            plans, _errors, _unreadable = plan_renames(files, "shelf", "rack")
            return timed(lambda: write_plans(plans))

        results = {
            "rename (whole vault)": timed(lambda: plan_renames(files, "bench", "seat")),
            "rename, tag absent (skip)": timed(lambda: plan_renames(files, "absent-tag", "x")),
            "add to note + 5 highlights": timed(add_everywhere),
            "rename one file x all": timed(lambda: [plan_rename(load_source(p), "blue", "navy") for p in paths]),
            "write the renamed files": write_renamed(),
        }
        print(f"{len(paths)} files x {args.highlights} highlights")
        print(f"baseline read+parse: {baseline:.3f}s")
        for name, secs in results.items():
            print(f"{name:30s} {secs:.3f}s  {secs / baseline:5.2f}x baseline")
        if args.big:
            big_note(root, args.big)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def big_note(root: Path, count: int) -> None:
    """One edit in one big note: the edit's planning against reading and parsing that note
    once (it parses the note before and after the edit, so about 2x; remove no more)."""
    lines = ["---", "title: One big note", "tags: [bench]", "---", "# One big note", "", "## Highlights"]
    lines += [
        f"- Highlight {h} of the big note, about the weather in the hills. "
        f"([View Highlight](https://read.readwise.io/read/01big{h:022d}))"
        for h in range(count)
    ]
    path = root / "big.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    baseline = timed(lambda: parse_source(load_source(path)))
    hid = f"01big{count // 2:022d}"
    add = timed(lambda: plan_tag_edits(load_source(path), [TagOp("add", "fresh", hid)]))
    remove = timed(lambda: plan_tag_edits(load_source(path), [TagOp("remove", "bench", None)]))
    print(f"one note x {count} highlights: read+parse {baseline:.3f}s")
    for name, secs in (("add to one highlight", add), ("remove from the note", remove)):
        print(f"{name:30s} {secs:.3f}s  {secs / baseline:5.2f}x read+parse")


if __name__ == "__main__":
    main()
