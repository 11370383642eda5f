"""Who says so: the source a sentence attributes its statement to.

English: "according to X", "X said/says/estimates/reports/…", "…, X said." Chinese:
據X / 据X / 根據X / 根据X, X表示, X稱/称, X說/说, X指出, X預計/预计, X估計/估计,
X的數據顯示/数据显示, X報導/报道. X is trimmed to the clause it sits in, and must be a
source: not the narrator or a generic someone (I, he, people, 我, 他们, 有人), not a
word that only contains the keyword (对我来说, 小说, 称为); with the common verbs 说 and
认为, a name in Latin letters or with a middle dot, or an organisation, office or role.
"""

from __future__ import annotations

import re

from hlkb.claims.wordtrie import trie_pattern

_EN_VERBS = (
    r"said|says|say|estimates?|estimated|reports?|reported|told|tells|found|finds|"
    r"predicts?|predicted|projects?|projected|forecasts?|forecast|argues?|argued|wrote|"
    r"writes|noted|notes|claims?|claimed|believes?|believed|stated|states|announced|"
    r"announces|expects?|expected|calculated|calculates|reckons?|reckoned|warned|warns|"
    r"showed|shows|suggests?|suggested|concluded|concludes"
)
_EN_STOP_SUBJECT = {"it", "this", "that", "there", "which", "what", "who", "one", "we", "i", "you", "they"}
# A narrator or a generic someone is not a source: "I'd say", "he said to me", "people often say".
_EN_PRONOUNS = frozenset(
    """i i'd i'm i've i'll me my we we'd we're we've we'll us our you you'd you're you've
you'll your he he'd he's he'll him his she she'd she's she'll her they they'd they're they've they'll them
their it it's its someone somebody anyone anybody everyone everybody nobody people others one""".split()
)
# Words that cannot end a subject right before its verb: modals, adverbs, "to".
_EN_NOT_SUBJECT_END = frozenset(
    """can could would will shall should may might must do does did to not never
often usually always now still just then later already soon safely once""".split()
)
# Reporting verbs that are also plural nouns ("endless projects", "those states", "the notes"):
# a verb only before "that", a number, a colon or a quotation.
_AMBIGUOUS_VERBS = frozenset(
    """reports projects notes states claims shows finds estimates forecasts suggests
expects believes""".split()
)
_VERB_OBJECT = re.compile(r"\s*(?:that\b|\d|[:\"“])")

_ACCORDING = re.compile(r"\b[Aa]ccording to\s+(?P<who>[^,.;:!?()\"“”]{2,80})")
_VERB = re.compile(rf"\b(?:also\s+|has\s+|have\s+|had\s+)?(?:{_EN_VERBS})\b")
_SUBJECT_NOUN = re.compile(
    r"(?:ers|ists|analysts|experts|officials|data|figures|study|studies|survey|report|research)$", re.IGNORECASE
)
_CLAUSE_BREAK = re.compile(
    r"[,;:()\"“”]|\b(?:that|which|who|whom|what|whether|where|how|why|and|but|while|because|"
    r"as|if|when|whenever|although|though|since|until|before|after|so|then)\b",
    re.IGNORECASE,
)
_INVERTED = re.compile(
    r"[,”\"]\s*(?P<verb>said|says|wrote|noted|added|told\s+\w+)\s+(?P<who>[A-Z][^,;:!?]{1,60}?|the\s+[^,;:!?]{1,60}?)(?:,[^.!?]*)?[.!?]?[\"”’]?\s*$"
)

_END_SAID = re.compile(
    rf",\s*(?P<who>(?:the\s+|a\s+|an\s+)?[\w’'&.-]+(?:\s+[\w’'&.-]+){{0,5}}?)\s+(?:{_EN_VERBS})[.!?]?[\"”’]?\s*$"
)
# 據/据 not after 數證佔收 (數據 is data, not "according to"): the look-behind comes after
# the character, two wide, so that every branch starts with a literal re can skip to.
_ZH_BEFORE = re.compile(
    r"(?:據(?<![數数證证佔占收]據)|据(?<![數数證证佔占收]据))(?P<who>[^，,。；;：:！？「」“”]{1,30}?)(?:的)?(?:數據|数据|統計|统计|報告|报告|報導|报道|估計|估计|調查|调查|研究|消息|稱|称|說|说|顯示|显示)?[，,]"
)
# "X表示", "X的數據顯示": the keyword, then X is read back to the clause start.
_ZH_AFTER_KEY = re.compile(
    r"的(?:數據|数据|統計|统计|研究|報告|报告|調查|调查)(?:顯示|显示|表明)|"
    r"表示|稱|称|說|说道|说|指出|預計|预计|預測|预测|估計|估计|認為|认为|報導|报道|透露|宣布|宣佈"
)
_ZH_CLAUSE_PUNCT = re.compile(r"[，,。；;：:！？「」“”\"『』]")
# What an attribution needs, and most sentences lack (they stop at these searches): the
# English forms above name a reporting verb (or "according") as a whole word, the
# Chinese forms one of these keywords. Tries: a plain alternation of sixty words was
# most of the time spent on sentences that attribute nothing.
EN_REPORTING_WORDS = ["According", "according"] + [
    w for v in _EN_VERBS.split("|") for w in ((v[:-2], v[:-1]) if v.endswith("?") else (v,))
]
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
        return False  # every reporting word has a lowercase letter (a quick test for Chinese)
    if _EN_REPORTING_WORD.search(text):
        return True
    return "added" in text and _ANY_TRIGGER.search(text) is not None


