"""What every command that reads the index does first: resolve ``--vault``/``--db``, open
the index and bring it up to date, telling the user on stderr what could not be done."""

from __future__ import annotations

from pathlib import Path

from hlkb.cli.output import message
from hlkb.cli.output import progress as progress_bar
from hlkb.errors import HlkbError, IndexBusyError
from hlkb.index import Index, open_index, refresh
from hlkb.vault import resolve_vault


def ensure_fresh(vault_opt, db_opt, no_refresh: bool = False, progress: bool = True) -> Index:
    """Resolve --vault/--db, open the index and refresh it unless --no-refresh.

    Files that fail to parse are reported one line each on stderr. If another hlkb is
    writing the index right now, or this user cannot write it, the index is used as it is
    (with a note on stderr): reads never wait."""
    vault = resolve_vault(vault_opt)
    index = open_index(vault, Path(db_opt).expanduser() if db_opt else None)
    if no_refresh:
        return index
    try:
        # readers never wait for a writer: they use the last committed index
        summary = refresh(index, progress=progress_bar if progress else None, lock_wait=0)
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
