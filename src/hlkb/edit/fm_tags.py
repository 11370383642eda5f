"""Editing the front-matter ``tags`` value in the style the file already uses.

Supported shapes of the value (other keys are never touched, byte for byte):

- block list (``tags:`` then ``  - a`` lines, any indent, items plain or quoted, comments kept)
- flow list (``tags: [a, "b"]``, spacing and quoting kept)
- a string: one name, or names separated by spaces or by commas (``tags: a b``, ``"a, b"``)
- empty (``tags:``, also ``tags: #comment``: the tags go in a block list below it) or absent
  (the key is created as a flow list, ``tags: [a, b]``)

With no front matter at all, one is created holding only ``tags``. Removing the last tag
deletes a one-line ``tags`` value's key (and front matter left empty) and leaves a block
list's ``tags:`` line, so removing a tag right after adding it gives back the original bytes
whether the key was absent or empty (not for a note that had ``tags: []``: its key goes).
Every edit is checked by loading the new YAML: all other keys must load exactly as before
and ``tags`` as intended, otherwise nothing is written and the user is told why.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from hlkb import frontmatter
from hlkb.edit.change import TagChange
from hlkb.edit.highlight_tags import edit_token_line, render_token
from hlkb.edit.source import LineEdit, SourceFile, apply_edits
from hlkb.edit.tagnames import renamed, tag_key
from hlkb.errors import InputError

TAG_KEYS = ("tags", "tag", "Tags", "TAGS")
_YAML_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


def tag_values(value) -> list[str]:
    """How a front-matter tags value reads as tag names (Obsidian's reading)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    text = str(value)
    parts = text.split(",") if "," in text else text.split()
    return [p.strip() for p in parts if p.strip()]


def render_scalar(name: str, quote: str = "") -> str:
    """``name`` as a YAML scalar in the given quote style; plain only when it loads back as itself."""
    if quote == "'":
        return "'" + name.replace("'", "''") + "'"
    if quote == '"':
        return json.dumps(name, ensure_ascii=False)
    if name and name[0] not in _YAML_INDICATORS and ": " not in name and " #" not in name:
        try:
            if yaml.safe_load(name) == name:
                return name
        except yaml.YAMLError:
            pass
    return json.dumps(name, ensure_ascii=False)


def _split_comment(rest: str) -> tuple[str, str]:
    """Split the text after ``key:`` into (value, trailing whitespace + comment)."""
    quote = ""
    for i, ch in enumerate(rest):
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"" and (i == 0 or rest[:i].strip() == "" or rest[i - 1] in "[, "):
            quote = ch
        elif ch == "#" and (i == 0 or rest[i - 1] in " \t"):
            value = rest[:i]
            return value.rstrip(" \t"), rest[len(value.rstrip(" \t")) :]
    value = rest.rstrip(" \t")
    return value, rest[len(value) :]


def _unquote(item: str) -> tuple[str, str]:
    """(value, quote char) of one scalar as written."""
    item = item.strip()
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
        try:
            loaded = yaml.safe_load(item)
        except yaml.YAMLError:
            loaded = item[1:-1]
        return str(loaded), item[0]
    return item, ""


def _split_flow(inner: str) -> list[str]:
    items, buf, quote = [], "", ""
    for ch in inner:
        if quote:
            buf += ch
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"" and not buf.strip():
            quote = ch
            buf += ch
        elif ch == ",":
            items.append(buf)
            buf = ""
        else:
            buf += ch
    if buf.strip() or items:
        items.append(buf)
    return items


_ITEM = re.compile(r"^(?P<lead>[ \t]*-[ \t]+)(?P<rest>.*)$")
_EMPTY_ITEM = re.compile(r"^[ \t]*-[ \t]*$")


@dataclass
class _Span:
    key: str
    key_line: int  # 1-based file line of "tags:"
    last_line: int  # last line that belongs to the value (items included)


def _find_span(lines: list[str], fm: frontmatter.FrontMatter) -> _Span | None:
    for key in TAG_KEYS:
        if key in fm.key_lines:
            start = fm.key_lines[key]
            later = [n for n in fm.key_lines.values() if n > start]
            stop = min(later) if later else fm.close_line
            last = stop - 1
            while last > start and (
                not lines[last - 1].strip()
                or lines[last - 1].lstrip().startswith("#")
                and not lines[last - 1].startswith((" ", "\t"))
            ):
                last -= 1
            return _Span(key, start, last)
    return None


def _block_indent(lines: list[str], fm: frontmatter.FrontMatter) -> str:
    for n in range(fm.open_line + 1, fm.close_line):
        m = _ITEM.match(lines[n - 1])
        if m:
            return m.group("lead")
    return "  - "


def edit_front_matter(lines: list[str], text: str, change: TagChange, display: str) -> list[LineEdit]:
    """Line edits that apply ``change`` to the note's front-matter tags (may be empty)."""
    fm = frontmatter.split(text)
    if fm.present and not fm.closed:
        raise InputError("front matter opened with '---' is never closed; tags not edited", display, 1)
    if not fm.present and PROPERTY_LINE.match(lines[0] if lines else ""):
        return edit_page_properties(lines, change)
    if not fm.present:
        new = [name for _, name in change.apply([])]
        if not new:
            return []
        return [LineEdit(1, 1, ("---", _new_tags_line(new), "---"))]
    try:
        frontmatter.load(fm, display)
    except frontmatter.FrontMatterError as exc:
        raise InputError(f"front-matter tags not edited: {exc.message}", display, exc.line) from None
    if fm.data is not None and not isinstance(fm.data, dict):
        raise InputError("front matter is not a set of keys; tags not edited", display, fm.open_line)
    old_data = fm.data or {}
    span = _find_span(lines, fm)
    if span is None:
        new = [name for _, name in change.apply([])]
        if not new:
            return []
        edits = [LineEdit(fm.close_line, fm.close_line, (_new_tags_line(new),))]
        expected = new
        key = TAG_KEYS[0]
    else:
        key = span.key
        edits, expected = _edit_span(lines, fm, span, change, display)
    if edits:
        _verify(lines, fm, edits, old_data, key, expected, display)
    return edits


def _new_tags_line(names: list[str]) -> str:
    """A new ``tags`` key, a flow list on one line (``tags: [a, b]``): removing its last tag
    deletes the key again, while an empty ``tags:`` key the note had keeps its line (and gets
    a block list), so that adding and removing a tag gives back the bytes either way."""
    return f"{TAG_KEYS[0]}: [" + ", ".join(render_scalar(n) for n in names) + "]"


def _edit_span(lines, fm, span: _Span, change: TagChange, display: str):
    key_text = lines[span.key_line - 1]
    colon = key_text.index(":", key_text.index(span.key) + len(span.key))
    head, rest = key_text[: colon + 1], key_text[colon + 1 :]
    value, comment = _split_comment(rest)
    gap = rest[: len(rest) - len(rest.lstrip(" \t"))] if value.strip() else ""
    value = value.strip()
    where = span.key_line

    if not value:
        # A block list (possibly empty) below the key.
        items: list[tuple[int, str, str, str, str]] = []  # line, lead, quote, value, trailing
        placeholder = None  # (line, lead) of the last empty "-" item (a template's blank)
        for n in range(span.key_line + 1, span.last_line + 1):
            line = lines[n - 1]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if _EMPTY_ITEM.match(line):
                # no value (null, which no reader takes for a tag): kept as it is, the
                # new tags after it
                placeholder = (n, line.rstrip(" \t") + " ")
                continue
            m = _ITEM.match(line)
            if not m:
                raise InputError(
                    "front-matter tags are written in a form hlkb cannot edit safely "
                    "(only one-line list items are supported)",
                    display,
                    n,
                )
            item, trailing = _split_comment(m.group("rest"))
            val, quote = _unquote(item)
            items.append((n, m.group("lead"), quote, val, trailing))
        result = change.apply([it[3] for it in items])
        expected = [v for _, v in result]
        if [i for i, _ in result] == list(range(len(items))):
            return [], expected
        kept_lines = {items[idx][0] for idx, _ in result if idx is not None}
        # New texts in result order: renamed items (in their place), then additions.
        pending_new = [v for i, v in result if i is None]
        edits: list[LineEdit] = []
        for n, ld, q, val, trailing in items:
            if n in kept_lines:
                continue
            new_name = renamed(val, *change.rename) if change.rename else None
            if new_name is not None and pending_new and tag_key(pending_new[0]) == tag_key(new_name):
                edits.append(LineEdit.replace(n, ld + render_scalar(pending_new.pop(0), q) + trailing))
            else:
                edits.append(LineEdit.delete(n, n + 1))
        if pending_new:
            last_item = max(items[-1][0] if items else 0, placeholder[0] if placeholder else 0)
            lead = items[-1][1] if items else placeholder[1] if placeholder else _block_indent(lines, fm)
            quote = items[-1][2] if items else ""
            anchor = last_item or span.key_line
            edits.append(LineEdit.insert_after(anchor, [lead + render_scalar(v, quote) for v in pending_new]))
        # (the last tag removed leaves the key as the note may have had it: "tags:")
        return _merge_inserts(edits), expected

    if value.startswith("["):
        if not value.endswith("]"):
            raise InputError(
                "front-matter tags: a flow list spread over several lines is not supported", display, where
            )
        inner = value[1:-1]
        raw_items = _split_flow(inner)
        vals = [_unquote(it) for it in raw_items]
        result = change.apply([v for v, _ in vals])
        expected = [v for _, v in result]
        if [i for i, _ in result] == list(range(len(vals))):
            return [], expected
        pad_l = inner[: len(inner) - len(inner.lstrip())] if inner.strip() else ""
        pad_r = inner[len(inner.rstrip()) :] if inner.strip() else ""
        sep = ", "
        if len(raw_items) >= 2:
            sep = "," + raw_items[1][: len(raw_items[1]) - len(raw_items[1].lstrip())]
        quote = vals[-1][1] if vals else ""
        # A renamed item keeps its own quoting; an added one takes the last item's.
        own_quote = {}
        if change.rename:
            for v, q in vals:
                new_name = renamed(v, *change.rename)
                if new_name is not None:
                    own_quote.setdefault(tag_key(new_name), q)
        texts = []
        for idx, val in result:
            texts.append(
                raw_items[idx].strip() if idx is not None else render_scalar(val, own_quote.get(tag_key(val), quote))
            )
        if not texts and not comment.strip() and span.key_line == span.last_line:
            return _delete_key(fm, lines, span), expected  # (as a key hlkb added had it)
        new_value = "[" + (pad_l + sep.join(texts) + pad_r if texts else "") + "]"
        return [LineEdit.replace(where, head + gap + new_value + comment)], expected

    # A string: one name, or several separated by commas or spaces.
    inner, quote = _unquote(value)
    if quote == "" and value[0] in "|>":
        raise InputError("front-matter tags: a block string is not supported", display, where)
    if span.last_line != span.key_line:
        raise InputError("front-matter tags: a string spread over several lines is not supported", display, where)
    if "," in inner:
        parts = inner.split(",")
        sep = "," + (parts[1][: len(parts[1]) - len(parts[1].lstrip())] if len(parts) > 1 else " ")
    else:
        parts = inner.split()
        sep = " "
    if "," not in inner and len(parts) <= 1:
        sep = " "
    parts = [p.strip() for p in parts if p.strip()]
    result = change.apply(parts)
    expected = [v for _, v in result]
    if [i for i, _ in result] == list(range(len(parts))):
        return [], expected
    joined = sep.join(parts[i] if i is not None else v for i, v in result)
    if not expected:
        if not comment.strip() and span.key_line == span.last_line:
            return _delete_key(fm, lines, span), expected
        return [LineEdit.replace(where, head + comment)], expected
    if quote == "'":
        new_value = "'" + joined.replace("'", "''") + "'"
    elif quote == '"':
        new_value = json.dumps(joined, ensure_ascii=False)
    else:
        new_value = render_scalar(joined)
    return [LineEdit.replace(where, head + gap + new_value + comment)], expected


def _delete_key(fm, lines, span: _Span) -> list[LineEdit]:
    """Delete the tags key; delete the whole front matter when nothing else is left in it."""
    others = [
        n
        for n in range(fm.open_line + 1, fm.close_line)
        if not (span.key_line <= n <= span.last_line) and lines[n - 1].strip()
    ]
    if not others:
        return [LineEdit.delete(fm.open_line, fm.close_line + 1)]
    return [LineEdit.delete(span.key_line, span.last_line + 1)]


def _merge_inserts(edits: list[LineEdit]) -> list[LineEdit]:
    """An insertion right after a replaced/deleted line is folded into that edit (no overlap)."""
    by_start = sorted(edits, key=lambda e: (e.start, e.stop))
    out: list[LineEdit] = []
    for e in by_start:
        if out and e.start == e.stop and out[-1].stop == e.start and out[-1].start != out[-1].stop:
            prev = out.pop()
            out.append(LineEdit(prev.start, prev.stop, prev.new + e.new))
        else:
            out.append(e)
    return out


def _verify(lines, fm, edits, old_data, key, expected, display) -> None:
    """Load the edited front matter; refuse unless only the tags changed, and as intended."""

    scratch = SourceFile(
        path=None,
        display=display,
        data=b"",
        sha256="",
        encoding="utf-8",
        bom=b"",
        newline="\n",
        lines=list(lines),
        endings=["\n"] * len(lines),
    )
    new_lines, _ = apply_edits(scratch, edits)
    new_text = "\n".join(new_lines) + "\n"
    try:
        new_fm = frontmatter.parse(new_text, display)
        new_data = new_fm.data if new_fm.present else {}
    except frontmatter.FrontMatterError as exc:
        raise InputError(
            f"editing the tags would break the front matter ({exc.message}); not edited", display, fm.open_line
        ) from None
    new_data = new_data or {}
    if not _same_other_keys(fm.node, new_fm.node if new_fm.present else None, key):
        raise InputError("editing the tags would change other front-matter keys; not edited", display, fm.open_line)
    got = [tag_key(v) for v in tag_values(new_data.get(key))]
    if got != [tag_key(v) for v in expected]:
        raise InputError(
            "front-matter tags are written in a form hlkb cannot edit safely; not edited", display, fm.open_line
        )


# Logseq pages keep note properties as "key:: value" lines at the top instead of YAML.
PROPERTY_LINE = re.compile(r"^(?P<prefix>[A-Za-z][\w-]*::)(?P<rest>.*)$")
TAGS_PROPERTY = re.compile(r"^(?P<prefix>tags::)(?P<rest>.*)$", re.IGNORECASE)


def edit_page_properties(lines: list[str], change: TagChange) -> list[LineEdit]:
    """Apply ``change`` to a Logseq page's ``tags::`` property (created after the others)."""

    last_property = 0
    for n, line in enumerate(lines, 1):
        if PROPERTY_LINE.match(line):
            last_property = n
            if TAGS_PROPERTY.match(line):
                new, changed = edit_token_line(line, TAGS_PROPERTY, change, default_style="word")
                if not changed:
                    return []
                return [LineEdit.delete(n, n + 1) if new is None else LineEdit.replace(n, new)]
        elif line.strip():
            break
    new_names = [name for _, name in change.apply([])]
    if not new_names:
        return []
    return [LineEdit.insert_after(last_property, ["tags:: " + ", ".join(render_token(v, "word") for v in new_names)])]


def _top_level(node) -> dict:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _same_other_keys(old_node, new_node, tags_key: str) -> bool:
    """Whether every key but ``tags_key`` has the same YAML node tree before and after.

    Compared on the composed nodes, not the loaded values: an alias is one shared node, so
    this stays linear even for an alias bomb, where comparing loaded values would expand it.
    """
    old_map, new_map = _top_level(old_node), _top_level(new_node)
    old_map.pop(tags_key, None)
    new_map.pop(tags_key, None)
    if old_map.keys() != new_map.keys():
        return False
    seen: set[tuple[int, int]] = set()

    def same(a, b) -> bool:
        if (id(a), id(b)) in seen:
            return True
        seen.add((id(a), id(b)))
        if type(a) is not type(b) or a.tag != b.tag:
            return False
        if isinstance(a, yaml.ScalarNode):
            return a.value == b.value and a.style == b.style
        if len(a.value) != len(b.value):
            return False
        if isinstance(a, yaml.MappingNode):
            return all(same(ka, kb) and same(va, vb) for (ka, va), (kb, vb) in zip(a.value, b.value))
        return all(same(x, y) for x, y in zip(a.value, b.value))

    return all(same(old_map[k], new_map[k]) for k in old_map)
