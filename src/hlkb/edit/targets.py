"""What to tag: note files, record ids and search hits turned into files and highlights.

A target is a path (inside the vault, symlinks resolved), a record id or unique id prefix
(looked up in the index), or every hit of a query. A pair or a claim is tagged through its
note: tags live on notes and highlights. The index is opened only when an id or a query
needs it, through the ``open_index`` callable the caller gives (the command line's opens
and refreshes it, telling the user on stderr; a script's may simply call
``hlkb.open_index``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hlkb.edit.batch import Target
from hlkb.edit.tagnames import tag_key
from hlkb.errors import HlkbError, UsageError
from hlkb.filters import Filters
from hlkb.index import Index, get_record, open_index, search, update_files
from hlkb.index.dbfile import check_index_path
from hlkb.vault import default_db, inside_vault, note_path, rel_text

NOTE_SUFFIXES = (".md", ".markdown", ".txt")


class TargetResolver:
    """Targets to files: paths directly, ids and queries through the index (opened lazily)."""

    def __init__(self, root: Path, open_index: Callable[[], Index] | None = None, db: Path | None = None):
        self.root = Path(root)
        self._open_index = open_index
        self.db = db
        self._index: Index | None = None

    @property
    def index(self) -> Index:
        if self._index is None:
            if self._open_index is not None:
                self._index = self._open_index()
            else:
                self._index = open_index(self.root, self.db)
        return self._index

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    def _display(self, path: Path) -> str:
        try:
            return rel_text(Path(path).resolve().relative_to(self.root).as_posix())
        except ValueError:
            return rel_text(str(path))

    def _check_inside(self, path: Path, shown: str) -> None:
        if not inside_vault(path, self.root):
            raise UsageError(
                f"{shown}: outside the vault {self.root} (symlinks resolved); hlkb edits only "
                "notes inside the vault (choose it with --vault)"
            )

    def resolve(self, target: str) -> Target:
        """One target: a note file (as given, or relative to the vault), else a record id."""
        for candidate in (Path(target).expanduser(), self.root / target):
            if candidate.is_file():
                self._check_inside(candidate, target)
                shown = rel_text(target) if candidate == Path(target) else self._display(candidate)
                return Target(candidate.resolve(), shown)
        if "/" in target or "\\" in target or target.lower().endswith(NOTE_SUFFIXES):
            raise UsageError(f"{target}: no such note file (nor a record id)")
        try:
            rec = get_record(self.index, target)
        except UsageError as exc:
            raise UsageError(f"{exc.message} (and no file {target!r})") from None
        return self.record_target(rec)

    def record_target(self, rec: dict[str, Any]) -> Target:
        path = note_path(self.root, rec["path"])
        self._check_inside(path, rec["path"])
        if rec["kind"] == "highlight":
            return Target(path, rec["path"], rec["id"])
        if rec["kind"] in ("note", "pair", "claim"):
            return Target(path, rec["path"], None)
        raise UsageError(f"{rec.get('id')}: a {rec['kind']} record cannot carry tags")

    def query_targets(self, query: str, filters: Filters | None) -> list[Target]:
        """Every search hit of ``query`` ("" = every record) with ``filters``, once each."""
        targets = [
            self.record_target(rec)
            for rec in search(self.index, query or None, filters, snippets=False)
            if rec.get("kind") in ("note", "highlight", "pair", "claim")
        ]
        return list(dict.fromkeys(targets))

    def update_index(self, paths: Iterable[Path]) -> str | None:
        """Re-index the edited files: the index already opened, or the vault's if it exists.
        Returns a warning line when the files were written but the index could not follow."""
        inside = []
        for p in paths:
            try:
                Path(p).resolve().relative_to(self.root)
                inside.append(Path(p))
            except ValueError:
                continue
        if not inside:
            return None
        try:
            if self._index is None:
                db = Path(self.db).expanduser() if self.db else default_db(self.root)
                check_index_path(db)  # a .hlkb that is a file, a --db that is a FIFO: say so
                if not db.exists():
                    return None  # no index yet: nothing to bring up to date
                self._index = open_index(self.root, db)
            update_files(self._index, inside)
        except HlkbError as exc:
            return f"the files were written but the index was not updated: {exc}"
        return None


def tag_counts(index: Index) -> list[dict[str, Any]]:
    """Every tag of the vault's notes and highlights: ``{"tag", "notes", "highlights",
    "total", "spellings"}``, most used first. Spellings that differ only in case are one tag,
    shown as its most frequent spelling."""
    counts: dict[str, dict[str, Any]] = {}
    for rec in search(index, None, Filters(kinds=["note", "highlight"])):
        names = list(rec.get("tags") or [])
        if rec["kind"] == "note":
            names += list(rec.get("document_tags") or [])
        for name in dict.fromkeys(n.lstrip("#") for n in names if str(n).strip("# ")):
            key = tag_key(name)
            entry = counts.setdefault(key, {"tag": name, "notes": 0, "highlights": 0, "spellings": {}})
            entry["spellings"][name] = entry["spellings"].get(name, 0) + 1
            entry["notes" if rec["kind"] == "note" else "highlights"] += 1
    records = []
    for entry in counts.values():
        spelling = max(entry["spellings"].items(), key=lambda kv: (kv[1], kv[0]))[0]
        records.append(
            {
                "tag": spelling,
                "notes": entry["notes"],
                "highlights": entry["highlights"],
                "total": entry["notes"] + entry["highlights"],
                "spellings": sorted(entry["spellings"]),
            }
        )
    records.sort(key=lambda r: (-r["total"], tag_key(r["tag"])))
    return records
