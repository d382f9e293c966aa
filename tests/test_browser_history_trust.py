"""Issue 23 in Chromium: History tells four takes of a portrait apart (posters whole, "Take N of M", the model),
Delete leaves nothing of the take on the page, the phone's delete question reads as words; with a key the balance
on the page is the emulator's after a take and after a cancel, and a cancel names the amount at stake; a prompt
past the limit says how much and keeps it; a text file on First frame gets our own sentence, never Gradio's toast."""

import re

import pytest
from PIL import Image, ImageDraw

from seedance_ui import catalog

pytest.register_assert_rewrite("browser_kit")
from browser_kit import OWNER_KEY, WAIT, add_picture, bad_text, box_in_view, new_context, open_app, shot  # noqa: E402

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser

DELETE_QUESTION = "Delete this take's video and pictures from this computer?"


def portrait(folder, name: str = "portrait.jpg"):  # type: ignore[no-untyped-def]
    """A 720x1280 portrait with a face near the top: a crop to a wide box would cut it."""
    folder.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", (720, 1280), (90, 140, 200))
    d = ImageDraw.Draw(im)
    d.ellipse((200, 90, 520, 470), fill=(236, 188, 150), outline=(60, 30, 20), width=8)  # the face
    d.ellipse((280, 220, 320, 260), fill=(30, 30, 30))
    d.ellipse((400, 220, 440, 260), fill=(30, 30, 30))
    d.arc((290, 300, 430, 400), 20, 160, fill=(150, 40, 40), width=8)
    d.rectangle((150, 520, 570, 1280), fill=(60, 60, 110))  # the shoulders
    path = folder / name
    im.save(path, "JPEG", quality=88)
    return path


def set_takes(page, n: int) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    if not page.locator("#takes").is_visible():
        page.get_by_role("button", name=re.compile("More: presets")).click()
    box = page.locator("#takes input[type=number]")
    box.fill(str(n))
    box.press("Enter")
    expect(page.locator("#takes input[type=range]")).to_have_value(str(n))


def make_takes(page, picture, prompt: str, n: int) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    add_picture(page, picture)
    page.get_by_label("Prompt").fill(prompt)
    expect(page.locator("#first-check")).to_contain_text("Looks good", timeout=WAIT)
    if n > 1:
        set_takes(page, n)
    page.locator("#generate-btn").click()
    expect(page.locator("#run-status")).to_contain_text("Done in", timeout=WAIT)


def posters(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Each thumbnail's picture: its natural shape, how it is fitted, and the box it is drawn in."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#history-gallery .thumbnail-item img')].map(i => ({
             w: i.naturalWidth, h: i.naturalHeight, fit: getComputedStyle(i).objectFit,
             boxW: i.clientWidth, boxH: i.clientHeight}))"""
    )


def broken_words(page, selector: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Words under ``selector`` drawn across more than one line (a one-letter-per-line column shows up here)."""
    return page.evaluate(
        """(sel) => {
          const bad = [];
          for (const root of document.querySelectorAll(sel)) {
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode())
              for (const m of n.textContent.matchAll(/\\S+/g)) {
                const r = document.createRange();
                r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
                const lines = new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top)));
                if (lines.size > 1) bad.push(m[0]);
              }
          }
          return bad;
        }""",
        selector,
    )


