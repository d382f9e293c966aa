"""The Create page in Chromium at 1440x900 and 390x844, in demo mode and with a key (the emulator standing in for
WaveSpeed): from a picture and a prompt to a playing video without a scroll, the price on the button, a phone
layout with no sideways overflow and no cut labels. Screenshots of each state go to test-artifacts/."""

import re
import shutil

import pytest

pytest.register_assert_rewrite("browser_kit")
from browser_kit import (  # noqa: E402  # noqa: E402
    ARTIFACTS,
    SUNSET,
    WAIT,
    add_picture,
    bad_text,
    box_in_view,
    cut_labels,
    new_context,
    no_sideways_overflow,
    open_app,
    shot,
)

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser

PROMPT = "The sun sinks behind the mountains, light ripples on the lake. Slow push-in."


@pytest.fixture
def app_for(request, demo_app, key_app):
    return {"demo": demo_app, "key": key_app}


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("mode", ["demo", "key"])
def test_from_picture_to_playing_video_without_a_scroll(browser, app_for, mode, size):
    from playwright.sync_api import expect

    app = app_for[mode]
    ctx = new_context(browser, size)
    page = open_app(ctx, app)
    tag = f"{mode}-{size}"
    shot(page, f"create-{tag}-0-empty")
    add_picture(page, SUNSET)
    page.get_by_label("Prompt").fill(PROMPT)
    expect(page.locator("#first-check")).to_contain_text("Looks good", timeout=WAIT)
    go = page.locator("#generate-btn")
    if mode == "key":
        expect(go).to_have_text(re.compile(r"Generate · \$0\.26"))  # V1.5 Pro, 720p, 5 s, sound, 16:9
    else:
        expect(go).to_have_text(re.compile(r"Generate free preview"))
        expect(go).not_to_contain_text("$")
    expect(page.locator("#framing img")).to_have_count(1)
    expect(page.locator("#framing-text")).to_contain_text("Output 1280x720")
    assert page.evaluate("window.scrollY") == 0  # nothing scrolled the page
    box_in_view(page, "#framing img")
    box_in_view(page, "#generate-btn")
    if size == "phone":
        no_sideways_overflow(page)
    else:  # the right-hand column stays in view while the settings on the left are changed
        page.get_by_label("Length (seconds)").first.scroll_into_view_if_needed()
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(300)
        box_in_view(page, "#generate-btn")
        page.evaluate("window.scrollTo(0, 0)")
    shot(page, f"create-{tag}-1-ready")

    go.click()
    stage = page.locator("#take-1 .take-stage")
    expect(stage).to_contain_text(re.compile(r"Take 1 · .+ · \d+ s"), timeout=WAIT)  # its stage and its clock
    shot(page, f"create-{tag}-2-running")
    video = page.locator("#take-1 video")
    expect(video).to_have_count(1, timeout=WAIT)
    expect(page.locator("#run-status")).to_contain_text("Done in", timeout=WAIT)
    duration = page.evaluate(
        """async () => { const v = document.querySelector('#take-1 video');
            if (v.readyState < 1) await new Promise(r => v.addEventListener('loadedmetadata', r, {once: true}));
            return v.duration; }"""
    )
    assert abs(duration - 5.04) < 0.1  # 121 frames at 24 fps: the browser really loaded the clip
    page.wait_for_timeout(900)  # the smooth scroll to the result ends
    box_in_view(page, "#take-1 video")
    if size == "phone":
        assert page.evaluate("window.scrollY") > 200  # the page came down to the result
        no_sideways_overflow(page)
    facts = page.locator("#take-facts")
    expect(facts).to_contain_text(re.compile(r"seed \d+"))
    if mode == "demo":  # demo mode never talks money where the takes are
        texts = [page.locator(s).inner_text() for s in ("#run-status", "#take-1 >> nth=0", "#take-facts")]
        assert not [t for t in texts if "$" in t], texts
        expect(facts).to_contain_text("free preview")
    else:
        expect(facts).to_contain_text("$0.26")
    assert bad_text(page) == []
    shot(page, f"create-{tag}-3-done")
    if (mode, size) == ("demo", "desktop"):  # the README shows a finished take in demo mode
        shutil.copy(
            ARTIFACTS / f"create-{tag}-3-done.png", ARTIFACTS.parent / "assets" / "screenshot-finished-take.png"
        )
    ctx.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_settings_fit_with_no_cut_labels(browser, demo_app, size):
    from playwright.sync_api import expect

    ctx = new_context(browser, size)
    page = open_app(ctx, demo_app)
    add_picture(page, SUNSET)
    expect(page.locator("#first-check")).to_contain_text("Looks good", timeout=WAIT)
    box_in_view(page, "#generate-btn")  # right after the upload, Generate is there
    settings = page.locator("#settings-acc")
    if size == "phone":
        expect(settings.locator("#shape")).to_be_hidden()  # folded on the phone: the result comes first
        page.get_by_role("button", name=re.compile("Settings: model")).click()
    expect(settings.locator("#shape")).to_be_visible()
    settings.locator("#camera-fixed").scroll_into_view_if_needed()
    assert cut_labels(page, "#shape-row") == []
    assert cut_labels(page, "#size-row") == []
    if size == "phone":
        no_sideways_overflow(page)
    shot(page, f"create-{size}-settings")
    ctx.close()
