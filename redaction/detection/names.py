"""People: the chat's known identity, context rules, spaCy's PERSON entities, propagation.

Names are the hardest type: chats are lower case, misspelt and bilingual, and the model misses
names it has not seen. So a name found once (by any rule) is redacted wherever its words appear
in the same chat, and the customer's own name, e-mail and phone from the chat's metadata are
redacted wherever they appear, also misspelt by a letter or two next to the rest of the name.
"""

import functools
import re
from collections.abc import Iterable, Iterator, Sequence

from redaction.detection import lexicon as lx
from redaction.detection import lexicon_names as lxn
from redaction.detection.patterns import MessageContext
from redaction.detection.types import EntityType, Finding, Identity

E = EntityType
_NAME_WORD = r"[a-zà-ÿ][a-zà-ÿ'’-]*"
_NAME = rf"({_NAME_WORD}(?:[ ]{_NAME_WORD}){{0,3}})"
# Words that a capitalised greeting may carry before the name ("Thanks, Ana", "Merci Paul").
_GREETING = (
    r"hi|hello|hey|dear|thanks|thank you|thx|merci|bonjour|bonsoir|salut|allo|welcome|"
    r"bienvenue|nice to meet you|take care|goodbye|bye|sorry|pleased to meet you|au revoir|"
    r"great|perfect|ok|okay|of course|absolutely|happy to help|good morning|good evening|"
    r"good afternoon|have a (?:great|nice|good) (?:day|evening|night)|with us|avec nous"
)
_INTRO = re.compile(
    rf"(?:\bmy name is|\bmy name's|\bname is|\bname\s*[:=]|\bnom\s*[:=]|\bje m'appelle|"
    rf"\bmon nom est|\bmon nom c'est|\bnom complet\s*[:=]?|\bfull name\s*[:=]?)\s*{_NAME}",
)
_INTRO_CAPITALISED = re.compile(
    rf"(?:\bi'm|\bi am|\bthis is|\bit's|\bit is|\bc'est|\bici|\bmoi c'est|\bspeaking with|"
    rf"\bchatting with|\bsigned,?|\bregards,?|\bcheers,?)\s+{_NAME}"
)
_RELATION = re.compile(
    rf"\b(?:my|ma|mon|our|notre|his|her|their|a|the)\s+(?:late\s+|feu\s+|defunte?\s+)?"
    rf"(?:{'|'.join(re.escape(w) for w in lxn.RELATION_WORDS)})(?:'s\s+name|'s)?,?\s+(?:is\s+|"
    rf"named\s+|called\s+|nomme\s+|nommee\s+)?{_NAME}"
)
# "my daughter handles the bills": a word followed by an article is a verb, not a name.
_VERB_OBJECT = re.compile(
    r"\s+(?:the|a|an|my|your|his|her|our|their|it|them|this|that|le|la|les|un|une|mes|mon|ma|"
    r"ses|son|sa|nos|vos|votre|notre|ca|tout)\b"
)
# Someone else, named: "I already spoke with Ulrich Trottier", "j'ai parlé à Léa Roy".
_SPOKE_WITH = re.compile(
    rf"\b(?:spoke|spoken|speak|speaking|talk|talked|talking|chatted|chatting|ask|asked|"
    rf"transferred|transfer|met|parle|parler|jase|discute|demande|demander|transfere|rencontre)"
    rf"\s+(?:with|to|for|a|avec)\s+{_NAME}"
)
# "Fabrice Trottier from the other branch", "Tancrède Marchand in our fraud team".
_OF_THE_TEAM = re.compile(
    rf"{_NAME}\s+(?:from|in|of|at|on|with|du|de la|de l'|des|au|a la|de notre|de votre)\s+"
    r"(?:(?:the|our|your|their|notre|votre|leur|l'|la|le)\s+)?(?:[a-z'-]+\s+){0,2}"
    r"(?:team|department|dept|branch|office|desk|billing|support|unit|equipe|service|succursale|"
    r"bureau|departement|comptabilite|facturation)\b"
)
# "Le colis est chez Lorraine Fréchette": a first and last name after "chez" is someone's home,
# unless the text names a business ("Dax chez Télé-Laurentides", "client chez …").
_AT_HOME = re.compile(rf"\bchez\s+(?=\S+\s+\S){_NAME}")
_BUSINESS_CHEZ = re.compile(
    r"(?:bienvenue|client|cliente|compte|abonne|abonnee|travaille|employe|employee|emploi|"
    r"contacte|contacter|contactez|appele|appeler|ici|agent|agente|conseiller|conseillere|"
    r"service|achete|commande|magasine)\s+chez\s+$"
)
_INSTEAD = re.compile(
    rf"\b(?:says|shows|reads|spelled|spelt|written|indique|ecrit)\s+{_NAME}\s+"
    rf"(?:instead of|rather than|au lieu de|but it should be)\s+{_NAME}"
)
# "Lucien Beauregard va vous rappeler", "Dana Whitfield will call you back": a person.
_CALLS_BACK = re.compile(
    rf"{_NAME}\s+(?:va|vont|peut|pourra|devrait|doit|will|is going to|can|should|may)\s+"
    r"(?:(?:aussi|also|probablement|bientot|demain|soon|then|ensuite)\s+)?(?:vous\s+)?"
    r"(?:rappeler|appeler|contacter|recontacter|joindre|ecrire|call you|reach out|"
    r"contact you|get back to you|follow up)"
)
# "on behalf of Kenji Iwasaki", "de la part de Léa Roy", "au nom de …": someone else, named.
_ON_BEHALF = re.compile(
    rf"(?:\b(?:on behalf of|in the name of|de la part de|au nom de|pour le compte de|"
    rf"under (?:the )?name(?: of)?|sous le nom de)|'s name,?|s' name,?)\s+{_NAME}"
)
# Someone's home: "je reste chez Hamza Lachapelle", "staying with Ana Roy" (two words or more).
_STAYS_WITH = re.compile(
    rf"\b(?:reste|restons|habite|habitons|dors|loge|vis|demeure|sejourne|heberge|hebergee|"
    rf"demenage|installe|installee|staying|living|stay|live|moving in|moved in)\s+"
    rf"(?:chez|with)\s+(?=\S+\s+\S){_NAME}"
)
_HERE = re.compile(rf"^\s*(?:(?:hi|hello|hey|bonjour|salut|allo),?\s+)?{_NAME}\s+(?:here|ici)\b")
_GREETED = re.compile(rf"(?:^|[.!?,]\s*|\b)(?:{_GREETING})[ ,!]+{_NAME}")
_REPLY_NAME = re.compile(
    rf"^\s*(?:(?:hi|hello|hey|yes|yeah|sure|oui|bonjour|ok)[,!.]?\s+)?"
    rf"(?:it'?s\s+|it is\s+|this is\s+|i'?m\s+|i am\s+|c'est\s+|name:?\s*|nom:?\s*|"
    rf"moi c'est\s+)?{_NAME}\s*(?:$|[,.;!])"
)
_ASK_NAME = re.compile(lx.ASK_NAME)
_POSSESSIVE = re.compile(r"(?:'s|’s|')$")
# Compiled once, here: re's own cache is small and is churned by the per-chat patterns below.
_WORD = re.compile(r"\S+")
_ELIDED_NAME = re.compile(r"^[dlo]'[a-z]")
_TOKEN = re.compile(r"[^\s,.!?;:()]+")
_IDENTITY_NAME_WORD = re.compile(r"[a-z][a-z'’-]*")
_SPREAD_NAME_WORD = re.compile(r"[a-z][a-z'’-]+")
_NOT_DIGIT = re.compile(r"\D")
_PHONE_LIKE = re.compile(r"\+?\(?\d[\d ().-]{5,}\d")
_NEXT_WORD = re.compile(r"\s+([a-z][a-z'-]+)")
_PREVIOUS_WORD = re.compile(r"([a-z][a-z'-]+)\s+$")


