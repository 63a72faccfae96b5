"""A picture that cannot be sent is reported apart from the records: the run is not partial
for it, so a partial run always means a record failed; the summary still says it was not sent."""

from __future__ import annotations

from agendasync.domain.integrations import RunStatus
from agendasync.domain.run_summary import summarise


async def test_a_broken_headshot_does_not_make_the_run_partial(world) -> None:
    await world.connected()
    content = world.content()
    _, speakers = world.eligible()
    broken = speakers[0]
    for speaker in content.speakers:
        if speaker.id == broken.id:
            speaker.headshot_url = f"{world.pictures}/broken.png"
    world.save(content)

    run = await world.sync()

    assert run.status is RunStatus.SUCCEEDED
    assert run.report["failed"] == []
    assert [(p["kind"], p["label"], p["reason"]) for p in run.report["pictures"]] == [
        (
            "headshots",
            f"headshot of speaker {broken.first_name} {broken.last_name}",
            f"could not read the image {world.pictures}/broken.png: not a supported picture",
        )
    ]
    assert run.report["counts"]["headshots"]["failed"] == 1
    # The summary still counts every kind honestly: the picture that was not sent shows.
    headshots = run.report["counts"]["headshots"]
    sentence = summarise(run).sentence("Sync to Swoogo")
    synced = headshots["created"] + headshots["updated"] + headshots["unchanged"]
    assert f"{synced} of {headshots['attempted']} headshots" in sentence
    assert "(1 failed" in sentence
