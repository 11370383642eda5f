"""The vault walk of a refresh: every note file's path, size and mtime, and their digest.

A no-change refresh of a big vault (what every `hlkb search` starts with) is mostly this
walk, one stat per file, so it is lean, and on a big vault it is split in two: a forked
child walks the second half of the top-level folders while this process walks the first.
The result is exactly the serial walk's (same files, order and error lines); anything
unusual (no fork, a folder reached twice through a symlink, a child that fails) falls
back to walking serially.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from array import array
from pathlib import Path

from hlkb.atomicfile import sweep_one
from hlkb.index.store import get_meta, set_meta, transaction
from hlkb.vault import VaultWalker, name_from_text, shown_name

# below this many files (as the last refresh counted them) a fork costs more than it saves
SPLIT_MIN_FILES = 20_000

# (absolute path, vault-relative path as stored and shown (hlkb.vault.rel_text), size, mtime_ns)
Entry = tuple[str, str, int, int]


def _walker(root: str, on_error, seen_dirs: set[str], follow_links: bool) -> VaultWalker:
    """The vault's one walker (hlkb.vault.VaultWalker) as the refresh runs it: each note's
    size and mtime, and an abandoned hlkb temporary file removed (and reported) on the way.

    Its rules are the vault's; only the loop over the top level differs here (the split
    below), because a forked half must report and count exactly what the serial walk would."""
    return VaultWalker(
        root,
        on_error,
        seen_dirs,
        follow_links,
        on_temp_file=lambda path: sweep_one(path, on_error),
        outside_hint="`hlkb index --follow-links` indexes such links",
        stat_files=True,
    )


class _ChildFolder:
    """One top-level folder walked by the child, as sent: its relative paths joined by NUL
    (UTF-8, surrogateescape) and its sizes and mtimes as int64 arrays. Kept packed, since
    a no-change refresh only digests them; decoded into entries only when needed."""

    __slots__ = ("rels", "sizes", "mtimes")

    def __init__(self, rels: bytes, sizes: bytes, mtimes: bytes):
        self.rels, self.sizes, self.mtimes = rels, sizes, mtimes

    def entries(self, root: str) -> list[Entry]:
        if not self.sizes:
            return []
        rels = self.rels.decode("utf-8", "surrogateescape").split("\0")
        sizes, mtimes = array("q"), array("q")
        sizes.frombytes(self.sizes)
        mtimes.frombytes(self.mtimes)
        prefix = root + os.sep
        return [
            (prefix + (name_from_text(rel) if "\\" in rel else rel), rel, size, mtime)
            for rel, size, mtime in zip(rels, sizes, mtimes)
        ]


class Scan:
    """The result of a walk: ``files`` (entries in walk order) and ``digest()`` (equal to
    ``scan_digest(files)``, computed without building ``files`` when part of the walk came
    packed from the child); ``links_skipped``: symlinks out of the vault not followed."""

    def __init__(self, root: str, parts: list, links_skipped: int = 0):
        self._root = root
        self._parts = parts  # in walk order: lists of entries and _ChildFolder
        self._files: list[Entry] | None = None
        self.links_skipped = links_skipped

    @property
    def files(self) -> list[Entry]:
        if self._files is None:
            files: list[Entry] = []
            for part in self._parts:
                files.extend(part.entries(self._root) if isinstance(part, _ChildFolder) else part)
            self._files = files
        return self._files

    def __len__(self) -> int:
        if self._files is not None:
            return len(self._files)
        return sum(len(p.sizes) // 8 if isinstance(p, _ChildFolder) else len(p) for p in self._parts)

    def digest(self) -> str:
        packs = [(p.rels, p.sizes, p.mtimes) if isinstance(p, _ChildFolder) else _pack(p) for p in self._parts]
        packs = [pk for pk in packs if pk[1]]  # an empty part adds nothing, not even a NUL
        # the same bytes scan_digest hashes: all paths NUL-joined, then sizes, then mtimes
        return _digest(
            b"\0".join(pk[0] for pk in packs), b"".join(pk[1] for pk in packs), b"".join(pk[2] for pk in packs)
        )


def scan(vault: Path | str, on_error, split: bool = False, follow_links: bool = False) -> Scan:
    """Walk the vault: every note file's (absolute path, vault-relative path, size,
    mtime_ns), in walk order. The same files as hlkb.vault.iter_note_files, with plain
    strings. ``split``: walk half of the top-level folders in a forked child (for big
    vaults; the result is the same). ``follow_links``: also symlinks out of the vault."""
    root = str(vault)
    if split and hasattr(os, "fork") and (os.cpu_count() or 1) > 1:
        result = _scan_split(root, on_error, follow_links)
        if result is not None:
            return result
    walker = _walker(root, on_error, set(), follow_links)
    walker.walk(root, "")
    return Scan(root, [walker.out], walker.links_skipped)


def scan_vault(vault: Path | str, on_error, split: bool = False, follow_links: bool = False) -> list[Entry]:
    """``scan(...).files``."""
    return scan(vault, on_error, split, follow_links).files


def _scan_split(root: str, on_error, follow_links: bool = False) -> Scan | None:
    """The walk with the second half of the top-level folders walked by a forked child,
    or None (nothing reported yet) where the serial walk must do it."""
    errors: list[tuple[str, str]] = []
    seen = {os.path.realpath(root)}
    walker = _walker(root, lambda path, msg: errors.append((path, msg)), seen, follow_links)
    listed = walker.listing(root)
    if listed is None:
        return None
    fd, entries = listed
    try:
        # symlinked folders stay with this process (which skips those out of the vault)
        folders = [e.name for e in entries if not e.name.startswith(".") and _is_dir(e) and not _is_link(e)]
        if len(folders) < 2:
            return None
        theirs = folders[len(folders) // 2 :]
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the child: walk its folders, send the result, exit at once
            os.close(read_end)
            _child(root, theirs, write_end, follow_links)
        os.close(write_end)
        try:
            # this process: the top-level files and the first half, leaving a place for
            # each of the child's folders (where its files go in walk order)
            places: list[tuple[str, int]] = []
            given = set(theirs)

            def top_folder(name: str) -> None:
                if name in given:
                    places.append((name, len(walker.out)))
                else:  # the first half, and any top-level symlinked folder
                    walker.walk(root + os.sep + name, shown_name(name) + "/")

            walker.entries(fd, entries, root + os.sep, "", skip_dirs=top_folder)
            received = _receive(read_end)
        finally:
            os.close(read_end)
            os.waitpid(pid, 0)
    finally:
        os.close(fd)
    if received is None:
        return None
    child_folders, child_errors, child_seen, child_links_skipped = received
    if not seen.isdisjoint(set(child_seen) - {os.path.realpath(root)}):
        return None  # a folder reached from both halves: the serial walk decides which wins
    parts: list = []
    done = 0
    for name, at in places:
        parts.append(walker.out[done:at])
        done = at
        parts.append(_ChildFolder(*child_folders[name]))
    parts.append(walker.out[done:])
    # error lines in walk order: the child's folders all come after this process's
    for path, msg in errors + [tuple(e) for e in child_errors]:
        on_error(path, msg)
    return Scan(root, parts, walker.links_skipped + child_links_skipped)


def _is_dir(entry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_link(entry) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _child(root: str, folders: list[str], write_end: int, follow_links: bool = False) -> None:
    """Runs in the forked child; never returns (os._exit: no atexit, no flushed buffers)."""
    code = 1
    try:
        errors: list[tuple[str, str]] = []
        seen = {os.path.realpath(root)}
        walker = _walker(root, lambda path, msg: errors.append((path, msg)), seen, follow_links)
        folders_sent: dict[str, tuple[bytes, bytes, bytes]] = {}
        for name in folders:
            walker.out = []
            walker.walk(root + os.sep + name, shown_name(name) + "/")
            folders_sent[name] = _pack(walker.out)
        data = marshal.dumps((folders_sent, errors, sorted(seen), walker.links_skipped))
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
        code = 0
    finally:
        os._exit(code)


def _receive(read_end: int):
    chunks = []
    while True:
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    try:
        return marshal.loads(b"".join(chunks))
    except (EOFError, ValueError, TypeError):
        return None  # the child died before sending everything


def scan_digest(files: list[tuple]) -> str:
    """A digest of (path, size, mtime) of every file, given as (..., rel, size, mtime_ns)
    tuples in the walk's order: equal digests mean the size+mtime check would find every
    file unchanged and none added or removed. Built from three joined arrays rather than
    a line per file: at 100k files this is 20 ms, not 120."""
    return _digest(*_pack(files))


def _pack(files: list[tuple]) -> tuple[bytes, bytes, bytes]:
    """(rel, size, mtime_ns), the last three of each tuple, as three byte strings: the
    paths NUL-joined (UTF-8, surrogateescape) and the sizes and mtimes as int64 arrays.
    What the digest hashes and what the child sends."""
    return (
        "\0".join([f[-3] for f in files]).encode("utf-8", "surrogateescape"),
        array("q", [f[-2] for f in files]).tobytes(),
        array("q", [f[-1] for f in files]).tobytes(),
    )


def _digest(rels: bytes, sizes: bytes, mtimes: bytes) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(rels)
    h.update(sizes)
    h.update(mtimes)
    return h.hexdigest()


# meta key: whether the vault's walk follows symlinks out of the vault ("1") or skips them
FOLLOW_LINKS_KEY = "follow_links"


def follow_links_setting(conn, requested: bool | None) -> bool:
    """The index's choice of following links out of the vault: ``requested`` (stored for the
    refreshes after this one) or, if None, what was stored (default: do not follow)."""

    stored = get_meta(conn, FOLLOW_LINKS_KEY) == "1"
    if requested is None or requested == stored:
        return stored
    with transaction(conn):
        set_meta(conn, FOLLOW_LINKS_KEY, "1" if requested else None)
    return requested
