"""The names, places and words bench/pii_dev_sample3.py builds its dialogues from.

None of them is in samples 1 and 2 or in tests/redaction/: the sample measures how the
detector generalises, so its vocabulary is its own."""

FIRST = [
    "Anaïs",
    "Bartholomew",
    "Céleste",
    "Dariusz",
    "Éloïse",
    "Florian",
    "Guadalupe",
    "Hamza",
    "Isidore",
    "Jacinthe",
    "Kenji",
    "Léandre",
    "Mirabelle",
    "Nnamdi",
    "Océane",
    "Pascaline",
    "Quentin",
    "Rosalind",
    "Séverine",
    "Thaddeus",
    "Ursule",
    "Valentin",
    "Wilhelmina",
    "Zacharie",
]
LAST = [
    "Beauchesne",
    "Cardinal-Roy",
    "Desrosiers",
    "Étienne",
    "Fitzgerald",
    "Gélinas",
    "Hébert",
    "Iwasaki",
    "Jolicoeur",
    "Kowalczyk",
    "Lachapelle",
    "Mbeki",
    "Nadeau",
    "Ostrowski",
    "Pelletier",
    "Robitaille",
    "St-Onge",
    "Thibodeau",
    "Vaillancourt",
    "Whitfield",
]
AGENTS = ["Ginette", "Maxime", "Priscilla", "Anthony", "Solène", "Brandon"]
STREETS_EN = ["Willowdale", "Hawthorne", "Blue Heron", "Riverbend", "Oakridge", "Sycamore"]
TYPES_EN = ["Avenue", "Boulevard", "Way", "Terrace", "Place", "Trail", "Ave", "St"]
UNITS_EN = ["Unit", "Apt", "Suite", "#"]
STREETS_FR = [
    "des Érables",
    "Sainte-Catherine",
    "du Ruisseau",
    "Papineau",
    "de l'Église",
    "des Lilas",
]
TYPES_FR = ["rue", "boul.", "av.", "chemin", "rang", "impasse", "croissant", "promenade"]
UNITS_FR = ["app.", "appartement", "bureau", "local", "unité"]
CITIES_EN = ["Kitchener", "Saskatoon", "Moncton", "Spokane", "Dayton", "Albany"]
CITIES_FR = ["Drummondville", "Rouyn-Noranda", "Victoriaville", "Joliette", "Shawinigan"]
MONTHS_EN = ["Jan", "Feb", "March", "April", "May", "June", "Oct", "November", "December"]
MONTHS_FR = ["janv.", "février", "mai", "juin", "juillet", "septembre", "novembre", "décembre"]
PROVIDERS = ["gmail", "hotmail", "outlook", "yahoo", "protonmail", "sympatico", "live"]
BRANDS_EN = ["Maple Mobile", "Northstar Credit Union", "Shipwise"]
BRANDS_FR = ["Caisse Horizon", "Vidéo Nordique", "Expédix"]
FILLERS_EN = ["brb", "just a moment", "looking for my wallet", "k", "one moment please", "yep"]
FILLERS_FR = ["deux secondes", "je cherche", "un moment svp", "d'accord", "ok attendez", "oui oui"]
DIGIT_WORDS_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
DIGIT_WORDS_FR = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
RELATIONS_EN = ["my wife", "my son", "my landlord", "my neighbour", "my brother-in-law"]
RELATIONS_FR = ["ma conjointe", "mon fils", "mon propriétaire", "ma voisine", "mon beau-frère"]
# Agent messages full of decoys that must survive ({date} of travel, delivery or purchase).
DECOYS_EN = [
    "Order {order} is scheduled for delivery on {date} between {time} and {hour} pm.",
    "Tracking {tracking} shows it left the depot {date} 6 parcels in total.",
    "You purchased {qty} x {model} on {date} for {price}.",
    "The flight on {date} 14 passengers are rebooked, boarding at {time}.",
    "Your appointment on {date} at {time} is confirmed, bring the {model}.",
]
DECOYS_FR = [
    "Votre commande {order} sera livrée le {date} vers {time}.",
    "Le numéro de suivi est {tracking}, expédié le {date}.",
    "Vous avez acheté {qty} unités du modèle {model} le {date} à {price} $.",
    "Votre vol du {date} décolle à {time}, porte {gate}.",
]
CHEQUE_FR = [
    "n° de transit {transit}, n° d'institution {inst}, n° de compte {account}",
    "succ. {transit} / inst {inst} / compte {account}",
    "Transit: {transit} Institution: {inst} Folio: {account}",
]
CHEQUE_EN = [
    "transit {transit}, bank {inst}, acct {account}",
    "branch # {transit} institution # {inst} account # {account}",
    "Transit number {transit} - institution {inst} - account no. {account}",
]
# "@": said by the agent.
NAMES_FR = [
    "Je reste chez {other} pour la semaine.",
    "J'appelle de la part de {other}, {relation}.",
    "@Parfait, {other} va vous rappeler demain matin.",
    "Le colis a été laissé à {relation}, {other}.",
    "@Je vous transfère à ma collègue {other} du service technique.",
]
NAMES_EN = [
    "I'm staying with {relation} {other} until the repairs are done.",
    "I'm calling on behalf of {other}, {relation}.",
    "@My supervisor {other} will call you back tomorrow.",
    "Please add {relation} {other} as an authorized user.",
]
