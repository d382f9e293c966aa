"""The page's words in Chromium: History's captions, search and Delete, the task-id hint, and the last frame's
shape warning; History's columns follow the width."""

import re

import pytest

pytest.register_assert_rewrite("browser_kit")
from browser_kit import SUNSET, WAIT, add_picture, bad_text, new_context, no_sideways_overflow, open_app, photo, shot  # noqa: E402  # noqa: E402

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser

PROMPT = "A paper lantern drifts over the night market. Slow pan."
CAPTION = re.compile(r"^V1\.5 Pro · 5 s · “A paper lantern drifts.*” · [A-Z][a-z]{2} \d{1,2}, \d\d:\d\d$")


def generate_one(page, prompt: str = PROMPT) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    add_picture(page, SUNSET)
    page.get_by_label("Prompt").fill(prompt)
    expect(page.locator("#first-check")).to_contain_text("Looks good", timeout=WAIT)
    page.locator("#generate-btn").click()
    expect(page.locator("#run-status")).to_contain_text("Done in", timeout=WAIT)


def captions(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Each caption's text and whether it fits its box."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#history-gallery .caption-label')].map(e => ({text: e.textContent.trim(),
             cut: e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1}))"""
    )


def columns(page) -> int:  # type: ignore[no-untyped-def]
    return page.evaluate(
        """() => getComputedStyle(document.querySelector('#history-gallery .grid-container'))
                   .gridTemplateColumns.split(' ').filter(Boolean).length"""
    )


def test_history_captions_search_and_delete(browser, demo_app):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop")
    page = open_app(ctx, demo_app)
    generate_one(page)
    page.get_by_role("tab", name="History").click()
    shelf = page.locator("#history-gallery")
    expect(shelf.locator(".caption-label").first).to_have_text(CAPTION, timeout=WAIT)
    seen = captions(page)
    assert seen and not [c for c in seen if c["cut"]], seen  # readable, whole
    assert not [c for c in seen if "$" in c["text"] or "downloaded" in c["text"]], seen  # demo: no money, no jargon
    assert columns(page) >= 5
    shot(page, "history-desktop")

    search = page.get_by_label("Search")
    search.fill("no such words anywhere")
    search.press("Enter")
    expect(page.get_by_text("No takes match “no such words anywhere”.")).to_be_visible()
    expect(shelf.locator(".caption-label")).to_have_count(0)
    search.fill("paper lantern")
    search.press("Enter")
    expect(shelf.locator(".caption-label").first).to_have_text(CAPTION)
    before = shelf.locator(".caption-label").count()

    shelf.locator("button.thumbnail-item").first.click()
    expect(page.locator("#history-player video")).to_have_count(1)
    expect(page.locator("#history-facts")).to_contain_text("A paper lantern drifts")
    page.get_by_role("button", name="Load settings").click()  # its settings go to the Create page, and so do we
    expect(page.get_by_role("tab", name="Create")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Prompt")).to_have_value(PROMPT)
    expect(page.locator("#run-status")).to_contain_text("Settings loaded")
    assert page.evaluate("window.scrollY") == 0
    page.get_by_role("tab", name="History").click()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Delete this take's video and pictures from this computer?")).to_be_visible()
    shot(page, "history-desktop-delete-asks")
    expect(page.locator("#history-player video")).to_have_count(1)  # nothing gone before the answer
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_text("Deleted from this computer.")).to_be_visible()
    expect(page.locator("#history-player video")).to_have_count(0)  # the player no longer shows the deleted take
    expect(shelf.locator(".caption-label")).to_have_count(before - 1)
    assert bad_text(page) == []
    ctx.close()


def test_history_on_a_phone_follows_the_width(browser, demo_app):
    from playwright.sync_api import expect

    ctx = new_context(browser, "phone")
    page = open_app(ctx, demo_app)
    generate_one(page, "A paper lantern drifts over the night market, seen from a phone.")
    page.get_by_role("tab", name="History").click()
    expect(page.locator("#history-gallery .caption-label").first).to_have_text(CAPTION, timeout=WAIT)
    assert columns(page) <= 2
    assert not [c for c in captions(page) if c["cut"]]
    no_sideways_overflow(page)
    shot(page, "history-phone")
    ctx.close()


def test_a_bad_task_id_gets_a_hint_of_what_one_looks_like(browser, demo_app):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop")
    page = open_app(ctx, demo_app)
    page.get_by_role("tab", name="History").click()
    page.get_by_role("button", name=re.compile("Recover a video by its task id")).click()
    page.get_by_label("Task id").fill("my video from yesterday")
    page.get_by_role("button", name="Recover", exact=True).click()
    note = page.locator("#recover-note")
    expect(note).to_contain_text("letters and digits", timeout=WAIT)
    expect(note).to_contain_text("WaveSpeed's dashboard")
    text = note.inner_text()
    assert "Change the setting" not in text and "charge" not in text  # no wrong advice, no money in demo mode
    shot(page, "history-desktop-bad-task-id")
    ctx.close()


def test_a_last_frame_of_another_shape_gets_a_plain_warning(browser, demo_app, tmp_path):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop")
    page = open_app(ctx, demo_app)
    add_picture(page, SUNSET)  # 16:9
    expect(page.locator("#first-check")).to_contain_text("Looks good", timeout=WAIT)
    add_picture(page, photo(tmp_path, "square.jpg", 900, 900), "last")
    words = page.locator("#last-framing-text")
    expect(words).to_contain_text("shape differs", timeout=WAIT)
    expect(words).to_contain_text("crops it")
    expect(page.locator("#last-framing img")).to_have_count(1)
    shot(page, "create-desktop-last-frame-shape")
    ctx.close()
