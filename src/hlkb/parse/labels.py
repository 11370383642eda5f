"""The words templates use: highlight-section headers, field labels, metadata fields.

Exporters and users label the parts of a highlight (``Note:``, ``**Tags**::``, ``📝 Note``,
``Annotation:``, ``- Page: 4``, ``### Note``, ``> [!note]``) and head the highlights section
(``## Highlights``, ``Highlights first synced by``, ``[[Readwise]] [[2023-03-27]]``); this
module knows those words in the languages seen in real vaults, and nothing about layout.
"""

from __future__ import annotations

import re
from functools import lru_cache

# -- section headers ----------------------------------------------------------------------

# A heading or outline block that opens a highlights section (matched on its plain text).
_HEADER = re.compile(
    r"^(?:(?:my|all|kindle|book|new|the)\s+)?(?:highlights?(?:\s*(?:&|and|\+)\s*(?:notes?|annotations?))?"
    r"|annotations?|notes?\s*(?:&|and)\s*highlights?|excerpts?|quotes)\b(?!\s*(?:\d+)?\s*[:：])"
    r"|^new highlights (?:added|synced)\b|^highlights (?:first synced|synced|added)\b"
    r"|^(?:高亮划线|划线评论|读书笔记|劃線|划线|高亮|标注|摘录|书摘|ハイライト|하이라이트)(?:\s|$|[（(])",
    re.IGNORECASE,
)
# "- [[Readwise]][[2023-03-27]]", "- Highlights first synced by #Readwise [[date]]" (Logseq/Roam)
_SYNC_HEADER = re.compile(r"^(?:#|\[\[)?readwise(?:\]\])?\s*(?:\[\[[^\]]+\]\]|\d{4}-\d{2}-\d{2})", re.IGNORECASE)
# Sections that hold something other than highlights.
_OTHER_SECTION = re.compile(
    r"^(?:metadata|about|info(?:rmation)?|book info(?:rmation)?|details|properties|readwise information"
    r"|summary|document notes?|page notes?|linked notes|related(?: notes)?|backlinks|references|full document"
    r"|table of contents|contents|toc|links|source|comments?|元数据|元資料|书籍信息|基本信息|简介)\s*:?$",
    re.IGNORECASE,
)
METADATA_SECTION = re.compile(
    r"^(?:metadata|about|info(?:rmation)?|book info(?:rmation)?|details|properties|readwise information"
    r"|(?:book|document|article) (?:details|metadata)|元数据|元資料|书籍信息|基本信息)\s*:?$",
    re.IGNORECASE,
)
DOCUMENT_NOTE_SECTION = re.compile(r"^(?:document notes?|page notes?|summary)\s*:?$", re.IGNORECASE)
FULL_DOCUMENT_SECTION = re.compile(r"^full document$", re.IGNORECASE)


_HEADER_WORDS = (
    "highlight",
    "annotation",
    "readwise",
    "excerpt",
    "quote",
    "划线",
    "笔记",
    "劃線",
    "高亮",
    "标注",
    "摘录",
    "书摘",
    "ハイライト",
    "하이라이트",
)
# Any of them in a lowered text: one scan instead of one per word.
_HEADER_WORD = re.compile("|".join(map(re.escape, _HEADER_WORDS)))


def new_note() -> None:
    """Forget the previous note's lines (see anchors.new_note: the caches below serve the
    layout and the unit readers asking about the same line within one note)."""
    is_highlights_header.cache_clear()
    field_of.cache_clear()


@lru_cache(maxsize=4096)
def is_highlights_header(text: str) -> bool:
    if len(text) > 300:
        return False
    if not _HEADER_WORD.search(text.lower()):
        return False
    t = " ".join(text.replace("\u00a0", " ").split())
    t = t.strip("*_ ").lstrip("#").strip()
    t = re.sub(r"^[^\w\[#]+\s*", "", t)  # "🔖 Highlights", "✂️ Highlights"
    return bool(_HEADER.match(t) or _SYNC_HEADER.match(t))


def is_other_section(text: str) -> bool:
    t = re.sub(r"^[^\w]+\s*", "", " ".join(text.split()))
    return bool(_OTHER_SECTION.match(t))


# -- field labels --------------------------------------------------------------------------

