"""Word lists the recognizers use as context (English and Canadian French).

Kept apart from the recognizers so that adding a context word never touches a regular
expression. Every list is lower case and accent-folded (see `fold`).
"""

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents, one character per character (offsets stay valid)."""
    out = []
    for char in text.lower():
        if ord(char) < 128:
            out.append(char)
        else:
            base = unicodedata.normalize("NFKD", char)[:1]
            out.append(base if base and ord(base) < 128 else char)
    return "".join(out)


# Words that, shortly before a number, say "this is a business reference, keep it".
REFERENCE_WORDS = (
    r"order|orders|commande|invoice|facture|case|claim|ticket|reference|ref|réf|dossier|"
    r"tracking|trk|suivi|confirmation|dispute|escalated it as|label|model|modele|modèle|"
    r"version|promo|coupon|sku|serial|série|serie|receipt|recu|reçu|booking|reservation|"
    r"réservation|flight|vol|item|part|device|appareil|store|magasin|transaction|rma|po"
)

# The previous turn asked for one of these (reply context); patterns are searched in folded text.
ASK_NAME = (
    r"your (?:full |first |last )?name|the name|name on the account|last name|first name|"
    r"who (?:do i have|am i (?:speaking|chatting) with|is this)|pleasure of chatting|"
    r"votre nom|votre prenom|a qui ai-je|qui est a l'appareil|nom (?:complet|au dossier)"
)
ASK_ID = r"account id|user ?id|user ?name|customer id|member id|client id|order id|login id"
ASK_SIN = (
    r"\bsin\b|social insurance|\bnas\b|assurance sociale|\bssn\b|social security|tax id|"
    r"\bitin\b|\bein\b|\bsocial\b"
)
ASK_PHONE = (
    r"phone|number to reach|callback|call you|call back|text you|cell|mobile|telephone|"
    r"numero de telephone|a quel numero|vous joindre|rappeler|\bnumber\b.*\b(?:reach|call)"
)
ASK_ACCOUNT = (
    r"account number|routing|transit|institution|void cheque|void check|bank account|acct|"
    r"numero de compte|compte bancaire|cheque specimen|specimen de cheque|iban|swift"
)
ASK_POSTAL = r"postal|zip|code postal|address|adresse"
DOB_WORDS = (
    r"birth|born|\bdob\b|d\.o\.b|birthday|naissance|\bne le\b|\bnee le\b|\bne en\b|\bnee en\b|"
    r"\bage\b|anniversaire"
)
# Dates next to these words are events of the purchase or the service, not of a life.
NOT_DOB_WORDS = (
    r"bought|purchase|purchased|ordered|order|placed|charged|charge|dated|paid|payment|"
    r"delivered|deliver|ship|shipped|arrive|expire|expiry|renew|cancel|refund|since|"
    r"passed away|died|deces|decede|achete|commande|paye|livre|livraison|facture|contract|"
    r"appointment|rendez-vous|installed|installation|moved|booked|flight|vol|trip"
)
IP_WORDS = r"\bip\b|ip address|adresse ip|login from|logged in from|connected from|\bwan\b|\blan\b"
VERSION_WORDS = r"version|\bv\d|firmware|update|build|release|mise a jour|app\b|logiciel"

# People the customer names by relation: the next one to three name-like words are a person.
RELATION_WORDS = (
    "mother mom mum mommy mama father dad daddy papa husband wife partner spouse son daughter "
    "brother sister cousin friend coworker co-worker colleague boss manager neighbour neighbor "
    "aunt uncle niece nephew grandmother grandma grandfather grandpa granddaughter grandson "
    "fiance fiancee boyfriend girlfriend roommate landlord tenant child kid stepdad stepmom "
    "mere pere mari femme conjoint conjointe fils fille frere soeur cousine ami amie collegue "
    "patron voisin voisine tante oncle grand-mere grand-pere chum blonde"
).split()

STREET_TYPES = (
    "st street ave avenue av blvd boulevard bd dr drive rd road ln lane cres crescent crt ct "
    "court way pl place ter terrace pkwy parkway hwy highway cir circle trl trail sq square "
    "row gate gardens gdns grove close mews loop path pike alley aly plaza plz point pt "
    "expy expressway fwy freeway tpke turnpike run walk heights hts ridge line sideroad concession"
).split()
FRENCH_STREET_TYPES = (
    "rue avenue av boulevard boul bd chemin ch route rte rang place montee cote impasse allee "
    "promenade croissant terrasse carre voie sentier quai"
).split()
# Streets people name without a type.
TYPELESS_STREETS = "broadway kingsway esplanade bowery parkway queensway lakeshore".split()
UNIT_WORDS = r"apt|apartment|suite|ste|unit|app|appartement|bureau|room|rm|floor|fl|bldg|#"

US_STATES = (
    "al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh "
    "nj nm ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy pr"
).split()
CA_PROVINCES = "ab bc mb nb nl ns nt nu on pe qc sk yt pq quebec ontario".split()

# Words that are never a person's name even when capitalised or in a name slot.
NOT_NAME_WORDS = set(
    (
        "i me my mine we us our you your yours he him his she her hers they them their it its "
        "this that these those here there the a an and or but if then so to of in on at by for "
        "with from about as is are was were be been being am do does did have has had can could "
        "will would shall should may might must not no yes ok okay hi hello hey thanks thank "
        "please sorry sure great good fine nice well just also too very still again now today "
        "tomorrow yesterday morning evening afternoon night day week month year sir madam mr mrs "
        "ms miss dr mister all any some what when where who why how which account number name "
        "email phone address card order chat customer agent support team service bank moving "
        "calling writing looking trying hoping wondering asking back new old last first full "
        "bonjour merci oui non je tu il elle nous vous ils elles mon ma mes ton ta tes son sa "
        "ses notre votre leur le la les un une des du de et ou est sont suis c'est cest pour "
        "avec dans sur chez par pas plus bien bonne bonsoir allo salut mme mlle m monsieur "
        "madame his her who passed away deceased late is was name's is,"
        " dear ladies gentlemen everyone team staff guys folks bot assistant virtual"
        " instead because since though although while cancel send ship open close update"
        " change transfer add remove help need want like love wish get got"
        " misspelled misspelt spelled spelt wrong incorrect correct right missing different"
        " changed listed showing already under on off out up down over just actually really"
        " know knows knew said says told tells asked asks wants wanted thinks thought will"
        " would can could should might must did does has had said let lets made makes took"
        " takes gave gives went goes came comes saw sees paid pays called calls"
    ).split()
)
