"""Evaluating a parsed query (query.py) over the full-text rows of the index.

Each leaf of the query tree is one FTS5 phrase query; its rows and their BM25 scores come
from FTS5, and the tree is combined here, at two levels:

- **a row** (a passage, a part of a note's own text, a note's row) matches when the query
  is true of its own columns, a ``title:``/``author:``/``tag:`` leaf also being true of a
  row whose note's row matches it (every passage has its note's title, author and tags);
- **a note** matches when the query is true of all its rows taken together, so words that
  fall in different passages of one note still find the note.

A leaf's rows are a set of rids; a leaf true through the note is a set of note (file) ids.
Both travel together, ``(rows, notes)`` meaning "these rows, and every row of these notes",
and become rows only where a NOT or the final answer needs them (``universe``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from hlkb.errors import InputError, UsageError
from hlkb.index.lookup import FileMap
from hlkb.index.query import And, Leaf, Not, Or, ParsedQuery

# bm25 weights, in schema.FTS_COLUMNS order: title, body, note, meta, tag, author.
WEIGHTS = (10.0, 4.0, 3.0, 1.0, 1.0, 1.0)
# what a title:/author:/tag: match of the note's row adds to each of its passages
INHERITED_WEIGHT = 0.1


def fts_rows(conn: sqlite3.Connection, match: str, table: str = "fts", db_path: str = "") -> dict[int, float]:
    """rid -> relevance (BM25, higher is better) of every row of ``table`` matching ``match``."""
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = f"SELECT rowid, bm25({table}, {weights}) FROM {table} WHERE {table} MATCH ?"
    try:
        return {rid: -score for rid, score in conn.execute(sql, (match,))}
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc) or "syntax" in str(exc):
            raise UsageError(f"cannot search for {match!r}: {exc}") from None
        raise InputError(f"cannot read the index: {exc}", db_path) from None


@dataclass
class LeafResult:
    rows: dict[int, float]  # own matches: rid -> score
    notes: dict[int, float] = field(default_factory=dict)  # inherited: file id -> the note row's score


class Evaluation:
    """The leaves of ``parsed`` run against one FTS table; ``rows()`` and ``notes()`` combine them.

    ``universe(file_ids)`` returns every row of those notes in the table (for a NOT whose
    positive side holds through the note, and for the final answer)."""

    def __init__(
        self,
        parsed: ParsedQuery,
        results: dict[int, LeafResult],
        universe: Callable[[set[int]], set[int]],
        files: FileMap,
    ):
        self.parsed = parsed
        self.results = results  # id(leaf) -> LeafResult
        self.universe = universe
        self.files = files
        self._positive = [results[id(leaf)] for leaf in parsed.leaves(positive_only=True)]
        self._by_note: list[dict[int, dict[int, float]]] | None = None

    @classmethod
    def run(
        cls,
        conn,
        parsed: ParsedQuery,
        universe,
        files: FileMap,
        table: str = "fts",
        note_results=None,
        db_path: str = "",
    ) -> Evaluation:
        """Run each leaf once. ``note_results``: inherited leaves' note matches taken from
        another evaluation (claims are searched in a table of their own, their notes not)."""
        results: dict[int, LeafResult] = {}
        for leaf in parsed.leaves():
            rows = fts_rows(conn, leaf.match, table, db_path)
            notes: dict[int, float] = {}
            if leaf.inherited:
                if note_results is not None:
                    notes = note_results[id(leaf)].notes
                else:
                    notes = {files.file_of(rid): s for rid, s in rows.items() if files.is_note_row(rid)}
            results[id(leaf)] = LeafResult(rows, notes)
        return cls(parsed, results, universe, files)

    def _note_ids(self, res: LeafResult) -> set[int]:
        of = self.files.file_of
        return {of(rid) for rid in res.rows} | set(res.notes)

    # ---- rows ----
    def rows(self, positive_only: bool = False) -> set[int]:
        """Every row the query is true of (``positive_only``: as if nothing were excluded,
        a superset used to find claims through their passages)."""
        own, notes = self._rows(self.parsed.tree, positive_only)
        return own | self.universe(notes) if notes else own

    def _rows(self, node, positive_only: bool) -> tuple[set[int], set[int]]:
        if isinstance(node, Leaf):
            res = self.results[id(node)]
            return set(res.rows), set(res.notes)
        if isinstance(node, Or):
            own: set[int] = set()
            notes: set[int] = set()
            for item in node.items:
                o, n = self._rows(item, positive_only)
                own |= o
                notes |= n
            return own, notes
        if isinstance(node, And):
            of = self.files.file_of
            own, notes = self._rows(node.items[0], positive_only)
            for item in node.items[1:]:
                o, n = self._rows(item, positive_only)
                own = {r for r in own if r in o or (n and of(r) in n)} | {r for r in o if notes and of(r) in notes}
                notes = notes & n
            return own, notes
        if isinstance(node, Not):
            own, notes = self._rows(node.positive, positive_only)
            if positive_only:
                return own, notes
            o, n = self._rows(node.negative, positive_only)
            through_note = notes - n
            if through_note:
                own = own | self.universe(through_note)
            of = self.files.file_of
            return {r for r in own if r not in o and not (n and of(r) in n)}, set()
        raise TypeError(node)  # pragma: no cover - the parser builds only these

    # ---- notes ----
    def notes(self) -> set[int]:
        """Every note (file id) the query is true of, all its rows taken together."""
        return self._notes(self.parsed.tree)

    def _notes(self, node) -> set[int]:
        if isinstance(node, Leaf):
            return self._note_ids(self.results[id(node)])
        if isinstance(node, Or):
            out: set[int] = set()
            for item in node.items:
                out |= self._notes(item)
            return out
        if isinstance(node, And):
            out = self._notes(node.items[0])
            for item in node.items[1:]:
                out = out & self._notes(item)
            return out
        if isinstance(node, Not):
            return self._notes(node.positive) - self._notes(node.negative)
        raise TypeError(node)  # pragma: no cover

    # ---- scores ----
    def row_score(self, rid: int) -> float:
        """BM25 of the row for the words it holds (FTS5's bm25 of a query is the sum over
        its phrases), plus a little for a title/author/tag match of its note."""
        score = 0.0
        for res in self._positive:
            own = res.rows.get(rid)
            if own is not None:
                score += own
            elif res.notes:
                score += INHERITED_WEIGHT * res.notes.get(self.files.file_of(rid), 0.0)
        return score

    def _note_index(self) -> list[dict[int, dict[int, float]]]:
        if self._by_note is None:
            self._by_note = []
            for res in self._positive:
                by: dict[int, dict[int, float]] = {}
                of = self.files.file_of
                for rid, s in res.rows.items():
                    by.setdefault(of(rid), {})[rid] = s
                self._by_note.append(by)
        return self._by_note

    def note_score(self, fid: int) -> float:
        """Each positive word's best row in the note, summed (a note matched as a whole)."""
        score = 0.0
        for res, by in zip(self._positive, self._note_index()):
            rows = by.get(fid)
            if rows:
                score += max(rows.values())
            elif res.notes:
                score += INHERITED_WEIGHT * res.notes.get(fid, 0.0)
        return score

    def holding_rows(self, fid: int) -> dict[int, float]:
        """The rows of note ``fid`` holding at least one word of the query, with the score
        of the words each holds (for a note found across its rows)."""
        out: dict[int, float] = {}
        for by in self._note_index():
            for rid, s in by.get(fid, {}).items():
                out[rid] = out.get(rid, 0.0) + s
        return out
