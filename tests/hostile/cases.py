"""Generated hostile inputs: what years of syncing leave in a vault (issue 8).

Every case is made here at test time (nothing binary is committed). ``build_vault(root)``
writes them all below ``root`` next to a few good notes, and returns what it made.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

GOOD_NOTE = """---
title: A Good Note About Gardens
author: Test Author
tags: [gardens]
---
# A Good Note About Gardens

## Metadata
- Author: [[Test Author]]
- Full Title: A Good Note About Gardens
- Category: #articles

## Highlights
- Compost turns kitchen scraps into soil within a season. ([View Highlight](https://read.readwise.io/read/01goodgoodgoodgoodgoodgood1))
- Rain barrels catch more water than most people expect. ([View Highlight](https://read.readwise.io/read/01goodgoodgoodgoodgoodgood2))
"""

BILLION_LAUGHS = (
    "---\n"
    + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 12))
    + "---\nbody\n"
)


@dataclass
class Case:
    name: str  # file name below the vault
    data: bytes
    why: str


def cases() -> list[Case]:
    deep = "---\nx: " + "[" * 500 + "]" * 500 + "\n---\n"
    return [
        Case("invalid-utf8.md", b"---\ntitle: ok\n---\n- caf\xe9 \xff\xfe broken\n", "invalid UTF-8"),
        Case(
            "utf16-bom.md",
            codecs.BOM_UTF16_LE + GOOD_NOTE.replace("Gardens", "Ponds").encode("utf-16-le"),
            "UTF-16 with BOM",
        ),
        Case("utf8-bom.md", codecs.BOM_UTF8 + GOOD_NOTE.replace("Gardens", "Hedges").encode(), "UTF-8 BOM"),
        Case("crlf.md", GOOD_NOTE.replace("Gardens", "Orchards").replace("\n", "\r\n").encode(), "CRLF"),
        Case("lone-cr.md", GOOD_NOTE.replace("Gardens", "Meadows").replace("\n", "\r").encode(), "lone CR line ends"),
        Case("nul-bytes.md", b"# Title\n\x00\x00\x00binary\x00", "NUL bytes"),
        Case("image.png.md", bytes(range(256)) * 4, "binary file with a .md name"),
        Case("empty.md", b"", "empty file"),
        Case("one-long-line.md", b"- " + b"word " * 200_000 + b"\n", "1 MB single line"),
        Case(
            "unclosed.md", b"---\ntitle: never closed\ntags: [a]\n\n# Body\n- text\n", "front matter that never closes"
        ),
        Case("billion-laughs.md", BILLION_LAUGHS.encode(), "YAML alias bomb"),
        Case("python-tag.md", b"---\ntitle: !!python/object/apply:os.system [echo pwned]\n---\nbody\n", "!!python tag"),
        Case("custom-tag.md", b"---\ntitle: !custom thing\n---\nbody\n", "unknown YAML tag"),
        Case("deep.md", deep.encode(), "deeply nested YAML"),
        Case("huge-int.md", b"---\nn: " + b"9" * 5000 + b"\n---\nbody\n", "huge integer"),
        Case("dup-keys.md", b"---\ntitle: one\ntitle: two\n---\nbody\n", "duplicate keys"),
        Case(
            "markup.md",
            (
                b'---\ntitle: "[bold red]pwn[/bold red]"\n---\n## Highlights\n'
                b"- [bold red]not markup[/bold red] \x1b[31mred\x1b[0m \x07bell ([View Highlight](https://read.readwise.io/read/01markupmarkupmarkupmarkup1))\n"
            ),
            "rich markup, ANSI escapes and control characters in note text",
        ),
    ]


def build_vault(root: Path, big: bool = False) -> dict[str, Case]:
    """Write the hostile cases and two good notes below ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "good.md").write_text(GOOD_NOTE, encoding="utf-8")
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub" / "good2.md").write_text(
        GOOD_NOTE.replace("Gardens", "Forests").replace("good1", "fore1").replace("good2", "fore2"), encoding="utf-8"
    )
    made = {}
    for case in cases():
        (root / case.name).write_bytes(case.data)
        made[case.name] = case
    # a folder named like a note
    (root / "folder.md").mkdir(exist_ok=True)
    if big:
        with open(root / "fifty-mb.md", "wb") as fh:
            line = b"- " + b"x" * 1000 + b"\n"
            for _ in range(50 * 1024):
                fh.write(line)
    return made


def tagged_note(n: int, tags=("alpha", "beta")) -> str:
    """A small Readwise-style note carrying ``tags`` in its front matter and on a highlight."""
    return (
        f"---\ntitle: Tagged note {n}\ntags: [{', '.join(tags)}]\n---\n# Tagged note {n}\n\n"
        f"## Highlights\n- Highlight one of note {n} about rivers. "
        f"([View Highlight](https://read.readwise.io/read/01tagged{n:019d}))\n"
        f"    - Tags: {' '.join(f'[[{t}]]' for t in tags)}\n"
    )


def build_tagged_vault(root: Path, count: int, tags=("alpha", "beta")) -> list[Path]:
    """``count`` notes below ``root`` (in a few folders), each tagged with every one of ``tags``."""
    paths = []
    for n in range(count):
        path = root / f"shelf{n % 5}" / f"note-{n:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(tagged_note(n, tags), encoding="utf-8")
        paths.append(path)
    return paths


BILINGUAL_NOTE = """---
title: 河流与山丘 Rivers and Hills
author: 测试作者
tags: [rivers, 山水]
---
# 河流与山丘 Rivers and Hills

## Highlights
- The river bends twice before it reaches the old mill. ([View Highlight](https://read.readwise.io/read/01bilingualbilingualbiling1))
- 河水在到达老磨坊之前拐了两个弯。 ([View Highlight](https://read.readwise.io/read/01bilingualbilingualbiling2))
- Emoji and symbols survive too: 🌊 ⛰ — “quoted” ([View Highlight](https://read.readwise.io/read/01bilingualbilingualbiling3))
"""


def build_text_vault(root: Path, copies: int = 20) -> list[Path]:
    """A vault of ``copies`` bilingual notes (non-ASCII everywhere: title, author, tags, text)."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(copies):
        path = root / f"rivers-{n:03d}.md"
        path.write_text(
            BILINGUAL_NOTE.replace("biling1", f"{n:05d}1"[-6:])
            .replace("biling2", f"{n:05d}2"[-6:])
            .replace("biling3", f"{n:05d}3"[-6:]),
            encoding="utf-8",
        )
        paths.append(path)
    return paths


BILINGUAL_ARTICLE = """# 河流 Rivers

The river bends twice before it reaches the old mill, according to the survey of 2019.

河流在到达老磨坊之前拐了两个弯，据2019年的调查。

About 40% of the valley floods every spring, the engineers said in their report.

工程师在报告中说，大约40%的山谷每年春天都会被淹。

Three bridges cross the water between the mill and the town.

在磨坊和小镇之间有三座桥横跨河水。
"""
