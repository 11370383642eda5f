"""A note's Markdown as the plain text a reader sees: what the index keeps of a note's own
lines and what search results show.

Block markers (headings, list bullets, quotes, task boxes, callout labels, rules, fences,
block ids) go, images go, a link in parentheses after the text (``([View Highlight](…))``,
``([Location 12](…))``) goes, and inline Markdown (links, wikilinks, emphasis, marks,
backslash escapes) becomes its text. The URLs of links and images are returned apart: they
are searchable but not shown.

Regular expressions, not the parser's markdown-it pass: this runs on every line of a note's
own text at index time and on every pair shown, and must not cost the parser's import.
"""

from __future__ import annotations

import re

_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_CITED_LINK = re.compile(r"\s*\(\[[^\[\]\n]*\]\([^()\s]*\)\)")
_URL_OF_LINK = re.compile(r"\]\(<?([^()\s<>]+)>?\)|<((?:https?|ftp|file)://[^>\s]+)>")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s+|$)")
_HEADING_TAIL = re.compile(r"\s+#+\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])(?:\s+|$)")
_TASK = re.compile(r"^\[[ xX]\]\s+")
_CALLOUT = re.compile(r"^\[![A-Za-z-]+\][+-]?\s*")
_RULE = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_BLOCK_ID = re.compile(r"\s\^[A-Za-z0-9-]+\s*$")
_SPECIAL = re.compile(r"[\\`*_\[\]!<>&=~(#^>+-]")
_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+\"[^\"]*\")?\)")
_WIKILINK = re.compile(r"\[\[([^\[\]|]*?)(?:\|([^\[\]]*))?\]\]")
_STAR_EMPHASIS = re.compile(r"(\*\*?)(?=\S)(.+?)(?<=\S)\1")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![\w\\])(__?)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_MARK = re.compile(r"==(?=\S)(.+?)(?<=\S)==")
_AUTOLINK = re.compile(r"<((?:https?|ftp|file|mailto):[^>\s]+)>")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&nbsp;": " "}
_ENTITY = re.compile("|".join(map(re.escape, _ENTITIES)))


_PROTECTED = re.compile("[\U000f0000-\U000f007f]")


def inline_plain(text: str) -> str:
    """Inline Markdown -> its text, whitespace collapsed."""
    escaped = "\\" in text
    if escaped:  # an escaped character is text: keep it out of the patterns below
        text = _ESCAPE.sub(lambda m: chr(0xF0000 + ord(m.group(1))), text)
    if "[" in text:
        text = _WIKILINK.sub(lambda m: m.group(2) if m.group(2) is not None else m.group(1), text)
        text = _LINK.sub(r"\1", text)
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
    if "*" in text:
        text = _STAR_EMPHASIS.sub(r"\2", text)
    if "_" in text:
        text = _UNDERSCORE_EMPHASIS.sub(r"\2", text)
    if "==" in text:
        text = _MARK.sub(r"\1", text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], text)
    if escaped:
        text = _PROTECTED.sub(lambda m: chr(ord(m.group(0)) - 0xF0000), text)
    return " ".join(text.split())


def is_heading(line: str) -> bool:
    return bool(_HEADING.match(line))


def link_urls(text: str) -> list[str]:
    """The URLs of the links and images in ``text``."""
    return [a or b for a, b in _URL_OF_LINK.findall(text)]


def plain_line(line: str) -> tuple[str, list[str]]:
    """One Markdown line -> (plain text, URLs of its links and images)."""
    if not _SPECIAL.search(line):
        return " ".join(line.split()), []
    if _RULE.match(line) or _FENCE.match(line):
        return "", []
    links = link_urls(line)
    text = _QUOTE.sub("", line)
    if _HEADING.match(text):
        text = _HEADING_TAIL.sub("", _HEADING.sub("", text))
    text = _BULLET.sub("", text)
    text = _TASK.sub("", text)
    text = _CALLOUT.sub("", text)
    text = _BLOCK_ID.sub("", text)
    text = _IMAGE.sub(" ", text)
    text = _CITED_LINK.sub("", text)
    return inline_plain(text), links


def plain_markdown(text: str | None) -> str:
    """Several lines of Markdown (a pair's paragraph, a claim) as one line of plain text."""
    if not text:
        return ""
    if not _SPECIAL.search(text):
        return " ".join(text.split())
    out = []
    for line in text.split("\n"):
        plain, _links = plain_line(line)
        if plain:
            out.append(plain)
    return " ".join(out)
