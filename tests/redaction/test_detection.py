"""One test per entity type, with the look-alikes that must survive next to each."""

import pytest

from redaction.detection import Identity

from .conftest import Redactor


def test_email_plain_url_encoded_and_split_over_two_messages(redact: Redactor) -> None:
    out = redact(
        [
            "write to ana.silva+cr@example.co.uk please",
            "reset link: https://shop.example.com/reset?user=jjones%40gmail.com&t=abc",
            "enelson",
            "@icloud.com",
        ]
    )
    assert out[0] == "write to [EMAIL_1] please"
    assert "jjones" not in out[1]
    assert "https://shop.example.com/reset?user=" in out[1]
    assert out[2] == "[EMAIL_3]"


@pytest.mark.parametrize(
    "phone",
    [
        "(416) 482-4876",
        "416-482-4876",
        "416.482.4876",
        "416 482 4876",
        "4164824876",
        "+1 416 482 4876",
        "1-416-482-4876",
        "+14164824876",
        "+44 20 7946 0958",
    ],
)
def test_phone_in_every_common_layout(redact: Redactor, phone: str) -> None:
    out = redact([f"call me at {phone} after 5pm"])
    assert out == ["call me at [PHONE_1] after 5pm"]


def test_phone_typed_in_two_messages_is_one_phone_with_one_placeholder(
    redact: Redactor,
) -> None:
    out = redact(
        ["What's the best number to reach you?", "(579) 820", "5812"],
        senders=["agent", "customer", "customer"],
    )
    assert out[1:] == ["[PHONE_1]", "[PHONE_1]"]


def test_payment_card_needs_luhn(redact: Redactor) -> None:
    out = redact(["the card is 4521 5491 6553 9394", "tracking 4231173606661546 is not a card"])
    assert out[0] == "the card is [CREDIT_CARD_1]"
    assert "4231173606661546" in out[1]


def test_sin_and_ssn_by_format_luhn_and_context(redact: Redactor) -> None:
    out = redact(
        ["mon NAS est 252531207", "sin is 635-834-138", "ssn 192-14-1958", "ok its 046 454 286"]
    )
    assert out[0] == "mon NAS est [CA_SIN_1]"
    assert out[1] == "sin is [CA_SIN_2]"
    assert out[2] == "ssn [US_SSN_1]"
    assert "[CA_SIN_3]" in out[3]  # Luhn-valid nine digits


def test_bare_nine_digits_answering_the_ssn_question(redact: Redactor) -> None:
    out = redact(["What's the correct SSN?", "581223881"], senders=["agent", "customer"])
    assert out[1] == "[US_SSN_1]"


def test_postal_and_zip_codes_in_addresses_but_not_order_numbers(redact: Redactor) -> None:
    out = redact(
        [
            "596 Bloor St W Unit 1592, Kingston, ON K1X 3R2",
            "5881 Park Ave, San Antonio, TX 79166",
            "my order 48667 and invoice #53110 total $12345",
            "Nov 23 1941 and t8g3m8",
        ]
    )
    assert out[0] == "[STREET_ADDRESS_1], Kingston, ON [CA_POSTAL_CODE_1]"
    assert out[1] == "[STREET_ADDRESS_2], San Antonio, TX [US_ZIP_1]"
    assert out[2] == "my order 48667 and invoice #53110 total $12345"
    assert "t8g3m8" not in out[3]


@pytest.mark.parametrize(
    "address",
    [
        "4415 granville st, apt 1898",
        "770-3947 Bloor St W",
        "4580 Broadway #1860",
        "9479 Peachtree St NE Apt 2319",
        "2486 chemin Sainte-Foy, app. 248",
        "194-795 rue des érables",
        "3600 3rd Avenue",
    ],
)
def test_street_address_layouts(redact: Redactor, address: str) -> None:
    out = redact([f"ship it to {address} thanks"])
    assert address not in out[0]
    assert "[STREET_ADDRESS_1]" in out[0]


def test_date_of_birth_by_context_but_not_dates_of_purchase(redact: Redactor) -> None:
    out = redact(
        [
            "Can I have your date of birth?",
            "13 November 1960",
            "bought it on 1/4/2024 for $518.23, delivered by 2026-03-20",
            "je suis née le 17 juillet 1998",
        ],
        senders=["agent", "customer", "customer", "customer"],
    )
    assert out[1] == "[DATE_OF_BIRTH_1]"
    assert out[2] == "bought it on 1/4/2024 for $518.23, delivered by 2026-03-20"
    assert "1998" not in out[3]


def test_ip_addresses_but_not_versions(redact: Redactor) -> None:
    out = redact(
        [
            "my ip is 24.223.191.236",
            "or 2600:1700:63b8:1c2::35e1:3df0",
            "Which app version do you have?",
            "7.1.5.10",
        ],
        senders=["customer", "customer", "agent", "customer"],
    )
    assert out[0] == "my ip is [IP_ADDRESS_1]"
    assert out[1] == "or [IP_ADDRESS_2]"
    assert out[3] == "7.1.5.10"


