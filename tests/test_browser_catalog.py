"""Issue 13 in Chromium: a model that only the emulator's live catalog names (not our code, not our snapshot)
appears in the app's model picker, carries its formula's price on Generate, and renders."""

import re

import pytest
from browser_kit import SUNSET, WAIT, new_context, open_app, open_model_picker, page_with_live_model, shot

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser


def test_a_model_from_the_live_catalog_in_the_picker(browser, key_app):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop")
    page = open_app(ctx, key_app)  # this load asks WaveSpeed (the emulator) for its catalog in the background
    page = page_with_live_model(ctx, page)  # the live list shows at a later page load
    page.get_by_role("option", name="Seedance 9.9 Test").click()
    page.locator("input[type=file]").first.set_input_files(str(SUNSET))
    page.get_by_label("Prompt").fill("A test of a model WaveSpeed added today")
    go = page.locator("#generate-btn")
    # its own formula: base 0.5 x 5 s / 5 at 540p (the 5 s length stays: it is inside this model's 3-7 s)
    expect(go).to_have_text(re.compile(r"Generate · \$0\.50"), timeout=WAIT)
    shot(page, "catalog-live-model-ready")
    # its inputs we have no control of our own for, under "More options", made from its schema
    expect(page.locator("#model-options")).to_contain_text("More options for this model")  # open, as built
    style, motion = page.locator("#option-choice-1"), page.locator("#option-number-1")
    expect(style).to_contain_text("Style")
    expect(style.locator("input")).to_have_value("cinematic")
    expect(motion).to_contain_text("How much things move.")
    expect(motion.locator("input")).to_have_value("0.5")
    style.locator("input").click()
    page.get_by_role("option", name="anime").click()
    motion.locator("input").fill("0.9")
    motion.locator("input").press("Tab")
    expect(go).to_have_text(re.compile(r"Generate · \$0\.75"), timeout=WAIT)  # its formula: x1.5 above 0.8
    page.locator("#model-options").scroll_into_view_if_needed()
    shot(page, "catalog-live-model-more-options")
    jobs = set(key_app.emulator.emulator.jobs)
    go.click()
    expect(page.locator("video").first).to_have_count(1, timeout=90_000)
    expect(page.locator("#run-status")).to_contain_text("Done", timeout=90_000)
    [job] = [j for k, j in key_app.emulator.emulator.jobs.items() if k not in jobs]
    assert (job.inputs["style"], job.inputs["motion_strength"], job.price) == ("anime", 0.9, 0.75)
    shot(page, "catalog-live-model-done")
    ctx.close()


def test_without_a_key_or_network_the_picker_offers_the_snapshot_with_the_20_models(browser, demo_app):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop")
    page = open_app(ctx, demo_app)  # demo mode: no key, and nothing here can reach WaveSpeed
    open_model_picker(page)
    for name in ("Seedance V1.5 Pro", "Seedance 2.0", "Seedance 2.0 Fast", "Seedance 2.0 Mini", "Seedance 2.5",
                 "Seedance V1 Lite"):  # fmt: skip
        expect(page.get_by_role("option", name=name, exact=True)).to_have_count(1)
    expect(page.get_by_role("option", name="Seedance 9.9 Test")).to_have_count(0)  # only the emulator's live list
    shot(page, "catalog-snapshot-picker-no-key")
    page.get_by_role("option", name="Seedance 2.0", exact=True).click()
    expect(page.locator("#generate-btn")).to_have_text("✨ Generate free preview")
    ctx.close()
