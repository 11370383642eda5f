"""Tags in the note body: a highlight's ``Tags:`` subline, the ``Document Tags:`` metadata
line, and inline ``#tags`` in text.

Readwise writes ``    - Tags: [[pink]] [[blue]] `` (each tag followed by a space) or with
``#pink``; hlkb writes new tags the way the line (or, for a new line, the file) already does,
and keeps everything else on the line, trailing spaces included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hlkb.edit.change import TagChange
from hlkb.edit.source import LineEdit
from hlkb.edit.tagnames import TAG_BODY, renamed, tag_key
from hlkb.errors import InputError

TAGS_LINE = re.compile(r"^(?P<prefix>[ \t]*[-*+][ \t]+(?:\*\*)?Tags(?:\*\*)?:(?:\*\*)?)(?P<rest>.*)$")
# Any line the parser read as a highlight's tags field: "Tags: x", "> Tags: x", "**Tags**:: x",
# "\t\t- 🏷️ tags: #x", "highlight_tags:: [[x]]" (the labels parse/labels.py reads as tags; only
# used on lines the parser points at, never to find them).
ANY_TAGS_LINE = re.compile(
    r"^(?P<prefix>[ \t>]*(?:[-*+][ \t]+)?(?:[^\w\s*_\[(\-#>|`]{1,3}[ \t]*)?(?:\*\*|__|\*|_)?"
    r"(?:highlight[ _-]?)?(?:tags?|labels?|标签|標籤|タグ)(?:\*\*|__|\*|_)?[ \t]*(?:::?|：)(?:\*\*|__|\*|_)?)(?P<rest>.*)$",
    re.IGNORECASE,
)
DOC_TAGS_LINE = re.compile(
    r"^(?P<prefix>[ \t]*(?:[-*+][ \t]+)?(?:\*\*)?Document Tags(?:\*\*)?::?(?:\*\*)?)"
    r"(?P<rest>.*)$"
)
_TOKEN = re.compile(
    r"#\[\[(?P<lq>[^\]]+)\]\]|\[\[(?P<link>[^\]|]+)(?:\|[^\]]*)?\]\]|#(?P<hash>" + TAG_BODY + r")"
    r"|(?P<word>[^\s,#\[\]]+)"
)
_INLINE = re.compile(r"(?:(?<=\s)|^)#(?P<name>" + TAG_BODY + r")")
_TAGS_PROPERTY = re.compile(r"^tags::", re.IGNORECASE)
_FENCE = re.compile(r"^[ \t]*(```|~~~)")


@dataclass
class Token:
    text: str  # as written: "[[pink]]", "#pink", "#[[a b]]", "pink"
    name: str
    style: str  # "link", "hash", "hashlink", "word"


def render_token(name: str, style: str) -> str:
    if style == "hash":
        return "#" + name
    if style == "hashlink":
        return "#[[" + name + "]]"
    if style == "word":
        return name
    return "[[" + name + "]]"


def parse_tokens(rest: str) -> tuple[str, list[Token], list[str], str] | None:
    """(leading gap, tokens, separators between them, trailing text) or None if not a tag list."""
    lead_len = len(rest) - len(rest.lstrip(" \t"))
    body = rest[lead_len:]
    stripped = body.rstrip(" \t")
    trail = body[len(stripped) :]
    tokens: list[Token] = []
    seps: list[str] = []
    pos = 0
    while pos < len(stripped):
        m = _TOKEN.match(stripped, pos)
        if not m:
            return None
        if m.group("lq"):
            tokens.append(Token(m.group(0), m.group("lq"), "hashlink"))
        elif m.group("link"):
            tokens.append(Token(m.group(0), m.group("link").strip(), "link"))
        elif m.group("hash"):
            tokens.append(Token(m.group(0), m.group("hash"), "hash"))
        else:
            tokens.append(Token(m.group(0), m.group("word"), "word"))
        pos = m.end()
        sep_m = re.compile(r"[ \t,]*").match(stripped, pos)
        if pos < len(stripped):
            # "#a#b": hashtags glued together (Hypothesis's export) are a list too
            if sep_m.end() == pos and not (stripped[pos] == "#" and tokens[-1].style in ("hash", "hashlink")):
                return None
            seps.append(sep_m.group(0))
        pos = sep_m.end()
    return rest[:lead_len], tokens, seps, trail


def edit_token_line(
    line: str, pattern: re.Pattern, change: TagChange, default_style: str = "link", default_trail: str = ""
) -> tuple[str | None, bool]:
    """(new line or None to delete it, changed?) for a ``Tags:``-style line."""
    m = pattern.match(line)
    parsed = parse_tokens(m.group("rest")) if m else None
    if parsed is None:
        return line, False
    lead, tokens, seps, trail = parsed
    result = change.apply([t.name for t in tokens])
    if [i for i, _ in result] == list(range(len(tokens))):
        return line, False
    if not result:
        return None, True
    style = tokens[-1].style if tokens else default_style
    sep = seps[0] if seps else " "
    own_style = {}  # a renamed token keeps its own style ([[x]] or #x)
    if change.rename:
        for t in tokens:
            new_name = renamed(t.name, *change.rename)
            if new_name is not None:
                own_style.setdefault(tag_key(new_name), t.style)
    texts = []
    for idx, name in result:
        texts.append(tokens[idx].text if idx is not None else render_token(name, own_style.get(tag_key(name), style)))
    if not tokens:
        lead = lead or " "
        trail = trail or default_trail
    return m.group("prefix") + lead + sep.join(texts) + trail, True


def file_tag_style(lines: list[str]) -> tuple[str, str]:
    """How this file writes highlight tags: (token style, text after the last tag)."""
    for pattern in (TAGS_LINE, DOC_TAGS_LINE):
        for line in lines:
            m = pattern.match(line)
            parsed = parse_tokens(m.group("rest")) if m else None
            if parsed and parsed[1]:
                return parsed[1][-1].style, parsed[3]
    return "link", ""


_SUBLINE = re.compile(r"^(?P<indent>[ \t]+)[-*+][ \t]+(?:\*\*)?(?:Note|Tags)(?:\*\*)?:")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def subline_indent(lines: list[str], highlight_line: int) -> str:
    """The indent for a new subline: the step this file's sublines use, below this highlight."""
    own = _indent(lines[highlight_line - 1])
    for k, line in enumerate(lines):
        m = _SUBLINE.match(line)
        if not m:
            continue
        sub = m.group("indent")
        for above in range(k - 1, -1, -1):
            parent = _LIST_ITEM.match(lines[above])
            if parent and len(parent.group("indent")) < len(sub):
                if sub.startswith(parent.group("indent")):
                    return own + sub[len(parent.group("indent")) :]
                break
        break
    logseq = bool(lines) and re.match(r"^[A-Za-z][\w-]*:: ", lines[0]) is not None
    return own + ("\t" if own.startswith("\t") or logseq else "    ")


