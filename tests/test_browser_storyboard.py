"""The Storyboard page in Chromium, demo mode, at 1440x900 and 390x844: a 3-shot board (a picture, then two shots
continuing from it) built, rendered and its film played, with every action and every pixel scrolled counted;
a screenshot of each state in test-artifacts/; axe-core on the page with the film in it."""

import pytest
from conftest import table_row

pytest.register_assert_rewrite("browser_kit")
from browser_kit import SUNSET, WAIT, App, bad_text, new_context, shot  # noqa: E402

pytest_plugins = ["browser_kit"]
pytestmark = pytest.mark.browser

# Every scroll of the window or of any element, summed (the browser scrolling for a click counts too).
SCROLL_METER = """() => {
  window.__scrolled = 0;
  const last = new WeakMap();
  const top = (t) => t === document ? window.scrollY : t.scrollTop;
  document.addEventListener('scroll', (e) => {
    const t = e.target, y = top(t), before = last.has(t) ? last.get(t) : 0;
    window.__scrolled += Math.abs(y - before);
    last.set(t, y);
  }, {capture: true, passive: true});
}"""
LIMITS = {"desktop": (12, 1.0), "phone": (12, 4.0)}


@pytest.fixture(scope="module")
def board_app():
    """Only the demo app (the other modes' apps are not needed here)."""
    app = App("board-demo", {})
    yield app.wait()
    app.stop()


class Person:
    """What a person does, counted: each click, upload or typing is one action."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page, self.actions = page, []

    def do(self, what: str, locator, how: str = "click", value=None) -> None:  # type: ignore[no-untyped-def]
        self.actions.append(what)
        if how == "click":
            locator.click()
        elif how == "fill":
            locator.fill(value)
        else:
            locator.set_input_files(value)

    def screens(self) -> float:
        return self.page.evaluate("window.__scrolled") / self.page.viewport_size["height"]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_three_shot_film_is_built_rendered_and_played_in_few_actions(browser, board_app, size):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    ctx = new_context(browser, size)
    ctx.add_init_script(f"({SCROLL_METER})()")
    page = ctx.new_page()
    page.goto(board_app.url)
    expect(page.locator("#banner")).to_contain_text("mode", timeout=WAIT)
    me = Person(page)
    me.do("open the Storyboard tab", page.get_by_role("tab", name="Storyboard"))
    shot(page, f"board-{size}-1-empty")
    me.do("add a picture", page.locator("#board-picture input[type=file]"), "upload", str(SUNSET))
    prompts = ["A heron stands in the lake at dawn. Slow push-in.", "The heron spreads its wings. Slow push-in.",
               "The heron lifts off over the water. Slow push-in."]  # fmt: skip
    me.do("type shot 1's prompt", page.locator("#board-prompt textarea"), "fill", prompts[0])
    me.do("add shot 1", page.locator("#add-picture-shot"))
    expect(page.get_by_label("Shot 1 prompt")).to_have_value(prompts[0])
    for n in (2, 3):
        me.do(f"type shot {n}'s prompt", page.locator("#board-prompt textarea"), "fill", prompts[n - 1])
        me.do(f"add shot {n}", page.locator("#add-continue-shot"))
        expect(page.get_by_label(f"Shot {n} prompt")).to_have_value(prompts[n - 1])
    render = page.locator("#board-render")
    expect(render).to_have_text("Render 3 shots")  # demo mode: no money words
    shot(page, f"board-{size}-2-three-shots")
    me.do("render", render)
    expect(page.locator("#board-progress")).to_contain_text("Shot 3", timeout=WAIT)
    shot(page, f"board-{size}-3-rendering")
    film = page.locator("#board-film video")
    expect(film).to_have_count(1, timeout=120_000)
    expect(page.get_by_text("Shot 3 take 1")).to_have_count(1, timeout=WAIT)
    me.do("play the film", film)
    page.wait_for_function("document.querySelector('#board-film video').currentTime > 0.3", timeout=WAIT)
    shot(page, f"board-{size}-4-film-playing")
    shot(page, f"board-{size}-5-whole-page", full=True)
    board_text = page.locator("#board-grid").inner_text()
    assert "$" not in board_text and "charged" not in board_text.lower()
    assert bad_text(page) == []
    violations = Axe().run(page).response["violations"]
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]]) for v in violations if v["impact"] in ("critical", "serious")
    ]
    actions, screens = len(me.actions), me.screens()
    table_row("Storyboard: a 3-shot film built, rendered and played (demo mode)",
              ["width", "actions", "screens scrolled", "limit", "axe (critical/serious)", "other axe rules"],
              [size, actions, f"{screens:.2f}", f"{LIMITS[size][0]} actions, {LIMITS[size][1]:.0f} screen(s)",
               len(serious), " ".join(v["id"] for v in violations if v["impact"] not in ("critical", "serious"))
               or "-"])  # fmt: skip
    assert serious == []
    assert actions <= LIMITS[size][0], me.actions
    assert screens <= LIMITS[size][1], (screens, me.actions)
    ctx.close()
