"""Issue 19 in Chromium: "More options" is built by gr.render for the chosen model. Its controls go when the model
changes (and what they were set to goes with them), and come back fresh, at the model's defaults. Within one model
(another resolution of it) they stay as set."""

import re

import pytest
from browser_kit import SUNSET, WAIT, bad_text, new_context, open_app, open_model_picker, page_with_live_model, shot

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser


def _pick(page, name: str) -> None:  # type: ignore[no-untyped-def]
    open_model_picker(page)
    page.get_by_role("option", name=name, exact=True).click()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_models_own_options_follow_the_model(browser, key_app, size):
    from playwright.sync_api import expect

    ctx = new_context(browser, size)
    page = open_app(ctx, key_app)
    go, options = page.locator("#generate-btn"), page.locator("#model-options")
    expect(go).to_have_text(re.compile(r"Generate · \$0\.26"), timeout=WAIT)  # V1.5 Pro, 720p, 5 s, sound
    expect(options).to_have_count(0)  # V1.5 Pro has no inputs beyond the page's own controls
    page = page_with_live_model(ctx, page)  # the live list (with the emulator's own model), at a later load
    page.get_by_role("option", name="Seedance 9.9 Test").click()
    go, options = page.locator("#generate-btn"), page.locator("#model-options")
    page.locator("input[type=file]").first.set_input_files(str(SUNSET))
    expect(go).to_have_text(re.compile(r"Generate · \$0\.50"), timeout=WAIT)
    motion = page.locator("#option-number-1 input")
    expect(motion).to_be_visible()  # the model's own controls show at once, open
    expect(motion).to_have_value("0.5")
    motion.fill("0.9")
    motion.press("Tab")
    expect(go).to_have_text(re.compile(r"Generate · \$0\.75"), timeout=WAIT)  # its formula: x1.5 above 0.8
    page.get_by_role("radio", name="1080p").check()  # the same model at another size: what was set stays
    expect(go).to_have_text(re.compile(r"Generate · \$2\.25"), timeout=WAIT)  # x3 at 1080p, still x1.5
    expect(motion).to_have_value("0.9")
    assert motion.is_visible()
    page.get_by_role("radio", name="540p").check()
    expect(go).to_have_text(re.compile(r"Generate · \$0\.75"), timeout=WAIT)
    shot(page, f"form-options-{size}-set")

    _pick(page, "Seedance V1.5 Pro")  # the options go, and what they were set to: no "has no setting" refusal
    expect(options).to_have_count(0, timeout=WAIT)
    # $0.13: V1.5 Pro without sound (Sound was turned off for the model that has none, and stays so)
    expect(go).to_have_text(re.compile(r"Generate · \$0\.13"), timeout=WAIT)
    expect(page.locator("#price")).not_to_contain_text("has no setting")

    _pick(page, "Seedance 9.9 Test")  # built again, fresh: the model's own default, and its price
    expect(page.locator("#option-number-1 input")).to_have_value("0.5", timeout=WAIT)
    expect(go).to_have_text(re.compile(r"Generate · \$0\.50"), timeout=WAIT)
    assert bad_text(page) == []
    shot(page, f"form-options-{size}-fresh")
    ctx.close()