NOTE, TAGS, LOCATION, IGNORED, TEXT, SECTION = "note", "tags", "location", "ignored", "text", "section"
_LABEL_KINDS = [
    (TEXT, r"highlight(?:ed)?(?: text)?|quote|excerpt|passage|高亮|划线|劃線|摘录|原文"),
    (
        NOTE,
        r"(?:(?:my|reader'?s?|personal|\w+['’]s)\s+)?(?:notes?|annotations?|comments?|thoughts?|reflections?"
        r"|remarks?)|想法|笔记|筆記|备注|備註|批注|批註|注释|注釋|点评|點評|メモ|コメント",
    ),
    (TAGS, r"(?:highlight[ _-]?)?tags?|labels?|标签|標籤|タグ"),
    (
        LOCATION,
        r"location|loc\.?|page|pages|position|time|timestamp|go ?to|highlight link|link to highlight"
        r"|位置|页码|頁碼|页|頁|ページ",
    ),
    (SECTION, r"chapter|section|章节|章節|章"),
    (
        IGNORED,
        r"date|highlighted(?:[ _]at|[ _]on)|created(?:[ _]at)?|updated(?:[ _]at)?|added(?:[ _]on)?|colou?r"
        r"|see also|source|url|link|id|highlight id|readwise id|group|type|favorite|favourite|context"
        r"|(?:apple books |kindle )?link"
        r"|日期|时间|時間|颜色|顏色",
    ),
]
_KIND_OF_LABEL = [(kind, re.compile(f"^(?:{words})$", re.IGNORECASE)) for kind, words in _LABEL_KINDS]
_LABEL_WORDS = "|".join(words for _, words in _LABEL_KINDS)
_LEAD = r"(?P<lead>[^\w\s*_\[(\-#>|`]{1,3}[ \t]*)?"
# "Note: x", "**Note:** x", "**Note**: x", "__Note__: x", "Note:: x", "*Note*: x", "📝 Note: x",
# "笔记：x"; the value may be empty (a label whose text follows on the next lines).
_FIELD = re.compile(
    r"^" + _LEAD + r"(?P<o>\*\*|__|\*|_)?(?P<label>" + _LABEL_WORDS + r")"
    r"(?:(?(o)(?P=o))[ \t]*(?P<sep>::?|：)|(?P<sep2>::?|：)[ \t]*(?(o)(?P=o)))[ \t]*(?P<value>.*)$",
    re.IGNORECASE,
)
_FIELD_WRAPPED = re.compile(
    r"^" + _LEAD + r"(?P<o>\*\*|__)(?P<label>" + _LABEL_WORDS + r")[ \t]*(?:::?|：)[ \t]*(?P<value>.*?)(?P=o)[ \t]*$",
    re.IGNORECASE,
)
# A label on its own ("### Note", "**Note**", "Notes", "📝 Note"), heading the lines below it.
_FIELD_HEADING = re.compile(
    r"^" + _LEAD + r"(?P<o>\*\*|__)?(?P<label>" + _LABEL_WORDS + r")(?(o)(?P=o))[ \t]*:?$", re.IGNORECASE
)
# Obsidian callouts: "> [!note]", ">> [!info] 📝 **Note**:"; their type and title.
CALLOUT = re.compile(r"^\[!(?P<type>[\w-]+)(?:\|[\w-]*)?\][+-]?[ \t]*(?P<title>.*)$")
NOTE_CALLOUT_TYPES = {
    "note",
    "notes",
    "comment",
    "comments",
    "annotation",
    "info",
    "thought",
    "thoughts",
    "memo",
    "question",
    "idea",
    "todo",
    "reflection",
}


_COMMON_LABELS = {
    "note": NOTE,
    "notes": NOTE,
    "annotation": NOTE,
    "comment": NOTE,
    "tags": TAGS,
    "tag": TAGS,
    "page": LOCATION,
    "location": LOCATION,
    "time": LOCATION,
    "date": IGNORED,
    "highlight_tags": TAGS,
    "goto": LOCATION,
}


def _kind(label: str) -> str:
    kind = _COMMON_LABELS.get(label.lower())
    if kind is not None:
        return kind
    label = " ".join(label.split())
    return next(kind for kind, rx in _KIND_OF_LABEL if rx.match(label))


# Emoji that label a field without words: "💭 a thought", "⏱ 2022-12-06 01:24", "🏷️ #a #b".
_EMOJI_FIELD = re.compile(r"^(?P<emoji>💭|📝|✍️?|🗒️?|💬|🏷️?|⏱️?|⏰|📅|🗓️?|🕐|🕒|📍)\ufe0f?[ \t]*(?P<value>.*)$")
_EMOJI_KIND = {
    "💭": NOTE,
    "📝": NOTE,
    "✍": NOTE,
    "✍️": NOTE,
    "🗒": NOTE,
    "🗒️": NOTE,
    "💬": NOTE,
    "🏷": TAGS,
    "🏷️": TAGS,
    "📍": LOCATION,
}
# A bold label that says it holds a note: "**Initial thought or note on:** …", "**My comment**:".
_BOLD_NOTE_LABEL = re.compile(
    r"^(?:\*\*|__)(?P<label>[^*_\n:]{1,60}?)(?::(?:\*\*|__)|(?:\*\*|__)[ \t]*:)[ \t]*(?P<value>.*)$"
)
_NOTE_WORD = re.compile(
    r"\b(?:notes?|thoughts?|comments?|annotations?|remarks?|reflections?)\b|想法|笔记|批注|备注", re.IGNORECASE
)


