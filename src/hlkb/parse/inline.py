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

_WIKILINK = re.compile(r"\[\[([^\[\]|]*?)(?:\|([^\[\]]*))?\]\]")
_MARK = re.compile(r"==(?=\S)(.+?)(?<=\S)==")
# Characters that can make the inline parser do something: without any, text is plain already.
_SPECIAL = re.compile(r"[\\`*_\[\]!<>&=~]")


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
# "[text](url)", "`code`". _simple_inline renders a text only when every character
# markdown-it could treat specially belongs to one of these, written so that CommonMark
# reads it one way:
# - a link: a label of plain characters, a destination without spaces, controls, "(", ")",
#   "<" or "\\", and ")" right after it (no title);
# - emphasis: a run of one or two "*" or "_" after the start, a space, a line break or
#   ("' (so it can only open), an ASCII letter or digit after it and before the closing run
#   of the same marker, which is followed by the end, a space, a line break or .,;:?!)"'-
#   (so it can only close), plain characters between. Such pairs cannot interleave, so
#   each closes its own opener;
# - a code span: single backticks around one line without a backtick, not padded with a
#   space on both sides (which CommonMark would strip); it renders as written.
# Between them only plain characters: no markup character, no "&" that could start an
# entity, no backslash that escapes (before punctuation or a line break); a backslash before
# anything else and a lone "&" stay as written in markdown-it too. Anything else (a stray
# "*", "snake_case", entities, HTML, images, NUL, which markdown-it replaces) goes to
# markdown-it as before.
_PLAIN = r"[^\\`*_\[\]<&\n\r\x00]"
_SIMPLE_MARKUP = re.compile(
    r"\[(?P<label>" + _PLAIN + r"+)\]\([^\s()<\\\x00-\x1f\x7f]+\)"
    r"|(?<![^ \n(\"'])(?P<run>\*\*?|__?)(?=[A-Za-z0-9])(?P<inner>" + _PLAIN + r"*?[A-Za-z0-9])(?P=run)"
    r"(?=[ \n.,;:?!)\"'-]|\Z)"
    r"|(?<!`)(?P<code>`(?! [^`\n\r\x00]* `)[^`\n\r\x00]+`)(?!`)")
_NOT_PLAIN = re.compile(r"[`*_\[\]<\r\x00]|&[A-Za-z#]")
_ESCAPING_BACKSLASH = re.compile(r"\\[!-/:-@\[-`{-~\n]")


def _simple_inline(text: str) -> str | None:
    """What markdown-it renders for ``text`` (see _SIMPLE_MARKUP), or None when unsure.

    Line breaks stay as written, where markdown-it makes them one space (and drops the
    spaces around them): the same once plain_text collapses whitespace, as long as no
    "==mark==" can span a line break (plain_text's _MARK does not cross lines)."""
    if "![" in text or _ESCAPING_BACKSLASH.search(text):
        return None
    out: list[str] = []
    pos = 0
    for m in _SIMPLE_MARKUP.finditer(text):
        gap = text[pos:m.start()]
        if _NOT_PLAIN.search(gap):
            return None
        out.append(gap)
        out.append(m.group("label") or m.group("inner") or m.group("code"))
        pos = m.end()
    tail = text[pos:]
    if _NOT_PLAIN.search(tail):
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


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


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
    elif _SPECIAL.search(text):
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