@functools.lru_cache(maxsize=4096)
def _pattern(source: str) -> re.Pattern[str]:
    """The per-chat patterns of names, logins and spread name words: a customer's next chat,
    or another customer of the same name, reuses the compiled pattern (about 0.4 ms each)."""
    return re.compile(source)


_DAY_AFTER = re.compile(r"\.?\s*\d")


def _is_date_word(folded: str, start: int, end: int) -> bool:
    """ "jun 8", "may 3rd": a month before a day number is a date, even if Jun is a name."""
    return folded[start:end] in lx.MONTH_NAMES and _DAY_AFTER.match(folded, end) is not None


def _name_words(span: str, start: int) -> list[tuple[int, int]]:
    """Word spans of a candidate name, stopping at the first word that is not a name."""
    words: list[tuple[int, int]] = []
    for match in _WORD.finditer(span):
        word = _POSSESSIVE.sub("", match.group())
        if not word or word in lxn.NOT_NAME_WORDS or len(word) < 2 or word.endswith("ing"):
            break
        if "'" in word and not _ELIDED_NAME.match(word):  # "we'll", not "o'brien"
            break
        words.append((start + match.start(), start + match.start() + len(word)))
        if match.group() != word:  # "Jason Brooks's": the possessive ends the name
            break
    return words


