"""The one way hlkb replaces a file: a temporary file beside it, then one rename.

Used by tag edits (hlkb.edit.atomic) and ``export -o`` (hlkb.export.atomic). The temporary
file sits in the target's folder (a rename cannot cross file systems), is named
``.<target name>.<random>.hlkb-tmp`` (hidden, never a note suffix, recognisably hlkb's) and
is flock'ed by its writer for as long as it exists. A writer that is interrupted removes it
(SIGINT, SIGTERM and SIGHUP all unwind to the ``finally``); one killed with SIGKILL cannot,
so its temporary file outlives it, unlocked: ``remove_if_abandoned`` tells such a leftover
(lock free: its writer is dead) from a live writer's file (lock held) and removes it.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

TMP_SUFFIX = ".hlkb-tmp"
# A writer flocks its file right after creating it; an empty file younger than this may be
# one caught in between, so it is left for a later sweep.
_GRACE_SECONDS = 10.0


# Temporary files this process has created and not yet renamed or removed: what
# remove_live_temps() cleans up when a signal unwinds the process at an unlucky moment.
_LIVE: set[str] = set()


@contextmanager
def _signals_deferred():
    """Hold SIGINT/SIGTERM/SIGHUP for a few system calls, so that a file is never created
    or renamed without _LIVE knowing (the signal is delivered right after)."""

    sigs = {signal.SIGINT, signal.SIGTERM} | ({signal.SIGHUP} if hasattr(signal, "SIGHUP") else set())
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    except (AttributeError, ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)

def is_temp_name(name: str) -> bool:
    """A name hlkb gives its temporary files."""
    return name.startswith(".") and name.endswith(TMP_SUFFIX)

def create_temp(folder: Path, target_name: str) -> tuple[int, str]:
    """(descriptor, path) of a new, locked, empty temporary file for ``target_name`` in ``folder``."""
    import fcntl

    with _signals_deferred():
        fd, name = tempfile.mkstemp(prefix=f".{target_name}.", suffix=TMP_SUFFIX, dir=folder)
        _LIVE.add(name)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        pass   # a file system without locks: the file is still removed on every clean exit
    return fd, name

class OwnerNotKept(OSError):
    """The replacement could not be given the replaced file's owner or group."""

def copy_file_identity(fd: int, st: os.stat_result, source_path=None, strict: bool = True) -> None:
    """Give the temporary file ``fd`` the owner, group, permission bits (and, best effort,
    the extended attributes: ACLs, labels) of the file it replaces, whose stat is ``st``.

    Root can give any owner; another user keeps the group only if a member of it. Where
    the owner or group cannot be kept, ``strict`` raises OwnerNotKept (the caller refuses
    to write), else the new file is the writer's, as any replacement would be."""
    if hasattr(os, "fchown") and (st.st_uid != os.geteuid() or st.st_gid != os.getegid()):
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except PermissionError:
            if strict:
                raise OwnerNotKept(errno.EPERM, f"it belongs to user {st.st_uid}, group {st.st_gid}, and only "
                                                "root or its owner can write a replacement that keeps them") from None
            try:
                os.fchown(fd, -1, st.st_gid)
            except PermissionError:
                pass
    # after chown, which may clear set-id bits
    os.fchmod(fd, stat.S_IMODE(st.st_mode))
    if source_path is not None and hasattr(os, "listxattr"):
        try:
            names = os.listxattr(source_path)
        except OSError:
            names = []
        for name in names:
            try:
                os.setxattr(fd, name, os.getxattr(source_path, name))
            except OSError:
                pass

def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]

def replace_with_temp(tmp_name: str, target) -> None:
    """Give the temporary file its final name (one rename)."""
    with _signals_deferred():
        os.replace(tmp_name, target)
        _LIVE.discard(tmp_name)

def remove_quietly(path: str | None) -> None:
    if path is None:
        return
    with _signals_deferred():
        try:
            os.unlink(path)
        except OSError:
            pass
        _LIVE.discard(path)

def remove_live_temps() -> None:
    """Remove every temporary file this process still has (after a signal unwound it)."""
    for path in list(_LIVE):
        remove_quietly(path)

def remove_if_abandoned(path: str | os.PathLike) -> bool:
    """Remove an hlkb temporary file whose writer is gone; True if removed.

    Raises OSError when it is abandoned but cannot be removed (a read-only folder)."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ELOOP):
            return False   # gone already, or a symlink: not ours
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False   # its writer is still at work
            raise
        if st.st_size == 0 and time.time() - st.st_mtime < _GRACE_SECONDS:
            return False
        os.unlink(path)
        return True
    finally:
        os.close(fd)

def remove_leftovers(folder: Path, target_name: str | None = None, on_leftover=None) -> int:
    """Remove abandoned hlkb temporary files in ``folder`` (only ``target_name``'s, if given).

    ``on_leftover(path, message)`` hears of each one found; returns how many were removed."""
    prefix = f".{target_name}." if target_name is not None else "."
    removed = 0
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(TMP_SUFFIX)]
    except OSError:
        return 0
    for name in names:
        removed += sweep_one(os.path.join(folder, name), on_leftover)
    return removed

def sweep_one(path: str, on_leftover=None) -> int:
    """``remove_if_abandoned`` with the outcome reported through ``on_leftover(path, message)``."""
    try:
        if not remove_if_abandoned(path):
            return 0
    except OSError as exc:
        if on_leftover is not None:
            on_leftover(path, "leftover temporary file of an interrupted hlkb write; cannot remove it: "
                              f"{exc.strerror or exc}")
        return 0
    if on_leftover is not None:
        on_leftover(path, "removed a leftover temporary file of an interrupted hlkb write")
    return 1

def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every system can fsync a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
