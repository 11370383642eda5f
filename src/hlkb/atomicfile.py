"""The one home of atomic writing: a temporary file beside the target, then one rename.

Three policies, one entry point each:

- ``replace_if_unchanged``: a note rewritten by a tag edit. Only if its bytes still hash to
  what was read (else nothing is written), keeping its owner, group, mode and extended
  attributes, through a symlink to its target (the link stays a link), inside the vault.
- ``new_file_writer`` (with ``check_new_file_target``): ``export -o FILE``. A new file, or
  an existing regular file replaced only with ``force``; FIFOs, devices and symlinks are
  refused; without ``force`` the last step is a hard link, which fails if the file appeared
  meanwhile (no check-then-write race).
- ``replace_cache_file``: a derived file (the semantic query cache) built at a temporary
  path by its own writer (SQLite), then renamed over the old one.

A reader never sees half a file; an interrupted write leaves the old file (or none). The
temporary file sits in the target's folder (a rename cannot cross file systems), is named
``.<target name>.L-<random>.hlkb-tmp`` (hidden, never a note suffix, recognisably hlkb's) and
is flock'ed by its writer for as long as it exists (locked before it gets that name). A writer that is interrupted removes it
(SIGINT, SIGTERM and SIGHUP all unwind to the ``finally``); one killed with SIGKILL cannot,
so its temporary file outlives it, unlocked: ``remove_if_abandoned`` tells such a leftover
(lock free: its writer is dead) from a live writer's file (lock held) and removes it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import signal
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

# module-style: hlkb.vault (the walker, which sweeps this module's temporary files) imports
# this module too
from hlkb import vault
from hlkb.errors import InputError, UsageError
from hlkb.textio import special_kind

TMP_SUFFIX = ".hlkb-tmp"
# A writer flocks its file right after creating it, then gives it a marked name
# (create_temp); an unmarked empty file younger than this may be one caught in between, so
# it is left for a later sweep.
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
    """(descriptor, path) of a new, locked, empty temporary file for ``target_name`` in ``folder``.

    The file is created, locked, then linked to a name marked as locked (``.L-``): a sweep
    that finds a marked file unlocked knows its writer is dead, however young and empty the
    file is (a writer killed right after creating it). A file caught between its creation
    and that link, a few system calls, is unmarked but carries its writer's pid."""
    import fcntl

    # everything but the system calls done before the file exists: the window in which a
    # kill -9 leaves an unmarked file is those few calls
    marked = os.path.join(folder, f".{target_name}.{_LOCKED}{os.urandom(5).hex()}{TMP_SUFFIX}")
    flock, lock_ex = fcntl.flock, fcntl.LOCK_EX | fcntl.LOCK_NB
    link, unlink = os.link, os.unlink
    with _signals_deferred():
        # the writer's pid in the unmarked name: a sweep that finds it unlocked knows from
        # the pid whether its writer is still between these calls or dead
        fd, name = tempfile.mkstemp(prefix=f".{target_name}.{os.getpid()}-", suffix=TMP_SUFFIX, dir=folder)
        _LIVE.add(name)
        try:
            flock(fd, lock_ex)
        except OSError:
            return fd, name  # a file system without locks: the file is still removed on every clean exit
        try:
            link(name, marked)  # never over another file (EEXIST)
        except OSError:
            return fd, name  # no hard links here: the unmarked name stays
        _LIVE.add(marked)
        try:
            unlink(name)
            _LIVE.discard(name)
        except OSError:
            pass  # removed with the marked one on the way out
    return fd, marked


# In the name of a temporary file that was locked before it got that name (create_temp);
# mkstemp's own random part never holds an upper-case letter.
_LOCKED = "L-"
_MARKED = re.compile(r"\.L-[0-9a-f]{10}" + re.escape(TMP_SUFFIX) + "$")


_UNMARKED_PID = re.compile(r"\.(\d+)-[a-z0-9_]{8}" + re.escape(TMP_SUFFIX) + "$")


def _writer_may_live(name: str) -> bool:
    """Whether the writer of an unmarked temporary file may still be about to lock it: its
    pid (in the name) is alive, or the name has none (an older hlkb's file)."""
    m = _UNMARKED_PID.search(name)
    if m is None:
        return True
    try:
        os.kill(int(m.group(1)), 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True  # alive under another user, or not a pid: keep the grace time
    return True


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
                raise OwnerNotKept(
                    errno.EPERM,
                    f"it belongs to user {st.st_uid}, group {st.st_gid}, and only "
                    "root or its owner can write a replacement that keeps them",
                ) from None
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
        view = view[os.write(fd, view) :]


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
            return False  # gone already, or a symlink: not ours
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False  # its writer is still at work
            raise
        if (
            st.st_size == 0
            and not _MARKED.search(os.path.basename(path))
            and _writer_may_live(os.path.basename(path))
            and time.time() - st.st_mtime < _GRACE_SECONDS
        ):
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
            on_leftover(
                path, f"leftover temporary file of an interrupted hlkb write; cannot remove it: {exc.strerror or exc}"
            )
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


def _new_file_mode(fd: int) -> None:
    """The usual mode of a new file (0666 less the umask), not mkstemp's 0600."""
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)