def _as_finding(words: list[tuple[int, int]], rule: str) -> Finding | None:
    if not words:
        return None
    return Finding(words[0][0], words[-1][1], E.PERSON, rule)


def _capitalised(text: str, start: int, end: int) -> bool:
    return all(word[:1].isupper() for word in text[start:end].split())


def person_rules_find(context: MessageContext) -> Iterator[Finding]:
    folded, text = context.folded, context.text
    for pattern, rule, capitalised in (
        (_INTRO, "name_intro", False),
        (_RELATION, "relation", False),
        (_HERE, "name_here", False),
        (_INTRO_CAPITALISED, "intro", True),
        (_GREETED, "greeting", True),
        (_CALLS_BACK, "calls_back", True),
        (_ON_BEHALF, "on_behalf", True),
        (_STAYS_WITH, "stays_with", True),
        (_SPOKE_WITH, "spoke_with", True),
        (_OF_THE_TEAM, "of_the_team", True),
        (_AT_HOME, "chez", True),
    ):
        for match in pattern.finditer(folded):
            if rule == "chez" and _chez_business(text, folded, match.start()):
                continue
            start = match.start(1)
            if rule in _NAME_FIRST_RULES:  # "Je note que Coralie Paquette peut …": the last
                start = _capitalised_tail(text, start, match.end(1))  # capitalised words
            words = _name_words(folded[start : match.end(1)], start)
            if rule == "relation" and words and _VERB_OBJECT.match(folded, words[0][1]):
                continue
            # A name typed with capitals ends at the first word without one ("Ana Roy until").
            if capitalised or (words and _capitalised(text, *words[0])):
                words = words[
                    : next(
                        (
                            i
                            for i, (a, b) in enumerate(words)
                            if not _capitalised(text, a, b) or (text[a:b].isupper() and b - a <= 4)
                        ),
                        len(words),
                    )
                ]
            finding = _as_finding(words, rule)
            if finding is not None:
                yield finding
    for match in _INSTEAD.finditer(folded):
        for group in (1, 2):
            finding = _as_finding(_name_words(match.group(group), match.start(group)), "misspelt")
            if finding is not None:
                yield finding
    if context.sender != "agent" and len(text) <= 80 and _ASK_NAME.search(context.previous):
        reply = _REPLY_NAME.match(folded)
        if reply is not None:
            words = _name_words(reply.group(1), reply.start(1))
            finding = _as_finding(words, "name_reply")
            if finding is not None:
                yield finding


_NAME_FIRST_RULES = {"calls_back", "of_the_team"}


def _capitalised_tail(text: str, start: int, end: int) -> int:
    """Where the run of capitalised words that ends the span starts (`end` if none)."""
    at = end
    for match in reversed(list(_WORD.finditer(text, start, end))):
        if not match.group()[:1].isupper():
            break
        at = match.start()
    return at


def _chez_business(text: str, folded: str, start: int) -> bool:
    before = folded[max(0, start - 30) : start + 5]
    previous = text[:start].split()
    # "Dax chez Télé-Laurentides": an agent's own name just before "chez" names the employer.
    return bool(_BUSINESS_CHEZ.search(before)) or bool(previous and previous[-1][:1].isupper())


