"""The names, places, questions and phrasings bench/pii_dev_sample4.py builds its dialogues from.

None of them is in samples 1, 2 and 3 or in tests/redaction/: the sample is adversarial (typos,
mixed case, bare answers to differently worded questions, letter-by-letter spelling, French
Canadian and US/Canadian English), and measures how the rules generalise, so its vocabulary
is its own."""

FIRST = [
    "Apolline",
    "Benedikt",
    "Coralie",
    "Leopold",
    "Evangeline",
    "Fabrice",
    "Marisol",
    "Honoré",
    "Ignatius",
    "Josiane",
    "Krystof",
    "Lorraine",
    "Clothilde",
    "Neville",
    "Bérengère",
    "Rosaire",
    "Sigrid",
    "Tancrède",
    "Ulrich",
    "Viateur",
    "Yolande",
    "Zéphirin",
    "Ambroise",
]
LAST = [
    "Arsenault",
    "Bissonnette",
    "Charbonneau",
    "Beaudry",
    "Eberhardt",
    "Fréchette",
    "Grzelak",
    "Houde",
    "Kapoor",
    "Lafleur",
    "Marchand",
    "Nakagawa",
    "O'Sullivan",
    "Paquette",
    "Quenneville",
    "Rivard",
    "Szabo",
    "Trottier",
    "Vézina",
    "Wojcik",
]
AGENTS = ["Murielle", "Dax", "Roxanne", "Étienne-Paul", "Kiara", "Normand"]
BRANDS_EN = ["Cobalt Wireless", "Prairie Trust", "ParcelPeak"]
BRANDS_FR = ["Desjardins Alliance", "Télé-Laurentides", "Colis Boréal"]
# Questions of the agent, with typos and odd casing; the customer's next message answers it.
ASK_CARD_EN = [
    "ok whenever ur ready, card # please",
    "Can you read me the digits on the credit card?",
    "What's the CARD NUMBER you'd like on file?",
]
ASK_CARD_FR = ["Quel est le numéro de votre carte de crédit?", "Les chiffres de la carte svp"]
ASK_ACCOUNT_EN = [
    "whats the acct number for the direct deposit?",
    "Which account do you want the funds in? the full number please",
]
ASK_ACCOUNT_FR = ["Quel est votre numéro de compte pour le dépôt?", "Le numéro du compte svp?"]
ASK_PHONE_EN = ["best # to call u back?", "Could I get a cell number in case we get cut off?"]
ASK_PHONE_FR = ["Un numéro où on peut vous rejoindre?", "Votre numéro de cell?"]
ASK_SIN_FR = ["Il me faudrait votre NAS pour continuer.", "C'est quoi votre numéro d'ass. sociale?"]
ASK_SIN_EN = ["I need ur SIN to pull the credit file", "Social insurance # please?"]
ASK_ZIP = [
    "what zip should i put down?",
    "And your Zip Code?",
    "zip?",
    "Which ZIP is the billing address in?",
]
ASK_POSTAL_EN = ["postal code pls", "What's the Postal Code on the account?"]
ASK_POSTAL_FR = ["Votre code postal?", "Quel est le code postal de l'adresse de facturation?"]
ASK_DOB_EN = [
    "and ur date of brith?",
    "For verification, your DOB?",
    "When's your birthday (w/ year)?",
]
ASK_DOB_FR = ["Votre date de naissance svp?", "Pouvez-vous confirmer votre date de naissance?"]
ASK_LAST4_EN = ["Last 4 digits of your SIN?", "just the last four of your social"]
ASK_LAST4_FR = ["Les 4 derniers chiffres de votre NAS?", "Les quatre derniers chiffres du NAS svp"]
ASK_BRANCH_EN = ["Your branch and account?", "I'll need the transit and account # from a cheque."]
ASK_BRANCH_FR = ["Votre succursale et votre folio?", "Le transit et le numéro de compte?"]
ASK_ADDRESS_EN = ["and the street address?", "What's the Service Address?"]
ASK_ADDRESS_FR = ["Quelle est votre adresse?", "L'adresse de livraison svp?"]
ASK_EMAIL_EN = ["what email should the confirmation go to?", "Email on file?"]
ASK_EMAIL_FR = ["Votre courriel?", "À quelle adresse courriel?"]
# Bare answers sometimes carry a word or two.
LEADS_EN = ["", "", "its ", "sure ", "uh ", "Yeah ", "ok "]
LEADS_FR = ["", "", "c'est ", "oui ", "euh ", "Ok "]
FILLERS_EN = ["hang on", "1 sec", "lemme check", "sorry", "still there?"]
FILLERS_FR = ["un instant", "attends", "je regarde", "désolé", "une seconde"]
# Dates of birth in every common way: {d} day, {m} month number, {y} year, {yy} two digits.
DOB_EN = [
    "{month} {ordinal_word}, {y}",
    "the {ordinal} of {month} {yy}",
    "{month} {ordinal}, {y}",
    "{d} {mon} {y}",
    "{mon}. {d} '{yy}",
    "{m}/{d}/{y}",
    "{m:02d}-{d:02d}-{yy}",
    "{y}/{m:02d}/{d:02d}",
]
DOB_FR = [
    "le {d} {mois} {y}",
    "{d} {mois} {y}",
    "le {premier} {mois} {y}",
    "{d:02d}/{m:02d}/{y}",
    "{d}-{m}-{y}",
    "{y}-{m:02d}-{d:02d}",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
ORDINAL_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]
STREETS_EN = ["Cedarbrook", "Lakeshore", "Fenwick", "Marigold", "Old Mill", "Kingfisher"]
TYPES_EN = ["Rd", "Road", "Crescent", "Ct", "Blvd", "Dr", "Lane", "Pkwy", "Circle"]
UNITS_EN = ["apt", "Apt.", "unit", "Suite", "#"]
STREETS_FR = ["Saint-Hubert", "du Lac-Long", "des Pionniers", "Beaubien", "de la Montagne"]
TYPES_FR = ["montée", "côte", "allée", "route", "place", "carré", "boulevard", "avenue", "rue"]
UNITS_FR = ["app.", "bureau", "apt", "suite", "logement"]
CITIES_EN = ["Guelph", "Lethbridge", "Fredericton", "Tacoma", "Boise"]
CITIES_FR = ["Rimouski", "Sept-Îles", "Granby", "Saint-Jérôme", "Magog"]
PROVIDERS = ["gmail", "hotmail", "yahoo", "outlook", "videotron", "icloud"]
RELATIONS_EN = ["my accountant", "my daughter", "my roommate", "my mother-in-law", "my ex"]
RELATIONS_FR = ["ma comptable", "ma fille", "mon colocataire", "ma belle-mère", "mon conjoint"]
# Names of other people; "@": said by the agent.
NAMES_EN = [
    "{other} from the other branch said it was fixed.",
    "can you talk to {other}? {relation} handles the bills",
    "@{other} in our fraud team will follow up by phone.",
    "It's under {relation}'s name, {other}.",
    "I already spoke with {other} yesterday",
]
NAMES_FR = [
    "Le colis est chez {other} depuis lundi.",
    "@{other} va vous rappeler cet après-midi.",
    "J'ai parlé à {other} hier, {relation}.",
    "Tout est au nom de {relation}, {other}.",
    "@Je note que {other} peut aussi appeler pour vous.",
    "Je suis chez {other} jusqu'à vendredi",
]
# Agent messages whose dates, numbers and words must survive.
DECOYS_EN = [
    "Your flight on {date} departs at {time} from gate {gate}.",
    "We delivered it {date} 3 boxes were left at the door.",
    "You purchased {qty} licences on {date} for {price}.",
    "Flight {flight} on {date} Terminal 3 is delayed to {time}.",
    "Order {order} shipped {date}, tracking {tracking}.",
    "The account was opened on {long_date} and the warranty ends {date}.",
    "It was booked on {date} 2 nights at {price} each.",
]
DECOYS_FR = [
    "Votre vol {flight} du {date} part à {time}.",
    "Le colis a été livré le {date} 2 boîtes au total.",
    "Vous avez acheté {qty} articles le {date} pour {price}.",
    "La commande {order} est partie le {date}, suivi {tracking}.",
    "Le compte a été ouvert le {long_date}, la garantie finit le {date}.",
    "Réservation du {date} 3 nuits à {price} la nuit.",
]
