"""The SQLite full-text index of a vault. Public API (used by search, tag and export):

- ``open_index(vault, db=None) -> Index``: open or create; Index is a context manager.
- ``refresh(index, full=False, progress=None) -> RefreshSummary``: incremental update
  (``progress``: an hlkb.progress factory).
- ``search(index, query, filters) -> Iterator[dict]``: ranked records (query None/"": all
  records matching the filters, in path/line order); streams.
- ``search_json(index, query, filters) -> Iterator[str]``: the same hits (no snippets) as
  JSON texts, for scripts.
- ``get_record(index, id_or_prefix) -> dict``: UsageError if unknown or ambiguous.
- ``update_files(index, paths)``: re-index just these files now (after editing them).
"""

from __future__ import annotations

from pathlib import Path

from hlkb.index.lookup import get_record, stats
from hlkb.index.refresh import RefreshSummary, refresh
from hlkb.index.search import search, search_json
from hlkb.index.store import Index, open_index

__all__ = [
    "Index",
    "RefreshSummary",
    "open_index",
    "refresh",
    "search",
    "search_json",
    "get_record",
    "stats",
    "update_files",
]


def update_files(index: Index, paths: list[Path], prepared=None) -> RefreshSummary:
    """Re-index just these files (absolute or relative to the current folder); a path that no
    longer exists has its records removed. ``prepared``: see ``refresh``."""
    return refresh(index, only=[Path(p) for p in paths], progress=False, prepared=prepared)
