"""Pairs as tab-separated values: ``en<TAB>zh<TAB>score``, one pair a line (what aligners
and spreadsheet tools read). A pair's paragraphs are joined with a space; backslash, tab,
CR and LF inside them are written as ``\\\\``, ``\\t``, ``\\r``, ``\\n`` so that
every pair stays one line of three fields."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO


def tsv_field(paragraphs: list[str]) -> str:
    text = " ".join(paragraphs)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def write_tsv(records: Iterable[dict], out: TextIO) -> int:
    """Write each pair record's line; returns the count."""
    n = 0
    for rec in records:
        out.write(f"{tsv_field(rec['en'])}\t{tsv_field(rec['zh'])}\t{rec['score']:.4f}\n")
        n += 1
    return n
