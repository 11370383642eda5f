"""Note text made safe for a terminal: control characters (ANSI escapes among them) and
bidi overrides shown as visible escapes. Its own module, without the display's imports of
the index, because every message hlkb prints goes through it (`hlkb --help` included)."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and bidi overrides that can
# make a line display differently from what it contains.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match) -> str:
    ch = m.group(0)
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str | None) -> str:
    """Replace control characters (ANSI escapes included) with visible escapes."""
    if not text:
        return text or ""
    return CONTROL_CHARS.sub(_visible, text)
