"""Finding a vault's note files and its index (docs/design.md#vault-and-index)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# module-style: hlkb.atomicfile imports this module too
from hlkb import atomicfile
from hlkb.errors import UsageError

NOTE_SUFFIXES = (".md", ".markdown", ".txt")


@dataclass(frozen=True)
class NoteFile:
    path: Path  # absolute path on disk
    rel: str  # path relative to the vault, with "/" separators (rel_text: odd bytes escaped)


def name_text(name: str) -> str:
    """A file name as hlkb stores and shows it: valid Unicode text, mapping back to exactly
    one name (``note_path``). A byte that is not UTF-8 (os gives it as a lone surrogate,
    "surrogateescape") is shown ``\\xHH``, any other lone surrogate ``\\uXXXX``, and a
    backslash, the escape's own character, is doubled. Every other name is itself."""
    if name.isascii():
        return name.replace("\\", "\\\\") if "\\" in name else name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(_char_text(ch) for ch in name)
    return name.replace("\\", "\\\\") if "\\" in name else name


def _char_text(ch: str) -> str:
    code = ord(ch)
    if ch == "\\":
        return "\\\\"
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04x}"
    return ch


_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4})")


def name_from_text(text: str) -> str:
    """The name (os-level str, surrogateescape) that ``name_text`` showed as ``text``."""
    if "\\" not in text:
        return text

    def back(m: re.Match) -> str:
        code = m.group(1)
        if code == "\\":
            return "\\"
        return chr(0xDC00 + int(code[1:], 16)) if code[0] == "x" else chr(int(code[1:], 16))

    return _ESCAPE.sub(back, text)


def rel_text(rel: str | os.PathLike) -> str:
    """A vault-relative path (os-level, "/"-separated) as hlkb stores and shows it."""
    return "/".join(name_text(part) for part in os.fspath(rel).split("/"))


def note_path(vault: str | os.PathLike, rel: str) -> Path:
    """The file a stored vault-relative path (``rel_text``) names."""
    return Path(vault) / name_from_text(rel)


def resolve_vault(vault: str | os.PathLike | None) -> Path:
    """--vault, else $HLKB_VAULT, else the current directory."""
    chosen = vault if vault not in (None, "") else os.environ.get("HLKB_VAULT") or "."
    p = Path(chosen).expanduser()
    if not p.exists():
        raise UsageError(f"vault folder does not exist: {chosen}")
    if not p.is_dir():
        raise UsageError(f"vault is not a folder: {chosen}")
    return p.resolve()


def default_db(vault: Path) -> Path:
    return vault / ".hlkb" / "index.sqlite"


def is_hidden(name: str) -> bool:
    return name.startswith(".")


def resolves_inside(real: str, root_real: str) -> bool:
    """Whether the real path ``real`` is ``root_real`` or below it (both from realpath)."""
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def inside_vault(path: str | os.PathLike, vault: str | os.PathLike) -> bool:
    """Whether ``path``, symlinks resolved, is inside the folder ``vault``."""
    return resolves_inside(os.path.realpath(path), os.path.realpath(vault))


def outside_message(real: str, hint: str) -> str:
    return f"symlink to {real}, outside the vault; skipped ({hint})"


