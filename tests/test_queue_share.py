"""The fair share on a Space applies to the queue: demo previews render on the Space's own CPU, so every visitor's
queue runner and the Create page's previews take turns in one line (2 slots), one take at a time per visitor, first
come first served. Sampled at the emulator: never more than 2 renders at once, every visitor's takes finished,
and a visitor who queued later is not kept waiting until an earlier visitor's whole queue is done."""

import asyncio
import threading
import time

import pytest
from conftest import make_photo

from seedance_ui import runtime
from seedance_ui.takes.queue_store import QueueStore
from seedance_ui.ui import create as c
from seedance_ui.ui import queue_page
from seedance_ui.ui import takes_view as tv
from seedance_ui.ui.form import Form
from seedance_ui.ui.queue_share import ShareGate
from seedance_ui.ui.state import AppContext, FairShare, Visitor

IN_PROGRESS = ("created", "processing")


@pytest.fixture
def space(tmp_path):
    rt = runtime.start(demo=True, demo_processing_seconds=1.5, data_dir=tmp_path / "data")
    yield AppContext(demo=rt, live=None, on_space=True)
    for thread in list(queue_page._runners.values()):
        thread.join(timeout=60)
    rt.close()


def pictures(tmp_path, who: str, n: int) -> list[str]:
    out = []
    for i in range(n):
        path = tmp_path / f"{who}{i}.jpg"
        path.write_bytes(make_photo(640, 480, color=(30 * i, 90, 150)))
        out.append(str(path))
    return out


def queue_from_the_page(ctx, visitor, files, prompt):
    _, _, _, rows = queue_page.check(ctx, visitor, files, prompt, None, 2.0)
    said = queue_page.add(ctx, visitor, rows, False, 2.0)[0]
    assert said == f"Queued {len(files)} take{'s' if len(files) > 1 else ''}.", said


def test_visitors_queues_share_the_spaces_two_slots_first_come_first_served(space, tmp_path):
    emulator = space.demo.emulator.emulator
    journal = space.demo.studio.journal
    a, b, cc, d = Visitor(), Visitor(), Visitor(), Visitor()
    most, stop = [0], threading.Event()

    def sample() -> None:  # the emulator's renders in progress, every 20 ms
        while not stop.is_set():
            most[0] = max(most[0], sum(j.status in IN_PROGRESS for j in list(emulator.jobs.values())))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    queue_from_the_page(space, a, pictures(tmp_path, "a", 3), "visitor a")
    queue_from_the_page(space, b, pictures(tmp_path, "b", 3), "visitor b")
    queue_from_the_page(space, cc, pictures(tmp_path, "c", 2), "visitor c")

    async def create_click():  # a fourth visitor's preview from Create waits in the same line
        return [f async for f in tv.generate(space, Form(visitor=d, first=pictures(tmp_path, "d", 1)[0], prompt="visitor d",
                                             family="Seedance V1 Lite", resolution="480p", duration=2,
                                             aspect=c.MATCH, seed=5, takes=1, confirmed=True, threshold=2.0))]  # fmt: skip

    frames = asyncio.run(create_click())
    deadline = time.monotonic() + 120
    owners = {a.token: 3, b.token: 3, cc.token: 2}
    while time.monotonic() < deadline:
        done = {o: [t for t in journal.history() if t.owner == o and t.state == "downloaded"] for o in owners}
        if all(len(done[o]) == n for o, n in owners.items()):
            break
        time.sleep(0.2)
    stop.set()
    sampler.join()

    assert most[0] <= 2, f"{most[0]} renders at once on the Space's CPU (its fair share is 2)"
    assert frames[-1].status.startswith("✅ Done"), frames[-1].error
    assert any("ahead of you" in f.status for f in frames), "the Create preview never waited its turn"
    for owner, n in owners.items():
        assert len(done[owner]) == n, f"{owner}: {len(done[owner])} of {n} takes saved"
    assert most[0] == 2, "the two slots were never both used"
    assert emulator.count("submit") == 9
    starts = {o: sorted(t.submitted_at for t in done[o]) for o in owners}
    assert starts[cc.token][0] < starts[a.token][-1], "visitor c waited for visitor a's whole queue"
    assert not space.fair_share.running and not space.fair_share.waiting  # every turn given back
    assert all(QueueStore(journal).items(o) == [] for o in owners)


def test_a_gate_waits_behind_the_visitors_own_preview_and_keeps_its_place_honestly():
    share = FairShare(slots=1)
    gate, other = ShareGate(share, "v"), ShareGate(share, "w")
    share.join("v")
    assert share.ahead("v") is None  # the visitor's own preview from Create holds their turn
    assert gate.my_turn() is False and share.waiting == []  # not a second place for the same visitor
    assert other.my_turn() is False and share.waiting == ["w"]
    share.leave("v")
    assert gate.my_turn() is False and share.waiting == ["w", "v"]  # first come first served
    share.leave("v")  # a stray leave takes the place away: the gate joins again instead of failing
    assert gate.my_turn() is False and share.waiting == ["w", "v"]
    assert other.my_turn() is True and share.running == {"w"}
    other.give_back()
    assert gate.my_turn() is True and share.running == {"v"} and share.waiting == []
    gate.give_back()
    assert not share.running and not share.waiting
