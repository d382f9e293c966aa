"""The app in Debian's Chromium, driven by Playwright, as a person would use it. Screenshots go to test-artifacts/."""

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import free_port, make_photo

from seedance_ui.ui import make_context
from seedance_ui.ui.layout import build_app, launch_kwargs

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="module")
def app(tmp_path_factory, emulator_server):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium at /usr/bin/chromium: apt-get install -y chromium")
    saved = {k: os.environ.get(k) for k in ("WAVESPEED_API_KEY", "SPACE_ID", "WAVESPEED_BASE_URL")}
    os.environ.pop("WAVESPEED_API_KEY", None)
    os.environ.pop("SPACE_ID", None)
    os.environ["WAVESPEED_BASE_URL"] = emulator_server.url  # a pasted key talks to loopback, never the internet
    ctx = make_context(demo_processing_seconds=1.0, data_dir=tmp_path_factory.mktemp("browser-app"))
    demo = build_app(ctx)
    port = free_port()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=port, quiet=True, **launch_kwargs(ctx))
    yield f"http://127.0.0.1:{port}/"
    demo.close()
    ctx.demo.close()
    if ctx.live is not None:
        ctx.live.close()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def page(app):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.goto(app)
        pg.get_by_text("Demo mode").first.wait_for(timeout=30_000)
        yield pg
        browser.close()


def _photo(tmp_path, name, w, h):
    path = tmp_path / name
    path.write_bytes(make_photo(w, h))
    return str(path)


def test_upload_price_generate_and_play(page, tmp_path):
    from playwright.sync_api import expect

    sunset = Path(__file__).resolve().parent.parent / "assets" / "examples" / "sunset-lake.jpg"
    page.locator("input[type=file]").first.set_input_files(str(sunset))
    expect(page.get_by_text("Looks good: JPEG photo, 1600x900 px")).to_be_visible(timeout=20_000)
    price = page.locator(".price-total")
    expect(price).to_have_text("$0.26", timeout=20_000)  # V1.5 Pro, 720p, 5 s, sound, 16:9 picture
    expect(page.get_by_text("Output 1280x720; your whole picture is used.")).to_be_visible()

    page.get_by_label("480p").check()
    expect(price).to_have_text("$0.12", timeout=20_000)  # the price follows the setting
    page.get_by_label("Prompt").fill("The sun sinks behind the mountains, slow push-in")
    expect(page.get_by_text("48 / 2000 characters")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "browser-1-ready.png"), full_page=True)

    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("Done in")).to_be_visible(timeout=90_000)
    video = page.locator("video").first
    expect(video).to_have_count(1)
    src = video.get_attribute("src")
    assert src and ".mp4" in src
    duration = page.evaluate(
        """async () => { const v = document.querySelector('video');
            if (v.readyState < 1) await new Promise(r => v.addEventListener('loadedmetadata', r, {once: true}));
            return v.duration; }"""
    )
    assert abs(duration - 5.04) < 0.1  # 121 frames at 24 fps: the browser really loaded the clip
    expect(page.get_by_text("free (demo)")).to_be_visible()
    used = re.search(r"seed (\d+)", page.locator("text=/Take 1 · seed/").first.inner_text()).group(1)
    page.get_by_role("button", name="Reuse last seed").click()
    expect(page.get_by_role("spinbutton", name="Seed")).to_have_value(used)  # the session remembered it
    page.screenshot(path=str(ARTIFACTS / "browser-2-done.png"), full_page=True)
    shutil.copy(ARTIFACTS / "browser-2-done.png", ARTIFACTS / "app-finished-take.png")


def test_too_small_image_says_so_in_plain_words(page, tmp_path):
    from playwright.sync_api import expect

    page.locator("input[type=file]").first.set_input_files(_photo(tmp_path, "tiny.jpg", 250, 400))
    expect(page.get_by_text("This photo is 250 px wide; Seedance needs at least 300 px on each side.")).to_be_visible(
        timeout=20_000
    )
    page.screenshot(path=str(ARTIFACTS / "browser-3-too-small.png"), full_page=True)


def test_a_pasted_key_never_reaches_browser_storage(page):
    from playwright.sync_api import expect

    secret = "wsk-browser-secret-424242"
    page.get_by_role("tab", name="Settings").click()
    page.get_by_label("WaveSpeed API key").fill(secret)
    page.get_by_role("button", name="Use this key").click()
    expect(page.get_by_text("Connected to WaveSpeed").first).to_be_visible(timeout=20_000)
    assert page.get_by_label("WaveSpeed API key").input_value() == ""  # the field does not keep it
    stored = page.evaluate("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie")
    assert secret not in stored
    assert secret not in page.content()
