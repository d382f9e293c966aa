"""Case 26: 50 visitors through the app's handlers at once, 5% of submits and polls faulted (resets, 5xx, 429,
stalls). Every take ends in a final state on screen (a video or a plain error card) and nothing is paid twice."""

import asyncio
import time
from collections import Counter

from conftest import make_photo, run

from seedance_ui import runtime
from seedance_ui.ui import handlers as h

V15 = "Seedance V1.5 Pro"
VISITORS = 50


def test_fifty_visitors_with_five_percent_faults(emu, tmp_path):
    emu.emulator.processing_seconds = 1.0
    emu.emulator.render_mode = "stub"
    emu.emulator.faults.set_random(0.05, seed=26, routes=("submit", "result"))
    live = runtime.start(api_key="", base_url=emu.url, demo=False, data_dir=tmp_path)
    live.studio.reconcile_delay = 0.5
    h.configure(h.AppContext(demo=None, live=live, on_space=True))
    photo = tmp_path / "p.jpg"
    photo.write_bytes(make_photo())
    sessions = [h.set_key(f"wsk-load-visitor-{i:03d}", h.new_session())[0] for i in range(VISITORS)]

    async def visitor(i: int) -> tuple[float, tuple]:
        t0 = time.perf_counter()
        last = None
        async for out in h.generate(sessions[i], str(photo), None, f"visitor {i}", V15, "480p", 4, h.MATCH, False,
                                    False, 1000 + i, 1, True, 100.0):  # fmt: skip
            last = out
        return time.perf_counter() - t0, last

    async def crowd() -> list:
        return await asyncio.wait_for(asyncio.gather(*(visitor(i) for i in range(VISITORS))), 300)

    try:
        results = run(crowd())
        fired_faults = list(emu.emulator.faults.fired)
    finally:
        emu.emulator.faults.clear()
        emu.emulator.render_mode = "full"
        live.close()

    latencies = sorted(t for t, _ in results)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    finals = Counter()
    for _, out in results:
        _, video, *_, error = out
        if video.get("value"):
            finals["video"] += 1
        else:
            assert error and "card" in error, out  # a plain error card, never a blank screen
            finals["error card"] += 1
    fired = Counter(f"{f['route']}:{f.get('action')}:{f.get('status', '')}" for f in fired_faults)
    print(
        f"\n50 visitors, 5% faults: {dict(finals)}; faults fired {dict(fired)}; "
        f"p50 {latencies[len(latencies) // 2]:.2f} s, p95 {p95:.2f} s end to end"
    )
    assert sum(finals.values()) == VISITORS
    seeds = Counter(job.inputs["seed"] for job in emu.emulator.jobs.values())
    assert all(n == 1 for n in seeds.values()), "a take was submitted twice"
    assert len(emu.emulator.jobs) <= VISITORS
    assert fired_faults, "no fault was injected: the test would prove nothing"
    assert finals["video"] >= VISITORS - sum(1 for f in fired_faults if f["route"] == "submit")