@lru_cache(maxsize=4096)
def field_of(text: str) -> tuple[str, str] | None:
    """(kind, value) when ``text`` is a labelled field line ("Note: x", "**Tags**:: a",
    "💭 a thought"), else None."""
    s = text.strip()
    if not s:
        return None
    if ord(s[0]) > 0x2000:
        m = _EMOJI_FIELD.match(s)
        if m:
            inner = field_of(m.group("value")) if m.group("value")[:1].isalpha() else None
            if inner is not None:
                return inner  # "📝 Note:: x": the word says what it is
            return _EMOJI_KIND.get(m.group("emoji"), IGNORED), m.group("value").strip()
    if ":" not in s and "：" not in s:
        return None
    m = _FIELD.match(s)
    if not m:
        m = _FIELD_WRAPPED.match(s)  # "**Note: .h2**": the emphasis wraps the value too
        if not m:
            m = _BOLD_NOTE_LABEL.match(s)
            if m and _NOTE_WORD.search(m.group("label")) and len(m.group("label").split()) <= 8:
                return NOTE, m.group("value").strip()
            return None
    value = m.group("value").strip()
    return _kind(m.group("label")), "" if value.lower() in _PLACEHOLDERS else value


# Values templates write for an empty field.
_PLACEHOLDERS = {"n/a", "na", "none", "null", "-", "—", "无", "暂无"}


def field_heading_of(text: str) -> str | None:
    """The kind of a bare label line or heading (``### Note``, ``**Note**``), else None."""
    s = text.strip()
    if not s or len(s) > 40:
        return None
    m = _FIELD_HEADING.match(s)
    kind = _kind(m.group("label")) if m else None
    return None if kind in (TEXT, SECTION) else kind  # "## Highlight", "### Chapter" head no field


# -- metadata fields ------------------------------------------------------------------------

# "Author: x", "- Author:: [[x]]", "**Author:** x", "**Author**:: x", "**[Author](<Author.md>):** x",
# "Key-With-Dashes:: x", "Author：x" (full-width colon).
META_FIELD = re.compile(
    r"^[ \t]*(?P<bullet>[-*+][ \t]+)?(?:\*\*\[(?P<lk>[^\]\n]{1,40})\]\([^)\n]*\):?\*\*:?"
    r"|\*\*(?P<bk>[^*:\n]{1,40}?)(?::\*\*|\*\*[ \t]*::?)"
    r"|(?P<k>[^:*\[\]#!>|\n]{1,40}?)[ \t]*(?:::?|：))(?:[ \t]+|$)(?P<v>.*?)[ \t]*$"
)


def meta_field(text: str) -> tuple[str, str] | None:
    """(key, value) of a metadata line, or None. Keys are at most five words."""
    if ":" not in text and "：" not in text and "**[" not in text:
        return None  # every form has a colon but "**[Author](…)** x"
    m = META_FIELD.match(text)
    if not m:
        return None
    key = (m.group("lk") or m.group("bk") or m.group("k") or "").strip()
    if not key or len(key.split()) > 5 or key.startswith(("http", "www.")):
        return None
    return key, m.group("v")


# Keys that say a block of key-value lines is a document's metadata (any one is enough).
_KNOWN_META_KEYS = re.compile(
    r"^(?:author|authors|full title|title|category|url|source url|source|document tags|summary|tags|asin|isbn"
    r"|reference|type|link|readwise url|readwise-link|publisher|published(?:[ -]date)?|date|synced|highlights?"
    r"|number of highlights|last highlighted(?:[ -]date)?|date highlighted|cover|id|updated|created"
    r"|readwise[ -]source|document[ -]tags|source[ -]url|site|labels|date[ _-]saved|status|rating"
    r"|started|finished|genre|links|作者|书名|標題|标题|分类|来源|链接)$",
    re.IGNORECASE,
)


def is_known_meta_key(key: str) -> bool:
    return bool(_KNOWN_META_KEYS.match(" ".join(key.split()).strip("*_ ")))
