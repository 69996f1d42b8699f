"""Detection that reads the conversation, not one message at a time (issue #15).

People answer the question the agent just asked, in pieces and in their own words:
- `questions` finds, for each customer message, the agent's question it answers: the agent's
  last block of messages (from its last acknowledgement on), while the customer's turn is
  short. The recognizers read it as the message's context (`MessageContext.previous`).
- `bare_answers_find` types a bare answer by that question: "6515" after "last four of your
  SIN?", "331-8820" after "a number to reach you?", "4410 Birchmount" after "the address?".
- `pieces_find` joins the numbers a sender typed over consecutive short messages
  ("4666 1760", then "3137 2159") and redacts every piece when the joined number validates
  (Luhn for cards and SINs, the North American plan for phones, the length of an account
  after an account question). Every piece carries the joined number as its placeholder key,
  so the pieces and the whole number share one placeholder.
- `propagated_values_find`: a value found once (a ZIP, an account, an e-mail) is redacted as
  the same type wherever it appears again in the chat.
"""

import re
from collections.abc import Iterator, Sequence

from redaction.detection import lexicon as lx
from redaction.detection.patterns import MessageContext, _is_reference, luhn_valid
from redaction.detection.types import ChatText, EntityType, Finding

E = EntityType
# Customer messages after the question that may still answer it ("one sec", "ok", answer).
MAX_TURN = 4
PIECE_GAP = 2  # other messages a split identifier may have between two of its pieces
_ACKNOWLEDGED = re.compile(
    r"^\s*(?:thanks?|thank you|thx|merci|got it|perfect|great|parfait|super|ok(?:ay)?|"
    r"excellent|d'accord|awesome|all set|noted|c'est note)\b"
)


def questions(chat: ChatText, folded: Sequence[str]) -> list[str]:
    """For each customer message, the folded question of the agent it answers ("" if none)."""
    out = [""] * len(folded)
    block: list[str] = []
    since = 0
    in_block = False
    for index, sender in enumerate(chat.senders):
        if sender == "system":
            block, in_block, since = [], False, MAX_TURN + 1
            continue
        if sender == "agent":
            if not in_block or _ACKNOWLEDGED.match(folded[index]):
                block = []
            block.append(folded[index])
            in_block, since = True, 0
            continue
        in_block = False
        since += 1
        if block and since <= MAX_TURN:
            out[index] = " ".join(block)
    return out


def previous_context(
    chat: ChatText, folded: Sequence[str], question: Sequence[str], index: int
) -> str:
    """What a message answers: the agent's question and the turn's earlier messages; for
    the agent's own messages (and a customer speaking first), the two previous messages."""
    if not question[index]:
        return " ".join(folded[max(0, index - 2) : index])
    turn = [
        folded[j] for j in range(max(0, index - 2), index) if chat.senders[j] == chat.senders[index]
    ]
    return " ".join([question[index], *turn])


# --- bare answers ----------------------------------------------------------------------------
_ASK_SIN = re.compile(lx.ASK_SIN)
_ASK_SSN = re.compile(r"\bssn\b|social security|\bitin\b")
_ASK_LAST = re.compile(lx.ASK_LAST_DIGITS)
_ASK_PHONE = re.compile(lx.ASK_PHONE)
_ASK_ADDRESS = re.compile(lx.ASK_ADDRESS)
_ASK_ZIP_ONLY = re.compile(lx.ASK_ZIP)
_SHORT_RUN = re.compile(r"(?<![\w.,/$#:-])\d{3,4}(?![\w-]|[.,:/]\d|\s*(?:\$|%))")
_LOCAL_PHONE = re.compile(r"(?<![\w.,/$#:-])\d{3}[ .-]?\d{4}(?![\w-]|[.,:/]\d)")
_FILLER = r"(?:(?:it'?s|its|it is|c'est|yes|yeah|yep|sure|ok(?:ay)?|oui|so|um+|uh+)[,:]?\s+)*"
_BARE_ADDRESS = re.compile(
    rf"^\s*{_FILLER}(?:(?:au|at|on|sur)\s+)?"
    r"(\d{1,6}[a-z]?(?:-\d{1,6})?,?\s+[a-zà-ÿ][\w'’.-]*(?:\s+(?!(?:and|et|in|a)\b)[a-zà-ÿ][\w'’.-]*){0,3})"
    r"\s*(?:$|[,.;!])",
    re.IGNORECASE,
)
_NOT_ADDRESS_AFTER_NUMBER = re.compile(
    r"^\d[\d-]*[a-z]?,?\s+(?:days?|hours?|minutes?|months?|years?|weeks?|business|times?|"
    r"items?|units?|of|x|pm|am|h|jours?|heures?|mois|ans|fois|articles?|ou|or|to|a)\b",
    re.IGNORECASE,
)


