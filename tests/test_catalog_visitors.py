"""Issue 22, cases 7 and 8: on a Space, ``/generate`` waits its turn in the fair share like the page's Generate
(the emulator's count of jobs in progress never passes the Space's slots), and each visitor sees and is checked
against the catalog of their own key and base URL, never another visitor's."""

import asyncio
import copy
import json
import threading
import time
from dataclasses import replace
from types import SimpleNamespace

import gradio as gr
import pytest
from conftest import LITE, make_photo

from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui import catalog, catalog_live, runtime
from seedance_ui.errors import InvalidRequest
from seedance_ui.plan import Choices, Plan
from seedance_ui.ui import api, api_share, layout
from seedance_ui.ui import create as c
from seedance_ui.ui.state import AppContext, Visitor

ONLY = "bytedance/seedance-9.6-only/image-to-video"
LITE_ITEM = next(i for i in catalog.snapshot_items(notes=False) if i["model_id"] == LITE)


def only_model(longest: int) -> dict:
    """A model only the live catalog names, taking 2 to ``longest`` seconds."""
    item = copy.deepcopy(LITE_ITEM)
    item.update(model_id=ONLY, name="Seedance Only Test", formula='{"total_price": 0.05 * duration}')
    item["api_schema"]["api_schemas"][0]["request_schema"]["properties"]["duration"]["maximum"] = longest
    return item


def photo_file(tmp_path) -> str:
    path = tmp_path / "p.jpg"
    path.write_bytes(make_photo(800, 450))
    return str(path)


# 7. /generate on a Space in demo mode -------------------------------------------------------------------------------


class InProgress:
    """Counts the emulator's jobs in progress (created or processing), every 20 ms, and keeps the most seen."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator, self.most, self._stop = emulator, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            jobs = list(self.emulator.jobs.values())
            self.most = max(self.most, sum(1 for j in jobs if j.status in ("created", "processing")))
            time.sleep(0.02)

    def __enter__(self) -> "InProgress":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def space(tmp_path):
    demo = runtime.start(demo=True, demo_processing_seconds=0.3, data_dir=tmp_path / "data")
    demo.emulator.emulator.render_mode = "stub"  # many small clips: the test counts renders, not frames
    yield AppContext(demo=demo, live=None, on_space=True)
    demo.close()


def test_twenty_concurrent_generate_calls_never_render_more_than_the_fair_share_allows(space, tmp_path):
    image, emulator, share = photo_file(tmp_path), space.demo.emulator.emulator, space.fair_share
    callers = [SimpleNamespace(session_hash=f"script-{n}") for n in range(5)]

    async def one(request):
        return await api.generate(space, image, "a slow push-in", model_id=LITE, duration=2, resolution="480p",
                                  request=request)  # fmt: skip

    async def all_twenty():
        runs = [asyncio.create_task(one(callers[i % 5])) for i in range(20)]
        deadline = time.monotonic() + 20
        while len(share.running) + len(share.waiting) < 20:  # every call has its place in the line
            assert time.monotonic() < deadline, "the calls never took their places in the fair share"
            await asyncio.sleep(0.02)
        with pytest.raises(gr.Error, match="You already have 4 previews waiting or rendering"):
            await one(callers[0])  # a fifth place for one caller: refused plainly, nothing sent
        return await asyncio.gather(*runs)

    with InProgress(emulator) as watch:
        results = asyncio.run(all_twenty())
    assert len(results) == 20 and all(facts["demo"] and facts["task_id"] for _, facts in results)
    assert emulator.count("submit") == 20 and len({facts["task_id"] for _, facts in results}) == 20
    assert 1 <= watch.most <= share.slots  # waited their turn: never more renders at once than the share allows
    assert not share.running and not share.waiting
    assert api_share.CALLER_CAP == 4


# 8. Each visitor's own catalog --------------------------------------------------------------------------------------


@pytest.fixture
def two_keys(tmp_path):
    """A WaveSpeed that listed ONLY (2-12 s) when key A asked, and ONLY at 2-4 s when key B asked later; a Space
    with demo mode for visitors without a key."""
    listing = tmp_path / "models.json"
    emu = Emulator(processing_seconds=0.2, render_mode="stub", catalog_file=listing, extra_models=[only_model(12)])
    with EmulatorServer(emu) as server:
        catalog_live.use_snapshot()
        for key, longest in (("wsk-visitor-a-0001", 12), ("wsk-visitor-b-0002", 4)):
            listing.write_text(json.dumps({"code": 200, "data": [*catalog.snapshot_items(), only_model(longest)]}))
            catalog_live.refresh(key, server.url, cache_dir=tmp_path / key)
        demo = runtime.start(demo=True, demo_processing_seconds=0.2, data_dir=tmp_path / "data")
        live = runtime.start(key="", base_url=server.url, demo=False, data_dir=tmp_path / "data")
        yield AppContext(demo=demo, live=live, on_space=True), emu
        demo.close()
        live.close()
        catalog_live.use_snapshot()


def test_two_visitors_each_see_and_are_checked_against_their_own_catalog(two_keys, tmp_path):
    ctx, emu = two_keys
    a, b, nobody = Visitor(key="wsk-visitor-a-0001"), Visitor(key="wsk-visitor-b-0002"), Visitor()
    family = "Seedance Only Test"
    assert family in layout.models_now(ctx, a)["choices"] and family in layout.models_now(ctx, b)["choices"]
    assert family not in layout.models_now(ctx, nobody)["choices"]  # demo: the built-in list, not a key's
    assert ctx.models(nobody) == catalog.MODELS and ONLY not in catalog.MODELS_BY_ID

    assert Plan.make(Choices(model_id=ONLY, prompt="x", duration=10), models=ctx.models(a)).price.total == 0.5
    with pytest.raises(InvalidRequest, match="from 2 to 4"):  # B's own list says 4 s at most
        Plan.make(Choices(model_id=ONLY, prompt="x", duration=10), models=ctx.models(b))
    with pytest.raises(InvalidRequest, match="is not a Seedance model this app knows"):
        Plan.make(Choices(model_id=ONLY, prompt="x", duration=3), models=ctx.models(nobody))
    form = c.Form(family=family, resolution="480p", duration=10, threshold=100.0)
    assert c.on_family(ctx, replace(form, visitor=b))[1]["maximum"] == 4  # the page's limits: B's
    assert "$0.50" in c.on_form_change(ctx, replace(form, visitor=a)).price

    image = photo_file(tmp_path)
    with pytest.raises(gr.Error, match="from 2 to 4"):
        asyncio.run(api.generate(ctx, image, "x", model_id=ONLY, duration=10, api_key=b.key))
    assert emu.count("submit") == 0  # refused by B's own list: nothing sent
    _video, facts = asyncio.run(api.generate(ctx, image, "x", model_id=ONLY, duration=10, api_key=a.key))
    job = emu.jobs[facts["task_id"]]
    assert emu.count("submit") == 1 and job.model == ONLY and facts["price_usd"] == "0.50" == f"{job.price:.2f}"
    assert facts["model"] == "Seedance Only Test"  # named from the list that knows it
