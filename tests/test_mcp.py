"""The app as an MCP server, through the ``mcp`` package's own client over streamable HTTP: the tools an assistant
sees, a price, a video with the defaults a person gets, the caller's history, and a caller's key from a header used
for that call only and found nowhere afterwards."""

import ast
import asyncio
import base64
import json
import logging
import os
from pathlib import Path

import pytest
from conftest import free_port, make_photo
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from seedance_emulator.server import Emulator, EmulatorServer
from seedance_ui.ui import make_context
from seedance_ui.ui.layout import build_app, launch_kwargs
from seedance_ui.video import probe

CALLER_KEY = "wsk-mcp-caller-Q7SECRETkey"


def launched(tmp_path_factory, space: bool):
    """The app (a Space when ``space``, else a desktop without a key: demo mode) with WaveSpeed at an emulator."""
    data = tmp_path_factory.mktemp("mcp-app")
    saved = {k: os.environ.pop(k, None) for k in ("WAVESPEED_API_KEY", "SPACE_ID", "WAVESPEED_BASE_URL")}
    emu = EmulatorServer(Emulator(processing_seconds=0.3)).start()
    os.environ["WAVESPEED_BASE_URL"] = emu.url
    if space:
        os.environ["SPACE_ID"] = "someone/seedance"
    ctx = make_context(demo_processing_seconds=0.3, data_dir=data)
    demo = build_app(ctx)
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **launch_kwargs(ctx))
    yield f"http://127.0.0.1:{port}/gradio_api/mcp/", ctx, emu.emulator, data
    demo.close()
    for rt in (ctx.demo, ctx.live):
        if rt is not None:
            rt.close()
    emu.stop()
    for k, v in saved.items():
        os.environ.pop(k, None)
        if v is not None:
            os.environ[k] = v


@pytest.fixture(scope="module")
def space_mcp(tmp_path_factory):
    yield from launched(tmp_path_factory, space=True)


@pytest.fixture(scope="module")
def desktop_mcp(tmp_path_factory):
    yield from launched(tmp_path_factory, space=False)