def bare_answers_find(context: MessageContext) -> Iterator[Finding]:
    """A short customer answer typed by the question it answers."""
    question, text = context.question, context.text
    if context.sender != "agent" and len(text) <= 120:
        yield from _last_digits_said(context)
    if not question or context.sender == "agent" or len(text) > 60:
        return
    if _ASK_SIN.search(question) and _ASK_LAST.search(question):
        entity = E.US_SSN if _ASK_SSN.search(question) else E.CA_SIN
        for match in _SHORT_RUN.finditer(text):
            if not _is_reference(context, match.start()):
                yield Finding(match.start(), match.end(), entity, "sin_last_digits")
    if _ASK_PHONE.search(question):
        for match in _LOCAL_PHONE.finditer(text):
            if not _is_reference(context, match.start()):
                yield Finding(match.start(), match.end(), E.PHONE, "phone_local_reply")
    if _ASK_ADDRESS.search(question) and not _ASK_ZIP_ONLY.fullmatch(question.strip("? ")):
        address = _BARE_ADDRESS.match(text)
        if address is not None and not _NOT_ADDRESS_AFTER_NUMBER.match(address.group(1)):
            yield Finding(address.start(1), address.end(1), E.STREET_ADDRESS, "address_reply")


def _last_digits_said(context: MessageContext) -> Iterator[Finding]:
    """ "les 4 derniers chiffres de mon NAS sont 4286": the message says what its digits are."""
    folded = context.folded
    for match in _SHORT_RUN.finditer(folded):
        before = folded[max(0, match.start() - 50) : match.start()]
        if _ASK_SIN.search(before) and _ASK_LAST.search(before):
            entity = E.US_SSN if _ASK_SSN.search(before) else E.CA_SIN
            if not _is_reference(context, match.start()):
                yield Finding(match.start(), match.end(), entity, "sin_last_digits_said")


# --- identifiers typed in pieces -------------------------------------------------------------
# A piece: digits in groups joined by a space, a dash or a dot, the area code in brackets.
_PIECE = re.compile(r"(?<![\w.,:/$#-])\(?\d(?:\)?[ .-]?\d){1,11}\)?(?![\w]|[.,:/%]\d|\s*(?:\$|%))")
# Digits spelt in words ("four one six", "cinq un quatre"): three words or more in a row.
_DIGITS_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_DIGITS_FR = ["zero", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
_DIGIT_WORDS = {
    "oh": "0",
    **{w: str(i) for i, w in enumerate(_DIGITS_EN)},
    **{w: str(i) for i, w in enumerate(_DIGITS_FR)},
}
_DIGIT_WORD = "|".join(sorted(_DIGIT_WORDS, key=len, reverse=True))
_SPELT = re.compile(rf"\b(?:{_DIGIT_WORD})(?:[\s,.-]+(?:{_DIGIT_WORD})){{2,}}\b")


def _spelt_runs(folded: str) -> list[tuple[int, int, str]]:
    return [
        (m.start(), m.end(), "".join(_DIGIT_WORDS[w] for w in re.findall(r"[a-z]+", m.group())))
        for m in _SPELT.finditer(folded)
    ]


def spelt_numbers_find(context: MessageContext) -> Iterator[Finding]:
    """A number spelt in words in one message: a phone ("eight one nine, five four two, …"),
    a card, a SIN or an account after the agent's question, by the same validation as pieces."""
    runs = _spelt_runs(context.folded) if context.sender != "agent" else []
    if not runs:
        return
    digits = "".join(run[2] for run in runs)
    sizes = tuple(len(run[2]) for run in runs)
    entity = _piece_type(digits, sizes, context.previous)
    if entity is None and len(digits) == 7 and _ASK_PHONE.search(context.previous):
        entity = E.PHONE
    if entity is None and _NANP.fullmatch(digits):
        entity = E.PHONE  # ten digits spelt out in words are a phone number
    if entity is not None:
        yield Finding(runs[0][0], runs[-1][1], entity, "spelt_number", key=digits)


_PIECE_WORD = re.compile(r"[^\W\d_]+")
# A message that names what its number is ("my zip is 60614", "order 4512") is not a piece.
_LABELLED = re.compile(
    rf"\b(?:{lx.REFERENCE_WORDS}|{lx.ASK_ZIP}|phone|tel|sin|nas|ssn|born|dob|price|total|"
    r"qty|units?|items?|pm|am|min|minutes?|hours?|days?|heures?|jours?|x)\b"
)
_ASK_ACCOUNT = re.compile(lx.ASK_ACCOUNT)
_NANP = re.compile(r"1?[2-9]\d\d[2-9]\d{6}")
_PHONE_SHAPES = {(3, 7), (3, 3, 4), (6, 4), (3, 3, 4, 0)}
MAX_PIECE_MESSAGE = 40
MAX_PIECE_WORDS = 4


def _piece_type(digits: str, sizes: tuple[int, ...], asked: str) -> EntityType | None:
    if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits):
        return E.CREDIT_CARD
    if _ASK_ACCOUNT.search(asked) and 5 <= len(digits) <= 17:
        return E.BANK_ACCOUNT
    if len(digits) == 9 and (
        _ASK_SIN.search(asked) or (luhn_valid(digits) and digits[0] not in "08")
    ):
        return E.US_SSN if _ASK_SSN.search(asked) else E.CA_SIN
    if len(digits) == 11 and sizes and sizes[0] > 1:
        sizes = (sizes[0] - 1, *sizes[1:])  # "+1 206", then "4185645": the country code aside
    if (
        len(digits) in (10, 11)
        and _NANP.fullmatch(digits)
        and (_ASK_PHONE.search(asked) or sizes in _PHONE_SHAPES)
    ):
        return E.PHONE
    return None


