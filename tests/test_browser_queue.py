"""The Queue tab in Chromium, with a key: four pictures with one prompt checked and priced as a table, queued while
the queue is paused, the queue with ETAs, one waiting item cancelled (never sent), resumed, the other three saved
and one opened in History; at desktop and phone width."""

import re

import pytest

pytest.register_assert_rewrite("browser_kit")
from browser_kit import WAIT, bad_text, new_context, no_sideways_overflow, open_app, photo, shot  # noqa: E402

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_queue_a_folder_of_pictures_from_the_page(browser, key_app, size, tmp_path):
    from playwright.sync_api import expect

    emu = key_app.emulator.emulator
    pictures = [str(photo(tmp_path, f"shot{i}.jpg", 800, 600, color=(40 * i, 120, 90))) for i in range(4)]
    prompt = f"{size} batch: slow dolly in"
    ctx = new_context(browser, size)
    page = open_app(ctx, key_app)
    page.get_by_role("tab", name="Queue").click()
    page.locator("#batch-files input[type=file]").set_input_files(pictures)
    page.locator("#batch-prompt textarea").fill(prompt)
    page.locator("#batch-check").click()
    table = page.locator("#batch-table table")
    expect(table.locator("tbody tr")).to_have_count(4, timeout=WAIT)
    expect(table.locator("tbody tr").filter(has_text=re.compile(r"\$\d+\.\d\d"))).to_have_count(4)
    button = page.locator("#batch-queue")
    expect(button).to_have_text(re.compile(r"Queue 4 takes · \$\d+\.\d\d"))
    confirm = page.locator("#batch-confirm")
    if confirm.is_visible():  # four default takes cost more than the $2 asked about first
        confirm.locator("input").check()
    shot(page, f"queue-batch-priced-{size}", full=True)

    submits = emu.count("submit")
    page.locator("#queue-pause").click()  # held, so every item can be seen waiting whatever level auto learned
    expect(page.locator("#batch-note")).to_contain_text("Paused")
    button.click()
    expect(page.locator("#batch-note")).to_contain_text("Queued 4 takes")
    expect(button).to_be_disabled()  # spent: a second click can't queue the same pictures again
    mine = page.locator(".queue-item").filter(has_text=prompt)
    expect(mine).to_have_count(4)
    expect(page.locator("#queue-summary")).to_contain_text("all done in about")
    expect(mine.filter(has_text="ready in about").first).to_be_visible()
    waiting = mine.filter(has_text="queued (not sent yet)").last
    waiting.scroll_into_view_if_needed()
    shot(page, f"queue-with-etas-{size}", full=True)
    assert emu.count("submit") == submits, "paused: nothing sent"
    waiting.get_by_role("button", name="Cancel").click()
    expect(page.locator("#batch-note")).to_contain_text(re.compile("taken out of the queue before it was sent", re.I))
    expect(mine.filter(has_text="cancelled")).to_have_count(1)
    page.locator("#queue-resume").click()
    expect(mine.get_by_role("button", name="Open in History")).to_have_count(3, timeout=3 * WAIT)
    expect(page.locator("#queue-summary")).to_contain_text("Nothing in the queue")
    shot(page, f"queue-finished-{size}", full=True)
    assert emu.count("submit") == submits + 3, "the cancelled item was never sent"
    sent = [j.inputs.get("prompt") for j in emu.jobs.values()]
    assert sent.count(prompt) == 3
    mine.get_by_role("button", name="Open in History").first.click()
    expect(page.get_by_role("tab", name="History")).to_have_attribute("aria-selected", "true")
    if size == "phone":
        no_sideways_overflow(page)
    assert bad_text(page) == []
    ctx.close()
