"""Speed of `hlkb validate` and the export writers, as ratios against baselines measured in the same run.

    .venv/bin/python benchmarks/validate_export.py [N_NOTES]

validate: all checks on N generated notes vs. read + yaml.safe_load of the same files
(the least any front-matter check must do). Target: under 3x.
export: each writer over 50k generated records vs. json.dumps of each record. Target: under 3x (md, csv, json, jsonl).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

import yaml

from hlkb.export import write_export
from hlkb.validate import validate_paths
from hlkb.validate.config import ValidateConfig

NOTE = """---
title: Generated note {i}
author: Writer {i}
tags:
  - topic{m}
  - reading
aliases: [Note {i}]
url: https://example.org/notes/{i}
created: 2024-01-{d:02d}
status: {status}
rating: 4.5
---
# Generated note {i}

- A sentence that someone highlighted in note {i}. ([View Highlight](https://read.readwise.io/read/{i}))
"""


def best_of(fn, repeat=3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for i in range(n):
            status = "no" if i % 10 == 0 else "draft"
            (root / f"n{i}.md").write_text(NOTE.format(i=i, m=i % 7, d=i % 28 + 1, status=status), encoding="utf-8")
        files = sorted(root.glob("*.md"))

        def baseline():
            for f in files:
                text = f.read_text(encoding="utf-8")
                yaml.safe_load(text.split("---\n", 2)[1])

        def validate():
            found = sum(len(r.diagnostics) for r in validate_paths([str(root)], ValidateConfig()))
            assert found == n // 10, found

        base, ours = best_of(baseline), best_of(validate)
        print(
            f"validate {n} notes: {ours:.3f}s ({ours / n * 1e6:.0f} us/note); "
            f"baseline read+safe_load {base:.3f}s; ratio {ours / base:.2f}x (target < 3x)"
        )

    import json

    record = {
        "kind": "highlight",
        "id": "h_0",
        "path": "books/x.md",
        "line": 1,
        "note_id": "n_0",
        "text": "Some highlighted words, " * 8,
        "markdown": "Some *highlighted* words, " * 8,
        "note": None,
        "tags": ["a", "b"],
        "location": {"label": "Location 1", "url": "https://readwise.io/x", "value": 1},
        "readwise_id": None,
        "lang": "en",
        "end_line": 2,
        "section": None,
    }
    m = 50_000

    def records():
        for i in range(m):
            yield {**record, "id": f"h_{i}", "line": i + 1, "note_id": f"n_{i // 40}"}

    def dumps_only():
        for r in records():
            json.dumps(r, ensure_ascii=False)

    base = best_of(dumps_only)
    for fmt in ("json", "jsonl", "csv", "md"):
        t = best_of(lambda fmt=fmt: write_export(records(), fmt, io.StringIO()))
        print(f"export {fmt:5} {m} records: {t:.3f}s; baseline json.dumps {base:.3f}s; ratio {t / base:.2f}x")


if __name__ == "__main__":
    main()