_LIST_ITEM = re.compile(r"^(?P<indent>[ \t]*)[-*+][ \t]")
_RULE_LINE = re.compile(r"^(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")


def highlight_edits(lines: list[str], highlight, change: TagChange, last_line: int | None = None) -> list[LineEdit]:
    """Edits applying ``change`` to one highlight's tags, in the way its layout carries them:
    its ``Tags:`` line, inline ``#tags`` after its link, or a new line where the parser's
    TagSlot says (a subline under a list item, a ``> Tags:`` line in a quote, a ``Tags:``
    paragraph after a paragraph or heading highlight). ``last_line``: the last line that can
    be this highlight's (the line before the next highlight starts: a highlight nested in
    this one's blocks has its own tags)."""
    tags_line = highlight.tags_line
    slot = getattr(highlight, "tag_slot", None)
    end = max(highlight.end_line or highlight.line, highlight.text_end_line or highlight.line)
    if slot is not None and slot.kind == "subline" and slot.line:
        end = slot.line  # short of a highlight nested in this one's blocks (outlines)
    if last_line is not None:
        end = max(min(end, last_line), highlight.text_end_line or highlight.line)
    if tags_line is None:
        first_sub = (highlight.text_end_line or highlight.line) + 1
        for n in range(first_sub, end + 1):
            if TAGS_LINE.match(lines[n - 1]):
                tags_line = n
                break
    edits: list[LineEdit] = []
    if change.remove:
        # Tags written after the highlight's link ("... ([View](…)) #Highlight", "… #hl-green").
        keys = {tag_key(r) for r in change.remove}
        for n in range(highlight.line, (highlight.text_end_line or highlight.line) + 1):
            new_line = remove_trailing_inline(lines[n - 1], keys)
            if new_line != lines[n - 1]:
                edits.append(LineEdit.replace(n, new_line))
    if tags_line is None and slot is not None and slot.kind == "inline":
        return _inline_edits(lines, slot.line, change, edits)
    return edits + _subline_edits(lines, highlight, tags_line, end, change, slot)


