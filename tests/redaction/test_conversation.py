"""Detection that reads the conversation (issue #15): pieces, bare answers, French, decoys."""

from .conftest import Redactor

AGENT, CUSTOMER = "agent", "customer"


# --- identifiers typed in pieces across consecutive messages --------------------------------
def test_card_number_split_across_messages_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["Which card would you like to use?", "4666 1760", "3137 2159"],
        senders=[AGENT, CUSTOMER, CUSTOMER],
    )
    assert "4666" not in out[1]
    assert "1760" not in out[1]
    assert "3137" not in out[2]
    assert "2159" not in out[2]
    assert out[1].startswith("[CREDIT_CARD_")
    assert out[2].startswith("[CREDIT_CARD_")


def test_card_number_in_four_pieces_without_a_question_is_redacted(redact: Redactor) -> None:
    out = redact(["5384", "8372", "6167", "5136 thats the one"])
    assert all("[CREDIT_CARD_" in text for text in out)
    assert "5136" not in out[3]
    assert "thats the one" in out[3]


def test_number_pieces_that_do_not_validate_are_kept(redact: Redactor) -> None:
    texts = ["I ordered 4666 1760", "and then 3137 2158 more", "ok"]
    assert redact(texts) == texts


def test_pieces_from_different_senders_are_not_joined(redact: Redactor) -> None:
    texts = ["order 4666 1760", "got it, batch 3137 2159"]
    assert redact(texts, senders=[CUSTOMER, AGENT]) == texts


def test_phone_number_split_across_messages_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["Can I get a good number for you?", "sure 438", "291 7764"],
        senders=[AGENT, CUSTOMER, CUSTOMER],
    )
    assert "438" not in out[1]
    assert "sure" in out[1]
    assert "291" not in out[2]
    assert "7764" not in out[2]


def test_account_number_split_across_messages_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["What account should the refund go to?", "ok its 00712", "hold on", "48 8159"],
        senders=[AGENT, CUSTOMER, CUSTOMER, CUSTOMER],
    )
    assert "00712" not in out[1]
    assert "8159" not in out[3]
    assert out[2] == "hold on"


def test_email_spelt_out_in_words_is_redacted(redact: Redactor) -> None:
    out = redact(
        [
            "its marco dot bellini at outlook",
            "c'est sophie point lavoie arobase videotron point ca",
        ]
    )
    assert out[0] == "its [EMAIL_1]"
    assert out[1] == "c'est [EMAIL_2]"


# --- bare answers to the agent's question ---------------------------------------------------
def test_bare_zip_after_agent_question_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["And the billing ZIP?", "one sec", "let me grab the card", "60614"],
        senders=[AGENT, CUSTOMER, CUSTOMER, CUSTOMER],
    )
    assert out[3] == "[US_ZIP_1]"


def test_bare_date_of_birth_with_short_year_after_question_is_redacted(
    redact: Redactor,
) -> None:
    out = redact(
        ["For security, your birthdate please", "hmm ok", "one moment", "07/22/91"],
        senders=[AGENT, CUSTOMER, CUSTOMER, CUSTOMER],
    )
    assert out[3] == "[DATE_OF_BIRTH_1]"


def test_last_four_of_sin_after_question_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["Could you confirm the last 4 digits of your SIN?", "6515"],
        senders=[AGENT, CUSTOMER],
    )
    assert out[1] == "[CA_SIN_1]"


def test_bare_branch_and_account_after_question_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["Which branch and account do you want it deposited to?", "20419 5583017"],
        senders=[AGENT, CUSTOMER],
    )
    assert "5583017" not in out[1]
    assert "[BANK_ACCOUNT_" in out[1]


def test_bare_local_phone_after_agent_question_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["What is the best number to call you back on?", "same area code", "331-8820"],
        senders=[AGENT, CUSTOMER, CUSTOMER],
    )
    assert out[2] == "[PHONE_1]"


def test_bare_address_after_agent_question_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["What's the service address?", "4410 Birchmount, Scarborough"],
        senders=[AGENT, CUSTOMER],
    )
    assert "4410 Birchmount" not in out[1]
    assert "[STREET_ADDRESS_1]" in out[1]


def test_answer_to_an_older_question_after_a_new_one_keeps_the_new_context(
    redact: Redactor,
) -> None:
    texts = ["What's your ZIP code?", "Thanks. How many units did you order?", "12500"]
    assert redact(texts, senders=[AGENT, AGENT, CUSTOMER]) == texts


def test_a_value_found_once_keeps_its_type_and_placeholder_across_the_chat(
    redact: Redactor,
) -> None:
    out = redact(
        ["And the billing ZIP?", "60614", "Thanks! How many units?", "2", "Ok, 2 units to 60614."],
        senders=[AGENT, CUSTOMER, AGENT, CUSTOMER, AGENT],
    )
    assert out[1] == "[US_ZIP_1]"
    assert out[4] == "Ok, 2 units to [US_ZIP_1]."


def test_pieces_of_a_card_share_the_placeholder_of_the_whole_number(redact: Redactor) -> None:
    out = redact(["4666 1760", "3137 2159", "so the card is 4666 1760 3137 2159"])
    assert out[0] == out[1] == "[CREDIT_CARD_1]"
    assert out[2] == "so the card is [CREDIT_CARD_1]"


# --- Canadian French banking and identity wording -------------------------------------------
def test_french_transit_institution_and_folio_are_redacted(redact: Redactor) -> None:
    out = redact(["ma succursale 30218, institution 815, folio 4417092"], language="fr")
    assert "4417092" not in out[0]
    assert "30218" not in out[0]
    assert "[BANK_ACCOUNT_" in out[0]


