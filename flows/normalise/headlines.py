"""Headlines a reader can trust: a lead sentence's main clause as a short whole phrase, and the
shapes of text that never make a headline or a story (quotations, captions, promotions, chrome)."""

from __future__ import annotations

import re

from flows.text import split_sentences, words

HEADLINE_MIN_WORDS = 5
HEADLINE_MAX_WORDS = 16
CAPTION_MAX_WORDS = 45
ATTRIBUTION_MAX_WORDS = 6
QUESTION_MIN_WORDS = 3
QUESTION_MAX_WORDS = 40

WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
         r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")  # fmt: skip
# Words that make a clause finite: without one, a sentence is a caption or a label.
_FINITE_TEXT = """is are was were be been has have had will would can could may might must
    shall should does do did said says told won lost held met made took became came got gave
    went saw found left rose fell hit set led cut put ran began stood kept sent spent paid sold
    bought brought thought knew felt struck rang bid swept shook broke spoke wrote drew grew threw
    flew chose drove rode fought caught taught sought built meant dealt stole sank hid"""
FINITE = frozenset(_FINITE_TEXT.split())
# "NEW ORLEANS (AP) — ", "LUBBOCK, Texas — ", "PARIS: ": where a wire story was filed.
DATELINE = re.compile(
    r"^[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){0,3}(?:,\s*[A-Z][\w.]+(?:\s[A-Z][\w.]+)?)?\s*"
    r"(?:\([^)]{1,30}\)\s*)?(?:[—–-]+\s*(?:\([^)]{1,30}\)\s*[—–-]+\s*)?|:\s+)"
    r"(?=[A-Z\"“‘'])"
    # "Los Angeles (California) [US], March 3 (ANI): ": ends with the agency's name
    r"|^[^.!?]{0,80}?\([A-Z][\w ,]{0,20}\)\s*(?:[:—–-]+\s*)+(?=[A-Z\"“‘'])"
)
# A leading adverbial ("Meanwhile in Beijing,", "This week,", "Following the call,") that a
# headline does without: it names when or where, not what happened.
OPENER = re.compile(
    rf"^(?:{WEEKDAY}(?=,|\s+{MONTH}|\s+\d)|{MONTH}\s+\d+"
    r"|\w+ (?:hours|days|weeks|months|years) (?:after|later|before|on)"
    r"|meanwhile|elsewhere|separately|however|additionally|also|earlier|later|today"
    r"|yesterday|tonight|overnight|now|still|finally|instead|again|then|so|and|but"
    r"|(?:this|last|next|that|on the same) (?:week|weekend|month|year|morning|afternoon"
    r"|evening|night|day|time)"
    r"|on|in|at|after|before|following|despite|amid|during|while|as|with|without|for|from"
    r"|according to|since|by|once|when|unlike|like|across|within|throughout"
    r"|(?:over|under)(?!\s+\d))"  # "Over 2,000 people died, ...": a subject, not an opener
    r"\b[^,;:]{0,70},\s+",
    re.IGNORECASE,
)
# Where a main clause ends and what qualifies it begins.
BOUNDARY = re.compile(
    r",\s|;\s|:\s|\s[—–]\s|—|\s(?:amid|as|while|which|who|whose|where|when|after|before"
    r"|following|despite|aimed|marking|offering|saying|including|according|because|although"
    r"|though|but|focused|prompting|sparking|leaving|bringing|raising|underscoring"
    r"|highlighting|ahead of|in a bid|that|and(?=\s(?:\w+ed|"
    + "|".join(sorted(FINITE))
    + r")\b))\s",
)
# "..., November 30", "on Sunday, January 4": a date's comma ends no clause.
DATE_AFTER = re.compile(rf"(?:{MONTH}\s*\d|\d{{1,2}}\b)", re.IGNORECASE)
# "Cyprus announced that homes will lose water": what follows the verb is the news.
_REPORTING_TEXT = """said says announced announces confirmed confirms warned warns reported reports
    agreed agrees showed shows insisted insists argued argues noted notes added adds expects
    believes found finds ruled rules decided decides"""