_PARTICLES = {
    "de",
    "da",
    "del",
    "della",
    "di",
    "du",
    "la",
    "le",
    "van",
    "von",
    "der",
    "bin",
    "al",
    "y",
}
# "thanks for contacting Cloudnest", "Sandra at Brightdesk": the model calls brands people.
_ORGANISATION_BEFORE = re.compile(
    r"(?:contacting|contacted|reaching out to|reach out to|welcome to|choosing|calling|"
    r"contacte|contacter|bienvenue chez|chez|at|from|with us at|de)\s+$"
)
# In French "chez" is also someone's home ("chez Ginette Marchessault"): a full name after it
# is a person unless the agent welcomes ("bienvenue chez Vidéotron Mobile"); "de" is "of".
_ORGANISATION_BEFORE_FR = re.compile(
    r"(?:bienvenue chez|bienvenue a|contacte|contacter|contactez|choisi|choisir|appele|"
    r"appeler|client de|cliente de|chez)\s+$"
)
# A name, then "with"/"from"/"chez": an agent introducing themselves and their employer.
_EMPLOYER_BEFORE = re.compile(r"\b[A-ZÀ-Ý][\w'’-]+,?\s+(?:with|from|at|chez|de|du)\s+$")
_FRENCH_PRONOUN = re.compile(r"-(?:vous|moi|nous|tu|toi|il|elle|ils|elles|je|on|le|la|les|y|en)\b")
_WELCOME_CHEZ = re.compile(r"(?:bienvenue|contacte|contacter|choisi|client|cliente)\s+chez\s+$")
_ORGANISATION_JOIN = re.compile(r"\s+(?:at|from|de|chez|with|of)\s+", re.IGNORECASE)


def _organisation_before(before: str, words: int, french: bool) -> bool:
    if not french:
        return _ORGANISATION_BEFORE.search(before) is not None
    if _ORGANISATION_BEFORE_FR.search(before) is None:
        return False
    return words < 2 or not before.rstrip().endswith("chez") or bool(_WELCOME_CHEZ.search(before))


def ner_persons_find(
    text: str, entities: Iterable[tuple[int, int]], *, french: bool = False
) -> Iterator[Finding]:
    """spaCy PERSON entities (PER for the French model), minus the model's usual mistakes
    (brands, products, greetings)."""
    for entity_start, entity_end in entities:
        span = text[entity_start:entity_end]
        join = _ORGANISATION_JOIN.search(span)
        if join is not None:  # "Miguel at Brightdesk": the person is before "at"
            span = span[: join.start()]
        words = [
            (m.start() + entity_start, m.end() + entity_start, m.group())
            for m in _TOKEN.finditer(span)
        ]
        # Names are capitalised: trim lower-case words at the edges ("m'appelle Mathieu"),
        # and greetings the model takes for a first name ("Bonjour Sarah").
        while words and (
            not words[0][2][:1].isupper() or lx.fold(words[0][2]) in lxn.NOT_NAME_WORDS
        ):
            words.pop(0)
        while words and not words[-1][2][:1].isupper():
            words.pop()
        if not words:
            continue
        if any(not word[:1].isupper() and word.lower() not in _PARTICLES for _, _, word in words):
            continue
        if any(ch.isdigit() for _, _, word in words for ch in word):
            continue
        if len(words) == 1 and (
            (words[0][2].isupper() and len(words[0][2]) <= 4)  # "NAS", "SIN", "IP"
            or lx.fold(words[0][2]) in lxn.NOT_NAME_WORDS
        ):
            continue
        if french and _FRENCH_PRONOUN.search(lx.fold(text[entity_start : entity_end + 7])):
            continue  # "Pouvez-vous", "Dites-moi": a verb and its pronoun
        start, end = words[0][0], words[-1][1]
        if _organisation_before(lx.fold(text[max(0, start - 30) : start]), len(words), french):
            continue
        if _EMPLOYER_BEFORE.search(text, max(0, start - 40), start):
            continue  # "Kiara with Cobalt Wireless", "Dax chez Colis Boréal": the employer
        following = text[end : end + 12].split()
        if following and any(ch.isdigit() for ch in following[0]):
            continue  # "Dyson V15", "Series 7": a product
        yield Finding(start, end, E.PERSON, "ner" if len(words) == 1 else "ner_full")


# --- the chat's own identity -----------------------------------------------------------------
def _edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


