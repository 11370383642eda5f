"""Plain text of a highlight's Markdown: what a reader sees, for search and ids.

markdown-it-py's inline parser does the CommonMark work (links, emphasis, backslash
escapes, entities, images); parsing inline only means a highlight that starts with
``1.`` or ``-`` stays text instead of becoming a list. Code spans keep their backticks
(the gold expectations keep them: ``the `count` in``), raw HTML is kept as written,
Obsidian ``[[wiki|links]]`` and ``==marks==`` lose their brackets, and all whitespace,
no-break and em spaces included, collapses to single spaces.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hlkb.model import collapse_whitespace

_WIKILINK = re.compile(r"\[\[([^\[\]|]*?)(?:\|([^\[\]]*))?\]\]")
_MARK = re.compile(r"==(?=\S)(.+?)(?<=\S)==")
# Characters that can make the inline parser do something: without any, text is plain already.
SPECIAL_CHARACTERS = "\\`*_[]!<>&=~"


def _has_special(text: str) -> bool:
    """Has ``text`` one of SPECIAL_CHARACTERS? (One substring test a character, each a
    memchr, costs a third of a regex class tried at every position.)"""
    return (
        "\\" in text
        or "`" in text
        or "*" in text
        or "_" in text
        or "[" in text
        or "]" in text
        or "!" in text
        or "<" in text
        or ">" in text
        or "&" in text
        or "=" in text
        or "~" in text
    )


# Longer text skips markdown-it: its link-label scan is quadratic on bracket soup, and no
# real highlight is this long. The fallback strips the same constructs with regexes.
MAX_MARKDOWN_IT = 20000
_FALLBACK_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\([^()\s]*\)")
_FALLBACK_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\s]*\)")
_FALLBACK_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)([^*_\n]{1,1000}?)(?<=\S)\1")
_FALLBACK_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    # We never render URLs: skip their normalisation and validation (a third of the cost).
    md.normalizeLink = lambda url: url
    md.normalizeLinkText = lambda text: text
    md.validateLink = lambda url: True
    return md


# The common Markdown of highlights without markdown-it: "*em*", "**strong**", "_em_",
# "[text](url)", "![alt](url)", "`code`", "\\-". _simple_inline renders a text only when
# every character markdown-it could treat specially belongs to one of these, written so that
# CommonMark reads it one way:
# - a link or an image: a label of plain characters, a destination without spaces,
#   controls, "(", ")", "<" or "\\", and ")" right after it (no title); an image renders
#   as its alt text;
# - emphasis: a run of one or two "*" or "_" after the start, a space, a line break or
#   ("' (so it can only open), an ASCII letter or digit after it, plain characters, and
#   the closing run of the same marker after an ASCII letter or digit and before the end,
#   a space, a line break or .,;:?!)"'- (so it can only close) — or after .!?,;: and
#   before the end, a space or a line break. Such pairs cannot interleave, so each closes
#   its own opener;
# - a code span: single backticks around one line without a backtick, not padded with a
#   space on both sides (which CommonMark would strip); it renders as written.
# Between them (and inside labels and emphasis) only plain characters: no markup
# character, no "&" that could start an entity; "_" only inside a word (between ASCII letters or digits, where CommonMark's
# underscore can neither open nor close); a backslash escapes punctuation that means
# nothing else here (``\\-`` at a line's start is "-"), and stays as written before
# anything else. A backslash before markup or a line break, a stray "*", "snake_case"
# next to other markup, entities, HTML, NUL (which markdown-it replaces) go to markdown-it.
# (an "&" not before a letter or "#" starts no entity: "CSPT & File", "R&D" are as written)
_PLAIN = r"(?:[^\\`*_\[\]<&\n\r\x00]|&(?![A-Za-z#]))"
_SIMPLE_MARKUP = re.compile(
    r"(?P<bang>!?)\[(?P<label>" + _PLAIN + r"*)\]\([^\s()<\\\x00-\x1f\x7f]+\)"
    r"|(?<![^ \n(\"'])(?P<run>\*\*?|__?)(?=[A-Za-z0-9])(?P<inner>" + _PLAIN + r"*?"
    r"(?:[A-Za-z0-9](?P=run)(?=[ \n.,;:?!)\"'-]|\Z)|[.!?,;:](?P=run)(?=[ \n]|\Z)))"
    r"|(?<!`)(?P<code>`(?! [^`\n\r\x00]* `)[^`\n\r\x00]+`)(?!`)"
)
_NOT_PLAIN = re.compile(r"[`*\[\]<\r\x00]|&[A-Za-z#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# Escapes markdown-it reads as the character alone; any other escaping backslash (before
# markup, "&" or a line break) is left to markdown-it.
_SAFE_ESCAPE = re.compile(r"\\([!\"#$%'()+,\-./:;=?@^{|}~\\])")
_UNSAFE_ESCAPE = re.compile(r"\\[`*_\[\]<>&\n]")


def _plain_gap(gap: str) -> str | None:
    """``gap`` (text between markup) as markdown-it renders it, or None when unsure."""
    if _NOT_PLAIN.search(gap):
        return None
    if "\\" in gap:
        if _UNSAFE_ESCAPE.search(_SAFE_ESCAPE.sub("", gap)):
            return None
        gap = _SAFE_ESCAPE.sub(r"\1", gap)
    return gap


# The characters a match of _SIMPLE_MARKUP starts with ("!" or "[", "*" or "_", "`").
_MARKUP_START = re.compile(r"[!\[*_`]")


def _simple_markup(text: str):
    """``_SIMPLE_MARKUP.finditer(text)``, tried only where a match can start: a search of
    the whole pattern (its lookbehinds leave the regex engine no first character to skip
    ahead with) tries every position of the text. ``match`` at ``pos`` sees the text
    before it, as ``finditer`` does, and no match is empty."""
    pos = 0
    search = _MARKUP_START.search
    match = _SIMPLE_MARKUP.match
    while True:
        c = search(text, pos)
        if c is None:
            return
        start = c.start()
        m = match(text, start)
        if m is None:
            pos = start + 1
        else:
            yield m
            pos = m.end()


def _simple_inline(text: str) -> str | None:
    """What markdown-it renders for ``text`` (see _SIMPLE_MARKUP), or None when unsure.

    Line breaks stay as written, where markdown-it makes them one space (and drops the
    spaces around them): the same once plain_text collapses whitespace, as long as no
    "==mark==" can span a line break (plain_text's _MARK does not cross lines)."""
    out: list[str] = []
    pos = 0
    for m in _simple_markup(text):
        start = m.start()
        if start and text[start - 1] == "\\":
            return None  # an escape of the markup's first character
        gap = _plain_gap(text[pos:start])
        if gap is None:
            return None
        out.append(gap)
        inner = m.group("inner")
        if inner is not None:
            inner = inner[: -len(m.group("run"))]
        out.append(
            m.group("label") if m.group("label") is not None else inner if inner is not None else m.group("code")
        )
        pos = m.end()
    tail = _plain_gap(text[pos:])
    if tail is None:
        return None
    out.append(tail)
    rendered = "".join(out)
    if "\n" in text and "=" in rendered:
        return None
    return rendered


def _fallback(text: str) -> str:
    text = _FALLBACK_IMAGE.sub(r"\1", text)
    text = _FALLBACK_LINK.sub(r"\1", text)
    text = _FALLBACK_EMPHASIS.sub(r"\2", text)
    return _FALLBACK_ESCAPE.sub(r"\1", text)


def _render_inline(children) -> str:
    out: list[str] = []
    for tok in children:
        kind = tok.type
        if kind == "text":
            out.append(tok.content)
        elif kind == "code_inline":
            out.append(f"{tok.markup}{tok.content}{tok.markup}")
        elif kind in ("softbreak", "hardbreak"):
            out.append(" ")
        elif kind == "image":
            out.append(tok.content or "")
        elif kind in ("html_inline", "html_block"):
            out.append(tok.content)
        # em/strong/link open and close markers are dropped; their text children stay
    return "".join(out)


def plain_text(markdown: str) -> str:
    """Markdown of one highlight (or title) -> one line of plain text."""
    if not markdown:
        return ""
    text = markdown
    if len(text) > MAX_MARKDOWN_IT:
        text = _fallback(text)
    elif _has_special(text):
        simple = _simple_inline(text)
        if simple is not None:
            text = simple
        else:
            tokens = _parser().parseInline(text)
            text = "".join(_render_inline(t.children or []) for t in tokens)
    if "[[" in text:
        text = _WIKILINK.sub(lambda m: m.group(2) if m.group(2) is not None else m.group(1), text)
    if "==" in text:
        text = _MARK.sub(r"\1", text)
    return collapse_whitespace(text)


def strip_wikilink(value: str) -> str:
    """``[[Name]]`` -> ``Name``; ``**Name**`` -> ``Name``; other text trimmed."""
    value = value.strip()
    m = re.fullmatch(r"\[\[(.*?)(?:\|(.*))?\]\]", value)
    if m:
        return (m.group(2) or m.group(1)).strip()
    m = re.fullmatch(r"(\*\*|__|\*|_)(.+?)\1", value)
    if m:
        return m.group(2).strip()
    return value