REPORTING = frozenset(_REPORTING_TEXT.split())
# "Arden, a robotics firm based in Leeds": a name's appositive, still open.
# "Shares in Avio, which builds rockets", "The truce, signed in Kigali": still open too.
APPOSITIVE = re.compile(r"^[^,]{1,60},\s(?:a|an|the|which|who|whose|where|\w+ed)\s[^,]*$")
# The last prepositional phrase of a clause ("... on Friday"), the first to go when too long.
TRAILING = re.compile(
    r"^(.*\S)(\s(?:on|in|at|during|from|for|with|over|by|near|since|until)\s[^,]*)$"
)
_DANGLING_TEXT = "a an the of to and or but for with by in on at from as that its their"
DANGLING = frozenset(_DANGLING_TEXT.split())
OPENING_QUOTES = {'"': '"', "“": "”", "«": "»", "‘": "’", "'": "'", "„": "“"}
ATTRIBUTION = re.compile(r"\b(?:said|says|writes|wrote|told|according)\b", re.IGNORECASE)
_PROMO_OPENING = (
    r"(?:(?:learn|read|find out|discover|see) more\b|(?:watch|listen|subscribe|sign up"
    r"|follow us|catch up|don'?t miss|check out|also read|read next|click)\b)"
)
_PROMO_ANYWHERE = (
    r"\bin (?:this|today'?s|the latest) (?:episode|video|podcast|clip)\b"
    r"|\bin our (?:\w+ )?(?:section|series|podcast|newsletter)\b|\b(?:free|our) newsletter\b"
)
PROMO = re.compile(f"^{_PROMO_OPENING}|{_PROMO_ANYWHERE}", re.IGNORECASE)
PROMO_OPENING = re.compile(_PROMO_OPENING, re.IGNORECASE)
# Text each of _PROMO_ANYWHERE's phrases holds, lower-cased: most sentences hold none, and a
# substring test is cheaper than searching the pattern at every position.
PROMO_CUES = ("in this ", "in today", "in the latest ", "in our ", "newsletter")
# The letters that re.IGNORECASE matches to ASCII ones beyond their upper case (İ ı ſ K):
# without them, str.lower() holds a cue exactly where the pattern could match it.
FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")
DIGIT = re.compile(r"\d")
PHOTO_OPENING = re.compile(
    r"(?:in this (?:\w+ )?(?:photo|image|picture|handout)|photos?\b[:|]?|pictured\b"
    r"|illustration of\b|image:|credit:|credited from\b|file photo\b)",
    re.IGNORECASE,
)
PHOTO_CREDIT = re.compile(r"(?:getty images|ap photo|reuters|afp)\W{0,3}$", re.IGNORECASE)
PHOTO_CREDIT_CHARACTERS = 20  # the longest credit, its trailing marks and a final newline
# What a chart's caption qualifies its figure with: ", underscoring ...", "—highlighting ...".
PARTICIPLE = re.compile(r"[,—–]\s*\w+ing\b")
DATE_PARTS = re.compile(
    rf"\b(?:{WEEKDAY}|{MONTH}|\d{{1,4}}(?:[/:.-]\d{{1,4}})*(?:st|nd|rd|th)?|[ap]\.?m\.?"
    r"|updated|published|on|at|last|est|gmt|utc|ist|edt|pdt)\b",
    re.IGNORECASE,
)
HAS_DATE = re.compile(rf"\b(?:{WEEKDAY}|{MONTH}\s+\d|\d+\s+{MONTH}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})",
                      re.IGNORECASE)  # fmt: skip
YEAR = re.compile(r"(?:^|\D)(?:19|20)\d\d(?:\D|$)")
CHROME_MAX_WORDS = 3  # besides the date: "The Washington Times - Friday, February 6, 2026"
BYLINE = re.compile(r"^[Bb]y\s+[A-Z][\w.'’-]+(?:[\s,]+(?:and\s+)?[A-Z][\w.'’-]+){0,10}\W*$")


def lead_phrase(paragraph: str) -> str:
    """The main clause of a paragraph's first sentence as a short whole phrase: no dateline,
    no opener ("Meanwhile in Beijing,"), nothing after the clause ends; never cut with "..."."""
    text = DATELINE.sub("", paragraph.strip().lstrip("•").strip(), count=1)
    text = (split_sentences(text) or [text])[0]
    for _ in range(3):
        rest = OPENER.sub("", text, count=1)
        if rest == text or not _enough(rest):
            break
        text = rest
    text = _clause(text.rstrip(" .!?;:,"))
    while len(words(text)) > HEADLINE_MAX_WORDS and (tail := TRAILING.match(text)):
        shorter, dropped = tail.groups()
        if not (_enough(shorter) and _quotes_closed(shorter)) or _has_past(dropped):
            break  # a verb in the phrase ("in Dresden lifted the shares"): the clause's own
        text = shorter
    return text[:1].upper() + text[1:]


def _enough(text: str) -> bool:
    return len(words(text)) >= HEADLINE_MIN_WORDS


def _clause(text: str) -> str:
    """`text` up to the first boundary after a few words, where no quotation is left open
    and no article or preposition dangles."""
    for match in BOUNDARY.finditer(text):
        head = text[: match.start()].rstrip(" ,;:—–")
        tokens = head.split()
        if (
            len(words(head)) >= HEADLINE_MIN_WORDS
            and tokens[-1].lower() not in DANGLING
            and _quotes_closed(head)
            and _has_verb(head)
            and not APPOSITIVE.search(head)
            and not _inside_date(text[match.end() :], match.group(0))
            and not (match.group(0).strip() == "that" and REPORTING & _last_words(head))
        ):
            return head
    return text


