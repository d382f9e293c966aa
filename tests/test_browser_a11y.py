"""Accessibility in Chromium: axe-core (axe-playwright-python) on each tab at both widths, in demo mode and with a
key, after a take is made (so our cards, captions and the player are on the page); the screen-reader status region
never reads out a raw translation key; Generate is reached from the prompt with the keyboard."""

import re
from collections import Counter

import pytest
from conftest import table_row

pytest.register_assert_rewrite("browser_kit")
from browser_kit import SUNSET, WAIT, add_picture, bad_text, new_context, open_app, shot  # noqa: E402

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser

IMPACTS = ("critical", "serious", "moderate", "minor")


def axe_violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page).response["violations"]


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("mode", ["demo", "key"])
def test_axe_finds_no_critical_or_serious_violation_on_any_tab(browser, demo_app, key_app, mode, size):
    from playwright.sync_api import expect

    ctx = new_context(browser, size)
    page = open_app(ctx, demo_app if mode == "demo" else key_app)
    add_picture(page, SUNSET)
    page.get_by_label("Prompt").fill("A heron lifts off the lake at dawn. Slow pan.")
    expect(page.locator("#first-check")).to_contain_text("Looks good", timeout=WAIT)
    page.locator("#generate-btn").click()
    expect(page.locator("#run-status")).to_contain_text("Done in", timeout=WAIT)
    found = {}
    for tab in ("Create", "History", "Storyboard", "Queue", "Settings"):
        page.get_by_role("tab", name=tab).click()
        if tab == "History":
            page.locator("#history-gallery button.thumbnail-item").first.click()
            expect(page.locator("#history-player video")).to_have_count(1, timeout=WAIT)
        page.wait_for_timeout(500)
        shot(page, f"tab-{tab.lower()}-{mode}-{size}")
        violations = axe_violations(page)
        counts = Counter(v["impact"] for v in violations)
        table_row("axe-core violations after one take (rule ids; none may be critical or serious)",
                  ["mode", "width", "tab", *IMPACTS, "rules"],
                  [mode, size, tab, *(counts[i] for i in IMPACTS), " ".join(v["id"] for v in violations) or "-"])  # fmt: skip
        found[tab] = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in violations
                      if v["impact"] in ("critical", "serious")]  # fmt: skip
    assert found == {"Create": [], "History": [], "Storyboard": [], "Queue": [], "Settings": []}
    # Gradio reads out at most one status every 5 s (the latest one), so the last "Done" may come a little later.
    page.wait_for_function("window.__said.includes('Done')", timeout=10_000)
    said = page.evaluate("window.__said")
    assert "Done" in said  # events that end are read out in words ...
    assert not [s for s in said if re.fullmatch(r"[a-z]+\.[a-z_]+", s)], said  # ... never as "common.complete"
    assert bad_text(page) == []
    ctx.close()


def test_generate_is_reached_from_the_prompt_with_the_keyboard(browser, demo_app):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop")
    page = open_app(ctx, demo_app)
    add_picture(page, SUNSET)
    expect(page.locator("#first-check")).to_contain_text("Looks good", timeout=WAIT)
    page.get_by_label("Prompt").fill("A heron lifts off the lake at dawn.")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "generate-btn":
            break
    assert page.evaluate("document.activeElement.id") == "generate-btn"
    page.keyboard.press("Enter")
    expect(page.locator("#run-status")).to_contain_text("Done in", timeout=WAIT)
    ctx.close()