def _has_zh_keyword(text: str) -> bool:
    return not text.isascii() and _ZH_KEYWORD.search(text) is not None


def find_attribution(sentence: str) -> str | None:
    """The source named by ``sentence``, or None when it attributes nothing. A narrator
    or a generic someone ("I'd say", "他说", "对我来说", "people often say") is not a
    source."""
    if _may_be_english(sentence):
        m = _ACCORDING.search(sentence)
        if m:
            return _clean_en(m.group("who"))  # "according to" always names a source
        m = _INVERTED.search(sentence)
        if m:
            return _en_source(m.group("who"))
        m = _END_SAID.search(sentence)
        if m and m.group("who").split()[-1].lower() not in _EN_STOP_SUBJECT:
            who = _en_source(m.group("who"))
            if who:
                return who
        for m in _VERB.finditer(sentence):
            verb = m.group(0).split()[-1].lower()
            if verb in _AMBIGUOUS_VERBS and not _VERB_OBJECT.match(sentence, m.end()):
                continue
            who = _subject_before(sentence[: m.start()])
            if who:
                return who
    if not _has_zh_keyword(sentence):
        return None
    m = _ZH_BEFORE.search(sentence)
    if m:
        who = m.group("who").strip()
        return who if who and _zh_source(who, formal=True) else None
    for m in _ZH_AFTER_KEY.finditer(sentence):
        if _not_reporting_here(sentence, m):
            continue
        head = sentence[max(0, m.start() - 30) : m.start()]
        breaks = list(_ZH_CLAUSE_PUNCT.finditer(head))
        who = (head[breaks[-1].end() :] if breaks else head).strip()
        who = _ZH_LEADING_NOISE.sub("", who)
        who = _ZH_TRAILING_ADVERB.sub("", who)
        if len(who) >= 2 and not _DIGIT.search(who):
            return who if _zh_source(who, formal=m.group(0) not in _ZH_COMMON_VERBS) else None
        if len(who) >= 1:
            return None  # the first reporting verb decides, as a reader would
    return None


# Chinese: a reporting keyword that is part of another word here ("对我来说", "小说",
# "可以说", "称为" …).
_ZH_NOT_REPORTING_WORDS = (
    "来说 來說 可以说 可以說 就是说 就是說 比如说 比如說 听说 聽說 小说 小說 据说 據說 所说 所說 "
    "说明 說明 说话 說話 说法 說法 称为 稱為 称之 稱之 被称 被稱 号称 號稱 堪称 堪稱 统称 統稱 简称 簡稱 "
    "俗称 俗稱 人称 人稱 对称 對稱 相称 相稱 名称 名稱 称赞 稱讚 称呼 稱呼 说服 說服 解说 解說 演说 演說 "
    "传说 傳說 说不定 說不定 不用说 不用說 说到 說到 说起 說起 怎么说 怎麼說 这么说 這麼說 再说 再說 "
    "虽说 雖說 被认为 被認為 认为是 說道 说道 的说 的說 想说 想說 要说 要說 会说 會說 能说 能說"
).split()
_ZH_NOT_REPORTING = re.compile("|".join(sorted((re.escape(w) for w in _ZH_NOT_REPORTING_WORDS), key=len, reverse=True)))


def _not_reporting_here(sentence: str, m: re.Match) -> bool:
    """Is the keyword at ``m`` inside one of ``_ZH_NOT_REPORTING_WORDS``?"""
    lo = max(0, m.start() - 3)
    for w in _ZH_NOT_REPORTING.finditer(sentence, lo, min(len(sentence), m.end() + 3)):
        if w.start() < m.end() and w.end() > m.start():
            return True
    return False