def _inline_edits(lines: list[str], n: int, change: TagChange, edits: list[LineEdit]) -> list[LineEdit]:
    """``edits`` plus the new tags appended to the run of inline tags that ends line ``n``."""
    adds = [name for idx, name in change.apply([]) if idx is None]
    if not adds:
        return edits
    current = next((e for e in edits if e.start == n), None)
    line = current.new[0] if current is not None else lines[n - 1]
    body = line.rstrip(" \t")
    new_line = (
        body
        + "".join(" " + render_token(name, "hash" if re.fullmatch(TAG_BODY, name) else "hashlink") for name in adds)
        + line[len(body) :]
    )
    return [e for e in edits if e is not current] + [LineEdit.replace(n, new_line)]


def _subline_edits(lines, highlight, tags_line, end, change, slot=None) -> list[LineEdit]:
    style, trail = file_tag_style(lines)
    if tags_line is not None:
        pattern = TAGS_LINE if TAGS_LINE.match(lines[tags_line - 1]) else ANY_TAGS_LINE
        new, changed = edit_token_line(lines[tags_line - 1], pattern, change, style, trail)
        if not changed:
            return []
        if new is None:
            start = tags_line
            # a "Tags:" paragraph of its own goes with the blank line that set it apart
            prefix = pattern.match(lines[tags_line - 1]).group("prefix").lstrip(" \t")
            prev_blank = tags_line >= 2 and not lines[tags_line - 2].strip()
            following = lines[tags_line].strip() if tags_line < len(lines) else ""
            ends_block = not following or following.startswith("#") or _RULE_LINE.match(following)
            if prev_blank and ends_block and not prefix.startswith((">", "-", "*", "+")):
                start = tags_line - 1
            return [LineEdit.delete(start, tags_line + 1)]
        return [LineEdit.replace(tags_line, new)]
    result = change.apply([])
    if not result:
        return []
    tokens = " ".join(render_token(name, style) for _, name in result)
    if slot is None or slot.kind == "subline":
        if slot is None and not _LIST_ITEM.match(lines[highlight.line - 1]):
            raise InputError(
                "this highlight is a paragraph, not a list item, and the parser gave no place for its tags",
                getattr(highlight, "path", None),
                highlight.line,
            )
        tabbed = "\t" in _indent(lines[highlight.line - 1])
        # the parser's prefix counts columns in spaces; a tab-indented outline (Logseq)
        # gets its sublines indented with tabs, as its other blocks are
        indent = (
            slot.prefix if slot is not None and slot.prefix and not tabbed else subline_indent(lines, highlight.line)
        )
        return [LineEdit.insert_after(end, [f"{indent}- Tags: {tokens}{trail}"])]
    if slot.kind == "line":
        new_lines = ([""] if slot.paragraph else []) + [f"{slot.prefix}Tags: {tokens}{trail}"]
        return [LineEdit.insert_after(slot.line, new_lines)]
    raise InputError(
        f"no safe place for tags on this highlight ({getattr(highlight, 'layout', None) or 'unknown'} "
        f"layout): {slot.why or 'tag the note instead'}",
        getattr(highlight, "path", None),
        highlight.line,
    )


def other_placements(lines: list[str], highlight, change: TagChange) -> list[list[LineEdit]]:
    """Other places for a highlight's first tags than its TagSlot, the likeliest-looking
    first: a ``Tags:`` line after its text or after its last line (with that line's quote
    marks or indent), a ``Tags:`` paragraph after it, ``#tags`` at the end of its text, a
    ``- Tags:`` subline. For layouts the parser reads in ways its TagSlot does not foresee;
    the caller keeps the first that reads back as exactly this change (plan.py)."""
    adds = [name for idx, name in change.apply([]) if idx is None]
    if not adds or change.remove or change.rename:
        return []
    style, trail = file_tag_style(lines)
    tokens = " ".join(render_token(name, style) for name in adds)
    text_end = highlight.text_end_line or highlight.line
    end = max(highlight.end_line or highlight.line, text_end)
    after = [text_end] if end == text_end else [text_end, end]
    out = []
    for n in after:
        prefix = _QUOTE_OR_INDENT.match(lines[n - 1]).group(0)
        out.append([LineEdit.insert_after(n, [f"{prefix}Tags: {tokens}{trail}"])])
    prefix = _QUOTE_OR_INDENT.match(lines[end - 1]).group(0)
    out.append([LineEdit.insert_after(end, [prefix.rstrip(" \t"), f"{prefix}Tags: {tokens}{trail}"])])
    if all(re.fullmatch(TAG_BODY, name) for name in adds):
        line = lines[text_end - 1]
        body = line.rstrip(" \t")
        out.append([LineEdit.replace(text_end, body + "".join(" #" + name for name in adds) + line[len(body) :])])
    for n in after:
        prefix = _QUOTE_OR_INDENT.match(lines[n - 1]).group(0)
        out.append(
            [
                LineEdit.insert_after(
                    n, [f"{prefix}{subline_indent(lines, n)[len(_indent(lines[n - 1])) :]}- Tags: {tokens}{trail}"]
                )
            ]
        )
    return out


