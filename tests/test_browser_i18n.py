"""The page in the visitor's language, in Chromium (demo mode): with the browser's locale set to zh-CN, es, pt-BR and
ja, every tab at 1440x900 shows none of our English words (the visible text checked against the English catalogs)
and Gradio's own widgets speak that language too; two visitors in two languages at once each see their own; the
Settings switch changes the page in place and the next visit starts in it; Spanish and Portuguese fit a phone.
Screenshots in test-artifacts/i18n-*.png."""

import re

import pytest

pytest.register_assert_rewrite("browser_kit")
from browser_kit import SUNSET, WAIT, App, bad_text, cut_labels, new_context, no_sideways_overflow, shot  # noqa: E402

from seedance_ui.ui.i18n import labels_of  # noqa: E402
from seedance_ui.words.catalogs import LOCALE_DIR  # noqa: E402

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser

BROWSER_LOCALES = {"zh-CN": "zh_CN", "es": "es", "pt-BR": "pt_BR", "ja": "ja"}
TABS = ["create", "history", "storyboard", "queue", "settings"]


def messages_of(locale: str) -> dict[str, str]:
    """One language's sentences of the ``messages`` domain (id -> text), read with Babel from its catalog."""
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {str(m.id): str(m.string) for m in read_po(f, locale=locale) if m.id and m.string and not m.fuzzy}


ENGLISH_CATALOGS = {"labels": labels_of, "messages": messages_of}
"""The catalogs whose English must not show on a page in another language: every word of ours, labels and
sentences alike."""
OTHERS_SENTENCES: list[str] = []
"""Parts of the page left out of the check (none: the sentences' catalog is checked too)."""

GRADIO_ENGLISH = ["Drop Image Here", "Click to Upload", "Drop File Here", "Use via API", "Built with Gradio"]
GRADIO_SAYS = {"zh-CN": "点击上传", "es": "Haga clic para cargar", "pt-BR": "Clique para fazer upload",
               "ja": "クリックしてアップロード"}  # fmt: skip
"""Gradio's own "Click to Upload" in each language (from its bundled translations)."""

VISIBLE_TEXT = """(left_out) => {
  const out = [], skip = (el) => left_out.some((sel) => el.closest(sel));
  const shown = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim(), el = n.parentElement;
    if (text && el && !skip(el) && shown(el)) out.push(text);
  }
  for (const el of document.querySelectorAll('p, li, h1, h2, h3, button, label, th, td'))  // text split by markup
    if (!skip(el) && shown(el) && el.innerText.trim()) out.push(el.innerText.trim());
  for (const el of document.querySelectorAll('[placeholder]'))
    if (!skip(el) && shown(el) && el.getAttribute('placeholder')) out.push(el.getAttribute('placeholder'));
  return out;
}"""


def english_patterns(locale: str) -> dict[str, re.Pattern]:
    """Each of our English texts as the page shows it (markdown marks dropped, a placeholder matching any word), for
    the texts this language says differently (a name kept as is, like "Storyboard" in Spanish, is not English left
    over)."""
    patterns = {}
    for read in ENGLISH_CATALOGS.values():
        english, theirs = read("en"), read(locale)
        for key, text in english.items():
            bare = re.sub(r"\{[^}]*\}", "", text)
            if theirs.get(key) == text or len(re.findall(r"[A-Za-z]", bare)) < 4:
                continue  # the same in this language, or no English word in it ("{seconds} s", "“{prompt}”")
            parts = [re.escape(p) for p in re.split(r"\{[^}]*\}", text.replace("**", "").strip(" .:?"))]
            patterns[key] = re.compile(r"(?<![A-Za-z])" + r"\S+".join(parts) + r"(?![A-Za-z])")
    return patterns