def call(url: str, steps, headers: dict | None = None):
    """Open one MCP session, run ``steps(session)`` in it, return what it returns."""

    async def go():
        async with (
            streamablehttp_client(url, headers=headers or {}) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await steps(session)

    return asyncio.run(go())


def payload(result) -> list:
    """A tool result's content as Python values (JSON text parsed where it is JSON)."""
    out = []
    for item in result.content:
        text = getattr(item, "text", None)
        try:
            out.append(json.loads(text) if text is not None else item)
        except json.JSONDecodeError:
            out.append(text)
    return out


def generate_result(result) -> tuple[str, dict]:
    """The video's URL and the facts of a generate call (Gradio writes the outputs as one Python literal text)."""
    video, facts = ast.literal_eval(result.content[0].text)
    return video["url"], facts


def facts_of(result) -> dict:
    return generate_result(result)[1]


def picture_data_url(w=1600, h=900) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(make_photo(w, h)).decode()


def test_tools_are_price_generate_history_each_saying_what_it_costs(desktop_mcp):
    url, *_ = desktop_mcp
    tools = call(url, lambda s: s.list_tools()).tools
    by_name = {t.name: t for t in tools}
    assert set(by_name) == {"price", "generate", "history"}  # internal handlers stay out
    assert "spends nothing" in by_name["price"].description.lower()
    assert "spends money" in by_name["generate"].description and "confirm_spend" in by_name["generate"].description
    assert "confirm_spend" in by_name["generate"].inputSchema["properties"]


def test_price_then_generate_then_history_in_demo_mode(desktop_mcp):
    url, ctx, _, _ = desktop_mcp
    emu = ctx.demo.emulator.emulator  # demo mode renders on the app's own built-in emulator
    before = emu.count("submit")

    async def steps(s):
        price = payload(await s.call_tool("price", {}))
        made = await s.call_tool("generate", {"image": picture_data_url(), "prompt": "slow push-in"})
        listed = payload(await s.call_tool("history", {}))
        return price, made, listed

    price, made, listed = call(url, steps)
    [quote] = price
    assert quote["model_id"] == "bytedance/seedance-v1.5-pro/image-to-video" and quote["audio"] is True
    assert quote["resolution"] == "720p" and quote["demo"] is True and quote["charged"] is False
    assert not made.isError, made.content
    video_url, facts = generate_result(made)
    assert facts["demo"] is True and facts["price_usd"] is None and facts["settings"]["generate_audio"] is True
    assert video_url.startswith("http") and video_url.endswith(".mp4")
    [takes] = listed
    assert [t["take_id"] for t in takes] == [facts["take_id"]] and takes[0]["state"] == "downloaded"
    assert emu.count("submit") == before + 1


def test_the_default_video_is_1280x720_with_sound(desktop_mcp):
    url, ctx, _, _ = desktop_mcp

    async def steps(s):
        return await s.call_tool("generate", {"image": picture_data_url(), "prompt": "she turns and smiles"})

    made = call(url, steps)
    facts = facts_of(made)
    take = ctx.demo.studio.journal.get(facts["take_id"])
    info = probe(take.video_path)
    assert (info["width"], info["height"], info["frames"], info["audio"]) == (1280, 720, 121, True)


def test_a_key_in_the_header_runs_as_that_keys_visitor_and_is_kept_nowhere(space_mcp, caplog, capfd):
    url, _, emu, data = space_mcp
    caplog.set_level(logging.DEBUG)
    headers = {"X-WaveSpeed-Key": CALLER_KEY}

    async def steps(s):
        price = payload(await s.call_tool("price", {}))
        made = await s.call_tool("generate", {"image": picture_data_url(), "prompt": "a slow orbit", "duration": 4,
                                              "resolution": "480p"})  # fmt: skip
        listed = payload(await s.call_tool("history", {}))
        return price, made, listed

    price, made, listed = call(url, steps, headers=headers)
    assert price[0]["demo"] is False and price[0]["charged"] is True
    assert not made.isError, made.content
    facts = facts_of(made)
    assert facts["demo"] is False and facts["price_usd"] is not None and facts["task_id"]
    assert emu.submit_keys  # the emulator saw a key: the caller's (by fingerprint), not the demo key
    assert [t["take_id"] for t in listed[0]] == [facts["take_id"]]  # the key's takes only, not the demo ones
    # the same call without the header is a demo visitor who sees none of the key's takes
    others = call(url, lambda s: s.call_tool("history", {}))
    assert payload(others) == [[]]
    out, err = capfd.readouterr()
    assert CALLER_KEY not in caplog.text and CALLER_KEY not in out + err
    assert "CALLER_KEY" not in os.environ and CALLER_KEY not in os.environ.values()
    for f in Path(data).rglob("*"):
        if f.is_file():
            assert CALLER_KEY.encode() not in f.read_bytes(), f


def test_generate_over_the_spend_limit_is_refused_unless_confirmed(space_mcp):
    url, ctx, emu, _ = space_mcp
    ctx.spend_threshold, saved = 0.10, ctx.spend_threshold  # as SEEDANCE_CONFIRM_ABOVE_USD=0.10 would set it
    before = emu.count("submit")
    args = {"image": picture_data_url(), "prompt": "wide shot"}  # $0.26: 5 s at 720p with sound

    async def steps(s):
        refused = await s.call_tool("generate", args)
        confirmed = await s.call_tool("generate", {**args, "confirm_spend": True})
        return refused, confirmed

    try:
        refused, confirmed = call(url, steps, headers={"X-WaveSpeed-Key": CALLER_KEY})
    finally:
        ctx.spend_threshold = saved
    text = refused.content[0].text
    assert refused.isError and "$0.26" in text and "spend limit" in text and "confirm_spend" in text
    assert not confirmed.isError and facts_of(confirmed)["price_usd"] == "0.26"
    assert emu.count("submit") == before + 1  # the refused call sent nothing
