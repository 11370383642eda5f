"""The SQLite full-text index of a vault. Public API (used by search, tag and export):

- ``open_index(vault, db=None) -> Index``: open or create; Index is a context manager.
- ``refresh(index, full=False, progress=True) -> RefreshSummary``: incremental update.
- ``search(index, query, filters) -> Iterator[dict]``: ranked records (query None/"": all
  records matching the filters, in path/line order); streams.
- ``search_json(index, query, filters) -> Iterator[str]``: the same hits (no snippets) as
  JSON texts, for scripts.
- ``get_record(index, id_or_prefix) -> dict``: UsageError if unknown or ambiguous.
- ``update_files(index, paths)``: re-index just these files now (after editing them).
- ``ensure_fresh(vault_opt, db_opt, no_refresh) -> Index``: what commands call first.
"""

from __future__ import annotations

from pathlib import Path

from hlkb.index.refresh import RefreshSummary, refresh
from hlkb.index.lookup import get_record, stats
from hlkb.index.search import search, search_json
from hlkb.index.store import Index, open_index

__all__ = ["Index", "RefreshSummary", "open_index", "refresh", "search", "search_json", "get_record", "stats",
           "update_files", "ensure_fresh"]


def update_files(index: Index, paths: list[Path]) -> RefreshSummary:
    """Re-index just these files (absolute or relative to the current folder); a path that no
    longer exists has its records removed."""
    return refresh(index, only=[Path(p) for p in paths], progress=False)


def ensure_fresh(vault_opt, db_opt, no_refresh: bool = False, progress: bool = True) -> Index:
    """Resolve --vault/--db, open the index and refresh it unless --no-refresh.

    Files that fail to parse are reported one line each on stderr. If another hlkb is
    writing the index right now, or this user cannot write it, the index is used as it is
    (with a note on stderr): reads never wait."""
    from hlkb.errors import IndexBusyError
    from hlkb.output import message
    from hlkb.vault import resolve_vault

    from hlkb.errors import HlkbError

    vault = resolve_vault(vault_opt)
    index = open_index(vault, Path(db_opt).expanduser() if db_opt else None)
    if no_refresh:
        return index
    try:
        # readers never wait for a writer: they use the last committed index
        summary = refresh(index, progress=progress, lock_wait=0)
    except IndexBusyError:
        message("hlkb: the index is being updated by another hlkb; using it as it is (it may be stale)")
        return index
    except HlkbError:
        if not index.read_only:
            index.close()
            raise
        # nothing changed is still found without writing; a change cannot be indexed
        message(f"hlkb: {index.db}: the index is read-only here; not refreshed (results may be stale)")
        return index
    except BaseException:
        index.close()
        raise
    for line in summary.errors:
        message(f"hlkb: {line}")
    return index
