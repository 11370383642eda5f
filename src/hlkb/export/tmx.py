"""TMX 1.4 (translation memory) writer for pair records, streaming and XML-escaped.

Each pair record becomes one ``<tu>``: an ``en`` variant and a ``zh-Hant`` or ``zh-Hans``
variant (from the record's ``zh_script``; plain ``zh`` when unknown). Paragraphs of one
side are joined with a space. Characters XML 1.0 cannot carry (most C0 controls) become
U+FFFD, so the file always parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from hlkb import __version__

# xml.sax.saxutils' escape and quoteattr, written out: importing it imports urllib and
# http.client (35 ms), which every command that can print records would pay at start-up.
_ATTR_ENTITIES = (("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;"))


def escape(data: str) -> str:
    return data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(data: str) -> str:
    data = escape(data)
    for raw, entity in _ATTR_ENTITIES:
        data = data.replace(raw, entity)
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"{}"'.format(data.replace('"', "&quot;"))


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LANG = {"hant": "zh-Hant", "hans": "zh-Hans"}


def _clean(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


def _seg(paragraphs: list[str]) -> str:
    return escape(_clean(" ".join(" ".join(p.split("\n")) for p in paragraphs)))


def _prop(kind: str, value) -> str:
    return f"<prop type={quoteattr('x-' + kind)}>{escape(_clean(str(value)))}</prop>"


def write_tmx(pair_records: Iterable[dict], out: TextIO) -> int:
    """Write a TMX 1.4 document of ``pair_records`` to ``out``; returns the number of units."""

    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n')
    out.write(
        f'  <header creationtool="hlkb" creationtoolversion={quoteattr(str(__version__))} '
        'segtype="paragraph" o-tmf="hlkb" adminlang="en" srclang="en" datatype="plaintext"/>\n'
    )
    out.write("  <body>\n")
    n = 0
    for rec in pair_records:
        if rec.get("kind", "pair") != "pair":
            continue
        zh_lang = _LANG.get(rec.get("zh_script") or "", "zh")
        props = "".join(_prop(k, rec[k]) for k in ("path", "line", "score") if rec.get(k) is not None)
        out.write(f"    <tu tuid={quoteattr(_clean(str(rec.get('id', n))))}>{props}\n")
        out.write(f'      <tuv xml:lang="en"><seg>{_seg(rec.get("en") or [])}</seg></tuv>\n')
        out.write(f"      <tuv xml:lang={quoteattr(zh_lang)}><seg>{_seg(rec.get('zh') or [])}</seg></tuv>\n")
        out.write("    </tu>\n")
        n += 1
    out.write("  </body>\n</tmx>\n")
    return n
