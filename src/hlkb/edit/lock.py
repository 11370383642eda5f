"""The vault's edit lock: one editing hlkb (tag add/remove/rename) at a time per vault.

Without it two editors that read the same file before either wrote it both "succeed" and
the second write silently drops the first one's edit (the hash check before the rename
narrows that window but cannot close it). An editor holds the lock from planning its
edits until its last write, so a second one plans from the first one's result.

The lock is an flock on the vault folder itself: nothing to create (a read-only vault or a
``.hlkb`` that is not a folder still locks), and the kernel drops it when the process dies,
kill -9 included, so a stale lock cannot outlive its holder. Where a file system refuses
locks on folders, a lock file in the index folder is used instead.
"""

from __future__ import annotations

import errno
import os
import time
from contextlib import contextmanager
from pathlib import Path

from hlkb.errors import HlkbError, InputError

# How long an editor waits for another one before giving up with "busy".
EDIT_LOCK_WAIT_SECONDS = 30.0
_POLL = 0.05


class VaultBusyError(HlkbError):
    """Another hlkb is editing this vault."""


def _open_lock_target(root: Path) -> int:
    return os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))


def _lock_file_fd(root: Path) -> int:
    folder = root / ".hlkb"
    try:
        folder.mkdir(exist_ok=True)
        return os.open(folder / "edit.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise InputError(f"cannot lock the vault for editing: {exc.strerror or exc}", str(root)) from None


@contextmanager
def vault_edit_lock(root: Path, wait: float | None = None, on_wait=None):
    """Hold the edit lock of the vault ``root`` for the ``with`` block.

    Waits up to ``wait`` seconds (default EDIT_LOCK_WAIT_SECONDS) for another editor to
    finish, calling ``on_wait()`` once if it has to wait; then raises VaultBusyError.
    """
    import fcntl

    wait = EDIT_LOCK_WAIT_SECONDS if wait is None else wait
    try:
        fd = _open_lock_target(Path(root))
    except OSError as exc:
        raise InputError(f"cannot lock the vault for editing: {exc.strerror or exc}", str(root)) from None
    deadline = time.monotonic() + wait
    waited, on_folder = False, True
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if on_folder and exc.errno in (errno.EBADF, errno.EINVAL, errno.ENOLCK, errno.EOPNOTSUPP):
                    # no locks on folders here (some network file systems): a lock file
                    os.close(fd)
                    fd, on_folder = -1, False
                    fd = _lock_file_fd(Path(root))
                    continue
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise InputError(f"cannot lock the vault for editing: {exc.strerror or exc}", str(root)) from None
                if time.monotonic() >= deadline:
                    raise VaultBusyError(
                        "the vault is busy: another hlkb is editing its notes; try again "
                        "when it has finished (nothing was written)",
                        str(root),
                    ) from None
                if not waited and on_wait is not None:
                    on_wait()
                waited = True
                time.sleep(_POLL)
        yield
    finally:
        if fd >= 0:
            os.close(fd)  # closing the descriptor releases the lock
