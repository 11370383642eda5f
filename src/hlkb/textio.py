"""Reading note files: bytes to text in the file's own encoding, and line bookkeeping.

Line numbers everywhere in hlkb are 1-based and count ``\\r\\n``, ``\\n`` and a lone
``\\r`` as one line break each, which is what editors show.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass

from hlkb.errors import InputError
from hlkb.lang import CJK_PUNCT_CLASS, HAN_COMMON_CLASS

# What a GB18030 decoding of real Chinese text is made of: common Han characters and
# Chinese punctuation. A wrong decoding of Latin-1 or binary lands in rare characters.
_COMMON_CJK = re.compile(f"[{HAN_COMMON_CLASS}{CJK_PUNCT_CLASS}]")

# Files larger than this are refused rather than read into memory whole.
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass
class DecodedText:
    text: str  # with line breaks normalised to "\n", BOM removed
    encoding: str  # "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "gb18030"
    bom: bytes  # the BOM that was present (b"" if none)
    newline: str  # dominant line ending: "\n", "\r\n" or "\r"
    final_newline: bool


def detect_newline(raw: str) -> str:
    crlf = raw.count("\r\n")
    lf = raw.count("\n") - crlf
    cr = raw.count("\r") - crlf
    if crlf >= lf and crlf >= cr and crlf:
        return "\r\n"
    if cr > lf:
        return "\r"
    return "\n"


def normalize_newlines(raw: str) -> str:
    return raw.replace("\r\n", "\n").replace("\r", "\n")


def decode_bytes(data: bytes, path: str = "<bytes>") -> DecodedText:
    """Decode a note's bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030.

    Raises InputError for binary files and undecodable bytes, naming the line.
    """
    bom = b""
    if data.startswith(codecs.BOM_UTF8):
        bom, enc = codecs.BOM_UTF8, "utf-8-sig"
        body = data[3:]
    elif data.startswith(codecs.BOM_UTF16_LE):
        bom, enc = codecs.BOM_UTF16_LE, "utf-16-le"
        body = data[2:]
    elif data.startswith(codecs.BOM_UTF16_BE):
        bom, enc = codecs.BOM_UTF16_BE, "utf-16-be"
        body = data[2:]
    else:
        enc, body = "utf-8", data
    if enc == "utf-8":
        if b"\x00" in body:
            line = body[: body.index(b"\x00")].count(b"\n") + 1
            raise InputError("binary file (NUL byte); not a text note", path, line)
        try:
            raw = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raw = _decode_legacy(body)
            if raw is None:
                line = body[: exc.start].count(b"\n") + 1
                raise InputError(
                    f"invalid UTF-8 (byte 0x{body[exc.start]:02x}) and not GB18030 either", path, line
                ) from None
            enc = "gb18030"
    else:
        try:
            raw = body.decode(enc.replace("-sig", ""))
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid {enc.upper()} text at byte {exc.start}", path) from None
    if "\r" not in raw:
        # The common case: "\n" line ends only, nothing to normalise or count.
        return DecodedText(text=raw, encoding=enc, bom=bom, newline="\n", final_newline=raw.endswith("\n"))
    return DecodedText(
        text=normalize_newlines(raw),
        encoding=enc,
        bom=bom,
        newline=detect_newline(raw),
        final_newline=raw.endswith(("\n", "\r")),
    )


def _decode_legacy(body: bytes) -> str | None:
    """GB18030 (a superset of GBK/GB2312), accepted only when the result looks like Chinese text."""
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError:
        return None
    cjk = len(_COMMON_CJK.findall(text))
    high = sum(1 for ch in text if ord(ch) > 127)
    # Latin-1 or random binary decodes as GB18030 into rare characters; real Chinese is mostly common CJK.
    if high and cjk / high >= 0.9:
        return text
    return None


def read_text(path: str | os.PathLike, display_path: str | None = None) -> DecodedText:
    """Read and decode a note file; every failure is an InputError naming the path."""
    shown = display_path or str(path)
    return decode_bytes(read_bytes(path, shown), shown)


def read_bytes(path: str | os.PathLike, shown: str) -> bytes:
    """A note file's bytes; a folder, a file that is not a regular file, a file over the size
    limit or an OS error is an InputError naming ``shown``."""
    return read_regular_file(path, shown)[0]


class FileTooLargeError(InputError):
    """A regular file over MAX_FILE_BYTES (``stat`` says how big, and when it changed)."""

    def __init__(self, message: str, path: str, st: os.stat_result):
        super().__init__(message, path)
        self.stat = st


_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_kind(mode: int) -> str | None:
    """What a non-regular, non-folder file is ("a FIFO", ...), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _SPECIAL if test(mode)), "a special file")


def read_regular_file(path: str | os.PathLike, shown: str, limit: int | None = None) -> tuple[bytes, os.stat_result]:
    """(bytes, stat) of a regular file of at most ``limit`` bytes (default MAX_FILE_BYTES).

    The type and size are checked on the open file before anything is read (a FIFO is
    opened without waiting for a writer, and never read), and the read stops one byte past
    the limit whatever the size said (a file still growing, /proc)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError("no such file", shown) from None
    except PermissionError:
        raise InputError("permission denied", shown) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), shown) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise InputError("is a folder, not a note file", shown)
        kind = special_kind(st.st_mode)
        if kind is not None:
            raise InputError(f"is {kind}, not a regular file; not read", shown)
        if st.st_size > limit:
            raise FileTooLargeError(_too_large(st.st_size, limit), shown, st)
        chunks, total = [], 0
        want = st.st_size + 1 if st.st_size else 65536  # the +1 sees a file that grew
        while True:
            chunk = os.read(fd, min(max(want, 65536), limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileTooLargeError(_too_large(total, limit, grew=True), shown, st)
        return b"".join(chunks), st
    except InputError:
        raise
    except PermissionError:
        raise InputError("permission denied", shown) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), shown) from None
    finally:
        os.close(fd)


def _too_large(size: int, limit: int, grew: bool = False) -> str:
    mib = 1024 * 1024
    what = f"more than {limit // mib} MiB were read" if grew else f"{size // mib} MiB"
    return f"file is too large ({what}; the limit is {limit // mib} MiB)"


def line_starts(text: str) -> list[int]:
    """Offsets of the start of each line (index 0 is line 1)."""
    starts = [0]
    find = text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts
