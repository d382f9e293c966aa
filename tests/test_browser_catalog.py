"""Issue 13 in Chromium: a model that only the emulator's live catalog names (not our code, not our snapshot)
appears in the app's model picker, carries its formula's price on Generate, and renders."""

import re

import pytest
from browser_kit import SUNSET, WAIT, new_context, open_app, shot

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser


def test_a_model_from_the_live_catalog_in_the_picker(browser, key_app):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop")
    page = open_app(ctx, key_app)  # this load asks WaveSpeed (the emulator) for its catalog in the background
    picker = page.get_by_label("Model")
    for _ in range(20):  # the live list shows at a later page load, never by holding this one up
        picker.click()
        if page.get_by_role("option", name="Seedance 9.9 Test").count():
            break
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
        page.reload()
        page = ctx.pages[-1]
        expect(page.locator("#price")).not_to_be_empty(timeout=WAIT)
        picker = page.get_by_label("Model")
    page.get_by_role("option", name="Seedance 9.9 Test").click()
    page.locator("input[type=file]").first.set_input_files(str(SUNSET))
    page.get_by_label("Prompt").fill("A test of a model WaveSpeed added today")
    go = page.locator("#generate-btn")
    # its own formula: base 0.5 x 5 s / 5 at 540p (the 5 s length stays: it is inside this model's 3-7 s)
    expect(go).to_have_text(re.compile(r"Generate · \$0\.50"), timeout=WAIT)
    shot(page, "catalog-live-model-ready")
    go.click()
    expect(page.locator("video").first).to_have_count(1, timeout=90_000)
    expect(page.locator("#run-status")).to_contain_text("Done", timeout=90_000)
    shot(page, "catalog-live-model-done")
    ctx.close()