class VaultWalker:
    """The one walk of a vault's folders, and its rules (used by ``iter_note_files`` and by
    the index's refresh, hlkb.index.walk, which splits the same walk over two processes).

    Depth-first, names sorted within each folder. Hidden names (a leading dot) are skipped:
    hlkb's own temporary files among them (hlkb.atomicfile) go to ``on_temp_file(path)``.
    A note is a regular file (or a link to one) named ``*.md``, ``*.markdown`` or ``*.txt``
    (any case). Symlinked folders are followed once: a second visit of a real folder is
    reported as a loop. A symlink that resolves outside the vault is skipped and reported
    (``outside_hint`` says what to do instead; counted in ``links_skipped``) unless
    ``follow_links``. A folder that cannot be read is reported and skipped.

    Found notes are appended to ``out``: (absolute path, vault-relative path as shown
    (rel_text)), plus size and mtime_ns (one stat, relative to the folder's descriptor)
    when ``stat_files``. Problems go to ``on_error(path, message)``."""

    def __init__(
        self,
        root: str,
        on_error,
        seen_dirs: set[str] | None = None,
        follow_links: bool = False,
        on_temp_file=None,
        outside_hint: str = "hlkb edits only notes inside the vault",
        stat_files: bool = False,
    ):
        self.on_error = on_error
        self.seen_dirs = set() if seen_dirs is None else seen_dirs
        self.root_real = os.path.realpath(root)
        self.follow_links = follow_links
        self.on_temp_file = on_temp_file
        self.outside_hint = outside_hint
        self.stat_files = stat_files
        self.links_skipped = 0
        self.out: list[tuple] = []

    def outside(self, entry, path: str) -> bool:
        """True (after reporting it) for a symlink to outside the vault that is not followed."""
        if self.follow_links or not entry.is_symlink():
            return False
        real = os.path.realpath(path)
        if resolves_inside(real, self.root_real):
            return False
        self.links_skipped += 1
        self.on_error(path, outside_message(real, self.outside_hint))
        return True

    def listing(self, folder: str):
        """(fd, sorted entries) of a folder, or None after reporting why it cannot be read."""
        try:
            fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as exc:
            self.on_error(folder, f"cannot read folder: {exc.strerror or exc}")
            return None
        try:
            return fd, sorted(os.scandir(fd), key=lambda e: e.name)
        except OSError as exc:
            os.close(fd)
            self.on_error(folder, f"cannot read folder: {exc.strerror or exc}")
            return None

    def enter(self, folder: str) -> bool:
        try:
            real = os.path.realpath(folder)
        except (OSError, ValueError):
            real = folder
        if real in self.seen_dirs:
            self.on_error(folder, "symlink loop; folder skipped")
            return False
        self.seen_dirs.add(real)
        return True

    def walk(self, folder: str, prefix: str = "") -> None:
        """Walk ``folder``, whose notes are shown as ``prefix`` + their path below it."""
        if not self.enter(folder):
            return
        listed = self.listing(folder)
        if listed is None:
            return
        fd, entries = listed
        try:
            self.entries(fd, entries, folder if folder.endswith(os.sep) else folder + os.sep, prefix)
        finally:
            os.close(fd)

    def entries(self, fd: int, entries, base: str, prefix: str, skip_dirs=None) -> None:
        """The rules for one folder's listing (``fd``, its sorted ``entries``); ``skip_dirs(name)``,
        if given, receives the sub-folders instead of walking them (the split walk's top level)."""
        # The refresh's hot loop: a no-change refresh of a big vault is mostly this.
        out, stat, suffixes, stat_files = self.out, os.stat, NOTE_SUFFIXES, self.stat_files
        temp_suffix, on_temp_file = atomicfile.TMP_SUFFIX, self.on_temp_file
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                if on_temp_file is not None and name.endswith(temp_suffix):
                    on_temp_file(base + name)
                continue
            try:
                if self.outside(entry, base + name):
                    continue
                if entry.is_dir():  # follows symlinks
                    if skip_dirs is None:
                        self.walk(base + name, prefix + shown_name(name) + "/")
                    else:
                        skip_dirs(name)
                elif name.lower().endswith(suffixes) and entry.is_file():
                    if stat_files:
                        st = stat(name, dir_fd=fd)
                        out.append((base + name, prefix + shown_name(name), st.st_size, st.st_mtime_ns))
                    else:
                        out.append((base + name, prefix + shown_name(name)))
            except OSError:
                continue


def shown_name(name: str) -> str:
    """``name_text(name)``; the common, plain ASCII name costs two quick checks."""
    if name.isascii() and "\\" not in name:
        return name
    return name_text(name)


def _ignore(path, message) -> None:
    pass


def iter_note_files(vault: Path, on_error=None, on_temp_file=None, follow_links: bool = False) -> Iterator[NoteFile]:
    """Every note file below ``vault`` in a stable order (VaultWalker's rules): hidden folders
    and files skipped, symlinked folders followed once, unreadable folders reported through
    ``on_error(path, message)`` and skipped, a symlink that resolves outside ``vault``
    reported and skipped unless ``follow_links``. hlkb's own temporary files (hidden, so
    never notes) are passed to ``on_temp_file(path)``.
    """
    walker = VaultWalker(str(vault), on_error or _ignore, follow_links=follow_links, on_temp_file=on_temp_file)
    walker.walk(str(vault))
    for path, rel in walker.out:
        yield NoteFile(path=Path(path), rel=rel)


def expand_paths(
    paths, on_error=None, *, must_exist: bool = False, notes_only: bool = False
) -> Iterator[tuple[Path, str]]:
    """(path on disk, path shown) for each command-line path; a folder yields the notes
    inside it (walked like a vault, VaultWalker), shown as ``folder/relative-path``. The
    files the user named are read wherever links lead (``follow_links``).

    ``must_exist``: a missing path is a UsageError, raised before anything is yielded
    (else it is yielded, for its reader to report). ``notes_only``: a named file with a
    suffix that is not a note's is skipped (pre-commit's ``types_or: [text]`` passes every
    text file, e.g. a YAML document starting with ``---``: not ours to judge)."""
    items = [os.fspath(p) for p in paths]
    if must_exist:
        for given in items:
            if not os.path.lexists(given):
                raise UsageError("no such file or folder", given)
    for given in items:
        p = Path(given)
        if p.is_dir():
            prefix = "" if given in (".", "./") else given.rstrip("/") + "/"
            for nf in iter_note_files(p, on_error=on_error, follow_links=True):
                yield nf.path, rel_text(prefix) + nf.rel
        elif notes_only and p.suffix and p.suffix.lower() not in NOTE_SUFFIXES:
            continue
        else:
            yield p, rel_text(given)
