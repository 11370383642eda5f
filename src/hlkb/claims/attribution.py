"""Who says so: the source a sentence attributes its statement to.

English: "according to X", "X said/says/estimates/reports/…", "…, X said." Chinese:
據X / 据X / 根據X / 根据X, X表示, X稱/称, X說/说, X指出, X預計/预计, X估計/估计,
X的數據顯示/数据显示, X報導/报道. X is trimmed to the clause it sits in.
"""

from __future__ import annotations

import re

from hlkb.wordtrie import trie_pattern

_EN_VERBS = (r"said|says|say|estimates?|estimated|reports?|reported|told|tells|found|finds|"
             r"predicts?|predicted|projects?|projected|forecasts?|forecast|argues?|argued|wrote|"
             r"writes|noted|notes|claims?|claimed|believes?|believed|stated|states|announced|"
             r"announces|expects?|expected|calculated|calculates|reckons?|reckoned|warned|warns|"
             r"showed|shows|suggests?|suggested|concluded|concludes")
_EN_STOP_SUBJECT = {"it", "this", "that", "there", "which", "what", "who", "one", "we", "i", "you", "they"}

_ACCORDING = re.compile(r"\b[Aa]ccording to\s+(?P<who>[^,.;:!?()\"“”]{2,80})")
_VERB = re.compile(rf"\b(?:also\s+|has\s+|have\s+|had\s+)?(?:{_EN_VERBS})\b")
_SUBJECT_NOUN = re.compile(r"(?:ers|ists|analysts|experts|officials|data|figures|study|studies|survey|report|research)$",
                           re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[,;:()\"“”]|\b(?:that|which|who|and|but|while|because|as|if|when)\b")
_INVERTED = re.compile(r"[,”\"]\s*(?P<verb>said|says|wrote|noted|added|told\s+\w+)\s+(?P<who>[A-Z][^,;:!?]{1,60}?|the\s+[^,;:!?]{1,60}?)(?:,[^.!?]*)?[.!?]?[\"”’]?\s*$")

_END_SAID = re.compile(rf",\s*(?P<who>(?:the\s+|a\s+|an\s+)?[\w’'&.-]+(?:\s+[\w’'&.-]+){{0,5}}?)\s+(?:{_EN_VERBS})[.!?]?[\"”’]?\s*$")
# 據/据 not after 數證佔收 (數據 is data, not "according to"): the look-behind comes after
# the character, two wide, so that every branch starts with a literal re can skip to.
_ZH_BEFORE = re.compile(r"(?:據(?<![數数證证佔占收]據)|据(?<![數数證证佔占收]据)|按照)(?P<who>[^，,。；;：:！？「」“”]{1,30}?)(?:的)?(?:數據|数据|統計|统计|報告|报告|報導|报道|估計|估计|調查|调查|研究|消息|稱|称|說|说|顯示|显示)?[，,]")
# "X表示", "X的數據顯示": the keyword, then X is read back to the clause start.
_ZH_AFTER_KEY = re.compile(
    r"的(?:數據|数据|統計|统计|研究|報告|报告|調查|调查)(?:顯示|显示|表明)|"
    r"表示|稱|称|說|说道|说|指出|預計|预计|預測|预测|估計|估计|認為|认为|報導|报道|透露|宣布|宣佈"
)
_ZH_CLAUSE_PUNCT = re.compile(r"[，,。；;：:！？「」“”]")
# What an attribution needs, and most sentences lack (they stop at these searches): the
# English forms above name a reporting verb (or "according") as a whole word, the
# Chinese forms one of these keywords. Tries: a plain alternation of sixty words was
# most of the time spent on sentences that attribute nothing.
EN_REPORTING_WORDS = ["According", "according"] + [
    w for v in _EN_VERBS.split("|") for w in ((v[:-2], v[:-1]) if v.endswith("?") else (v,))]
_EN_REPORTING_WORD = re.compile(rf"(?<!\w)(?:{trie_pattern(EN_REPORTING_WORDS)})(?!\w)")
_ZH_KEYWORDS = "據 据 按照 表示 稱 称 說 说 指出 預 预 估 認為 认为 報導 报道 透露 宣 顯示 显示 表明".split()
_ZH_KEYWORD = re.compile(trie_pattern(_ZH_KEYWORDS))
# _INVERTED also reads '"…," added X', but only ever did in a sentence where one of
# these occurs, even inside another word ("unsaid"): the old prefilter, kept for that.
_ANY_TRIGGER = re.compile(trie_pattern(EN_REPORTING_WORDS + _ZH_KEYWORDS))
_LOWER_LATIN = re.compile(r"[a-z]")
_DIGIT = re.compile(r"\d")
_LEADING_CONJUNCTION = re.compile(r"^(?:and|but|so|as|while|because)\s+", re.IGNORECASE)
_ZH_LEADING_NOISE = re.compile(r"^(?:但|而|並|并|另外|此外|同時|同时|他|她|因此|不過|不过|然而|那麼|那么)")


def may_attribute(text: str) -> bool:
    """False when neither ``text`` nor any part of it that keeps its words whole (a
    sentence of it, say) names a source; True says "perhaps"."""
    return _may_be_english(text) or _has_zh_keyword(text)


def _may_be_english(text: str) -> bool:
    if not text.isascii() and not _LOWER_LATIN.search(text):
        return False   # every reporting word has a lowercase letter (a quick test for Chinese)
    if _EN_REPORTING_WORD.search(text):
        return True
    return "added" in text and _ANY_TRIGGER.search(text) is not None


def _has_zh_keyword(text: str) -> bool:
    return not text.isascii() and _ZH_KEYWORD.search(text) is not None


def find_attribution(sentence: str) -> str | None:
    """The source named by ``sentence``, or None when it attributes nothing."""
    if _may_be_english(sentence):
        m = _ACCORDING.search(sentence)
        if m:
            return _clean_en(m.group("who"))
        m = _INVERTED.search(sentence)
        if m:
            return _clean_en(m.group("who"))
        m = _END_SAID.search(sentence)
        if m and m.group("who").split()[-1].lower() not in _EN_STOP_SUBJECT:
            return _clean_en(m.group("who"))
        for m in _VERB.finditer(sentence):
            who = _subject_before(sentence[:m.start()])
            if who:
                return who
    if not _has_zh_keyword(sentence):
        return None
    m = _ZH_BEFORE.search(sentence)
    if m:
        return m.group("who").strip() or None
    for m in _ZH_AFTER_KEY.finditer(sentence):
        head = sentence[max(0, m.start() - 30):m.start()]
        breaks = list(_ZH_CLAUSE_PUNCT.finditer(head))
        who = (head[breaks[-1].end():] if breaks else head).strip()
        who = _ZH_LEADING_NOISE.sub("", who)
        if len(who) >= 2 and not _DIGIT.search(who):
            return who
        if len(who) >= 1:
            return None   # the first reporting verb decides, as a reader would
    return None


def _subject_before(head: str) -> str | None:
    """The subject right before a reporting verb: the words back to the clause start,
    at most eight; a source only if it names someone (a capital) or a source noun."""
    breaks = list(_CLAUSE_BREAK.finditer(head))
    clause = head[breaks[-1].end():] if breaks else head
    words = clause.split()[-8:]
    if not words:
        return None
    who = " ".join(words)
    if who.lower() in _EN_STOP_SUBJECT or words[-1].lower() in _EN_STOP_SUBJECT:
        return None
    if any(w[0].isupper() for w in words) or _SUBJECT_NOUN.search(words[-1]):
        return _clean_en(who)
    return None


def _clean_en(who: str) -> str | None:
    who = who.strip(" \t'\"“”‘’")
    who = _LEADING_CONJUNCTION.sub("", who)
    words = who.split()
    if not words:
        return None
    return " ".join(words[:10])