def test_bank_accounts_iban_cheque_and_labelled(redact: Redactor) -> None:
    out = redact(
        [
            "my IBAN? DE60 4709 9972 4546 2984 50",
            "29352-003-1180396",
            "routing number is 087991129 and account number is 13837052",
        ]
    )
    assert out[0] == "my IBAN? [BANK_ACCOUNT_1]"
    assert out[1] == "[BANK_ACCOUNT_2]"
    assert "13837052" not in out[2]


def test_people_by_relation_introduction_and_model(redact: Redactor) -> None:
    out = redact(
        [
            "moving in with my sister Elizabeth Peck",
            "name: mikayla reed",
            "je m'appelle Geneviève Tremblay",
            "Your technician Daniel Okafor will arrive at 3pm.",
        ]
    )
    assert out[0] == "moving in with my sister [PERSON_1]"
    assert out[1] == "name: [PERSON_2]"
    assert "Geneviève" not in out[2]
    assert "Tremblay" not in out[2]
    assert out[3] == "Your technician [PERSON_4] will arrive at 3pm."


def test_a_name_found_once_is_redacted_everywhere_in_the_chat(redact: Redactor) -> None:
    out = redact(
        [
            "I'm calling for my mother Virginia Robinson",
            "unless Virginia adds you as an authorized contact",
        ]
    )
    assert out == [
        "I'm calling for my mother [PERSON_1]",
        "unless [PERSON_1] adds you as an authorized contact",
    ]


def test_known_identity_wherever_it_appears_also_misspelt(redact: Redactor) -> None:
    identity = Identity(name="Amelia Urías", email="amelia.urias@gmail.com", phone="+15179986104")
    out = redact(
        [
            "amelia urias",
            "Thanks, Amelia!",
            "Last name is Urías",
            "it says Amelia Uriaz instead",
            "text 517 998 6104 or AMELIA.URIAS@GMAIL.COM",
        ],
        identity=identity,
    )
    assert out[0] == "[PERSON_1]"
    assert out[1] == "Thanks, [PERSON_1]!"
    assert "Urías" not in out[2]
    assert "Uriaz" not in out[3]
    assert out[4] == "text [PHONE_1] or [EMAIL_1]"


def test_email_login_equal_to_a_first_name_does_not_split_the_full_name(
    redact: Redactor,
) -> None:
    # The login "elise" used to win the overlap with the full name and leave "Gagnon" behind.
    identity = Identity(name="Élise Gagnon", email="elise@exemple.ca")
    out = redact(["Bonjour, je m'appelle Élise Gagnon.", "Merci Élise."], identity=identity)
    assert out == ["Bonjour, je m'appelle [PERSON_1].", "Merci [PERSON_1]."]


def test_a_finding_that_loses_an_overlap_keeps_its_uncovered_part() -> None:
    from redaction.detection import findings_resolve
    from redaction.detection.types import EntityType, Finding

    text = "user elise gagnon"
    resolved = findings_resolve(
        [
            Finding(5, 10, EntityType.ACCOUNT_ID, "login"),
            Finding(5, 17, EntityType.PERSON, "name"),
        ],
        text,
    )
    assert [(text[f.start : f.end], f.entity) for f in resolved] == [
        ("elise", EntityType.ACCOUNT_ID),
        ("gagnon", EntityType.PERSON),
    ]


def test_identity_name_that_is_a_month_before_a_day_stays_a_date(redact: Redactor) -> None:
    out = redact(["jun lee here", "he passed away on jun 8"], identity=Identity(name="Jun Lee"))
    assert out == ["[PERSON_1] here", "he passed away on jun 8"]


@pytest.mark.parametrize(
    "decoy",
    [
        "order 725-7974936-5227054",
        "order W588981724",
        "Case #34108869",
        "dispute CS-77885401",
        "tracking 1ZXKBEEF8480364215",
        "tracking 9400 7085 3303 5597 7241 02",
        "ma facture 9989478027",
        "facture INV-2025-107693",
        "$2,233.70",
        "CA$70.16",
        "the RT-AX86U modem",
        "a QN65Q80C",
        "version 6.4.9.885",
        "https://www.fedex.com/fedextrack/?trknbr=770955337204",
        "bought on 11/24/2025",
        "the code save15now",
    ],
)
def test_business_references_survive(redact: Redactor, decoy: str) -> None:
    text = f"About {decoy}, thanks"
    assert redact([text]) == [text]


def test_agent_speech_and_plain_words_are_kept(redact: Redactor) -> None:
    texts = [
        "Sorry to see you go! Is there anything else I can help you with today?",
        "Great choice! For financing we need a quick credit check.",
        "The cancellation is booked. Please return the modem with the prepaid label.",
    ]
    assert redact(texts, senders=["agent"] * 3) == texts
