"""Writing an export to ``-o FILE`` atomically: a temp file beside it, then a rename
(hlkb.atomicfile).

A reader never sees half a file, an interrupted export leaves the old file (or none), only a
regular file is ever replaced (a FIFO, device or symlink is refused), and an existing file
is only replaced with ``--force``; without it the final step is a hard link,
which fails if the file appeared meanwhile (no check-then-write race).
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path

from hlkb.atomicfile import (
    copy_file_identity,
    create_temp,
    fsync_dir,
    remove_leftovers,
    remove_quietly,
    replace_with_temp,
)
from hlkb.errors import UsageError
from hlkb.textio import special_kind


def check_target(path: Path, force: bool) -> None:
    """Refuse anything at ``path`` but a regular file (replaced only with ``force``): a
    rename over a FIFO, a device or a symlink would replace the node itself, not write to it."""
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
            raise UsageError("is a symlink; -o replaces regular files only (name the file itself, or use "
                             "-o - for stdout)", str(path))
        kind = special_kind(mode)
        if kind is not None:
            raise UsageError(f"is {kind}, not a regular file; -o writes regular files only (use -o - to "
                             "write to stdout)", str(path))
        if not force:
            raise UsageError("already exists; use --force to overwrite it", str(path))
    if not path.parent.is_dir():
        raise UsageError("the folder for the output file does not exist", str(path))


def _set_identity(fd: int, target: Path, force: bool) -> None:
    """A new file gets the usual mode (0666 less the umask); a file replaced with --force
    keeps its owner, group and mode where this user can keep them (else it becomes theirs)."""
    try:
        st = os.stat(target) if force else None
    except FileNotFoundError:
        st = None
    if st is not None:
        copy_file_identity(fd, st, target, strict=False)
        return
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)


@contextmanager
def atomic_writer(path: str | os.PathLike, force: bool = False, newline: str | None = "\n", on_leftover=None):
    """Yield a text stream; on a clean exit the file appears at ``path`` whole, else nothing changes.

    Temporary files an earlier, killed export to the same name left behind are removed
    first (``on_leftover(path, message)`` hears of each)."""
    target = Path(path)
    check_target(target, force)
    remove_leftovers(target.parent, target.name, on_leftover)
    try:
        fd, tmp_name = create_temp(target.parent, target.name)
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror or exc}", str(target)) from None
    try:
        _set_identity(fd, target, force)
        try:
            # closefd=False: the descriptor (and the lock on it that marks the file as being
            # written) stays open until the file has its final name
            with os.fdopen(fd, "w", encoding="utf-8", newline=newline, closefd=False) as stream:
                yield stream
                stream.flush()
                os.fsync(fd)
        except OSError as exc:   # a full disk, a quota, an I/O error: nothing half-written stays
            raise UsageError(f"cannot write: {exc.strerror or exc}; nothing written", str(target)) from None
        if force:
            check_target(target, force)   # once more: it may have been swapped meanwhile
            replace_with_temp(tmp_name, target)
            tmp_name = None
        else:
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                raise UsageError("already exists; use --force to overwrite it", str(target)) from None
            except OSError:   # a filesystem without hard links
                if target.exists():
                    raise UsageError("already exists; use --force to overwrite it", str(target)) from None
                replace_with_temp(tmp_name, target)
                tmp_name = None
        fsync_dir(target.parent)
    finally:
        os.close(fd)
        remove_quietly(tmp_name)
