"""Upscaling a take from History in Chromium, with a key: the price on the button before anything is sent, the
upscaled take in the player and the gallery, saved in the library and the journal; and at phone width."""

import re

import pytest

pytest.register_assert_rewrite("browser_kit")
from browser_kit import WAIT, bad_text, new_context, no_sideways_overflow, open_app, shot  # noqa: E402
from test_browser_words import generate_one  # noqa: E402

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser

PROMPT = "kite over the dunes, slow push-in"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_upscale_a_take_from_history(browser, key_app, size):
    from playwright.sync_api import expect

    ctx = new_context(browser, size)
    page = open_app(ctx, key_app)
    generate_one(page, f"{size} {PROMPT}")
    page.get_by_role("tab", name="History").click()
    shelf = page.locator("#history-gallery")
    shelf.locator(".caption-label").filter(has_text=f"{size} kite").first.wait_for(timeout=WAIT)
    shelf.locator("button.thumbnail-item").first.click()
    button = page.locator("#upscale-button")
    # the default take is 720p, 5 s: $0.0072 per second at 1080p is $0.04, on the button before anything is sent
    expect(button).to_have_text(re.compile(r"Upscale to 1080p · \$0\.04"), timeout=WAIT)
    expect(page.locator("#upscale-note")).to_contain_text("estimate")
    submits = key_app.emulator.emulator.count("submit")
    page.locator("#upscale-note").scroll_into_view_if_needed()
    shot(page, f"history-upscale-priced-{size}")
    button.click()
    expect(page.locator("#upscale-note")).to_contain_text("✅ Upscaled to 1080p", timeout=WAIT)
    assert key_app.emulator.emulator.count("submit") == submits + 1
    expect(page.locator("#history-facts")).to_contain_text("ByteDance Video Upscaler")
    expect(page.locator("#history-facts")).to_contain_text("Upscaled to 1080p")
    expect(page.locator("#history-player video")).to_have_count(1)
    height = page.locator("#history-player video").evaluate(
        "v => new Promise(ok => v.readyState >= 1 ? ok(v.videoHeight) : v.addEventListener('loadedmetadata', () => ok(v.videoHeight)))")  # fmt: skip
    assert height == 1080
    page.locator("#upscale-note").scroll_into_view_if_needed()
    shot(page, f"history-upscaled-{size}")
    page.get_by_role("button", name="Refresh").click()
    expect(shelf.locator(".caption-label").filter(has_text="upscaled to 1080p").first).to_be_visible()
    shot(page, f"history-upscaled-gallery-{size}")
    if size == "phone":
        no_sideways_overflow(page)
    assert bad_text(page) == []
    ctx.close()