_QUOTE_OR_INDENT = re.compile(r"^[ \t]*(?:>[ \t]?)*")


def rename_in_body(lines: list[str], first_line: int, change: TagChange) -> list[LineEdit]:
    """Rename a tag in body lines from ``first_line``: Tags/Document Tags lines and inline #tags.

    Fenced code blocks and inline code spans are left alone; ``[[links]]`` outside tag lines
    are links, not tags, and are not touched.
    """
    assert change.rename is not None
    edits: list[LineEdit] = []
    in_fence = None
    for n in range(first_line, len(lines) + 1):
        line = lines[n - 1]
        fm = _FENCE.match(line)
        if fm:
            if in_fence is None:
                in_fence = fm.group(1)
            elif fm.group(1) == in_fence:
                in_fence = None
            continue
        if in_fence or _TAGS_PROPERTY.match(line):
            continue
        for pattern in (TAGS_LINE, DOC_TAGS_LINE):
            if pattern.match(line) and parse_tokens(pattern.match(line).group("rest")) is not None:
                new, changed = edit_token_line(line, pattern, change)
                if changed:
                    edits.append(LineEdit.delete(n, n + 1) if new is None else LineEdit.replace(n, new))
                break
        else:
            new = rename_inline(line, *change.rename)
            if new != line:
                edits.append(LineEdit.replace(n, new))
    return edits


def rename_inline(line: str, old: str, new: str) -> str:
    """Inline ``#old``, ``#[[old]]`` (and ``#old/child``) renamed in one line, outside `code spans`."""
    parts = re.split(r"(`+[^`]*`+)", line)
    for i in range(0, len(parts), 2):
        parts[i] = _INLINE.sub(lambda m: "#" + (renamed(m.group("name"), old, new) or m.group("name")), parts[i])
        parts[i] = _INLINE_LINK.sub(
            lambda m: "#[[" + (renamed(m.group("name"), old, new) or m.group("name")) + "]]", parts[i]
        )
    return "".join(parts)


_INLINE_LINK = re.compile(r"(?:(?<=\s)|^)#\[\[(?P<name>[^\]]+)\]\]")
_TRAILING_TAGS = re.compile(r"(?:[ \t]+(?:#\[\[[^\]]+\]\]|#" + TAG_BODY + r"))+[ \t]*$")
_TRAILING_TOKEN = re.compile(r"([ \t]+)(#\[\[([^\]]+)\]\]|#(" + TAG_BODY + r"))")


def remove_trailing_inline(line: str, keys: set[str]) -> str:
    """``line`` without the inline tags in ``keys`` from the run of tags that ends it."""
    m = _TRAILING_TAGS.search(line)
    if not m:
        return line
    run = m.group(0)
    kept = "".join(ws + tok for ws, tok, a, b in _TRAILING_TOKEN.findall(run) if tag_key(a or b) not in keys)
    return line[: m.start()] + kept + run[len(run.rstrip(" \t")) :]


def inline_tags(line: str) -> list[str]:
    parts = re.split(r"(`+[^`]*`+)", line)
    return [m.group("name") for i in range(0, len(parts), 2) for m in _INLINE.finditer(parts[i])]


def document_tags_edits(lines: list[str], first_line: int, change: TagChange) -> list[LineEdit]:
    """Apply ``change`` to the ``Document Tags:`` metadata line, if the note has one."""
    for n in range(first_line, len(lines) + 1):
        line = lines[n - 1]
        if DOC_TAGS_LINE.match(line):
            new, changed = edit_token_line(line, DOC_TAGS_LINE, change)
            if not changed:
                return []
            if new is None:
                # Keep the field (it is part of the template), just empty.
                m = DOC_TAGS_LINE.match(line)
                return [LineEdit.replace(n, m.group("prefix") + (" " if m.group("rest")[:1] == " " else ""))]
            return [LineEdit.replace(n, new)]
        if line.startswith("## ") and "highlights" in line.lower():
            break
    return []
