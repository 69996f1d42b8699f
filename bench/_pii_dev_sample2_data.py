"""The names, places and words bench/pii_dev_sample2.py builds its dialogues from."""

FIRST = [
    "Maëlle",
    "Olivier",
    "Priya",
    "Tobias",
    "Noémie",
    "Kwame",
    "Ingrid",
    "Rafael",
    "Ophélie",
    "Desmond",
    "Yasmine",
    "Laurent",
    "Svetlana",
    "Marcus",
    "Clémence",
    "Hiroshi",
    "Agathe",
    "Dominic",
    "Fatou",
    "Gaëtan",
    "Beatriz",
    "Colin",
    "Josée",
    "Nikhil",
]
LAST = [
    "Archambault",
    "Okonkwo",
    "Villeneuve",
    "Brennan",
    "Castonguay",
    "Haddad",
    "Lindqvist",
    "Morrissette",
    "Nakamura",
    "Ouellet",
    "Przybylski",
    "Quintal",
    "Rousseau",
    "Sandoval",
    "Turcotte",
    "Vaughan",
    "Whitaker",
    "Xavier",
    "Bergeron",
    "Caouette",
    "Dumouchel",
    "Ferland",
]
STREETS_EN = ["Cedarbrook", "Millhouse", "Foxhollow", "Ashgrove", "Kingfisher", "Larkspur"]
TYPES_EN = ["Road", "Crescent", "Drive", "Lane", "Court", "Street"]
STREETS_FR = ["des Pivoines", "Saint-Laurent", "du Boisé", "de la Gare", "Notre-Dame", "des Ormes"]
TYPES_FR = ["rue", "boulevard", "chemin", "montée", "côte", "allée", "avenue", "rang", "place"]
UNITS_FR = ["app.", "bureau", "appartement", "app"]
CITIES_EN = ["Hamilton", "Regina", "Halifax", "Boise", "Tacoma", "Raleigh"]
CITIES_FR = ["Sherbrooke", "Trois-Rivières", "Lévis", "Gatineau", "Rimouski", "Saguenay"]
MONTHS_EN = ["January", "February", "March", "April", "June", "July", "August", "September"]
MONTHS_FR = ["janvier", "février", "mars", "avril", "juin", "juillet", "août", "octobre"]
PROVIDERS = ["gmail", "hotmail", "outlook", "yahoo", "icloud", "videotron"]
BRANDS_EN = ["Lumen Telecom", "Harbor Bank", "Parcelo"]
BRANDS_FR = ["Banque Laurentide", "Télécom Boréal", "Colis Rapide"]
FILLERS_EN = ["one sec", "hang on", "let me check", "ok", "grabbing it now", "sure"]
FILLERS_FR = ["un instant", "attendez", "je regarde", "ok", "une seconde", "oui"]
