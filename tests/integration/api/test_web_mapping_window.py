"""The mapping window over HTTP: each partner event's time zone in the list, what to know about
the chosen pair beside the fields before Add Mapping (the htmx fragment, and the same answer
to a submit without JavaScript), and Map anyway for exactly the choice it was shown for."""

from __future__ import annotations

import lxml.html
from lxml.html import HtmlElement

from agendasync.sources.demo_data import demo_event
from agendasync.sources.eventfile import import_document
from agendasync.store import integrations as repo
from agendasync.store import tables as t
from agendasync.store.events import find_event, find_organisation
from agendasync.sync.model import LedgerEntry, LedgerState, Origin
from conftest import IN_A_MONTH, Api

WINDOW = "/orgs/acme/settings/integrations/swoogo"


def _html(text: str) -> HtmlElement:
    return lxml.html.fromstring(text)


def _options(page: HtmlElement, name: str) -> list[str]:
    return [o.text_content().strip() for o in page.xpath(f".//select[@name='{name}']/option")]


def _said_at(page: HtmlElement, name: str) -> str | None:
    """What the page says beside the field, checked to be tied to it for screen readers."""
    (field,) = page.xpath(f".//*[@name='{name}']")
    if field.get("aria-invalid") != "true":
        assert not page.xpath(f".//*[@id='{field.get('id')}-error']")
        return None
    (said,) = page.xpath(f".//*[@id='{field.get('id')}-error']")
    assert said.get("id") in field.get("aria-describedby").split()
    return str(said.text_content().strip())


def _mapped(api: Api) -> list[str]:
    with api.store.transaction() as connection:
        return [m.partner_event_name for m in repo.list_mappings(connection)]


async def _signed_in(api: Api) -> str:
    await api.connect_swoogo(api.acme)
    return await api.login(api.acme.admin_email)


TOKYO_WARNING = (
    "Time zones differ: Swoogo event 'Tokyo on Swoogo' is in Asia/Tokyo, DevConf "
    f"{IN_A_MONTH.year} is in Europe/Berlin. Syncs are refused until both are the same."
)


async def test_differing_time_zones_show_beside_the_fields_before_add_mapping_r_map_8(
    api: Api,
) -> None:
    csrf = await _signed_in(api)
    tokyo = str(api.swoogo.state.add_event("Tokyo on Swoogo", timezone="Asia/Tokyo"))
    choice = {"partner_event_id": tokyo, "event": "acme-conf"}

    window = _html((await api.client.get(WINDOW)).text)
    fragment = await api.client.get(f"{WINDOW}/mappings/check", params=choice)
    submitted = await api.client.post(f"{WINDOW}/mappings", data=choice | {"csrf_token": csrf})
    mapped_before = _mapped(api)
    (map_anyway,) = _html(submitted.text).xpath(
        ".//form[@id='mapping-form']//button[@name='confirm']"
    )
    confirmed = await api.client.post(
        f"{WINDOW}/mappings",
        data=choice | {"csrf_token": csrf, "confirm": map_anyway.get("value")},
    )

    assert _options(window, "partner_event_id") == [
        f"Conf on Swoogo (#{api.partner_event}, Europe/Berlin)",
        f"Tokyo on Swoogo (#{tokyo}, Asia/Tokyo)",
    ]
    assert _said_at(window, "event") is None  # the first pair shown agrees
    assert window.xpath(".//form[@id='mapping-form']//button")[0].text_content() == "Add Mapping"
    form = _html(fragment.text)
    assert form.get("id") == "mapping-form"  # the form alone, for htmx to swap in
    assert _said_at(form, "event") == TOKYO_WARNING
    assert _said_at(form, "partner_event_id") is None
    assert [b.text_content() for b in form.xpath(".//button")] == ["Map anyway"]
    assert submitted.status_code == 409
    page = _html(submitted.text)
    assert _said_at(page, "event") == TOKYO_WARNING
    (chosen,) = page.xpath(".//select[@name='partner_event_id']/option[@selected]")
    assert chosen.get("value") == tokyo
    assert mapped_before == []
    assert confirmed.status_code == 303
    assert _mapped(api) == ["Tokyo on Swoogo"]


async def test_map_anyway_confirms_only_the_choice_it_was_shown_for(api: Api) -> None:
    csrf = await _signed_in(api)
    tokyo = str(api.swoogo.state.add_event("Tokyo on Swoogo", timezone="Asia/Tokyo"))
    osaka = str(api.swoogo.state.add_event("Osaka on Swoogo", timezone="Asia/Tokyo"))
    warned = await api.client.post(
        f"{WINDOW}/mappings",
        data={"partner_event_id": tokyo, "event": "acme-conf", "csrf_token": csrf},
    )
    (map_anyway,) = _html(warned.text).xpath(".//button[@name='confirm']")

    # Without JavaScript the warning is not redrawn when another event is chosen after it.
    other = await api.client.post(
        f"{WINDOW}/mappings",
        data={
            "partner_event_id": osaka,
            "event": "acme-conf",
            "csrf_token": csrf,
            "confirm": map_anyway.get("value"),
        },
    )

    assert other.status_code == 409
    assert "Swoogo event 'Osaka on Swoogo' is in Asia/Tokyo" in str(
        _said_at(_html(other.text), "event")
    )
    assert _mapped(api) == []


async def test_a_partner_event_holding_another_events_records_names_it_beside_the_field(
    api: Api,
) -> None:
    csrf = await _signed_in(api)
    with api.store.transaction() as connection:
        org = find_organisation(connection, "acme")
        import_document(
            connection,
            demo_event(slug="acme-two", name="Acme Two", sessions=2, seed=3, today=IN_A_MONTH),
            org=org,
        )
        conf = find_event(connection, "acme-conf")
        session = connection.execute(
            t.sessions.select().where(t.sessions.c.event_id == conf.id)
        ).first()
        entry = LedgerEntry(
            kind="sessions",
            record_id=session.id,
            state=LedgerState.SYNCED,
            partner_id="77",
            content_hash="h",
            detail=None,
            extra={},
            origin=Origin.CREATED,
        )
        scope = repo.LedgerScope(org.id, "swoogo", str(api.partner_event))
        repo.save_ledger_entries(connection, scope, [entry])
    choice = {"partner_event_id": str(api.partner_event), "event": "acme-two"}

    fragment = _html((await api.client.get(f"{WINDOW}/mappings/check", params=choice)).text)
    submitted = await api.client.post(f"{WINDOW}/mappings", data=choice | {"csrf_token": csrf})

    warning = (
        f"Swoogo event 'Conf on Swoogo' already holds records of {conf.name}: a sync of "
        "Acme Two adds its own beside them."
    )
    assert _said_at(fragment, "partner_event_id") == warning
    assert _said_at(fragment, "event") is None
    assert submitted.status_code == 409
    assert _said_at(_html(submitted.text), "partner_event_id") == warning
    assert _mapped(api) == []


async def test_a_refused_mapping_says_why_at_the_field(api: Api) -> None:
    csrf = await _signed_in(api)

    refused = await api.client.post(
        f"{WINDOW}/mappings",
        data={"partner_event_id": "999999", "event": "acme-conf", "csrf_token": csrf},
    )

    assert refused.status_code == 422
    page = _html(refused.text)
    assert _said_at(page, "partner_event_id") == "Swoogo has no event 999999 for these credentials."
    assert page.xpath(".//select[@name='event']/option[@selected]")[0].get("value") == "acme-conf"
    assert _mapped(api) == []