def _inside_date(rest: str, boundary: str) -> bool:
    return boundary.startswith(",") and bool(DATE_AFTER.match(rest))


def _last_words(text: str, count: int = 5) -> set[str]:
    return {w.lower() for w in words(text)[-count:]}


def _quotes_closed(text: str) -> bool:
    """Whether every quotation opened in `text` is closed ('"Anora,”' mixes its marks)."""
    straight_and_curly = text.count('"') + text.count("“") + text.count("”")
    return straight_and_curly % 2 == 0 and text.count("‘") <= text.count("’")


def _has_past(text: str) -> bool:
    return any(t.lower() in FINITE or t.lower().endswith("ed") for t in words(text))


def _has_verb(text: str) -> bool:
    """A rough test for a finite verb, enough to refuse an appositive ("Anora, a film")."""
    tokens = [t.lower() for t in words(text)]
    return any(
        t in FINITE or t.endswith("ed") or (t.endswith("s") and not t.endswith("ss"))
        for t in tokens
    )


def is_quotation(text: str) -> bool:
    """A line that is a quotation: it opens with a quotation mark and the quotation runs to
    its end, or to a short attribution ("..., he said.")."""
    text = text.strip()
    close = OPENING_QUOTES.get(text[:1])
    if close is None:
        return False
    end = text.rfind(close, 1)
    if end < 0 or len(words(text[1:end])) < 4:
        return False  # "‘Anora’ wins best picture": a title in quotes, not a quotation
    after = text[end + 1 :].lstrip(" ,.")
    tail = after.strip(" .,!?;—–-")
    attributed = bool(ATTRIBUTION.search(tail)) or after.startswith(("—", "–", "-"))
    return not tail or (len(words(tail)) <= ATTRIBUTION_MAX_WORDS and attributed)


def is_question(paragraph: str) -> bool:
    """One sentence asking a question ("How do the differing figures affect aid?"), not a
    quotation: it leads its answer, it is no headline."""
    text = paragraph.strip().lstrip("•-– ").strip()
    return (
        text.endswith("?")
        and QUESTION_MIN_WORDS <= len(words(text)) <= QUESTION_MAX_WORDS
        and text[:1] not in OPENING_QUOTES
        and len(split_sentences(text)) == 1
    )


def is_promo(sentence: str) -> bool:
    """A call to read, watch or listen elsewhere ("Learn more in ...", "In this episode ...")."""
    text = sentence.strip()
    if text.isascii() or not FOLDS_TO_ASCII.search(text):
        lowered = text.lower()
        if not any(cue in lowered for cue in PROMO_CUES):
            return PROMO_OPENING.match(text) is not None
    return PROMO.search(text) is not None


def is_photo(text: str) -> bool:
    """A photo's caption or credit by its wording: "In this photo ...", "... (Getty Images)".
    The credit ends the text, so only the text's end is searched for one."""
    return (
        PHOTO_OPENING.match(text) is not None
        or PHOTO_CREDIT.search(text, max(0, len(text) - PHOTO_CREDIT_CHARACTERS)) is not None
    )


def is_caption(paragraph: str) -> bool:
    """A photo's caption or credit, or a chart's caption: one sentence without a finite verb
    that qualifies its figure ("Oil revenue in 2024, driven by exports, underscoring ...")."""
    text = paragraph.strip()
    if is_photo(text):
        return True
    # The cheap tests first: most paragraphs fail one, and splitting sentences is not cheap.
    if not text.endswith("."):  # a heading ("Eagles deny the Chiefs a three-peat") is no caption
        return False
    if not DIGIT.search(text):  # a chart shows figures: "in 2024", "13 percent"
        return False
    tokens = words(text)
    return (
        4 <= len(tokens) <= CAPTION_MAX_WORDS
        and bool(PARTICIPLE.search(text))
        and len(split_sentences(text)) == 1
        and not any(t.lower() in FINITE for t in tokens)
        and not any(t.lower().endswith("ed") for t in words(re.split(r"[,—–]", text)[0]))
    )


def is_chrome(line: str) -> bool:
    """Page furniture: a date stamp ("The Washington Times - Friday, February 6, 2026"), a
    byline ("By A, B and C"), a photo credit."""
    text = line.strip()
    if BYLINE.match(text) or is_photo(text) or (text.startswith("<") and ">" in text):
        return True  # "<image>...</image>": markup left in a plain text
    if not (HAS_DATE.search(text) and YEAR.search(text)):
        return False
    return len(words(DATE_PARTS.sub(" ", text))) <= CHROME_MAX_WORDS


def is_usable_title(title: str) -> bool:
    """Whether a title can be a headline: a whole phrase, not a quotation nor page chrome."""
    text = title.strip()
    return (
        has_letters(text)
        and not text.endswith(("…", "..."))
        and not is_quotation(text)
        and not is_chrome(text)
        and not is_promo(text)
    )


def has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)
