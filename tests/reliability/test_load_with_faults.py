"""Case 26: 50 visitors through the app's handlers at once, 5% of submits and polls faulted (resets, 5xx, 429,
stalls). Every take ends in a final state on screen (a video or a plain error card) and nothing is paid twice."""

import asyncio
import time
from collections import Counter

from conftest import make_photo, run

from seedance_ui import runtime
from seedance_ui.ui import create as c
from seedance_ui.ui import takes_view as tv
from seedance_ui.ui.state import AppContext, Visitor

V15 = "Seedance V1.5 Pro"
VISITORS = 50


def test_fifty_visitors_with_five_percent_faults(emu, tmp_path):
    emu.emulator.processing_seconds = 1.0
    emu.emulator.render_mode = "stub"
    emu.emulator.faults.set_random(0.05, seed=26, routes=("submit", "result"))
    live = runtime.start(key="", base_url=emu.url, demo=False, data_dir=tmp_path)
    live.studio.reconcile_delay = 0.5
    ctx = AppContext(demo=None, live=live, on_space=True)
    photo = tmp_path / "p.jpg"
    photo.write_bytes(make_photo())
    visitors = [Visitor(key=f"wsk-load-visitor-{i:03d}") for i in range(VISITORS)]

    async def visitor(i: int) -> tuple[float, tv.Frame]:
        t0 = time.perf_counter()
        last = None
        form = c.Form(visitor=visitors[i], first=str(photo), prompt=f"visitor {i}", family=V15, resolution="480p",
                      duration=4, seed=1000 + i, confirmed=True, threshold=100.0)  # fmt: skip
        async for frame in tv.generate(ctx, form):
            last = frame
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
    for _, frame in results:
        slot = frame.slots[0]
        if slot.video:
            finals["video"] += 1
        else:
            assert "card" in slot.text + frame.error, frame  # a plain error card, never a blank screen
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


def test_fifty_visitors_through_the_launched_app(emu, tmp_path, monkeypatch):
    """The same crowd through the real app server (gradio_client and its queue), faults behind it."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from conftest import free_port
    from gradio_client import Client, handle_file

    from seedance_ui.ui import make_context
    from seedance_ui.ui.layout import build_app, launch_kwargs

    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.setenv("WAVESPEED_API_KEY", "wsk-load-owner-000001")
    monkeypatch.setenv("WAVESPEED_BASE_URL", emu.url)
    emu.emulator.processing_seconds = 1.0
    emu.emulator.render_mode = "stub"
    ctx = make_context(data_dir=tmp_path)
    ctx.live.studio.reconcile_delay = 0.5
    demo = build_app(ctx)
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **launch_kwargs(ctx))
    photo = tmp_path / "p.jpg"
    photo.write_bytes(make_photo())
    url = f"http://127.0.0.1:{port}/"
    with ThreadPoolExecutor(10) as pool:
        clients = list(pool.map(lambda _: Client(url, verbose=False), range(VISITORS)))
    emu.emulator.faults.set_random(0.05, seed=2626, routes=("submit", "result"))

    def visitor(i: int) -> tuple[str, float]:
        t0 = time.perf_counter()
        try:
            video, facts = clients[i].predict(handle_file(str(photo)), f"visitor {i}",
                                              model_id="bytedance/seedance-v1-lite-i2v-480p", duration=2,
                                              seed=2000 + i, api_name="/generate")  # fmt: skip
            path = video["video"] if isinstance(video, dict) else video
            outcome = "video" if facts["seed"] == 2000 + i and os.path.getsize(path) > 0 else "wrong video"
        except Exception as e:  # the app's plain gr.Error reaches the client as an exception with its words
            outcome = "error" if "charged" in str(e) or "WaveSpeed" in str(e) else f"unplain: {e}"
        return outcome, time.perf_counter() - t0

    try:
        with ThreadPoolExecutor(VISITORS) as pool:
            results = list(pool.map(visitor, range(VISITORS)))
        fired_faults = list(emu.emulator.faults.fired)
    finally:
        emu.emulator.faults.clear()
        emu.emulator.render_mode = "full"
        demo.close()
        ctx.live.close()
        if ctx.demo is not None:
            ctx.demo.close()
        os.environ.pop("WAVESPEED_BASE_URL", None)
    outcomes = Counter(o for o, _ in results)
    latencies = sorted(t for _, t in results)
    print(
        f"\n50 visitors through the app, 5% faults: {dict(outcomes)}; {len(fired_faults)} faults fired; "
        f"p50 {latencies[len(latencies) // 2]:.2f} s, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.2f} s"
    )
    assert fired_faults, "no fault was injected: the test would prove nothing"
    assert set(outcomes) <= {"video", "error"}, outcomes
    seeds = Counter(job.inputs["seed"] for job in emu.emulator.jobs.values())
    assert all(n == 1 for n in seeds.values()), "a take was submitted twice"