# Verbs anyone uses of anyone ("他说", "我认为"): the speaker must look like a source.
_ZH_COMMON_VERBS = frozenset("说 說 说道 認為 认为".split())
_ZH_TRAILING_ADVERB = re.compile(
    r"(?:已经|已經|已|也|还|還|都|就|又|再|曾经|曾經|曾|一直在|一直|同时还|同時還|同时|同時|"
    r"明确|明確|公开|公開|早就|均|亦|则|則|便|正式|随后|隨後|此前|日前|近日|昨天|今天)+$"
)
_ZH_PRONOUN = re.compile(r"我|你|您|咱|大家|人们|人們|有人|有的人|别人|別人|对方|對方|自己|某人")
_ZH_BARE_PRONOUN = frozenset("他 她 它 他们 她們 他們 她们 它们 它們 此 这 這 那".split())
_ZH_NOT_SOURCE_END = re.compile(r"(?:来|來|地|着|著|了|的|被|会|會|能|要|可|可以|在|所|不同|而言)$")
# What a source's name ends with: an organisation, an office, a role, a publication, data.
_ZH_SOURCE_SUFFIX = re.compile(
    r"(?:政府|部|局|委员会|委員會|会|會|院|所|署|厅|廳|处|處|组织|組織|公司|集团|集團|银行|銀行|大学|大學|学院|學院|中心|"
    r"协会|協會|联盟|聯盟|基金|机构|機構|媒体|媒體|报|報|社|台|网|網|官员|官員|发言人|發言人|分析师|分析師|专家|專家|"
    r"人士|学者|學者|研究人员|研究人員|研究员|研究員|主席|董事长|董事長|总统|總統|总理|總理|首相|部长|部長|市长|市長|"
    r"州长|州長|议员|議員|教授|博士|医生|醫生|经理|經理|总裁|總裁|首席执行官|首席執行官|创始人|創始人|负责人|負責人|"
    r"主任|局长|局長|法院|警方|军方|軍方|当局|當局|调查|調查|报告|報告|数据|數據|研究|统计|統計|民调|民調|官方|"
    r"宪法|憲法|条约|條約|协议|協議|声明|聲明|文件|任务|任務|规定|規定|法律|计划|計劃|片段)$"
)
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def _zh_source(who: str, formal: bool) -> bool:
    """Does ``who`` name a source? Never a pronoun or a phrase that is not a noun; with
    a common verb (说, 认为) only a name in Latin letters or with a middle dot, or an
    organisation, office or role; with a formal one (表示, 指出, 据) any other noun."""
    if _ZH_PRONOUN.search(who) or who in _ZH_BARE_PRONOUN or who[:1] in ("他", "她") and len(who) <= 3:
        return False
    if _ZH_NOT_SOURCE_END.search(who) or who in ("报道", "報導", "悉", "称", "稱"):
        return False
    if _LATIN_LETTER.search(who) or "·" in who or "・" in who or _ZH_SOURCE_SUFFIX.search(who):
        return True
    return formal and 2 <= len(who) <= 12


def _en_source(who: str) -> str | None:
    """``who`` cleaned, unless it is a narrator or a generic someone."""
    cleaned = _clean_en(who)
    if not cleaned:
        return None
    words = [w.strip(".,'’\"“”").lower().replace("’", "'") for w in cleaned.split()]
    if any(w in _EN_PRONOUNS for w in words):
        return None
    return cleaned


def _subject_before(head: str) -> str | None:
    """The subject right before a reporting verb: the words back to the clause start,
    at most eight; a source only if it names someone (a capital) or a source noun."""
    breaks = list(_CLAUSE_BREAK.finditer(head))
    clause = head[breaks[-1].end() :] if breaks else head
    words = clause.split()[-8:]
    if not words:
        return None
    who = " ".join(words)
    if who.lower() in _EN_STOP_SUBJECT or words[-1].lower() in _EN_STOP_SUBJECT:
        return None
    last = words[-1].lower().strip(".,")
    if last in _EN_NOT_SUBJECT_END or (last.endswith("ly") and len(last) > 4):
        return None  # "I can safely say", "People often say"
    if any(w[0].isupper() for w in words) or _SUBJECT_NOUN.search(words[-1]):
        return _en_source(who)
    return None


def _clean_en(who: str) -> str | None:
    who = who.strip(" \t'\"“”‘’")
    who = _LEADING_CONJUNCTION.sub("", who)
    words = who.split()
    if not words:
        return None
    return " ".join(words[:10])
