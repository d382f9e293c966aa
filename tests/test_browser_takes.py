"""Takes in Chromium: files that are no picture get our own words (never Gradio's or a server path), a take's own
Cancel ends in a calm card while the other take finishes, and each take shows the moment it is saved."""

import re
import threading

import pytest

pytest.register_assert_rewrite("browser_kit")
from browser_kit import SUNSET, WAIT, add_picture, bad_text, box_in_view, new_context, open_app, refused_files, shot  # noqa: E402  # noqa: E402

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser

# A box wholly on screen and above the phone's fixed Generate bar, read twice 100 ms apart (a smooth scroll has ended).
IN_VIEW = """(sel) => {
  const el = document.querySelector(sel), bar = document.querySelector('#generate-btn');
  if (!el) return false;
  const r = el.getBoundingClientRect(), h = window.innerHeight;
  const b = bar ? bar.getBoundingClientRect() : null;
  const bottom = b && b.bottom >= h - 30 ? b.top - 8 : h;
  const key = [r.top, r.bottom].map(Math.round).join();
  const still = window.__inViewLast === key;
  window.__inViewLast = key;
  return still && r.top >= -0.5 && r.bottom <= bottom + 0.5;
}"""

REFUSALS = {
    "svg": "This file is an SVG drawing, not a photo",
    "noise": "We can't read this file as a picture",
    "empty": "This file is empty",
    "bomb": "too large to open safely",
}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_files_that_are_no_picture_get_our_plain_refusal(browser, demo_app, tmp_path, size):
    from playwright.sync_api import expect

    files = refused_files(tmp_path)
    ctx = new_context(browser, size)
    page = open_app(ctx, demo_app)
    check, go, framed = page.locator("#first-check"), page.locator("#generate-btn"), page.locator("#framing img")
    for kind, words in REFUSALS.items():
        add_picture(page, SUNSET)  # a good picture first: framing shown, Generate ready
        expect(check).to_contain_text("Looks good", timeout=WAIT)
        expect(framed).to_have_count(1)
        expect(go).to_be_enabled()
        add_picture(page, files[kind])
        expect(check).to_contain_text(words, timeout=WAIT)
        expect(check).to_contain_text("⛔")
        expect(go).to_be_disabled()
        expect(framed).to_have_count(0)  # a refused picture frames nothing
        expect(page.locator("#framing-text")).not_to_contain_text("Output")
        box_in_view(page, "#first-check")  # the refusal is next to the picture
        assert bad_text(page) == [], kind
        shot(page, f"refused-{kind}-{size}")
    text = page.locator("body").inner_text()
    assert "Could not preprocess" not in text and "/tmp/" not in text
    ctx.close()


def set_takes(page, n: int) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.get_by_role("button", name=re.compile("More: presets")).click()
    box = page.locator("#takes input[type=number]")
    box.fill(str(n))
    box.press("Enter")
    expect(page.locator("#takes input[type=range]")).to_have_value(str(n))


def start_two_takes(page, prompt: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    add_picture(page, SUNSET)
    page.get_by_label("Prompt").fill(prompt)
    expect(page.locator("#first-check")).to_contain_text("Looks good", timeout=WAIT)
    set_takes(page, 2)
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#generate-btn").click()


@pytest.mark.parametrize(("mode", "size"), [("key", "desktop"), ("demo", "phone")])
def test_a_takes_own_cancel_ends_calmly_and_the_other_take_finishes(browser, demo_app, key_app, mode, size):
    from playwright.sync_api import expect

    app = key_app if mode == "key" else demo_app
    if mode == "key":
        app.emulator.timing.queue[:] = [5.0, 5.0]
    ctx = new_context(browser, size)
    page = open_app(ctx, app)
    start_two_takes(page, f"Cancel one of two takes ({mode})")
    first = page.locator("#take-1 >> nth=0")
    cancel = first.get_by_role("button", name="Cancel take 1")
    expect(cancel).to_be_visible(timeout=WAIT)
    cancel.click()  # at once: a demo render takes only seconds
    shot(page, f"cancel-{mode}-{size}-1-asked")
    expect(first).to_contain_text(re.compile("cancelled", re.I), timeout=WAIT)
    expect(page.locator("#take-2 video")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#run-status")).to_contain_text("Done in", timeout=WAIT)
    expect(page.locator("#take-1 video")).to_have_count(0)
    card = first.inner_text()
    assert re.search("cancelled", card, re.I) and "Error" not in card
    if mode == "key":
        assert "WaveSpeed may still charge" in card
    else:  # demo mode: nothing to say about money
        assert "charge" not in card and "$" not in card and "refund" not in card.lower()
    assert bad_text(page) == []  # no red "Error" pill at any moment (the watcher saw every change)
    assert page.locator(".error").filter(has_text="Error").count() == 0
    shot(page, f"cancel-{mode}-{size}-2-cancelled")
    ctx.close()


def test_each_take_shows_as_soon_as_it_is_saved(browser, key_app):
    """Waits on what it checks, never on a clock: the slow take is held by a gate until the quick one has been
    seen on its own and scrolled into view, so a busy machine only makes the test slower, never wrong."""
    from playwright.sync_api import expect

    gate = threading.Event()
    key_app.emulator.timing.queue[:] = [0.5, gate]  # one quick take, one that ends when the gate opens
    ctx = new_context(browser, "phone")
    try:
        page = open_app(ctx, key_app)
        start_two_takes(page, "Two takes, one quick and one held")
        expect(page.locator(".take-slot video")).to_have_count(1, timeout=WAIT)  # the quick take, on its own
        done = 1 if page.locator("#take-1 video").count() else 2
        other = page.locator(f"#take-{3 - done} .take-stage")
        expect(other).not_to_contain_text("saved")
        expect(other).to_contain_text(re.compile(r"rendering|waiting", re.I))  # the held one still at work
        expect(page.locator("#run-status")).not_to_contain_text("Done")
        page.wait_for_function(IN_VIEW, arg=f"#take-{done} video", polling=100, timeout=WAIT)  # the scroll ended
        box_in_view(page, f"#take-{done} video")
        shot(page, "takes-phone-first-of-two")
        gate.set()
        expect(page.locator(".take-slot video")).to_have_count(2, timeout=WAIT)
        expect(page.locator("#run-status")).to_contain_text("Done in", timeout=WAIT)
    finally:
        gate.set()  # never leave the emulator's job waiting
    assert bad_text(page) == []
    ctx.close()