_JOINER = re.compile(r"[\s,.-]*")


def _piece_length(context: MessageContext) -> int:
    """The message's length with each spelt number counted as its digits."""
    if len(context.text) <= MAX_PIECE_MESSAGE:
        return len(context.text)
    runs = _spelt_runs(context.folded)
    return len(context.text) - sum(end - start - len(digits) for start, end, digits in runs)


def _pieces_of(context: MessageContext) -> list[tuple[int, int, str]]:
    text = context.text
    if _piece_length(context) > MAX_PIECE_MESSAGE or _LABELLED.search(context.folded):
        return []
    found = [
        (m.start(), m.end(), "".join(ch for ch in m.group() if ch.isdigit()))
        for m in _PIECE.finditer(text)
        if not _is_reference(context, m.start())
    ]
    found = sorted([*found, *_spelt_runs(context.folded)])
    rest = _SPELT.sub(" ", _PIECE.sub(" ", context.folded))
    if found and len(_PIECE_WORD.findall(rest)) > MAX_PIECE_WORDS:
        return []
    return found


def pieces_find(chat: ChatText, contexts: Sequence[MessageContext]) -> list[list[Finding]]:
    """Findings for the pieces of identifiers typed over consecutive messages of one sender."""
    out: list[list[Finding]] = [[] for _ in contexts]
    start = 0
    while start < len(contexts):
        end = start
        while end + 1 < len(contexts) and chat.senders[end + 1] == chat.senders[start]:
            end += 1
        if end > start and chat.senders[start] != "system":
            _run_pieces(contexts, range(start, end + 1), out)
        start = end + 1
    return out


def _run_pieces(contexts: Sequence[MessageContext], run: range, out: list[list[Finding]]) -> None:
    pieces: list[tuple[int, int, int, str]] = []  # (message, start, end, digits)
    for index in run:
        context = contexts[index]
        if _piece_length(context) > MAX_PIECE_MESSAGE:
            pieces.append((index, -1, -1, ""))  # a long message ends any split number
            continue
        pieces.extend((index, a, b, digits) for a, b, digits in _pieces_of(context))
    first = 0
    while first < len(pieces):
        best: tuple[int, EntityType, str] | None = None
        digits = ""
        for last in range(first, len(pieces)):
            index, a, _, piece = pieces[last]
            # At most PIECE_GAP messages ("one sec") between two pieces of one number.
            if a < 0 or index - pieces[max(first, last - 1)][0] > PIECE_GAP + 1:
                break
            digits += piece
            if len(digits) > 19:
                break
            if index == pieces[first][0]:
                continue  # one message alone is the single-message recognizers' job
            sizes = tuple(len(p[3]) for p in pieces[first : last + 1])
            entity = _piece_type(digits, sizes, contexts[pieces[first][0]].previous)
            if entity is not None:
                best = (last, entity, digits)
        if best is None or pieces[first][1] < 0:
            first += 1
            continue
        last, entity, digits = best
        spans: list[tuple[int, int, int]] = []
        for index, a, b, _ in pieces[first : last + 1]:
            # Pieces side by side in one message ("seven two two 4180") are one finding.
            if (
                spans
                and spans[-1][0] == index
                and _JOINER.fullmatch(contexts[index].text[spans[-1][2] : a])
            ):
                spans[-1] = (index, spans[-1][1], b)
            else:
                spans.append((index, a, b))
        for index, a, b in spans:
            out[index].append(Finding(a, b, entity, "pieces", key=digits))
        first = last + 1


# --- one value, one type, everywhere in the chat ---------------------------------------------
_PROPAGATED = {
    E.EMAIL,
    E.PHONE,
    E.CREDIT_CARD,
    E.CA_SIN,
    E.US_SSN,
    E.CA_POSTAL_CODE,
    E.US_ZIP,
    E.BANK_ACCOUNT,
    E.IP_ADDRESS,
}


def propagated_values_find(
    contexts: Sequence[MessageContext], resolved: Sequence[Sequence[Finding]]
) -> list[list[Finding]]:
    """A value found in one message is redacted as the same type where else it appears."""
    values: dict[str, EntityType] = {}
    for context, found in zip(contexts, resolved, strict=True):
        for finding in found:
            value = context.folded[finding.start : finding.end].strip()
            if finding.entity in _PROPAGATED and len(value) >= 5:
                values.setdefault(value, finding.entity)
    out: list[list[Finding]] = [[] for _ in contexts]
    if not values:
        return out
    pattern = re.compile(
        r"(?<![\w@.-])(?:"
        + "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
        + r")(?![\w@]|[.-]\w)"
    )
    for index, context in enumerate(contexts):
        for match in pattern.finditer(context.folded):
            if not _is_reference(context, match.start()):
                entity = values[match.group()]
                out[index].append(Finding(match.start(), match.end(), entity, "same_value"))
    return out
