"""Issue 12 in Chromium, with SPACE_ID set: a visitor's demo takes come back after a reload and after closing the
tab mid-render (the browser keeps a visitor token, never a key); another browser sees none of them; a pasted key is
checked with one balance call (a good key shows its balance, a refused key and an unreachable host give their plain
reason within 10 s); the key never reaches the browser's storage or the page, and re-pasting it after a reload
brings back that key's takes. Also the banner's words in all four cases."""

import re
import time

import pytest

pytest.register_assert_rewrite("browser_kit")
from browser_kit import (  # noqa: E402  # noqa: E402
    ARTIFACTS,
    REJECTED_KEY,
    SUNSET,
    VISITOR_KEY,
    WAIT,
    add_picture,
    bad_text,
    new_context,
    open_app,
    shot,
)

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser


def start_take(page, prompt: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    add_picture(page, SUNSET)
    page.get_by_label("Prompt").fill(prompt)
    expect(page.locator("#first-check")).to_contain_text("Looks good", timeout=WAIT)
    page.locator("#generate-btn").click()


def history_shows(page, words: str, *, refresh: bool = False, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    """History lists a finished take (no state after its length) whose caption starts with these words, pressing
    Refresh while its render may still be finishing."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="History").click()
    saved = re.compile(r" · 5 s · “" + re.escape(words) + r".*” · [A-Z][a-z]{2} \d{1,2}, \d\d:\d\d$")
    caption = page.locator("#history-gallery .caption-label").filter(has_text=saved)
    deadline = time.monotonic() + timeout
    while refresh and caption.count() == 0 and time.monotonic() < deadline:
        page.get_by_role("button", name="Refresh").click()
        page.wait_for_timeout(1000)
    expect(caption.first).to_be_visible(timeout=WAIT)


def stored_in_browser(page, ctx) -> str:  # type: ignore[no-untyped-def]
    storage = page.evaluate("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie")
    return storage + str(ctx.cookies()) + page.content()


def use_key(page, key: str) -> float:  # type: ignore[no-untyped-def]
    """Paste a key in Settings and press Use this key; the seconds until the page answered."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Settings").click()
    page.get_by_label("WaveSpeed API key").fill(key)
    note = page.locator("#key-note")
    started = time.monotonic()
    page.get_by_role("button", name="Use this key").click()
    expect(note).to_contain_text(re.compile("✅|⛔"), timeout=WAIT)
    return time.monotonic() - started


def test_demo_takes_follow_the_visitor_and_no_one_else(browser, space_app):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop")
    page = open_app(ctx, space_app)
    expect(page.locator("#banner")).to_contain_text("this Space's computer")
    start_take(page, "Space visitor one: a lighthouse at dusk")
    expect(page.locator("#run-status")).to_contain_text("Done in", timeout=WAIT)
    page.reload()  # (a) the browser's visitor token brings the take back
    history_shows(page, "Space visitor one")
    shot(page, "space-history-after-reload")

    page.get_by_role("tab", name="Create").click()  # (b) close the tab 1.5 s into a render, come back later
    start_take(page, "Space visitor one, closed mid-render")
    expect(page.locator("#take-1 .take-stage")).to_be_visible(timeout=WAIT)
    page.wait_for_timeout(1500)
    page.close()
    page = open_app(ctx, space_app)
    history_shows(page, "Space visitor one, closed", refresh=True)
    assert bad_text(page) == []

    other = new_context(browser, "desktop")  # (c) another browser sees none of it
    stranger = open_app(other, space_app)
    stranger.get_by_role("tab", name="History").click()
    expect(stranger.locator("#history-empty")).to_contain_text("No takes yet", timeout=WAIT)
    expect(stranger.locator("#history-gallery .caption-label")).to_have_count(0)
    other.close()
    ctx.close()


def test_a_pasted_key_is_checked_kept_off_the_browser_and_finds_its_takes_again(browser, space_app):
    from playwright.sync_api import expect

    space_app.emulator.timing.queue[:] = [2.0]
    ctx = new_context(browser, "desktop")
    page = open_app(ctx, space_app)
    seconds = use_key(page, REJECTED_KEY)  # (d) a key WaveSpeed refuses: its plain reason, still demo mode
    note = page.locator("#key-note")
    expect(note).to_contain_text("⛔")
    expect(note).to_contain_text(re.compile("key", re.I))
    expect(page.locator("#banner")).to_contain_text("Demo mode")
    assert seconds < 10
    shot(page, "space-key-refused")

    use_key(page, VISITOR_KEY)
    expect(note).to_contain_text(re.compile(r"✅ Connected: balance \$\d+\.\d\d"))
    expect(page.locator("#banner")).to_contain_text("Connected to WaveSpeed")
    expect(page.get_by_label("WaveSpeed API key")).to_have_value("")  # the field keeps no copy
    shot(page, "banner-space-visitor-key")
    page.get_by_role("tab", name="Create").click()
    expect(page.locator("#generate-btn")).to_contain_text("$")  # real renders, priced
    start_take(page, "Paid take with the visitor's own key")
    expect(page.locator("#run-status")).to_contain_text("Done in", timeout=WAIT)
    assert VISITOR_KEY not in stored_in_browser(page, ctx)

    page.wait_for_function(  # the browser has kept its "takes were made here with a key" (never the key itself)
        "() => localStorage.getItem('seedance-keyed-takes') !== null", timeout=WAIT
    )
    page.reload()  # (e) the key is gone with the tab; pasting it again brings its takes back
    expect(page.locator("#banner")).to_contain_text("Demo mode")
    page.get_by_role("tab", name="History").click()
    expect(page.locator("#history-gallery .caption-label").filter(has_text="Paid take")).to_have_count(0)
    hidden = "Paste your key in Settings to see the takes made with it."  # issue 23: where they went
    expect(page.locator("#history-empty")).to_contain_text(hidden, timeout=WAIT)  # once the browser gives its flag back
    shot(page, "space-paid-takes-hidden-after-reload")
    use_key(page, VISITOR_KEY)
    history_shows(page, "Paid take with the visitor")
    expect(page.locator("#history-empty")).not_to_contain_text(hidden)
    assert VISITOR_KEY not in stored_in_browser(page, ctx)
    assert bad_text(page) == []
    ctx.close()


def test_an_unreachable_wavespeed_is_said_plainly_within_ten_seconds(browser, space_down_app, record_property):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop")
    page = open_app(ctx, space_down_app)
    seconds = use_key(page, VISITOR_KEY)
    expect(page.locator("#key-note")).to_contain_text("Couldn't reach WaveSpeed at 127.0.0.1")
    expect(page.locator("#banner")).to_contain_text("Demo mode")
    record_property("unreachable_key_check_seconds", round(seconds, 2))
    print(f"\nkey check against an unreachable host answered in {seconds:.2f} s")
    assert seconds < 10
    assert VISITOR_KEY not in stored_in_browser(page, ctx)
    shot(page, "space-key-unreachable")
    ctx.close()


@pytest.mark.parametrize("case", ["desktop-demo", "desktop-key", "space-demo"])
def test_the_banner_says_which_case_this_is(browser, demo_app, key_app, space_app, case):
    from playwright.sync_api import expect

    app, words = {
        "desktop-demo": (demo_app, "Demo mode: free previews rendered on this computer"),
        "desktop-key": (key_app, "Connected to WaveSpeed with the API key from this computer's settings"),
        "space-demo": (space_app, "Demo mode: free previews rendered on this Space's computer"),
    }[case]
    ctx = new_context(browser, "desktop")
    page = open_app(ctx, app)
    expect(page.locator("#banner")).to_contain_text(words)
    if case.endswith("demo"):
        expect(page.locator("#banner").get_by_role("link", name="get a key")).to_have_attribute(
            "href", "https://wavespeed.ai/accesskey")  # fmt: skip
    page.screenshot(path=str(ARTIFACTS / f"banner-{case}.png"),
                    clip={"x": 0, "y": 0, "width": 1440, "height": 140})  # fmt: skip
    ctx.close()