def axe_serious(page) -> list:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in found if v["impact"] in ("critical", "serious")]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_four_takes_of_a_portrait_are_told_apart_and_delete_leaves_nothing(browser, demo_app, tmp_path, size):
    from playwright.sync_api import expect

    ctx = new_context(browser, size)
    page = open_app(ctx, demo_app)
    prompt = f"{size.title()} portrait: she looks up and smiles"
    make_takes(page, portrait(tmp_path), prompt, 4)
    page.get_by_role("tab", name="History").click()
    shelf = page.locator("#history-gallery")
    mine = shelf.locator(".caption-label").filter(has_text=prompt[:16])
    expect(mine).to_have_count(4, timeout=WAIT)
    texts = [t.strip() for t in mine.all_inner_texts()]
    # newest click first, its takes together and in order, each with the model, the length and the prompt
    assert [t.split(" · ")[0] for t in texts] == [f"Take {i} of 4" for i in (1, 2, 3, 4)], texts
    assert all(f" · V1.5 Pro · 5 s · “{prompt[:16]}" in t for t in texts), texts
    assert "$" not in " ".join(shelf.all_inner_texts())  # demo mode: no money words
    page.wait_for_function(  # the posters have arrived (a busy machine serves them a moment after the captions)
        """() => { const imgs = [...document.querySelectorAll('#history-gallery .thumbnail-item img')].slice(0, 4);
                   return imgs.length === 4 && imgs.every(i => i.complete && i.naturalWidth > 0); }""",
        timeout=WAIT,
    )
    shown = posters(page)[:4]
    for p in shown:  # each poster portrait, drawn whole inside its box
        assert p["h"] > p["w"] and p["fit"] == "contain", shown
    page.evaluate("document.querySelector('#history-gallery').scrollIntoView()")
    shot(page, f"history-4-portrait-takes-{size}")

    shelf.locator("button.thumbnail-item").nth(2).click()
    player = page.locator("#history-player video")
    expect(player).to_have_count(1, timeout=WAIT)
    expect(page.locator("#history-facts")).to_contain_text(prompt)
    player.scroll_into_view_if_needed()
    box = player.bounding_box()
    assert box and box["height"] <= page.viewport_size["height"] * 0.75, box  # a portrait take fits the screen
    shot(page, f"history-portrait-player-{size}")
    assert axe_serious(page) == []

    page.get_by_role("button", name="Delete").click()
    question = page.locator("#delete-question")
    expect(question).to_contain_text(DELETE_QUESTION)
    question.scroll_into_view_if_needed()
    assert broken_words(page, "#delete-confirm") == []  # read as words, never a letter per line
    qbox = question.bounding_box()
    assert qbox and qbox["width"] >= 200, qbox
    shot(page, f"history-delete-question-{size}")
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.locator("#history-note")).to_contain_text("Deleted from this computer.")
    expect(player).to_have_count(0)
    expect(page.locator("#history-facts")).to_have_text("Pick a take above.")
    expect(page.locator("#history-facts")).not_to_contain_text(prompt)
    for name in ("Load settings", "Continue from last frame", "Loop", "Delete"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.locator("#take-actions")).to_be_hidden()
    expect(mine).to_have_count(3)
    shot(page, f"history-after-delete-{size}")
    assert axe_serious(page) == []
    assert bad_text(page) == []
    ctx.close()


def emulator_balance(app) -> str:  # type: ignore[no-untyped-def]
    return f"${app.emulator.emulator.balance_of(OWNER_KEY):.2f}"


def test_with_a_key_the_balance_is_the_emulators_after_a_take_and_after_a_cancel(browser, key_app, tmp_path):
    from playwright.sync_api import expect

    key_app.emulator.timing.queue[:] = [1.0, 60.0]  # one quick take, then one to cancel while it renders
    ctx = new_context(browser, "desktop")
    page = open_app(ctx, key_app)
    make_takes(page, portrait(tmp_path), "Balance after a take", 1)
    now = page.locator("#balance-now")
    expect(now).to_contain_text(f"Your WaveSpeed balance now: {emulator_balance(key_app)}", timeout=WAIT)
    expect(page.locator("#api-price")).to_contain_text(f"your balance: {emulator_balance(key_app)}", timeout=WAIT)
    shot(page, "key-balance-after-take")

    page.get_by_label("Prompt").fill("Balance after a cancel")
    price = re.search(r"\$(\d+\.\d\d)", page.locator("#generate-btn").inner_text()).group(1)
    page.locator("#generate-btn").click()
    slot = page.locator("#take-1 >> nth=0")
    expect(slot).to_contain_text(re.compile("rendering", re.I), timeout=WAIT)
    slot.get_by_role("button", name="Cancel take 1").click()
    expect(slot).to_contain_text("cancelled", timeout=WAIT)
    expect(slot).to_contain_text(f"WaveSpeed may still charge up to the full ${price} for a render it had started; "
                                 "only partial refunds may apply.")  # fmt: skip
    expect(page.locator("#run-status")).to_contain_text("No video this time", timeout=WAIT)
    expect(now).to_contain_text(f"Your WaveSpeed balance now: {emulator_balance(key_app)}", timeout=WAIT)
    expect(page.locator("#api-price")).to_contain_text(f"your balance: {emulator_balance(key_app)}", timeout=WAIT)
    shot(page, "key-balance-after-cancel")

    page.get_by_role("tab", name="History").click()
    expect(page.locator("#history-balance")).to_contain_text(f"balance now: {emulator_balance(key_app)}")
    cancelled = page.locator("#history-gallery .caption-label").filter(has_text="Balance after a cancel")
    cancelled.first.click()
    expect(page.locator("#history-facts")).to_contain_text(f"up to the full ${price}")
    shot(page, "key-history-after-cancel")
    assert bad_text(page) == []
    ctx.close()


