"""Tag names the way Obsidian reads them.

A tag is matched case-insensitively, written without its ``#``, may be nested (``a/b``),
and may not contain spaces or the punctuation Obsidian ends a tag at. A purely numeric
name (``#1984``) is not a tag in Obsidian, so it is refused too.
"""

from __future__ import annotations

import re
import unicodedata

from hlkb.errors import UsageError

# Characters that end a tag in Obsidian (besides whitespace); "-", "_" and "/" are allowed.
FORBIDDEN = set("!\"#$%&'()*+,.:;<=>?@[\\]^`{|}~")
# The body of an inline #tag in text, for matching (stops where Obsidian stops).
TAG_BODY = r"[^\s!\"#$%&'()*+,.:;<=>?@\[\\\]^`{|}~]+"


def tag_key(name: str) -> str:
    """The form two tag names are compared in: no leading '#', NFKC, case-folded."""
    return unicodedata.normalize("NFKC", name.strip().lstrip("#")).casefold()


def normalize_tag(name: str, hyphenate: bool = False) -> str:
    """A valid tag name from user input, or a UsageError saying what is wrong with it."""
    raw = name
    name = name.strip()
    if name.startswith("[[") and name.endswith("]]"):
        name = name[2:-2].strip()
    name = name.lstrip("#")
    if re.search(r"\s", name):
        if not hyphenate:
            suggestion = "-".join(name.split())
            raise UsageError(
                f"tag names cannot contain spaces: {raw!r} (use {suggestion!r}, or --hyphenate to do that for you)"
            )
        name = "-".join(name.split())
    if not name:
        raise UsageError(f"empty tag name: {raw!r}")
    bad = sorted({ch for ch in name if ch in FORBIDDEN or unicodedata.category(ch).startswith("C")})
    if bad:
        shown = " ".join(repr(ch) for ch in bad)
        raise UsageError(f"tag {raw!r} contains characters a tag cannot have: {shown}")
    if name.startswith("/") or name.endswith("/") or "//" in name:
        raise UsageError(f"tag {raw!r}: a nested tag is written a/b, with no empty part")
    if name.replace("/", "").isdigit():
        raise UsageError(f"tag {raw!r} is only digits; Obsidian does not treat that as a tag")
    return name


def renamed(existing: str, old: str, new: str) -> str | None:
    """``existing`` with ``old`` renamed to ``new`` (nested children follow), or None if unaffected.

    ``existing`` may carry a leading '#', which is kept.
    """
    hashes = existing[: len(existing) - len(existing.lstrip("#"))]
    body = existing[len(hashes) :]
    k, ok = tag_key(body), tag_key(old)
    if k == ok:
        return hashes + new
    if k.startswith(ok + "/"):
        child = body.split("/")[len(old.split("/")) :]
        return hashes + "/".join([new, *child])
    return None
