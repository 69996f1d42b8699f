"""Word lists the recognizers use as context (English and Canadian French).

Kept apart from the recognizers so that adding a context word never touches a regular
expression. Every list is lower case and accent-folded (see `fold`).
"""

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents, one character per character (offsets stay valid)."""
    if text.isascii():
        return text.lower()
    out = []
    for char in text.lower():
        if ord(char) < 128:
            out.append(char)
        else:
            base = unicodedata.normalize("NFKD", char)[:1]
            out.append(base if base and ord(base) < 128 else char)
    return "".join(out)


# Words that, shortly before a number, say "this is a business reference, keep it"; "part" is
# a part number, but "first part 4519 0321" is a piece of a card.
REFERENCE_WORDS = (
    r"order|orders|commande|invoice|facture|case|claim|ticket|reference|ref|réf|dossier|"
    r"tracking|trk|suivi|confirmation|dispute|escalated it as|label|model|modele|modèle|"
    r"version|promo|coupon|sku|serial|série|serie|receipt|recu|reçu|booking|reservation|"
    r"réservation|flight|vol|item|(?<!first )(?<!1st )(?<!second )(?<!2nd )(?<!third )(?<!3rd )"
    r"(?<!last )(?<!next )(?<!other )(?<!second )(?<!final )part|"
    r"device|appareil|store|magasin|transaction|rma|po"
)

# The previous turn asked for one of these (reply context); patterns are searched in folded text.
ASK_NAME = (
    r"your (?:full |first |last )?name|the name|name on the account|last name|first name|"
    r"who (?:do i have|am i (?:speaking|chatting) with|is this)|pleasure of chatting|"
    r"votre nom|votre prenom|a qui ai-je|qui est a l'appareil|nom (?:complet|au dossier)"
)
ASK_ID = (
    r"account id|user ?id|user ?name|customer id|member id|client id|order id|login id|"
    r"identifiant|nom d'utilisateur|numero de client|numero de membre|code d'utilisateur"
)
ASK_SIN = (
    r"\bsin\b|social insurance|\bnas\b|assurance sociale|\bssn\b|social security|tax id|"
    r"\bitin\b|\bein\b|\bsocial\b"
)
ASK_PHONE = (
    r"phone|number to reach|callback|call you|call back|text you|cell|mobile|telephone|"
    r"numero de telephone|a quel numero|vous joindre|rappeler|\bnumber\b.*\b(?:reach|call)|"
    r"cellulaire|\bcell\b|texto|numero ou|call (?:u|me)\b|reach (?:u|you)\b|best (?:#|number)|"
    r"contact (?:#|number)|rejoindre|\bjoindre\b|\bcel\b"
)
ASK_ACCOUNT = (
    r"account number|routing|transit|institution|void cheque|void check|bank account|acct|"
    r"numero de compte|compte bancaire|cheque specimen|specimen de cheque|iban|swift|"
    r"branch|folio|succursale|\b(?:which|what) (?:bank |chequing |savings )?account\b|"
    r"account (?:should|do you|would you|to deposit|for the (?:refund|deposit))|"
    r"(?:quel|votre|le|du) (?:numero de )?compte\b|depot direct|direct deposit"
)
# Labels of the numbers on a Canadian cheque, in both languages.
BANK_NUMBER_WORDS = (
    r"succursale|transit|branch|institution|inst|folio|compte|no de compte|numero de folio|"
    r"numero de succursale|numero d'institution|numero de transit"
)
# Words that give a bare number its type when the agent's question holds them (conversation.py).
ASK_LAST_DIGITS = r"\blast\b|\bderniers?\b|\bfinal\b|\bending\b|\btermine"
ASK_ADDRESS = (
    r"(?<!mail )(?<!ip )\baddress\b|\badresse\b(?! (?:courriel|e-?mail|ip|electronique))|"
    r"where do you live|where (?:should|do) we (?:ship|send|deliver)|ou habitez|"
    r"\bdomicile\b|\bstreet\b|service location|lieu de (?:service|livraison)"
)
MONTH_WORDS = (
    r"jan|january|janv|janvier|feb|february|fev|fevrier|mar|march|mars|apr|april|avr|avril|"
    r"may|mai|jun|june|juin|jul|july|juil|juillet|aug|august|aout|sep|sept|september|septembre|"
    r"oct|october|octobre|nov|november|novembre|dec|december|decembre"
)
EMAIL_PROVIDERS = frozenset(
    [
        "gmail",
        "hotmail",
        "outlook",
        "yahoo",
        "icloud",
        "live",
        "msn",
        "aol",
        "proton",
        "protonmail",
        "videotron",
        "sympatico",
        "bell",
        "rogers",
        "shaw",
        "telus",
        "cogeco",
        "me",
        "mac",
        "gmx",
        "yandex",
        "zoho",
        "fastmail",
        "mail",
        "sasktel",
        "eastlink",
    ]
)
EMAIL_TLDS = r"com|ca|net|org|edu|gov|qc\.ca|co|fr|io|us|info|biz|me"
ASK_POSTAL = r"postal|zip|code postal|address|adresse"
ASK_ZIP = r"postal|\bzip\b|zipcode|code postal"
DOB_WORDS = (
    r"birth|born|\bdob\b|d\.o\.b|birthday|naissance|\bne le\b|\bnee le\b|\bne en\b|\bnee en\b|"
    r"\bage\b|anniversaire|\bb-?day\b|\bddn\b|date of b[a-z]*|\bbrith|date de nais"
)
# Days of the month in words, longest first ("twenty-first" before "first").
ORDINAL_DAYS = (
    r"(?:twenty|thirty)[- ]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
    r"thirtieth|premier"
)
# Dates next to these words are events of the purchase or the service, not of a life.
NOT_DOB_WORDS = (
    r"bought|purchase|purchased|ordered|order|placed|charged|charge|dated|paid|payment|"
    r"delivered|deliver|ship|shipped|arrive|expire|expiry|renew|cancel|refund|since|"
    r"passed away|died|deces|decede|achete|commande|paye|livre|livraison|facture|contract|"
    r"appointment|rendez-vous|installed|installation|moved|booked|flight|vol|trip|opened|"
    r"ouvert|ouverte|ouverture|joined|registered|inscrit|inscrite|activated|signed|"
    r"created|cree|creee|issued|emis|emise|warranty|garantie|member since|membre depuis|"
    r"client depuis|cliente depuis|\bgot\b|received|recu|recue|acquired|obtenu|married|marie"
)
IP_WORDS = r"\bip\b|ip address|adresse ip|login from|logged in from|connected from|\bwan\b|\blan\b"
VERSION_WORDS = r"version|\bv\d|firmware|update|build|release|mise a jour|app\b|logiciel"

# Month names and abbreviations (English and French), as words.
MONTH_NAMES = set(
    [
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "june",
        "july",
        "april",
        "august",
        "march",
        "janvier",
        "fevrier",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "aout",
        "septembre",
        "octobre",
        "novembre",
        "decembre",
    ]
)

# Name parts that are also everyday words are matched only when capitalised.
EVERYDAY_NAME_WORDS = set(
    [
        "will",
        "grant",
        "may",
        "june",
        "april",
        "august",
        "mark",
        "bill",
        "rose",
        "faith",
        "hope",
        "joy",
        "gene",
        "art",
        "ray",
        "dean",
        "chase",
        "hunter",
        "baker",
        "cook",
        "white",
        "brown",
        "green",
        "black",
        "young",
        "long",
        "king",
        "hill",
        "wood",
        "park",
        "rich",
        "lee",
        "summer",
        "autumn",
        "dawn",
        "day",
        "sky",
        "star",
        "love",
        "page",
        "price",
        "bell",
        "case",
        "major",
        "rock",
        "ivy",
        "pearl",
        "ruby",
        "holly",
        "lane",
        "mason",
        "penny",
        "robin",
        "sandy",
        "sunny",
        "sterling",
        "frank",
        "earnest",
        "victor",
        "guy",
        "marshall",
    ]
)