def test_a_long_prompt_and_a_text_file_get_our_words(browser, demo_app, tmp_path):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop")
    page = open_app(ctx, demo_app)
    text = ("A lighthouse keeper climbs the spiral stairs at dusk. " * 60)[:2500]
    box = page.get_by_label("Prompt")
    box.fill(text)
    expect(page.locator("#char-count")).to_contain_text("2,500 / 2,000 characters")
    expect(page.locator("#char-count")).to_contain_text("500 characters over")
    expect(page.locator("#char-count .cut-text")).to_have_text(text[2000:].strip())
    assert len(box.input_value()) == 2500  # nothing cut: the person shortens it
    shot(page, "prompt-500-over")

    note = tmp_path / "notes.txt"
    note.write_text("Shot list: sunrise, lake, heron.\n")
    dropped = page.evaluate_handle(
        """(body) => { const dt = new DataTransfer();
             dt.items.add(new File([body], 'notes.txt', {type: 'text/plain'})); return dt; }""",
        note.read_text(),
    )
    page.locator("#first-frame").get_by_role("button", name=re.compile("Drop an image")).dispatch_event(
        "drop", {"dataTransfer": dropped}
    )
    expect(page.locator("#first-check")).to_contain_text("We can't read this file as a picture", timeout=WAIT)
    expect(page.locator("#first-check")).to_contain_text("⛔")
    expect(page.locator("#generate-btn")).to_be_disabled()
    assert "Invalid file type" not in page.locator("body").inner_text()
    assert page.locator(".toast-body").count() == 0
    box_in_view(page, "#first-check")
    shot(page, "txt-dropped-on-first-frame")
    add_picture(page, note)  # chosen with the file dialog: the same words
    expect(page.locator("#first-check")).to_contain_text("We can't read this file as a picture", timeout=WAIT)
    assert page.locator(".toast-body").count() == 0
    assert bad_text(page) == []
    ctx.close()


def test_on_a_phone_the_price_shows_above_the_bar_and_labels_leave_the_picture_whole(browser, demo_app, tmp_path):
    from playwright.sync_api import expect

    ctx = new_context(browser, "phone")
    page = open_app(ctx, demo_app)
    add_picture(page, portrait(tmp_path))
    expect(page.locator("#first-check")).to_contain_text("Looks good", timeout=WAIT)
    page.locator("#price").scroll_into_view_if_needed()
    box_in_view(page, "#price")  # above the fixed Generate bar
    expect(page.locator("#framing img")).to_have_count(1, timeout=WAIT)
    for box in ("#first-frame", "#framing"):  # each label above its picture, none over it
        label = page.locator(f"{box} [data-testid=block-label]").first.bounding_box()
        picture = page.locator(f"{box} img").first.bounding_box()
        assert label and picture and label["y"] + label["height"] <= picture["y"] + 1, (box, label, picture)
    shot(page, "phone-price-and-first-frame")
    assert bad_text(page) == []
    ctx.close()


def test_a_model_without_sound_or_480p_says_so(browser, demo_app):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop")
    page = open_app(ctx, demo_app)
    compare = page.locator("#model-compare table")
    page.get_by_role("button", name=re.compile("Compare the models")).click()
    expect(compare.locator("tbody tr")).to_have_count(len(catalog.families()))
    expect(compare.locator("tr.chosen")).to_contain_text("V1.5 Pro")
    page.get_by_label("Model").click()
    page.get_by_role("option", name="Seedance 2.0 Turbo", exact=True).click()  # no sound, no 480p in the snapshot
    expect(page.locator("#sound")).to_contain_text("Seedance 2.0 Turbo has no sound option")
    expect(page.locator("#sound input")).to_be_disabled()
    expect(page.locator("#size-row")).not_to_contain_text("480p for quick tries")
    expect(page.locator("#size-row")).to_contain_text("720p for most uses, 1080p for the sharpest.")
    expect(compare.locator("tr.chosen")).to_contain_text("2.0 Turbo")
    compare.scroll_into_view_if_needed()
    shot(page, "model-compare-2-0")
    assert axe_serious(page) == []  # the comparison table and the greyed Sound box included
    assert bad_text(page) == []
    ctx.close()
