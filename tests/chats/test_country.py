import pytest

from chats.country import country_from_email, country_from_phone, country_infer
from chats.models import CountrySource
from tests.factories import make_chat


@pytest.mark.parametrize(
    ("phone", "country", "region"),
    [
        ("+1 416 555 0199", "CA", "CA-ON"),
        ("(514) 555-0147", "CA", "CA-QC"),
        ("+1 212 555 0100", "US", "US-NY"),
        ("12145337508", "US", "US-TX"),
        ("+44 20 7946 0958", "GB", ""),
    ],
)
def test_phone_gives_country_and_region(phone, country, region):
    evidence = country_from_phone(phone)
    assert evidence is not None
    assert (evidence.country, evidence.region, evidence.source) == (
        country,
        region,
        CountrySource.PHONE_NUMBER,
    )


@pytest.mark.parametrize("phone", ["", "12345", "+1 800 555 1234", "not a phone"])
def test_unusable_phones_give_nothing(phone):
    assert country_from_phone(phone) is None


@pytest.mark.parametrize(
    ("email", "country"),
    [("a@shop.ca", "CA"), ("b@x.co.uk", "GB"), ("c@x.com", None), ("d@startup.io", None)],
)
def test_email_country_code_domains(email, country):
    evidence = country_from_email(email)
    assert (evidence.country if evidence else None) == country


def test_order_of_evidence_and_confidence():
    given = country_infer(given_country="US", customer_phone="+1 416 555 0199")
    phone = country_infer(customer_phone="+1 416 555 0199", customer_email="x@y.us")
    email = country_infer(customer_email="x@y.ca", agent_countries=["US"])
    agent = country_infer(agent_countries=["US", "US", "CA"])
    unknown = country_infer()
    assert [e.source for e in (given, phone, email, agent, unknown)] == [
        CountrySource.SOURCE_SYSTEM,
        CountrySource.PHONE_NUMBER,
        CountrySource.EMAIL_DOMAIN,
        CountrySource.AGENT,
        CountrySource.UNKNOWN,
    ]
    confidences = [e.confidence for e in (given, phone, email, agent, unknown)]
    assert confidences == sorted(confidences, reverse=True)
    assert (unknown.country, unknown.confidence) == ("", 0.0)
    assert agent.is_low_confidence
    assert not phone.is_low_confidence


@pytest.mark.django_db
def test_import_applies_inference():
    toronto = make_chat(
        country="", region="", customer={"external_id": "c1", "phone": "+1 416 555 0199"}
    )
    new_york = make_chat(
        country="", region="", customer={"external_id": "c2", "phone": "+1 212 555 0100"}
    )
    nothing = make_chat(
        country="", region="", customer={"external_id": "c3", "email": "x@example.com"}
    )
    assert (toronto.country, toronto.country_source) == ("CA", "phone_number")
    assert (new_york.country, new_york.country_source) == ("US", "phone_number")
    assert (nothing.country, nothing.country_source, nothing.country_confidence) == (
        "",
        "unknown",
        0.0,
    )


@pytest.mark.django_db
def test_reinfer_job_uses_agent_country_set_later_and_keeps_given_countries():
    from django.core.management import call_command

    from chats.models import Agent

    unknown = make_chat(
        country="",
        region="",
        customer={"external_id": "c9"},
        agents=[{"external_id": "a-us", "name": "Kim"}],
    )
    given = make_chat(country="CA", region="", agents=[{"external_id": "a-us", "name": "Kim"}])
    Agent.objects.filter(external_id="a-us").update(default_country="US")

    call_command("run_job", "infer_countries")
    call_command("run_job", "infer_countries")  # idempotent

    unknown.refresh_from_db()
    given.refresh_from_db()
    assert (unknown.country, unknown.country_source) == ("US", "agent")
    assert unknown.history.first().history_change_reason == "country re-inferred"
    assert (given.country, given.country_source) == ("CA", "source_system")
