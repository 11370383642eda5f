"""Note file names that every OS and Obsidian accept, and that never replace a file.

- Out: ``* " \\ / < > : | ?`` (Windows, macOS, Linux) and ``# ^ [ ]`` (Obsidian links break
  on them): between two letters or digits one becomes ``-`` (``AC/DC`` → ``AC-DC``),
  elsewhere it goes (``Why? Because`` → ``Why Because``); control and format characters
  (C0, C1, bidi overrides, zero-width spaces) go, line breaks and tabs become spaces.
- No leading dot (a hidden file, which vaults skip), no trailing dot or space (Windows
  drops them), no reserved Windows device name (``CON``, ``NUL``, ``COM1``: one gets a
  ``_``), NFC (as macOS compares names), never empty (``Untitled``).
- At most ``max_chars`` characters and 200 UTF-8 bytes before the suffix (file systems
  allow 255 bytes), cut between characters, never inside an emoji sequence or after a
  base letter whose accent would be lost.
- A name that is taken in its folder (compared the way case-insensitive file systems
  compare: NFC, case-folded), on disk or by another note of the same import, gets `` 2``,
  `` 3``, … before its suffix.
"""

from __future__ import annotations

import os
import re
import unicodedata

MAX_NAME_BYTES = 200
DEFAULT_MAX_CHARS = 120
NOTE_SUFFIX = ".md"

_FORBIDDEN = set('*"\\/<>:|?#^[]')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}


def _is_dropped(ch: str) -> bool:
    if ch in _FORBIDDEN:
        return True
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
        return True
    return cat == "Cf" and ch not in _JOINERS


def safe_stem(title: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """A file name (without suffix) for a note titled ``title``."""
    text = unicodedata.normalize("NFC", title or "")
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            out.append(" ")
            i += 1
            continue
        if not _is_dropped(ch):
            out.append(ch)
            i += 1
            continue
        if ch not in _FORBIDDEN:
            i += 1  # an invisible one (a control, a bidi override): gone
            continue
        j = i
        while j < n and text[j] in _FORBIDDEN:
            j += 1
        before = out[-1] if out else ""
        after = text[j] if j < n else ""
        out.append("-" if before.isalnum() and after.isalnum() else " ")
        i = j
    stem = " ".join("".join(out).split())
    stem = stem.lstrip(". ").rstrip(". ")
    stem = _cut(stem, max_chars, MAX_NAME_BYTES)
    if not stem:
        stem = "Untitled"
    if stem.split(".")[0].strip().casefold() in _RESERVED:
        stem += "_"
    return stem


def _cut(stem: str, max_chars: int, max_bytes: int) -> str:
    if len(stem) <= max_chars and len(stem.encode("utf-8")) <= max_bytes:
        return stem
    end = min(len(stem), max_chars)
    while end > 0 and len(stem[:end].encode("utf-8")) > max_bytes:
        end -= 1
    # never split a character from its marks or an emoji sequence from its joiners
    while 0 < end < len(stem) and (
        unicodedata.category(stem[end])[0] == "M" or stem[end] in _JOINERS or stem[end - 1] in _JOINERS
    ):
        end -= 1
    return stem[:end].rstrip(". -")


def name_key(name: str) -> str:
    """How a case-insensitive, normalising file system compares two names."""
    return unicodedata.normalize("NFC", name).casefold()


class NameBook:
    """The names taken in each folder: on disk, and by the notes this import creates."""

    def __init__(self):
        self._taken: dict[str, set[str]] = {}

    def taken(self, folder: str) -> set[str]:
        names = self._taken.get(folder)
        if names is None:
            try:
                names = {name_key(n) for n in os.listdir(folder)}
            except OSError:
                names = set()
            self._taken[folder] = names
        return names

    def claim(self, folder, stem: str, suffix: str = NOTE_SUFFIX, max_chars: int = DEFAULT_MAX_CHARS) -> str:
        """A free file name in ``folder`` for ``stem`` (already safe), now taken."""
        taken = self.taken(str(folder))
        number = 1
        while True:
            tail = "" if number == 1 else f" {number}"
            base = stem if not tail else _cut(stem, max_chars - len(tail), MAX_NAME_BYTES - len(tail)) or "Untitled"
            name = base + tail + suffix
            if name_key(name) not in taken:
                taken.add(name_key(name))
                return name
            number += 1

    def release(self, folder, name: str) -> None:
        self.taken(str(folder)).discard(name_key(name))


def safe_folder(path: str) -> str:
    """A configured folder ("Readwise/Books") with each part made safe the same way."""
    parts = [p for p in re.split(r"[\\/]+", path or "") if p not in ("", ".")]
    return "/".join(safe_stem(p) if p != ".." else "_" for p in parts)
