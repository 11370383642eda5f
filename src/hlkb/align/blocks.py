"""From classified lines to paragraphs: how a document lays its two languages out.

A block is a maximal run of non-blank lines. Every block is one of:

* **text**: prose in one language (with labels, markup lines and inline ``EN / 中文``
  lines perhaps): one paragraph, however many lines it has and whatever markup
  (``</p>``) lines sit inside it (a quote's ``>`` line is blank) (docs/design.md#records: a maximal run of non-blank lines in one
  language); a gloss line ends it;
* **lines**: both languages line by line (subtitles, ``EN`` / ``ZH`` line pairs, a
  headline list, a numbered sentence with its translation and analysis): each run of
  lines in one language is a paragraph; a label or gloss line ends one;
* **notes**: a learner's glosses and examples (an example with its translation in
  parentheses, or mostly gloss and analysis lines): no paragraph;
* **none**: nothing to pair (labels, links, a ``Key: value`` header).

Whether a block that holds both languages is read line by line is a decision about the
document: yes when such blocks outnumber the one-language blocks, or when the block
itself alternates at least twice (EN, ZH, EN). Otherwise, in an article laid out block
by block, a title or credit in one block with the other language is not paired with it
(``Paragraph.apart``); two whole sentences glued together may still be. A section (a
Markdown heading and what follows up to the next heading of its level) made mostly of
notes (two notes blocks or more, and more text in notes than in paragraphs) is a
glossary: all of it, headings included, is notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hlkb.align.segment import (
    _BLANK_CHARS,
    _LATIN_LETTER,
    _TERMINAL,
    FUNCTION_WORDS,
    LineInfo,
    classify_lines,
    heading_level,
    is_label_word,
    is_parenthesised,
    label_lang,
    latin_words,
    plain_line,
    prose_of,
    split_inline,
    table_cells,
)
from hlkb.lang import han_count

TEXT, LINES, NOTES, NONE = "text", "lines", "notes", "none"
_METADATA_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,24}:[ \t]")
_LANG_KINDS = ("en", "zh")
# The longest a short line can be and still read as a heading (characters, spaces aside).
HEADING_LENGTH = {"zh": 16, "en": 40}


@dataclass
class Paragraph:
    lang: str  # "en" or "zh"
    start: int  # first line (1-based, file lines)
    end: int  # last line
    text: str  # its lines without quote/list markers and HTML tags, joined with "\n"
    block: int = 0  # index of the blank-line-separated block it sits in
    inline: bool = False
    order: int = 0  # position among all paragraphs, in reading order
    markdown: str = ""  # its lines as written (for an inline half: that half)
    # In an article laid out block by block, the two languages of one block are not each
    # other's translation (a bilingual title, a credit line, a heading glued to a paragraph).
    apart: bool = False
    line_level: bool = False  # a line of a block read line by line


@dataclass
class Block:
    index: int
    lines: list[LineInfo]
    role: str = NONE
    runs: int = 0  # runs of lines in one language (inline lines aside)
    apart: bool = False  # its paragraphs may not pair with each other


def segment(text: str, first_line: int = 1) -> tuple[list[LineInfo], list[Paragraph]]:
    infos = classify_lines(text, first_line)
    return infos, build_paragraphs(infos)


def build_paragraphs(infos: list[LineInfo]) -> list[Paragraph]:
    _mark_quoting_lines(infos)
    blocks = _blocks(infos)
    mixed = [b for b in blocks if b.role == LINES]
    single = sum(1 for b in blocks if b.role == TEXT)
    by_lines = len(mixed) > single
    if by_lines:
        # A short line of the other language in a one-language block ("# Garden Guide"
        # above "# 园艺指南") is its line-by-line counterpart, not a label.
        for b in blocks:
            if b.role == TEXT and _labels_of_the_other_language(b):
                _read_labels_as_lines(b)
                _shape(b)
                if b.role == LINES:
                    mixed.append(b)
    else:
        _label_translations(blocks)
    for b in mixed:
        if by_lines or b.runs >= 3:
            _read_labels_as_lines(b)
        elif _titles_or_credits(b):
            b.apart = True  # a bilingual title, a credit, a heading glued to a paragraph
    _glossary_sections(blocks)
    paras: list[Paragraph] = []
    for b in blocks:
        if b.role == NOTES:
            for info in b.lines:
                if info.kind != "markup":
                    info.why = info.why or "notes"
            continue
        if b.role != NONE:
            paras.extend(_block_paragraphs(b))
    for i, p in enumerate(paras):
        p.order = i
    return paras


# A run of English words inside a Chinese line, as long as QUOTED_RUN words or longer.
QUOTED_RUN = 8
_ENGLISH_RUN = re.compile(rf"[A-Za-z][A-Za-z'’-]*(?:[ \t,;:]+[A-Za-z][A-Za-z'’-]*){{{QUOTED_RUN - 1},}}")


def _mark_quoting_lines(infos: list[LineInfo]) -> None:
    """A line with Chinese in it that quotes the document's English word for word — a run of
    QUOTED_RUN words or more, with at least one function word (so not a name), found in
    an English line, and not in parentheses — is a learner's analysis of that sentence
    ("**主句**：*China has delivered …*（中国已经…）"), never its translation: translators
    translate, giving at most a phrase of the original in parentheses ("（build it and
    they will come）")."""
    quoting = [
        i for i in infos if i.kind in ("zh", "inline", "en") and _ENGLISH_RUN.search(i.text) and han_count(i.text)
    ]
    if not quoting:
        return
    english: dict[tuple[str, ...], int] = {}  # run of words -> the English line it is in
    for info in infos:
        if info.kind == "en":
            _add_runs(english, latin_words(info.text), info.number)
    for info in quoting:
        if info.kind == "zh":
            # English in quotation marks inside Chinese ("【注：出自歌词“…”】") is the original's
            # words: a line that repeats them quotes them too
            for run in _ENGLISH_RUN.finditer(info.text):
                if info.text[: run.start()].rstrip()[-1:] in ("“", '"'):
                    _add_runs(english, latin_words(run.group()), info.number)
    if not english:
        return
    for info in quoting:
        for run in _ENGLISH_RUN.finditer(info.text):
            if info.text[: run.start()].rstrip()[-1:] in ("(", "（"):
                continue  # a translation giving the original in parentheses
            words = [w.lower() for w in latin_words(run.group())]
            grams = (tuple(words[k : k + QUOTED_RUN]) for k in range(len(words) - QUOTED_RUN + 1))
            if any(english.get(g, info.number) != info.number and any(w in FUNCTION_WORDS for w in g) for g in grams):
                info.kind, info.why = "gloss", "notes"
                break


def _add_runs(english: dict[tuple[str, ...], int], words: list[str], number: int) -> None:
    words = [w.lower() for w in words]
    for k in range(len(words) - QUOTED_RUN + 1):
        english.setdefault(tuple(words[k : k + QUOTED_RUN]), number)


def _blocks(infos: list[LineInfo]) -> list[Block]:
    blocks: list[Block] = []
    current: list[LineInfo] = []
    for info in infos:
        if info.kind == "blank":
            if current:
                blocks.append(_shape(Block(len(blocks), current)))
                current = []
            continue
        current.append(info)
    if current:
        blocks.append(_shape(Block(len(blocks), current)))
    return blocks


def _shape(b: Block) -> Block:
    """The block's role before the document-wide decisions (text, lines, notes, none)."""
    kinds = [i.kind for i in b.lines]
    langs = [k for k in kinds if k in _LANG_KINDS]
    runs = 0
    last = None
    for k in langs:
        if k != last:
            runs += 1
            last = k
    b.runs = runs
    parenthesised = sum(1 for i in b.lines if i.kind in _LANG_KINDS and is_parenthesised(i.text))
    glosses = kinds.count("gloss")
    mixed = "en" in langs and "zh" in langs
    if mixed and parenthesised:
        b.role = NOTES  # an example and its translation in parentheses
    elif _vocabulary_table(b):
        b.role = NOTES  # | word | /IPA/ | 释义 |
    elif glosses and glosses + parenthesised > len(langs) - parenthesised:
        b.role = NOTES  # mostly glosses and analysis
    elif _metadata(b):
        b.role = NONE  # "Title: …", "Date: …", "Tags: …" (a header without front-matter fences)
    elif mixed:
        b.role = LINES
    elif langs or "inline" in kinds:
        b.role = TEXT
    return b


def _label_translations(blocks: list[Block]) -> None:
    """In an article laid out block by block, a one-line block that reads as a label
    ("Election Night", "Chicago, Illinois") with a one-line block of the other language
    right after it or right before it, as short and not a sentence ("竞选之夜"), is a
    heading and its translation, not a label."""
    for k, b in enumerate(blocks):
        if not _lone_label(b):
            continue
        lang = label_lang(b.lines[0].text)
        if lang == "other":
            continue
        for other in (blocks[k + 1] if k + 1 < len(blocks) else None, blocks[k - 1] if k else None):
            if other is not None and _short_line_of(other, "zh" if lang == "en" else "en"):
                info = b.lines[0]
                info.kind, info.why = lang, ""
                _shape(b)
                break


def _lone_label(b: Block) -> bool:
    return len(b.lines) == 1 and b.lines[0].why == "label" and not is_label_word(b.lines[0].text)


def _short_line_of(b: Block, lang: str) -> bool:
    """A one-line block of ``lang`` that does not end a sentence and is short: a heading."""
    if len(b.lines) != 1:
        return False
    info = b.lines[0]
    if info.kind == "other" and _lone_label(b):
        if label_lang(info.text) != lang:
            return False
    elif info.kind != lang:
        return False
    prose = prose_of(info.text)
    return ends_mid_sentence(prose) and len("".join(prose.split())) <= HEADING_LENGTH[lang]


def _vocabulary_table(b: Block) -> bool:
    """A table of three columns or more whose Latin cells are words or short phrases (up
    to three, split at spaces: word, pronunciation, sense): a glossary, not text and its
    translation."""
    rows = [i for i in b.lines if i.kind not in ("markup", "blank") and i.why != "table head"]
    if len(rows) < 2:
        return False
    for info in rows:
        cells = table_cells(info.text)
        if cells is None or len(cells) < 3:
            return False
        if any(len(prose_of(info.text[x:y]).split()) > 3 and _LATIN_LETTER.search(info.text[x:y]) for x, y in cells):
            return False
    return True


def _titles_or_credits(b: Block) -> bool:
    """Does a run of one language in the block end without ending a sentence (a title,
    a heading, a credit), rather than both being sentences that translate each other?"""
    lang_lines = [i for i in b.lines if i.kind in _LANG_KINDS]
    ends = [i for k, i in enumerate(lang_lines) if k + 1 == len(lang_lines) or lang_lines[k + 1].kind != i.kind]
    return any(ends_mid_sentence(prose_of(i.text)) for i in ends)


def _labels_of_the_other_language(b: Block) -> bool:
    langs = {i.kind for i in b.lines if i.kind in _LANG_KINDS}
    return len(langs) == 1 and any(
        i.kind == "other"
        and i.why == "label"
        and not is_label_word(i.text)
        and label_lang(i.text) not in langs | {"other"}
        for i in b.lines
    )


def _read_labels_as_lines(b: Block) -> None:
    """In a block that alternates line by line, a short line ("He replied,", "随后又说：")
    is a line of its own, not a label (unless it is one of the labels learners' notes
    use: "原文：", "Notes")."""
    for info in b.lines:
        if info.kind == "other" and info.why == "label" and not is_label_word(info.text):
            lang = label_lang(info.text)
            if lang != "other":
                info.kind, info.why = lang, ""


def _metadata(b: Block) -> bool:
    """Two or more lines, every one ``Key: value`` with a short Latin key."""
    lines = [i for i in b.lines if i.kind != "markup"]
    return (
        len(lines) >= 2
        and all(_METADATA_LINE.match(i.text) for i in lines)
        and not any(i.kind == "inline" for i in lines)
    )  # "title: EN / 中文" is text


def _glossary_sections(blocks: list[Block]) -> None:
    """Mark as notes every section whose blocks are mostly notes (a vocabulary or
    "key structures" part of a learner's note), its headings included."""
    headings = [
        (info.number, heading_level(info.text))
        for b in blocks
        for info in b.lines
        if info.why not in ("code", "front matter", "html")
    ]
    headings = [(n, lvl) for n, lvl in headings if lvl]
    if not headings:
        return
    for k, (number, level) in enumerate(headings):
        end = next((n for n, lvl in headings[k + 1 :] if lvl <= level), None)
        inside = [b for b in blocks if b.lines[0].number >= number and (end is None or b.lines[0].number < end)]
        body = [b for b in inside if not all(heading_level(i.text) for i in b.lines)]
        notes = sum(1 for b in body if b.role == NOTES)
        if notes < 2:
            continue  # a gloss or two beside an article's paragraphs is not a glossary
        # Notes against text by length: a learner's translation is long, the glosses after
        # it short; in a glossary the example sentences are as short as the glosses.
        notes_chars = sum(_chars(i) for b in body for i in b.lines if b.role == NOTES or i.kind == "gloss")
        text_chars = sum(_chars(i) for b in body if b.role in (TEXT, LINES) for i in b.lines if i.kind in _LANG_KINDS)
        if notes_chars > text_chars:
            for b in inside:
                b.role = NOTES


def _chars(info: LineInfo) -> int:
    return len("".join(prose_of(info.text).split())) if info.kind not in ("markup", "blank") else 0


def _block_paragraphs(b: Block) -> list[Paragraph]:
    """Paragraphs of a text or lines block. In a text block, labels and markup lines sit
    inside the paragraph; in a lines block only markup lines do."""
    transparent = ("markup",) if b.role == LINES else ("markup", "other")  # a gloss always ends one
    out: list[Paragraph] = []
    current: list[LineInfo] | None = None
    lang: str | None = None

    def close():
        if current:
            out.append(_paragraph(lang, current, b.index))

    apart = b.apart and b.role == LINES

    lead: LineInfo | None = None  # a line that opens the paragraph below it
    for info in b.lines:
        opener, lead = lead, None
        if "<" in info.text and _HTML_BLOCK_LINE.match(info.text):
            # Generated HTML: a line that is a whole <p>, <li> or <hN> element, or an <hr>,
            # is a paragraph of its own (or ends one), blank lines or not.
            close()
            current = None
            if info.kind in _LANG_KINDS:
                current, lang = [info], info.kind
                close()
                current = None
            elif info.kind == "inline":
                out.extend(_inline_halves(info, b.index))
        elif info.kind in _LANG_KINDS:
            if b.role == LINES and heading_level(info.text):
                # A Markdown heading is a block of its own, glued to the line below it
                # or not ("## World News" over the first item of a line-by-line list).
                close()
                current, lang = [info], info.kind
                close()
                current = None
            elif current is not None and lang == info.kind:
                current.append(info)
            else:
                close()
                current, lang = [info], info.kind
                if opener is not None:
                    current.insert(0, opener)
        elif info.kind in transparent:
            if current is not None:
                current.append(info)
            elif info.why == "label" and info.text.rstrip(_BLANK_CHARS).endswith(("，", ",")):
                lead = info  # "Siwa Msangi，" over the rest of its sentence: not a label
        else:
            close()
            current = None
            if info.kind == "inline":
                out.extend(_inline_halves(info, b.index))
    close()
    for p in out:
        p.apart = apart
        p.line_level = b.role == LINES
    return out


_HTML_BLOCK_LINE = re.compile(r"\s*(?:<(p|li|h[1-6])\b[^<>]*>.*</\1\s*>|<hr\b[^<>]*>)\s*$", re.IGNORECASE)


def _paragraph(lang: str, lines: list[LineInfo], block: int) -> Paragraph:
    while lines[-1].kind not in _LANG_KINDS:  # trailing labels and markup are not part of it
        lines = lines[:-1]
    texts = [plain_line(i.text) for i in lines if i.kind != "markup"]
    return Paragraph(
        lang,
        lines[0].number,
        lines[-1].number,
        "\n".join(t for t in texts if t),
        block,
        markdown="\n".join(i.text.rstrip(_BLANK_CHARS) for i in lines),
    )


def _inline_halves(info: LineInfo, block: int) -> list[Paragraph]:
    spans = split_inline(info.text)
    assert spans is not None  # (the caller found the line inline)
    en_span, zh_span = spans
    halves = sorted([("en", en_span), ("zh", zh_span)], key=lambda h: h[1][0])
    out = []
    for lang, (a, b) in halves:
        half = info.text[a:b].strip(_BLANK_CHARS)
        out.append(Paragraph(lang, info.number, info.number, plain_line(half), block, inline=True, markdown=half))
    return out


def ends_mid_sentence(text: str) -> bool:
    return not text.rstrip(_BLANK_CHARS + "*_").endswith(_TERMINAL + ("■",))


def continues(prev: Paragraph, nxt: Paragraph) -> bool:
    """Hard-wrapped English (PDF copy): ``prev`` stops mid-sentence and ``nxt`` carries on.

    Only between neighbouring one-line English paragraphs of plain prose (no heading
    marker): the first does not end a sentence, and either the next starts in lower case or
    the first ends on a comma or a function word that cannot end a sentence."""
    if prev.lang != "en" or nxt.lang != "en" or prev.inline or nxt.inline:
        return False
    if prev.start != prev.end or nxt.start != nxt.end:
        return False
    if prev.text.lstrip().startswith("#") or nxt.text.lstrip().startswith("#"):
        return False
    if not ends_mid_sentence(prev.text):
        return False
    first = prose_of(nxt.text)[:1]
    if first.islower():
        return True
    tail = prev.text.rstrip(_BLANK_CHARS + "*_")
    if tail.endswith(","):
        return True
    words = latin_words(tail)
    return bool(words) and words[-1].lower() in FUNCTION_WORDS
