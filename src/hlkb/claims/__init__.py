"""Claims: the checkable statements in notes, their figures and who made them, and
the cross-language figure check of bilingual pairs (issue 5).

- ``claims_for_note(note)``: every claim of a parsed note (called by hlkb.pipeline).
- ``check_pair(pair)`` / ``check_note(note)``: the figure check and its mismatches.
"""

from __future__ import annotations

from hlkb.claims.check import Mismatch, PairCheck, check_pair
from hlkb.claims.extract import claims_for_note

__all__ = ["claims_for_note", "check_pair", "check_note", "Mismatch", "PairCheck"]


def check_note(note) -> list[Mismatch]:
    """The figure mismatches of every aligned pair of ``note``, in file order."""
    found: list[Mismatch] = []
    for pair in note.pairs:
        found.extend(check_pair(pair).mismatches)
    return found