def test_bare_folio_after_french_question_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["Quel est votre numéro de folio?", "9920135"], senders=[AGENT, CUSTOMER], language="fr"
    )
    assert out[1] == "[BANK_ACCOUNT_1]"


def test_french_sin_question_then_bare_answer_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["Pouvez-vous me donner les trois derniers chiffres de votre NAS?", "515"],
        senders=[AGENT, CUSTOMER],
        language="fr",
    )
    assert out[1] == "[CA_SIN_1]"


def test_french_postal_code_question_then_bare_answer_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["Et votre code postal?", "un instant", "voilà", "J4k5L2"],
        senders=[AGENT, CUSTOMER, CUSTOMER, CUSTOMER],
        language="fr",
    )
    assert out[3] == "[CA_POSTAL_CODE_1]"


def test_french_street_types_with_accents_and_units_are_redacted(redact: Redactor) -> None:
    out = redact(
        [
            "j'habite au 1185, montée Saint-Hubert, app. 4",
            "livrez au 77 côte des Érables, bureau 210",
            "c'est le 3320 allée du Parc",
        ],
        language="fr",
    )
    assert "1185" not in out[0]
    assert "Saint-Hubert" not in out[0]
    assert "app. 4" not in out[0]
    assert "côte des Érables" not in out[1]
    assert "210" not in out[1]
    assert "3320 allée du Parc" not in out[2]


def test_lower_case_iban_with_spaces_is_redacted(redact: Redactor) -> None:
    out = redact(["mon iban: fr96 3000 4012 3400 0123 4567 890", "be68 5390 0754 7034"])
    assert out[0] == "mon iban: [BANK_ACCOUNT_1]"
    assert out[1] == "[BANK_ACCOUNT_2]"


# --- over-redaction: dates that are not addresses or births ---------------------------------
def test_travel_date_followed_by_time_is_kept(redact: Redactor) -> None:
    texts = [
        "Your flight on June 21 departs from gate 14 at 6:40.",
        "The parcel left on March 3 via the Line 5 depot and arrives May 9 Drive-thru pickup.",
        "votre vol du 14 août part de la porte 22",
    ]
    assert redact(texts, senders=[AGENT] * 3) == texts


def test_purchase_and_delivery_dates_are_kept_after_a_birth_date_question(
    redact: Redactor,
) -> None:
    texts = [
        "What's your date of birth?",
        "04/19/1977",
        "Thanks. And when was it delivered?",
        "delivered 03/02/2024, bought 02/27/2024",
    ]
    out = redact(texts, senders=[AGENT, CUSTOMER, AGENT, CUSTOMER])
    assert out[1] == "[DATE_OF_BIRTH_1]"
    assert out[3] == texts[3]


# --- French names ----------------------------------------------------------------------------
def test_full_name_after_chez_in_french_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["Je suis chez Ginette Marchessault pour la semaine, livrez là-bas."], language="fr"
    )
    assert "Ginette" not in out[0]
    assert "Marchessault" not in out[0]
    assert out[0].startswith("Je suis chez [PERSON_1]")


def test_name_before_va_vous_rappeler_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["Parfait. Lucien Beauregard va vous rappeler demain matin."],
        senders=[AGENT],
        language="fr",
    )
    assert out[0] == "Parfait. [PERSON_1] va vous rappeler demain matin."


def test_third_party_name_in_french_is_a_person_not_an_organisation(
    redact: Redactor,
) -> None:
    out = redact(
        [
            "Le technicien, Benoît Lachance, n'est jamais venu.",
            "La facture est au nom de Solange Dufresne-Caron.",
        ],
        language="fr",
    )
    assert out[0] == "Le technicien, [PERSON_1], n'est jamais venu."
    assert out[1] == "La facture est au nom de [PERSON_2]."


def test_french_verb_with_its_pronoun_is_not_a_name(redact: Redactor) -> None:
    out = redact(["Pouvez-vous envoyer ça à Rémi Gingras svp?"], language="fr")
    assert out == ["Pouvez-vous envoyer ça à [PERSON_1] svp?"]


def test_brand_after_bienvenue_chez_is_kept_in_french(redact: Redactor) -> None:
    text = "Bonjour et bienvenue chez Vidéotron Mobile, comment puis-je vous aider?"
    assert redact([text], senders=[AGENT], language="fr") == [text]


def test_french_chat_is_detected_when_the_chat_language_is_wrong(redact: Redactor) -> None:
    out = redact(
        ["Théodore Vaillancourt passera chercher la commande demain."],
        language="en",
    )
    assert "Théodore" not in out[0]
    assert "Vaillancourt" not in out[0]


def test_iban_keeps_its_type_over_the_digit_groups_inside_it(redact: Redactor) -> None:
    out = redact(["virement vers nl41 abna 4687 1441 94 svp"], language="fr")
    assert out == ["virement vers [BANK_ACCOUNT_1] svp"]


def test_zip_answer_to_an_address_on_the_account_question_is_a_zip(redact: Redactor) -> None:
    out = redact(
        ["Can you confirm the address on the account?", "77 Orchard Lane, Dayton, OH 45402"],
        senders=[AGENT, CUSTOMER],
    )
    assert out[1] == "[STREET_ADDRESS_1], Dayton, OH [US_ZIP_1]"


def test_bare_login_after_french_question_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["Quel est votre identifiant?", "mtremblay88"], senders=[AGENT, CUSTOMER], language="fr"
    )
    assert out[1] == "[ACCOUNT_ID_1]"


def test_bare_local_phone_after_french_cell_question_is_redacted(redact: Redactor) -> None:
    out = redact(
        ["Votre cellulaire, s'il vous plaît?", "un instant", "482-0917"],
        senders=[AGENT, CUSTOMER, CUSTOMER],
        language="fr",
    )
    assert out[2] == "[PHONE_1]"