# --------------------------------------------------- policy 1: a note, if unchanged ---


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def replace_if_unchanged(path, data: bytes, expected_sha256: str, display: str | None = None, root=None) -> None:
    """Replace ``path`` with ``data`` if its current content still hashes to ``expected_sha256``
    (and, given the vault ``root``, only if it is inside the vault, symlinks resolved).

    The new bytes are fsynced, get the original file's owner, group, permission bits and
    extended attributes (a note that cannot keep its owner is not written), and replace it
    with one rename; the folder is fsynced so the rename survives a crash. A symlinked note
    is written through to its target. Every refusal is an InputError naming ``display``."""
    shown = display or str(path)
    target = Path(os.path.realpath(path))
    if root is not None and not vault.resolves_inside(str(target), os.path.realpath(root)):
        raise InputError(f"resolves to {target}, outside the vault; hlkb never writes outside it; not written", shown)
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
            # sweeper this file is being written, not left over
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


# ------------------------------ policy 2: a new file (replaced only with force) ---


def check_new_file_target(path: Path, force: bool) -> None:
    """Refuse anything at ``path`` but a regular file (replaced only with ``force``): a
    rename over a FIFO, a device or a symlink would replace the node itself, not write to it."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"cannot use this output path: {exc.strerror or exc}", str(path)) from None
    if st is not None:
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise UsageError("is a folder; -o takes a file name", str(path))
        if stat.S_ISLNK(mode):
            raise UsageError(
                "is a symlink; -o replaces regular files only (name the file itself, or use -o - for stdout)", str(path)
            )
        kind = special_kind(mode)
        if kind is not None:
            raise UsageError(
                f"is {kind}, not a regular file; -o writes regular files only (use -o - to write to stdout)", str(path)
            )
        if not force:
            raise UsageError("already exists; use --force to overwrite it", str(path))
    if not path.parent.is_dir():
        raise UsageError("the folder for the output file does not exist", str(path))


def _set_new_file_identity(fd: int, target: Path, force: bool) -> None:
    """A new file gets the usual mode (0666 less the umask); a file replaced with --force
    keeps its owner, group and mode where this user can keep them (else it becomes theirs)."""
    try:
        st = os.stat(target) if force else None
    except FileNotFoundError:
        st = None
    if st is not None:
        copy_file_identity(fd, st, target, strict=False)
    else:
        _new_file_mode(fd)


@contextmanager
def new_file_writer(path: str | os.PathLike, force: bool = False, newline: str | None = "\n", on_leftover=None):
    """Yield a text stream; on a clean exit the file appears at ``path`` whole, else nothing changes.

    An existing file is replaced only with ``force`` (check_new_file_target says what is
    refused). Temporary files an earlier, killed write to the same name left behind are
    removed first (``on_leftover(path, message)`` hears of each). Refusals and write
    failures are UsageErrors naming ``path``."""
    target = Path(path)
    check_new_file_target(target, force)
    remove_leftovers(target.parent, target.name, on_leftover)
    try:
        fd, tmp_name = create_temp(target.parent, target.name)
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror or exc}", str(target)) from None
    try:
        _set_new_file_identity(fd, target, force)
        try:
            # closefd=False: the descriptor (and the lock on it that marks the file as being
            # written) stays open until the file has its final name
            with os.fdopen(fd, "w", encoding="utf-8", newline=newline, closefd=False) as stream:
                yield stream
                stream.flush()
                os.fsync(fd)
        except OSError as exc:  # a full disk, a quota, an I/O error: nothing half-written stays
            raise UsageError(f"cannot write: {exc.strerror or exc}; nothing written", str(target)) from None
        if force:
            check_new_file_target(target, force)  # once more: it may have been swapped meanwhile
            replace_with_temp(tmp_name, target)
            tmp_name = None
        else:
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                raise UsageError("already exists; use --force to overwrite it", str(target)) from None
            except OSError:  # a filesystem without hard links
                if target.exists():
                    raise UsageError("already exists; use --force to overwrite it", str(target)) from None
                replace_with_temp(tmp_name, target)
                tmp_name = None
        fsync_dir(target.parent)
    finally:
        os.close(fd)
        remove_quietly(tmp_name)


# --------------------------------------------- policy 3: a derived (cache) file ---


@contextmanager
def replace_cache_file(path: str | os.PathLike):
    """Yield the name of an empty temporary file beside ``path`` for a writer that opens
    files itself (SQLite) to build into; on a clean exit it replaces ``path`` (one rename),
    else it is removed and ``path`` is untouched. Leftovers of a killed build are removed
    first. OSErrors propagate: a cache that cannot be written is the caller's to skip.

    Not fsynced: a cache is derived data, checked when opened and rebuilt when it does not
    match (the rename alone keeps a reader from seeing a half-built file)."""
    target = Path(path)
    remove_leftovers(target.parent, target.name)
    fd, tmp_name = create_temp(target.parent, target.name)
    try:
        _new_file_mode(fd)
        yield tmp_name
        replace_with_temp(tmp_name, target)
        tmp_name = None
    finally:
        # closed only now: the lock on it marks the file as being written until the rename
        os.close(fd)
        remove_quietly(tmp_name)