class IdentityMatcher:
    """Finds the customer's known name, e-mail and phone in the chat's messages."""

    def __init__(self, identity: Identity) -> None:
        self.name_words = [
            word
            for word in _IDENTITY_NAME_WORD.findall(lx.fold(identity.name))
            if len(word) >= 2 and word not in lxn.NOT_NAME_WORDS
        ]
        patterns = []
        full = lx.fold(identity.name).strip()
        if full and len(self.name_words) > 1:
            patterns.append(re.escape(full).replace(r"\ ", r"\s+"))
        patterns += [
            re.escape(word) for word in sorted(set(self.name_words), key=len, reverse=True)
        ]
        self._names = (
            _pattern(rf"(?<![\w@.])(?:{'|'.join(patterns)})(?![\w@])") if patterns else None
        )
        self.email = lx.fold(identity.email).strip()
        local = self.email.split("@")[0] if "@" in self.email else ""
        self._local = (
            _pattern(rf"(?<![\w.@]){re.escape(local)}(?![\w@])")
            # A login that is just one of the person's names is found as a name (PERSON).
            if len(local) >= 5
            and any(ch.isalpha() for ch in local)
            and local not in set(self.name_words)
            else None
        )
        digits = _NOT_DIGIT.sub("", identity.phone)
        self.phone_digits = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits

    def find(self, context: MessageContext) -> Iterator[Finding]:
        folded, text = context.folded, context.text
        if self.email and self.email in folded:
            start = folded.find(self.email)
            while start >= 0:
                yield Finding(start, start + len(self.email), E.EMAIL, "identity_email")
                start = folded.find(self.email, start + 1)
        if self._local is not None:
            for match in self._local.finditer(folded):
                yield Finding(match.start(), match.end(), E.ACCOUNT_ID, "identity_login")
        if len(self.phone_digits) >= 7:
            for match in _PHONE_LIKE.finditer(text):
                digits = _NOT_DIGIT.sub("", match.group())
                if digits.endswith(self.phone_digits) and len(digits) <= len(self.phone_digits) + 2:
                    yield Finding(match.start(), match.end(), E.PHONE, "identity_phone")
        if self._names is None:
            return
        matched: list[tuple[int, int]] = []
        for match in self._names.finditer(folded):
            word = match.group()
            if word in lx.EVERYDAY_NAME_WORDS and not text[match.start()].isupper():
                continue
            if _is_date_word(folded, match.start(), match.end()):
                continue
            matched.append((match.start(), match.end()))
            yield Finding(match.start(), match.end(), E.PERSON, "identity_name")
        yield from self._misspelt_neighbours(folded, matched)

    def _misspelt_neighbours(
        self, folded: str, matched: Sequence[tuple[int, int]]
    ) -> Iterator[Finding]:
        """ "Robert Nelsson" when the customer is Robert Nelson: a near miss next to a hit."""
        for start, end in matched:
            for neighbour in (
                _NEXT_WORD.match(folded[end:]),
                _PREVIOUS_WORD.search(folded[max(0, start - 30) : start]),
            ):
                if neighbour is None:
                    continue
                word = neighbour.group(1)
                if word in lxn.NOT_NAME_WORDS or word in self.name_words:
                    continue
                if any(
                    word[0] == known[0]
                    and _edit_distance_at_most(word, known, 1 if len(known) <= 5 else 2)
                    for known in self.name_words
                ):
                    if neighbour.re.pattern.startswith(r"\s"):
                        a = end + neighbour.start(1)
                    else:
                        a = max(0, start - 30) + neighbour.start(1)
                    yield Finding(a, a + len(word), E.PERSON, "identity_misspelt")


def person_words(text: str, findings: Iterable[Finding]) -> set[str]:
    """The words of the PERSON findings, for redaction elsewhere in the same chat."""
    words: set[str] = set()
    for finding in findings:
        if finding.entity is not E.PERSON or finding.rule == "ner":
            continue  # a single word the model alone calls a name is too weak to spread
        for word in _SPREAD_NAME_WORD.findall(lx.fold(text[finding.start : finding.end])):
            word = _POSSESSIVE.sub("", word)
            everyday = word in lxn.NOT_NAME_WORDS or word in lx.EVERYDAY_NAME_WORDS
            if len(word) >= 3 and not everyday:
                words.add(word)
    return words


def words_pattern(words: set[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return _pattern(rf"(?<![\w@.])(?:{alternatives})(?![\w@])")


def propagated_persons_find(
    context: MessageContext, pattern: re.Pattern[str] | None
) -> Iterator[Finding]:
    if pattern is None:
        return
    for match in pattern.finditer(context.folded):
        if not _is_date_word(context.folded, match.start(), match.end()):
            yield Finding(match.start(), match.end(), E.PERSON, "same_chat")
