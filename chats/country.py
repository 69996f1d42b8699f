"""Country inference when the source system gives none (R-CHAT-2). Pure: no database access.

Evidence is tried from strongest to weakest and the first that yields a country wins; each
source has its own confidence so that the QA queue can sample the weak ones. Nothing is ever
guessed silently: with no evidence the country stays unknown with confidence 0.
"""

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType, geocoder

from chats.models import CountrySource

CONFIDENCE_SOURCE_SYSTEM = 0.95
CONFIDENCE_PHONE_NUMBER = 0.8
CONFIDENCE_EMAIL_DOMAIN = 0.6
CONFIDENCE_AGENT = 0.4
CONFIDENCE_QA_VERIFIED = 1.0
# Below this a record is queued for a QA check of its country (R-QA-1).
LOW_CONFIDENCE_THRESHOLD = 0.7

# Country-code domains used as generic names (.io, .co, .tv …) say nothing about where people live.
GENERIC_CCTLDS = frozenset({"ai", "co", "fm", "io", "me", "tv", "ws", "cc", "ly", "to", "gg", "so"})
CCTLD_TO_COUNTRY = {"uk": "GB"}
NON_GEOGRAPHIC_TYPES = frozenset(
    {
        PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE,
        PhoneNumberType.SHARED_COST,
        PhoneNumberType.UAN,
        PhoneNumberType.VOIP,
        PhoneNumberType.PERSONAL_NUMBER,
    }
)

# phonenumbers' geocoder names the province or state of North American numbers.
SUBDIVISIONS = {
    "CA": {
        "Alberta": "AB",
        "British Columbia": "BC",
        "Manitoba": "MB",
        "New Brunswick": "NB",
        "Newfoundland and Labrador": "NL",
        "Nova Scotia": "NS",
        "Northwest Territories": "NT",
        "Nunavut": "NU",
        "Ontario": "ON",
        "Prince Edward Island": "PE",
        "Quebec": "QC",
        "Québec": "QC",
        "Saskatchewan": "SK",
        "Yukon": "YT",
    },
    "US": {
        "Alabama": "AL",
        "Alaska": "AK",
        "Arizona": "AZ",
        "Arkansas": "AR",
        "California": "CA",
        "Colorado": "CO",
        "Connecticut": "CT",
        "Delaware": "DE",
        "Florida": "FL",
        "Georgia": "GA",
        "Hawaii": "HI",
        "Idaho": "ID",
        "Illinois": "IL",
        "Indiana": "IN",
        "Iowa": "IA",
        "Kansas": "KS",
        "Kentucky": "KY",
        "Louisiana": "LA",
        "Maine": "ME",
        "Maryland": "MD",
        "Massachusetts": "MA",
        "Michigan": "MI",
        "Minnesota": "MN",
        "Mississippi": "MS",
        "Missouri": "MO",
        "Montana": "MT",
        "Nebraska": "NE",
        "Nevada": "NV",
        "New Hampshire": "NH",
        "New Jersey": "NJ",
        "New Mexico": "NM",
        "New York": "NY",
        "North Carolina": "NC",
        "North Dakota": "ND",
        "Ohio": "OH",
        "Oklahoma": "OK",
        "Oregon": "OR",
        "Pennsylvania": "PA",
        "Rhode Island": "RI",
        "South Carolina": "SC",
        "South Dakota": "SD",
        "Tennessee": "TN",
        "Texas": "TX",
        "Utah": "UT",
        "Vermont": "VT",
        "Virginia": "VA",
        "Washington": "WA",
        "Washington D.C.": "DC",
        "West Virginia": "WV",
        "Wisconsin": "WI",
        "Wyoming": "WY",
    },
}


@dataclass(frozen=True)
class CountryEvidence:
    country: str
    region: str
    source: CountrySource
    confidence: float
    detail: str = ""

    @property
    def is_low_confidence(self) -> bool:
        return self.confidence < LOW_CONFIDENCE_THRESHOLD


UNKNOWN = CountryEvidence("", "", CountrySource.UNKNOWN, 0.0, "no evidence")


def country_from_phone(phone: str) -> CountryEvidence | None:
    if not phone:
        return None
    try:
        # Numbers without a + are read as North American, the markets we serve first.
        number = phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        return None
    national = str(number.national_number)
    if number.country_code == 1 and len(national) == 10:
        # In North America validity, region and place follow from the area code and exchange
        # alone, so look-ups are cached by them: phonenumbers' look-ups are slow in bulk.
        return _country_from_nanp_prefix(national[:6])
    return _country_from_number(number)


@functools.lru_cache(maxsize=50_000)
def _country_from_nanp_prefix(prefix: str) -> CountryEvidence | None:
    return _country_from_number(
        phonenumbers.PhoneNumber(country_code=1, national_number=int(prefix + "0100"))
    )


def _country_from_number(number: phonenumbers.PhoneNumber) -> CountryEvidence | None:
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) in NON_GEOGRAPHIC_TYPES:
        return None
    country = phonenumbers.region_code_for_number(number)
    if not country or country == "001":
        return None
    place = geocoder.description_for_number(number, "en")
    subdivision = SUBDIVISIONS.get(country, {}).get(place, "")
    # US numbers are described as "City, ST": the state code is already there.
    state = place.rpartition(", ")[2]
    if not subdivision and state in SUBDIVISIONS.get(country, {}).values():
        subdivision = state
    region = f"{country}-{subdivision}" if subdivision else ""
    return CountryEvidence(
        country,
        region,
        CountrySource.PHONE_NUMBER,
        CONFIDENCE_PHONE_NUMBER,
        f"phone country code +{number.country_code}" + (f" ({place})" if place else ""),
    )


def country_from_email(email: str) -> CountryEvidence | None:
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    tld = domain.rpartition(".")[2]
    if len(tld) != 2 or not tld.isalpha() or tld in GENERIC_CCTLDS:
        return None
    country = CCTLD_TO_COUNTRY.get(tld, tld.upper())
    return CountryEvidence(
        country, "", CountrySource.EMAIL_DOMAIN, CONFIDENCE_EMAIL_DOMAIN, f"email domain .{tld}"
    )


def country_from_agents(agent_countries: Iterable[str]) -> CountryEvidence | None:
    counts = Counter(country for country in agent_countries if country)
    if not counts:
        return None
    country, _ = counts.most_common(1)[0]
    return CountryEvidence(
        country, "", CountrySource.AGENT, CONFIDENCE_AGENT, "agent team default country"
    )


def country_infer(
    *,
    given_country: str = "",
    given_region: str = "",
    customer_phone: str = "",
    customer_email: str = "",
    agent_countries: Iterable[str] = (),
) -> CountryEvidence:
    if given_country:
        return CountryEvidence(
            given_country,
            given_region,
            CountrySource.SOURCE_SYSTEM,
            CONFIDENCE_SOURCE_SYSTEM,
            "given by the source system",
        )
    return (
        country_from_phone(customer_phone)
        or country_from_email(customer_email)
        or country_from_agents(agent_countries)
        or UNKNOWN
    )
