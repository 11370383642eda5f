"""Minimal Readwise parser (default v2 template). To be replaced by the full parser."""

from __future__ import annotations

import re
from pathlib import Path

from hlkb import frontmatter
from hlkb.model import Diagnostic, Highlight, Location, Note, highlight_id_for, note_id_for
from hlkb.textio import read_text

_LINK_AT_END = re.compile(r"\s*\(\[(?P<label>[^\]]*)\]\((?P<url>[^)\s]*)\)\)\s*$")
_RW_ID = re.compile(r"read\.readwise\.io/read/(?P<id>[0-9a-z]+)|readwise\.io/open/(?P<id2>\d+)")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPH = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def plain_text(md: str) -> str:
    text = _MD_LINK.sub(r"\1", md)
    text = _EMPH.sub(r"\2", text)
    return " ".join(text.split())


def detect_lang(text: str) -> str:
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if cjk and latin:
        return "zh" if cjk >= latin / 4 else "mixed" if cjk > 5 else "en"
    if cjk:
        return "zh"
    return "en" if latin else "other"


def parse_file(path, display_path=None, strict=True) -> Note:
    shown = display_path or str(path)
    decoded = read_text(path, shown)
    note = parse_text(decoded.text, shown, strict=strict, file_name=Path(path).name)
    note.encoding = decoded.encoding
    return note


def parse_text(text: str, path: str = "<string>", strict: bool = True, file_name: str | None = None) -> Note:
    warnings = []
    try:
        fm = frontmatter.parse(text, path)
    except frontmatter.FrontMatterError as exc:
        if strict:
            raise
        warnings.append(Diagnostic(path, exc.line or 1, exc.column or 1, exc.code, "error", exc.message))
        fm = frontmatter.FrontMatter()
    data = fm.data if isinstance(fm.data, dict) else {}
    lines = text.split("\n")
    title = data.get("title") if isinstance(data.get("title"), str) else None
    meta: dict[str, str] = {}
    section = None
    highlights_raw = []  # (start_line, [lines])
    current = None
    for idx in range(fm.body_line - 1, len(lines)):
        line = lines[idx]
        lineno = idx + 1
        if line.startswith("# ") and title is None:
            title = line[2:].strip()
            continue
        if line.startswith("#"):
            section = line.lstrip("#").strip().lower()
            current = None
            continue
        if section == "metadata" and line.startswith("- ") and ":" in line:
            k, v = line[2:].split(":", 1)
            meta[k.strip()] = v.strip()
            continue
        if section and (section.startswith("highlights") or section.startswith("new highlights")):
            if line.startswith("- "):
                current = [lineno, [line[2:]], [], lineno]
                highlights_raw.append(current)
            elif current is not None and line.startswith("    - "):
                current[2].append((lineno, line.strip()[2:]))
                current[3] = lineno
            elif current is not None and line.startswith("  ") and not current[2]:
                current[1].append(line[2:])
                current[3] = lineno
    author = meta.get("Author", "").strip("[]") or data.get("author")
    url = meta.get("URL") or data.get("url")
    key = url or f"{title}|{author}" if (url or title) else (file_name or path)
    note = Note(id=note_id_for(str(key)), path=path, title=title or (Path(path).stem if path else None),
                author=author if isinstance(author, str) else None,
                category=meta.get("Category", "").lstrip("#") or None, url=url,
                front_matter=data, metadata=meta, front_matter_lines=fm.key_lines,
                body_line=fm.body_line, text=text, warnings=warnings, format="readwise" if highlights_raw else "markdown")
    tags = data.get("tags")
    note.tags = [str(t) for t in tags] if isinstance(tags, list) else ([str(tags)] if tags else [])
    seen: dict[str, int] = {}
    for start, body, subs, end in highlights_raw:
        md = "\n".join(body)
        loc = None
        rid = None
        m = _LINK_AT_END.search(md)
        text_md = md
        if m:
            text_md = md[: m.start()]
            label = m.group("label").replace("\u00a0", " ")
            num = re.search(r"(\d+)", label)
            loc = Location(label=label, url=m.group("url"), value=float(num.group(1)) if num else None)
            r = _RW_ID.search(m.group("url"))
            if r:
                rid = r.group("id") or r.group("id2")
        plain = plain_text(text_md)
        h_note = None
        h_tags: list[str] = []
        note_line = tags_line = None
        for ln, sub in subs:
            if sub.startswith("Note:"):
                h_note, note_line = sub[5:].strip(), ln
            elif sub.startswith("Tags:"):
                h_tags, tags_line = re.findall(r"\[\[([^\]]+)\]\]|#([\w/-]+)", sub), ln
                h_tags = [a or b for a, b in h_tags]
        key = rid or plain
        occ = seen.get(key, 0)
        seen[key] = occ + 1
        hid = rid if rid and occ == 0 else highlight_id_for(note.id, plain, occ)
        note.highlights.append(Highlight(
            id=hid, note_id=note.id, path=path, line=start, text=plain, markdown=md, note=h_note,
            tags=h_tags, location=loc, readwise_id=rid, lang=detect_lang(plain), end_line=end,
            text_end_line=start + len(body) - 1, note_line=note_line, tags_line=tags_line))
    note.lang = detect_lang(text[fm.body_offset:fm.body_offset + 20000])
    return note
