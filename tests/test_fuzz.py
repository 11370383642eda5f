"""Fuzzing the three readers of untrusted text (issue 8): the parser, the bilingual splitter
and the front-matter validator. No exception other than a one-line HlkbError may escape,
and what comes out must be well-formed (JSON-serialisable records with sane line numbers).

CI runs a bounded number of examples; ``HLKB_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py``
runs a longer campaign.
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hlkb.errors import HlkbError
from hlkb.textio import decode_bytes, normalize_newlines

EXAMPLES = int(os.environ.get("HLKB_FUZZ_EXAMPLES", "80"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

# Building blocks that reach deep into the parser and splitter rather than random noise.
PIECES = [
    "---\n",
    "title: x\n",
    "tags: [a, b]\n",
    "tags: #c\n",
    "a: &x [1]\nb: *x\n",
    "key: !!python/none\n",
    "# Title\n",
    "## Metadata\n",
    "- Author: [[Someone]]\n",
    "- Category: #books\n",
    "## Highlights\n",
    "## New highlights added May 1, 2024 at 9:00 AM\n",
    "- A highlighted sentence. ",
    "\n",
    "([View Highlight](https://read.readwise.io/read/01abcdefghjkmnpqrstvwxyz00))\n",
    "([Location\u00a0220](https://readwise.io/to_kindle?action=open&asin=X&location=220))\n",
    "(Page\u00a012)\n",
    "    - Note: a thought\n",
    "    - Tags: [[pink]] \n",
    "  continued line\n",
    "> [!quote]\n",
    "> quoted text\n",
    "---\n\n",
    "%% Color: yellow %% ^61947227\n",
    "title:: A Page (highlights)\n",
    "- Highlights first synced by [[Readwise]] [[Apr 1st, 2024]]\n",
    "\t- outline child ([View Tweet](https://x.com/a/status/1))\n",
    "\t\t- **Note**: n\n",
    "The bridge carried 4,000 people a day in 1887.\n",
    "這座橋在1887年每天有4,000人經過。\n",
    "English / 中文翻譯\n",
    "規(guī)模很大\n",
    "應對?!盠evine said\n",
    "```\ncode\n```\n",
    "\r\n",
    "\r",
    "\u3000\n",
    "\x1b[31m",
    "[bold]",
    "\ufeff",
    "😀",
    "Ｆｕｌｌ　ｗｉｄｔｈ\n",
]

texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.text(max_size=400),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=30)), max_size=30).map("".join),
)


def _check_records(note, text: str) -> None:
    n_lines = normalize_newlines(text).count("\n") + 1  # a lone CR ends a line too
    for rec in note.records():
        json.dumps(rec, ensure_ascii=False)
        assert 1 <= rec["line"] <= n_lines, rec


@FUZZ
@given(texts)
def test_parser_and_pipeline_never_crash(text):
    from hlkb.parse import parse_text
    from hlkb.pipeline import analyze

    for strict in (True, False):
        try:
            note = parse_text(text, "fuzz.md", strict=strict)
        except HlkbError as exc:
            assert strict and "\n" not in str(exc)
            continue
        analyze(note)
        _check_records(note, text)


@FUZZ
@given(st.binary(max_size=300))
def test_decoding_arbitrary_bytes(data):
    from hlkb.parse import parse_text

    try:
        decoded = decode_bytes(data, "fuzz.md")
    except HlkbError as exc:
        assert "\n" not in str(exc)
        return
    note = parse_text(decoded.text, "fuzz.md", strict=False)
    _check_records(note, decoded.text)


@FUZZ
@given(texts)
def test_splitter_is_well_formed(text):
    from hlkb.align import split_text

    text = normalize_newlines(text)  # split_text takes decoded text, as the pipeline gives it
    alignment = split_text(text, "fuzz.md")
    n_lines = text.count("\n") + 1
    for pair in alignment.pairs:
        assert pair.en and pair.zh and 0.0 <= pair.score <= 1.0
        assert all(1 <= line <= n_lines for line in pair.en_lines + pair.zh_lines)
        json.dumps(pair.to_record(), ensure_ascii=False)


@FUZZ
@given(texts)
def test_validator_reports_diagnostics_only(text):
    from hlkb.validate.checks import check_text

    text = normalize_newlines(text)  # check_text takes decoded text, as validate_paths gives it
    result = check_text(text, "fuzz.md")
    n_lines = text.count("\n") + 1
    for diag in result.diagnostics:
        assert diag.severity in ("error", "warning")
        assert 1 <= diag.line <= max(n_lines, 1) and diag.column >= 1, diag
        assert "\n" not in diag.message
