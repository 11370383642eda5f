"""Writing a note back atomically, and only if nobody changed it since we read it.

The new bytes go to a temporary file in the same folder (hlkb.atomicfile: so the rename
cannot cross file systems, and an interrupted write leaves nothing a later run cannot
recognise), are fsynced, get the original file's owner, group, permission bits and extended
attributes (a note that cannot keep its owner is not written), and replace the original
with one rename; the folder is fsynced so the rename survives a crash. A symlinked note is
written through to its target, so the link stays a link.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from hlkb.atomicfile import (
    OwnerNotKept,
    copy_file_identity,
    create_temp,
    fsync_dir,
    remove_quietly,
    replace_with_temp,
    write_all,
)
from hlkb.errors import InputError
from hlkb.vault import resolves_inside


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_atomic(path, data: bytes, expected_sha256: str, display: str | None = None, root=None) -> None:
    """Replace ``path`` with ``data`` if its current content still hashes to ``expected_sha256``
    (and, given the vault ``root``, only if it is inside the vault, symlinks resolved)."""
    shown = display or str(path)
    target = Path(os.path.realpath(path))
    if root is not None and not resolves_inside(str(target), os.path.realpath(root)):
        raise InputError(f"resolves to {target}, outside the vault; hlkb never writes outside it; not written",
                         shown)
    try:
        st = target.stat()
        current = file_sha256(target)
    except FileNotFoundError:
        raise InputError("file disappeared since it was read; not written", shown) from None
    except OSError as exc:
        raise InputError(f"cannot read before writing: {exc.strerror or exc}", shown) from None
    if current != expected_sha256:
        raise InputError("file changed since it was read; not written (run the command again)", shown)
    # A file with no write bit was made read-only on purpose: refuse even when we could write.
    if not os.access(target, os.W_OK) or not st.st_mode & 0o222:
        raise InputError("file is not writable; not written", shown)
    folder = target.parent
    tmp_name = None
    try:
        fd, tmp_name = create_temp(folder, target.name)
        try:
            # the descriptor stays open until the rename: it holds the lock that tells a
            # sweeper (hlkb.atomicfile) this file is being written, not left over
            write_all(fd, data)
            os.fsync(fd)
            copy_file_identity(fd, st, target)
            # Last look right before the rename: narrows the window for a concurrent writer.
            if file_sha256(target) != expected_sha256:
                raise InputError("file changed since it was read; not written (run the command again)", shown)
            replace_with_temp(tmp_name, target)
            tmp_name = None
        finally:
            os.close(fd)
            remove_quietly(tmp_name)
        fsync_dir(folder)
    except InputError:
        raise
    except OwnerNotKept as exc:
        raise InputError(f"cannot keep its owner ({exc.strerror}); not written", shown) from None
    except PermissionError:
        raise InputError("cannot write (permission denied in its folder); not written", shown) from None
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}; not written", shown) from None
