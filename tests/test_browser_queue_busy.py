"""In Chromium, with a key, at desktop and phone width: the account level chosen in Settings (auto by default, one
plain line saying what it means) and followed by the Queue's ETA; then, while the queue holds a take, Generate on
Create adds its take to the queue and says so (where, when, and that the Queue tab shows it) instead of starting
it beside the queue; resumed, the take from Create is the one that runs."""

import re

import pytest

pytest.register_assert_rewrite("browser_kit")
from browser_kit import SUNSET, WAIT, add_picture, bad_text, new_context, no_sideways_overflow, open_app, photo, shot  # noqa: E402

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser


def choose_level(page, name: str) -> None:
    page.get_by_label("Your WaveSpeed account level").click()
    page.get_by_role("option", name=name).click()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_level_in_settings_and_generate_joins_a_busy_queue(browser, key_app, size, tmp_path):
    from playwright.sync_api import expect

    emu = key_app.emulator.emulator
    ctx = new_context(browser, size)
    page = open_app(ctx, key_app)
    page.get_by_role("tab", name="Settings").click()
    note = page.locator("#account-level-note")
    expect(page.get_by_label("Your WaveSpeed account level")).to_have_value(re.compile("^Auto"))
    expect(note).to_contain_text("Auto starts as Bronze (2 videos a minute, 2 at once)")
    choose_level(page, "Bronze (every new account)")
    expect(note).to_contain_text("Bronze: WaveSpeed starts up to 2 videos a minute for your account and runs 2 at once")
    page.reload()  # remembered: a new page load shows it again
    expect(page.locator("#price")).not_to_be_empty(timeout=WAIT)
    page.get_by_role("tab", name="Settings").click()
    expect(page.get_by_label("Your WaveSpeed account level")).to_have_value("Bronze (every new account)")
    expect(note).to_contain_text("Bronze: WaveSpeed starts up to 2 videos a minute")
    page.locator("#account-level").scroll_into_view_if_needed()
    shot(page, f"settings-level-{size}")

    # the queue is busy: one take waits in it (paused, so it can be seen waiting)
    page.get_by_role("tab", name="Queue").click()
    page.locator("#queue-pause").click()
    expect(page.locator("#batch-note")).to_contain_text("Paused")
    waiting_prompt, create_prompt = f"{size}: waits in the queue", f"{size}: from Create, joins the queue"
    page.locator("#batch-files input[type=file]").set_input_files(str(photo(tmp_path, "q.jpg", 800, 600)))
    page.locator("#batch-prompt textarea").fill(waiting_prompt)
    page.locator("#batch-check").click()
    expect(page.locator("#batch-queue")).to_have_text(re.compile(r"Queue 1 take · \$\d+\.\d\d"), timeout=WAIT)
    page.locator("#batch-queue").click()
    expect(page.locator("#batch-note")).to_contain_text("Queued 1 take")
    submits = emu.count("submit")

    page.get_by_role("tab", name="Create").click()
    add_picture(page, SUNSET)
    page.locator("#prompt textarea").fill(create_prompt)
    go = page.locator("#generate-btn")
    expect(go).to_have_text(re.compile(r"Generate · \$\d+\.\d\d"), timeout=WAIT)
    if page.locator("#confirm-spend").is_visible():
        page.locator("#confirm-spend input").check()
    go.click()
    said = page.locator("#run-error")
    expect(said).to_contain_text(re.compile(r"Your queue is busy, so this take was added to it at #\d+, ready "
                                            r"about \d+ (s|min) after you resume it"), timeout=WAIT)  # fmt: skip
    expect(said).to_contain_text("Nothing is sent or charged until its turn; the Queue tab shows it.")
    expect(said).to_contain_text("Your queue is paused")
    said.scroll_into_view_if_needed()
    shot(page, f"create-queued-{size}")
    assert emu.count("submit") == submits, "nothing started beside the queue"
    assert not page.locator("#take-1").is_visible()  # no take slot runs on Create

    page.get_by_role("tab", name="Queue").click()
    mine = page.locator(".queue-item")
    expect(mine.filter(has_text=create_prompt).filter(has_text="queued (not sent yet)")).to_have_count(1)
    expect(page.locator("#queue-summary")).to_contain_text("(bronze level)")  # the ETA follows Settings
    shot(page, f"queue-from-create-{size}", full=True)
    mine.filter(has_text=waiting_prompt).get_by_role("button", name="Cancel").click()
    expect(page.locator("#batch-note")).to_contain_text(re.compile("taken out of the queue before it was sent", re.I))
    page.locator("#queue-resume").click()
    expect(mine.filter(has_text=create_prompt).get_by_role("button", name="Open in History")).to_have_count(
        1, timeout=3 * WAIT
    )
    assert [j.inputs.get("prompt") for j in emu.jobs.values()].count(create_prompt) == 1
    assert emu.count("submit") == submits + 1
    page.get_by_role("tab", name="Settings").click()
    choose_level(page, "Auto: start as Bronze, learn from WaveSpeed")  # as it was, for the other tests
    expect(note).to_contain_text("Auto starts as Bronze")
    if size == "phone":
        no_sideways_overflow(page)
    assert bad_text(page) == []
    ctx.close()
