"""A note file held as exact lines: each line's text and its own line ending.

Line numbers match hlkb.textio (``\\r\\n``, ``\\n`` and a lone ``\\r`` each end a line), so
the parser's line numbers address these lines directly. Untouched lines are written back
with their original ending; only new lines get the file's dominant newline.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from hlkb.errors import InputError
from hlkb.textio import decode_bytes, read_bytes

_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")


@dataclass
class SourceFile:
    path: Path | None  # on disk (None for in-memory sources)
    display: str  # how messages name it
    data: bytes  # the bytes as read
    sha256: str
    encoding: str  # codec name for decoding/encoding the body
    bom: bytes
    newline: str  # dominant line ending, for new lines
    lines: list[str] = field(default_factory=list)  # line texts, no endings
    endings: list[str] = field(default_factory=list)  # "\r\n", "\n", "\r" or "" (last line only)

    @property
    def text(self) -> str:
        """The text with line breaks normalised to "\\n" (what the parser sees)."""
        return "".join(t + ("\n" if e else "") for t, e in zip(self.lines, self.endings))

    @property
    def final_newline(self) -> bool:
        return not self.endings or self.endings[-1] != ""

    def line(self, n: int) -> str:
        """1-based line text."""
        return self.lines[n - 1]


@dataclass(frozen=True)
class LineEdit:
    """Replace lines ``start`` .. ``stop - 1`` (1-based) with ``new``; start == stop inserts."""

    start: int
    stop: int
    new: tuple[str, ...]

    @classmethod
    def replace(cls, line: int, text: str) -> LineEdit:
        return cls(line, line + 1, (text,))

    @classmethod
    def insert_after(cls, line: int, texts: list[str]) -> LineEdit:
        return cls(line + 1, line + 1, tuple(texts))

    @classmethod
    def delete(cls, start: int, stop: int) -> LineEdit:
        return cls(start, stop, ())


def _codec(encoding: str) -> str:
    return "utf-8" if encoding == "utf-8-sig" else encoding


def source_from_bytes(data: bytes, display: str = "<bytes>", path: Path | None = None) -> SourceFile:
    decoded = decode_bytes(data, display)
    raw = data[len(decoded.bom) :].decode(_codec(decoded.encoding))
    lines: list[str] = []
    endings: list[str] = []
    if raw:
        for m in _LINE.finditer(raw):
            text, ending = m.group(1), m.group(2)
            if not text and not ending:
                break  # the empty match at the very end
            lines.append(text)
            endings.append(ending)
    return SourceFile(
        path=path,
        display=display,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=decoded.encoding,
        bom=decoded.bom,
        newline=decoded.newline,
        lines=lines,
        endings=endings,
    )


def load_source(path, display: str | None = None) -> SourceFile:
    shown = display or str(path)
    return source_from_bytes(read_bytes(path, shown), shown, Path(path))


def apply_edits(src: SourceFile, edits: list[LineEdit]) -> tuple[list[str], list[str]]:
    """The file's lines after ``edits`` (non-overlapping, against the original numbering).

    Untouched lines keep their endings; new lines take the dominant newline. Whether the
    file ends with a newline is preserved: a line appended after an unterminated last line
    takes over being the unterminated one, and deleting that line gives the status back.
    """
    ordered = sorted(edits, key=lambda e: (e.start, e.stop))
    for a, b in zip(ordered, ordered[1:]):
        if b.start < a.stop or (a.start == a.stop == b.start == b.stop):
            raise InputError("internal error: overlapping edits", src.display)
    lines = list(src.lines)
    endings: list[str | None] = list(src.endings)
    for e in reversed(ordered):
        if not (1 <= e.start <= len(lines) + 1 and e.start <= e.stop <= len(lines) + 1):
            raise InputError(f"internal error: edit outside the file (lines {e.start}-{e.stop})", src.display)
        # A replaced line keeps its own ending (mixed-ending files stay mixed); new lines get None.
        kept = endings[e.start - 1 : e.stop - 1][: len(e.new)]
        lines[e.start - 1 : e.stop - 1] = list(e.new)
        endings[e.start - 1 : e.stop - 1] = kept + [None] * (len(e.new) - len(kept))
    final = src.final_newline
    out_endings: list[str] = []
    for i, ending in enumerate(endings):
        last = i == len(endings) - 1
        if last and not final:
            out_endings.append("")
        elif ending is None or ending == "":
            out_endings.append(src.newline)
        else:
            out_endings.append(ending)
    return lines, out_endings


def encode_lines(src: SourceFile, lines: list[str], endings: list[str]) -> bytes:
    raw = "".join(t + e for t, e in zip(lines, endings))
    try:
        return src.bom + raw.encode(_codec(src.encoding))
    except UnicodeEncodeError:
        raise InputError(
            f"the new text cannot be written in the file's encoding ({src.encoding})", src.display
        ) from None
