"""Data-driven tag edits: tests/data/tag/*.md hold cases (input, operation, expected bytes).

Case format::

    === title
    --- op: add TAG [@N]      (or: remove TAG [@N], rename OLD NEW; @N = the Nth highlight)
    --- input
    ...
    --- expected
    ...                        (or a single line "ERROR: text the message contains")
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hlkb.edit import TagOp, normalize_tag, plan_rename, plan_tag_edits, source_from_bytes
from hlkb.edit.plan import parse_source
from hlkb.errors import HlkbError

DATA = Path(__file__).parent / "data" / "tag"


def load_cases():
    cases = []
    for path in sorted(DATA.glob("*.md")):
        for chunk in path.read_text(encoding="utf-8").split("=== ")[1:]:
            title, rest = chunk.split("\n", 1)
            op_line, rest = rest.split("\n", 1)
            assert op_line.startswith("--- op: "), (path, title)
            assert rest.startswith("--- input\n"), (path, title)
            given, expected = rest[len("--- input\n") :].split("--- expected\n")
            cases.append(
                pytest.param(op_line[len("--- op: ") :].split(), given, expected, id=f"{path.stem}: {title.strip()}")
            )
    return cases


def run_op(op: list[str], text: str) -> bytes:
    src = source_from_bytes(text.encode("utf-8"), "case.md")
    if op[0] == "rename":
        return plan_rename(src, normalize_tag(op[1]), normalize_tag(op[2])).new_data
    highlight_id = None
    if len(op) == 3:
        highlight_id = parse_source(src).highlights[int(op[2].lstrip("@"))].id
    return plan_tag_edits(src, [TagOp(op[0], normalize_tag(op[1]), highlight_id)]).new_data


@pytest.mark.parametrize("op,given,expected", load_cases())
def test_case(op, given, expected):
    if expected.startswith("ERROR: "):
        with pytest.raises(HlkbError) as info:
            run_op(op, given)
        assert expected[len("ERROR: ") :].strip() in str(info.value)
        assert "\n" not in str(info.value)
    else:
        assert run_op(op, given).decode("utf-8") == expected


def test_cases_exist():
    assert len(load_cases()) >= 20
