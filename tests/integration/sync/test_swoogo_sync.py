"""Syncing to Swoogo: the connector over real HTTP against the simulator (SPEC §2-§5, §7)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from agendasync.domain.integrations import RunStatus
from agendasync.services.integrations import IntegrationError
from agendasync.services.mappings import remove_mapping
from agendasync.store import tables as t
from agendasync.store.exceptions import Conflict

# --- integrations (§2) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"credentials": {"secret": "wrong"}},
            "Swoogo refused the credentials: Swoogo refused the consumer key and secret: "
            "The client credentials are invalid",
        ),
        (
            {"base_url": "http://127.0.0.1:9/api/v1"},
            "Swoogo could not be reached at http://127.0.0.1:9/api/v1",
        ),
        ({"base_url": "not a url"}, "base URL 'not a url' must start with https:// (or http://)"),
        ({"credentials": {"key": " "}}, "Consumer key is required to connect Swoogo"),
    ],
)
async def test_connect_verifies_credentials_and_says_what_is_wrong_r_int_2(
    world, overrides, message
) -> None:
    world.add_event()
    with pytest.raises(IntegrationError) as refused:
        await world.connect(**overrides)
    assert str(refused.value).startswith(message)
    with world.store.transaction() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(t.integrations)).scalar() == 0
        )


async def test_base_url_is_normalised_on_connect_r_int_3(world) -> None:
    world.add_event()
    connected = await world.connect(base_url=f"  {world.swoogo_url}/ . ")
    assert connected.integration.base_url == world.swoogo_url


async def test_credentials_encrypted_at_rest_and_masked_r_int_4(world) -> None:
    world.add_event()
    connected = await world.connect()
    with world.store.transaction() as connection:
        stored = connection.execute(sa.select(t.integrations.c.credentials)).scalar()
    assert "secret" not in stored
    assert world.box.open(stored) == {"key": "key", "secret": "secret"}
    assert connected.integration.credentials_hint == "Consumer key ••••, Consumer secret ••••"


async def test_one_set_of_credentials_per_partner_per_organisation_r_int_1(world) -> None:
    world.add_event()
    await world.connect()
    with pytest.raises(Conflict, match="swoogo is already connected for this organisation"):
        await world.connect()


async def test_disconnect_removes_mappings_and_leaves_partner_data_r_int_5(world) -> None:
    await world.connected()
    await world.sync()
    on_swoogo = len(world.sim.state.sessions)
    from agendasync.services.integrations import disconnect

    removed = disconnect(world.store, org="Acme", partner_name="swoogo")

    assert removed == 1
    assert len(world.sim.state.sessions) == on_swoogo > 0
    with world.store.transaction() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(t.mappings)).scalar() == 0
        # What the partner event holds stays known, for a remap of the same pair (R-INT-6).
        kept = sa.select(sa.func.count()).select_from(t.sync_ledger)
        assert connection.execute(kept.where(t.sync_ledger.c.kind == "sessions")).scalar() == (
            on_swoogo
        )


async def test_reconnect_and_remap_finds_records_again_r_int_6(world) -> None:
    await world.connected()
    await world.sync()
    from agendasync.services.integrations import disconnect

    disconnect(world.store, org="Acme", partner_name="swoogo")
    content = world.content()
    content.sessions[0].title = "Renamed while disconnected"
    world.save(content)
    world.mapping = None
    await world.connect()
    await world.map()

    run = await world.sync()

    counts = run.report["counts"]
    assert counts["sessions"]["created"] == 0
    assert counts["speakers"]["created"] == 0
    world.assert_all_on_swoogo_once()


# --- mappings (§3) -----------------------------------------------------------------------------


async def test_many_mappings_per_partner_and_removing_one_keeps_others_r_map_5(world) -> None:
    # also proves r_map_1.
    world.add_event("one")
    world.add_event("two", seed=2)
    second_partner_event = world.sim.state.add_event("Two on Swoogo", timezone="Europe/Berlin")
    await world.connect()
    first = await world.map("one")
    second = await world.map("two", second_partner_event)
    removed = await remove_mapping(world.store, world.box, first)
    run = await world.sync(second)

    assert first.id != second.id
    assert removed.purge is None  # Swoogo keeps what was synced
    assert run.status is RunStatus.SUCCEEDED
    assert run.report["counts"]["sessions"]["created"] > 0


@pytest.mark.parametrize("side", ["partner event", "event"])
async def test_each_side_maps_once_and_the_refusal_names_the_holder_r_map_2(world, side) -> None:
    world.add_event("one")
    world.add_event("two", seed=2)
    other = world.sim.state.add_event("Other", timezone="Europe/Berlin")
    await world.connect()
    await world.map("one")
    slug, partner_event = ("two", None) if side == "partner event" else ("one", other)
    with pytest.raises(Conflict) as refused:
        await world.map(slug, partner_event)
    expected = (
        f"swoogo event {world.partner_event} (Conf on Swoogo) is already mapped to event 'one'"
        if side == "partner event"
        else f"event 'one' is already mapped to swoogo event {world.partner_event} (Conf on Swoogo)"
    )
    assert str(refused.value) == expected


async def test_sync_exists_only_for_mapped_events_r_map_3(world) -> None:
    world.add_event()
    await world.connect()
    from agendasync.services.integrations import mapping_for

    with pytest.raises(
        IntegrationError, match="event 'conf' is not mapped to swoogo; add a mapping first"
    ):
        mapping_for(world.store, "conf", "swoogo")


async def test_time_zone_mismatch_stops_the_sync_naming_both_r_map_8(world) -> None:
    world.add_event(timezone="Asia/Tokyo")
    await world.connect()
    await world.map(confirmed=True)  # mapped despite the warning

    run = await world.sync()

    assert run.status is RunStatus.FAILED
    assert run.message == (
        "time zones differ: Swoogo event 'Conf on Swoogo' is in Europe/Berlin, event 'conf' is "
        "in Asia/Tokyo; make them the same before syncing"
    )
    assert world.writes() == 0


async def test_zones_compared_by_rules_not_names_r_map_8(world) -> None:
    world.add_event(timezone="America/New_York")
    world.partner_event = world.sim.state.add_event("NY", timezone="US/Eastern")
    await world.connect()
    await world.map()

    run = await world.sync()

    assert run.status is RunStatus.SUCCEEDED
    world.assert_all_on_swoogo_once()