def english_seen(page, locale: str, settle_ms: int = 10_000) -> list[str]:  # type: ignore[no-untyped-def]
    """Our English words on the page, and any translation key Gradio showed untranslated (``__i18n__{...}``). The
    page's load (or a new language) is given ``settle_ms`` to end its steps: what is still English then stays."""
    patterns, seen = english_patterns(locale), []
    for _ in range(max(1, settle_ms // 500)):
        raw = [f"untranslated: {t[:80]!r}" for t in page.evaluate(VISIBLE_TEXT, []) if "__i18n__" in t]
        texts = page.evaluate(VISIBLE_TEXT, OTHERS_SENTENCES)
        seen = raw + [f"{key} in {t!r}" for key, pattern in patterns.items() for t in texts if pattern.search(t)]
        if not seen:
            return seen
        page.wait_for_timeout(500)
    return seen


@pytest.fixture(scope="module")
def i18n_app():
    """Only the demo app."""
    app = App("i18n-demo", {})
    yield app.wait()
    app.stop()


@pytest.fixture(scope="module")
def i18n_space():
    """The app as a Hugging Face Space (no owner key: each visitor in demo mode, with their own takes)."""
    app = App("i18n-space", {"SPACE_ID": "someone/seedance"})
    yield app.wait()
    app.stop()


def open_page(ctx, app, tag: str):  # type: ignore[no-untyped-def]
    """A tab on the app, once the page has taken the visitor's language (our load event set it)."""
    from playwright.sync_api import expect

    page = ctx.new_page()
    page.goto(app.url)
    expect(page.locator(f"html[data-seedance-locale='{tag}']")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#price")).not_to_be_empty(timeout=WAIT)
    page.locator("html[data-settings-folded]").wait_for(state="attached", timeout=WAIT)  # a phone's fold ran
    return page


def open_tab(page, i: int) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    tab = page.locator("button[role=tab]").nth(i)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    page.wait_for_timeout(600)  # the tab's content drawn


@pytest.mark.parametrize("tag", list(BROWSER_LOCALES))
def test_every_tab_speaks_the_browsers_language(browser, i18n_app, tag):
    from playwright.sync_api import expect

    locale = BROWSER_LOCALES[tag]
    ctx = new_context(browser, "desktop", locale=tag)
    page = open_page(ctx, i18n_app, tag)
    assert page.evaluate("document.documentElement.lang") == tag  # Gradio's own locale, the same
    mine = labels_of(locale)
    tabs = page.locator("button[role=tab]")
    expect(tabs).to_have_text([mine[f"tab.{name}"] for name in TABS])
    expect(page.locator("#title")).to_contain_text(mine["app.tagline"])
    for i, name in enumerate(TABS):
        open_tab(page, i)
        assert not english_seen(page, locale), f"{tag} {name}"
        shot(page, f"i18n-{tag}-{name}")
    open_tab(page, 3)  # the Queue tab's upload area is Gradio's own widget
    body = page.inner_text("body")
    assert GRADIO_SAYS[tag] in body and not [w for w in GRADIO_ENGLISH if w in body], tag
    open_tab(page, 0)
    body = page.inner_text("body")
    assert not [w for w in GRADIO_ENGLISH if w in body], f"{tag}: Gradio's words on Create"
    assert not bad_text(page)
    ctx.close()


def add_shot(page, prompt: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#board-picture input[type=file]").set_input_files(str(SUNSET))
    page.locator("#board-prompt textarea").fill(prompt)
    page.locator("#add-picture-shot").click()


def test_two_visitors_in_two_languages_at_once_each_see_their_own(browser, i18n_space):
    """Two browsers open one Space, the second after the first: each page, and each label the server makes for them
    (a storyboard shot's card), stays in that visitor's language."""
    from playwright.sync_api import expect

    people = {}
    for tag in ("zh-CN", "ja"):
        ctx = new_context(browser, "desktop", locale=tag)
        people[tag] = (ctx, open_page(ctx, i18n_space, tag))
    for _, page in people.values():
        open_tab(page, 2)
        add_shot(page, "The lantern drifts up.")
    for tag, (_, page) in people.items():
        locale = BROWSER_LOCALES[tag]
        card = page.locator(".shot-card").first
        said = labels_of(locale)  # read here from the catalog, not through the app's own L_in
        expect(card).to_contain_text(said["board.shot_picture"].format(n=1), timeout=WAIT)
        expect(card).to_contain_text(labels_of(locale)["board.duplicate"])
        render_one = messages_of(locale)["board.render_one"]  # the button's words are a sentence of the messages
        expect(page.locator("#board-render")).to_have_text(re.compile(re.escape(render_one)))
        expect(page.locator("button[role=tab]").nth(0)).to_have_text(labels_of(locale)["tab.create"])
        assert not english_seen(page, locale), tag
        shot(page, f"i18n-two-visitors-{tag}")
    for ctx, _ in people.values():
        ctx.close()


def test_the_settings_switch_changes_the_page_in_place_and_the_next_visit_starts_in_it(browser, i18n_app):
    from playwright.sync_api import expect

    ctx = new_context(browser, "desktop", locale="en-US")
    page = open_page(ctx, i18n_app, "en")
    page.locator("#prompt textarea").fill("A kite over the dunes.")
    open_tab(page, 4)
    page.locator("#language-switch").get_by_label("日本語").check()
    expect(page.locator("html[data-seedance-locale='ja']")).to_have_count(1, timeout=WAIT)
    ja = labels_of("ja")
    expect(page.locator("button[role=tab]")).to_have_text([ja[f"tab.{name}"] for name in TABS])
    assert not english_seen(page, "ja")
    open_tab(page, 0)
    assert page.locator("#prompt textarea").input_value() == "A kite over the dunes."  # nothing typed is lost
    shot(page, "i18n-switched-ja")

    page.reload()  # the next visit: the choice kept in this browser, the whole page in it from the start
    expect(page.locator("html[data-seedance-locale='ja']")).to_have_count(1, timeout=WAIT)
    assert page.evaluate("document.documentElement.lang") == "ja"
    expect(page.locator("#first-frame")).to_contain_text(GRADIO_SAYS["ja"])  # Gradio's own upload area too
    open_tab(page, 4)
    expect(page.locator("#language-switch input[value=ja]")).to_be_checked()
    assert not english_seen(page, "ja")

    page.locator("#language-switch").get_by_label(ja["settings.language_browser"]).check()  # back to the browser's
    expect(page.locator("html[data-seedance-locale='en']")).to_have_count(1, timeout=WAIT)
    expect(page.locator("button[role=tab]").nth(4)).to_have_text("Settings")
    page.reload()
    expect(page.locator("html[data-seedance-locale='en']")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#first-frame")).to_contain_text("Click to Upload")
    assert not bad_text(page)
    ctx.close()


@pytest.mark.parametrize("tag", ["es", "pt-BR"])
def test_longer_words_keep_the_phone_layout(browser, i18n_app, tag):
    """Spanish and Portuguese labels run longer than English: the five tabs still fit one row, no label is cut and
    nothing runs off the side of a 390 px phone."""
    from playwright.sync_api import expect

    ctx = new_context(browser, "phone", locale=tag)
    page = open_page(ctx, i18n_app, tag)
    boxes = [page.locator("button[role=tab]").nth(i).bounding_box() for i in range(5)]
    assert len({round(b["y"]) for b in boxes}) == 1, f"{tag}: the tabs wrap: {boxes}"
    assert boxes[-1]["x"] + boxes[-1]["width"] <= 390, boxes
    no_sideways_overflow(page)
    shot(page, f"i18n-phone-{tag}-create")
    page.locator("#settings-acc > button, #settings-acc .label-wrap").first.click()  # folded on a phone
    expect(page.locator("#shape")).to_be_visible()
    page.locator("#camera-fixed").scroll_into_view_if_needed()
    for row in ("#pictures", "#size-row", "#shape-row"):
        assert cut_labels(page, row) == [], f"{tag} {row}"
    no_sideways_overflow(page)
    shot(page, f"i18n-phone-{tag}-create-settings")
    for i, name in enumerate(TABS[1:], start=1):
        open_tab(page, i)
        no_sideways_overflow(page)
        shot(page, f"i18n-phone-{tag}-{name}", full=True)
    ctx.close()


PROMPT = "The sun sinks behind the mountains, light ripples on the lake."


def start_take(page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.locator("#first-frame input[type=file]").set_input_files(str(SUNSET))
    page.locator("#prompt textarea").fill(PROMPT)
    expect(page.locator("#framing img")).to_have_count(1, timeout=WAIT)
    page.locator("#generate-btn").click()


@pytest.mark.parametrize("tag", list(BROWSER_LOCALES))
def test_a_take_is_made_and_told_in_the_browsers_language(browser, i18n_app, tag):
    """Demo mode: from the picture to the saved take, every card and line in that language (and no money words)."""
    from playwright.sync_api import expect

    locale = BROWSER_LOCALES[tag]
    ctx = new_context(browser, "desktop", locale=tag)
    page = open_page(ctx, i18n_app, tag)
    start_take(page)
    expect(page.locator("#take-1 video")).to_have_count(1, timeout=WAIT)
    said = messages_of(locale)
    facts = page.locator("#take-facts")
    expect(facts).to_contain_text(said["create.saved_mark"], timeout=WAIT)
    expect(facts).to_contain_text(said["create.free_preview"])
    assert not english_seen(page, locale), tag
    shot(page, f"i18n-{tag}-take-done")
    open_tab(page, 1)  # History: the take's caption and facts
    page.locator("#history-gallery .thumbnail-item").first.click()
    expect(page.locator("#history-facts")).to_contain_text(PROMPT[:20], timeout=WAIT)
    assert not english_seen(page, locale), f"{tag} history"
    shot(page, f"i18n-{tag}-history-take")
    ctx.close()


def test_a_paid_takes_money_line_says_the_same_in_japanese(browser, key_app):
    """Key mode: the price on the button and the money line of a cancelled take are the Japanese catalog's,
    with the amount at stake, and no English sentence of ours is left on the page."""
    from playwright.sync_api import expect

    key_app.emulator.timing.queue[:] = [6.0]
    ctx = new_context(browser, "desktop", locale="ja")
    page = ctx.new_page()
    page.goto(key_app.url)
    expect(page.locator("html[data-seedance-locale='ja']")).to_have_count(1, timeout=WAIT)
    expect(page.locator("#price")).not_to_be_empty(timeout=WAIT)
    start_take(page)
    take = page.locator("#take-1 >> nth=0")
    cancel = take.get_by_role("button").first
    expect(cancel).to_be_visible(timeout=WAIT)
    cancel.click()
    ja = messages_of("ja")
    at_stake = ja["money.cancel_at_stake"].split("{amount}")
    expect(take).to_contain_text(at_stake[0], timeout=WAIT)
    assert re.search(r"0\.26", take.inner_text()), take.inner_text()  # the amount at stake: this take's price
    assert at_stake[1].strip() in take.inner_text()
    assert not english_seen(page, "ja")
    shot(page, "i18n-ja-key-cancelled")
    ctx.close()
