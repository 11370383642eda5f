"""Finding a vault's note files and its index (docs/design.md#vault-and-index)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from hlkb.atomicfile import is_temp_name
from hlkb.errors import UsageError

NOTE_SUFFIXES = (".md", ".markdown", ".txt")


@dataclass(frozen=True)
class NoteFile:
    path: Path       # absolute path on disk
    rel: str         # path relative to the vault, with "/" separators (rel_text: odd bytes escaped)


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


def iter_note_files(vault: Path, on_error=None, on_temp_file=None, follow_links: bool = False
                    ) -> Iterator[NoteFile]:
    """Every note file below ``vault`` in a stable order, skipping hidden folders and files.

    Symlinked folders are followed once (a loop is detected by the real path); unreadable
    folders are reported through ``on_error(path, message)`` and skipped. A symlink that
    resolves outside ``vault`` is reported and skipped unless ``follow_links``. hlkb's own
    temporary files (hidden, so never notes) are passed to ``on_temp_file(path)``.
    """
    vault = Path(vault)
    seen_dirs: set[str] = set()
    root_real = os.path.realpath(vault)

    def walk(folder: Path) -> Iterator[NoteFile]:
        try:
            real = os.path.realpath(folder)
        except OSError:
            real = str(folder)
        if real in seen_dirs:
            if on_error:
                on_error(str(folder), "symlink loop; folder skipped")
            return
        seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            if on_error:
                on_error(str(folder), f"cannot read folder: {exc.strerror or exc}")
            return
        for entry in entries:
            if is_hidden(entry.name):
                if on_temp_file is not None and is_temp_name(entry.name):
                    on_temp_file(entry.path)
                continue
            try:
                if not follow_links and entry.is_symlink():
                    real = os.path.realpath(entry.path)
                    if not resolves_inside(real, root_real):
                        if on_error:
                            on_error(entry.path, outside_message(real, "hlkb edits only notes inside the vault"))
                        continue
                is_dir = entry.is_dir()   # follows symlinks
                is_file = entry.is_file()
            except OSError:
                continue
            path = Path(entry.path)
            if is_dir:
                yield from walk(path)
            elif is_file and entry.name.lower().endswith(NOTE_SUFFIXES):
                yield NoteFile(path=path, rel=rel_text(path.relative_to(vault).as_posix()))

    yield from walk(vault)


def expand_paths(paths, on_error=None) -> Iterator[tuple[Path, str]]:
    """(path on disk, path shown) for each command-line path; a folder yields the notes
    inside it (walked like a vault), shown as ``folder/relative-path``."""
    for given in paths:
        p = Path(given)
        if p.is_dir():
            prefix = "" if given in (".", "./") else given.rstrip("/") + "/"
            # reading files the user named: links are followed wherever they go
            for nf in iter_note_files(p, on_error=on_error, follow_links=True):
                yield nf.path, rel_text(prefix) + nf.rel
        else:
            yield p, rel_text(given)
