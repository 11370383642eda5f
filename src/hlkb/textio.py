"""Reading note files: bytes to text in the file's own encoding, and line bookkeeping.

Line numbers everywhere in hlkb are 1-based and count ``\\r\\n``, ``\\n`` and a lone
``\\r`` as one line break each, which is what editors show.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path

from hlkb.errors import InputError

# Files larger than this are refused rather than read into memory whole.
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass
class DecodedText:
    text: str          # with line breaks normalised to "\n", BOM removed
    encoding: str      # "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "gb18030"
    bom: bytes         # the BOM that was present (b"" if none)
    newline: str       # dominant line ending: "\n", "\r\n" or "\r"
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
                raise InputError(f"invalid UTF-8 (byte 0x{body[exc.start]:02x}) and not GB18030 either",
                                 path, line) from None
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
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef")
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
    """A note file's bytes; a folder, a file over the size limit or an OS error is an
    InputError naming ``shown``."""
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError("is a folder, not a note file", shown)
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"file is too large ({size // (1024 * 1024)} MiB; the limit is "
                             f"{MAX_FILE_BYTES // (1024 * 1024)} MiB)", shown)
        return p.read_bytes()
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError("no such file", shown) from None
    except PermissionError:
        raise InputError("permission denied", shown) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), shown) from None


def line_starts(text: str) -> list[int]:
    """Offsets of the start of each line (index 0 is line 1)."""
    starts = [0]
    find = text.find
    i = find("\n")
    while i != -1:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts
