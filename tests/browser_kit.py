"""What the browser tests share, loaded as a pytest plugin by each ``test_browser_*.py``: the apps (``python app.py``
in its own process, one per mode, started together once per run and stopped at the end), an in-process emulator
standing in for WaveSpeed (its processing time set by the tests), Debian's Chromium, and the helpers a person's
actions and our checks are made of. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from pathlib import Path

import pytest
from conftest import free_port
from PIL import Image

from seedance_emulator.server import Emulator, EmulatorServer

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SUNSET = ROOT / "assets" / "examples" / "sunset-lake.jpg"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
OWNER_KEY = "any-test-key-123"
VISITOR_KEY = "wsk-visitor-key-0001"
REJECTED_KEY = "wsk-rejected-key-0002"
WAIT = 60_000
"""Milliseconds for a wait on the app (a render takes seconds; a slow CI machine gets room)."""

# Text that must never reach the page: Gradio's preprocessing errors, its red pills, server paths.
BAD_TEXT = ["Could not preprocess", "UnidentifiedImageError", "/tmp/", "gradio_api/file", "common.complete"]
WATCHER = """() => {
  window.__bad = []; window.__said = [];
  const bad = BAD_TEXT;
  const look = () => {
    window.__queued = false;
    const text = document.body ? document.body.innerText : '';
    for (const b of bad) if (text.includes(b) && !window.__bad.includes(b)) window.__bad.push(b);
    if (/(^|\\n)\\s*Error\\s*(\\n|$)/.test(text) && !window.__bad.includes('Error')) window.__bad.push('Error');
    for (const el of document.querySelectorAll('[aria-live]')) {
      const said = el.textContent.trim();
      if (said && window.__said.at(-1) !== said) window.__said.push(said);
      if (/^[a-z]+\\.[a-z_]+$/.test(said)) window.__bad.push('raw i18n key: ' + said);
    }
  };
  new MutationObserver(() => { if (!window.__queued) { window.__queued = true; setTimeout(look, 50); } })
    .observe(document, {subtree: true, childList: true, characterData: true});
}""".replace("BAD_TEXT", json.dumps(BAD_TEXT))


class Timing:
    """The emulator's processing time per task: the next values queued by a test, then the default."""

    def __init__(self, default: float = 4.0) -> None:
        self.default, self.queue = default, []

    def __call__(self, job: object) -> float:
        return self.queue.pop(0) if self.queue else self.default


class App:
    """``python app.py`` with its own port, data folder and Gradio cache."""

    def __init__(self, name: str, env: dict[str, str], emulator: EmulatorServer | None = None) -> None:
        self.name, self.emulator = name, emulator
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.folder = Path(tempfile.mkdtemp(prefix=f"seedance-browser-{name}-"))
        full = {k: v for k, v in os.environ.items()
                if k not in ("WAVESPEED_API_KEY", "WAVESPEED_BASE_URL", "SPACE_ID", "SYSTEM")}  # fmt: skip
        full |= {"GRADIO_SERVER_PORT": str(self.port), "GRADIO_SERVER_NAME": "127.0.0.1",
                 "GRADIO_ANALYTICS_ENABLED": "False", "SEEDANCE_DATA_DIR": str(self.folder / "data"),
                 "GRADIO_TEMP_DIR": str(self.folder / "gradio"), "PYTHONUNBUFFERED": "1", **env}  # fmt: skip
        self.log = self.folder / "app.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=full, stdout=out,
                                         stderr=subprocess.STDOUT)  # fmt: skip
        self.ready = False

    def wait(self, timeout: float = 120) -> App:
        deadline = time.monotonic() + timeout
        while not self.ready:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The {self.name} app did not start:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    self.ready = r.status == 200
            except OSError:
                time.sleep(0.3)
        return self

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def apps():
    """Every mode's app, started at once (each takes seconds to import Gradio); a test waits for the one it uses."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("Browser tests need Debian's chromium at /usr/bin/chromium: apt-get install -y chromium")
    timing = Timing()
    from test_catalog_live import TEST_MODEL  # a model only this emulator's live catalog names (issue 13)

    emulator = EmulatorServer(Emulator(processing_seconds=timing, reject_keys=(REJECTED_KEY,), test_endpoints=True,
                                       extra_models=[TEST_MODEL])).start()  # fmt: skip
    emulator.timing = timing  # type: ignore[attr-defined]
    space = {"SPACE_ID": "someone/seedance", "WAVESPEED_BASE_URL": emulator.url}
    started = {
        "demo": App("demo", {}),
        "key": App("key", {"WAVESPEED_API_KEY": OWNER_KEY, "WAVESPEED_BASE_URL": emulator.url}, emulator),
        "space": App("space", space, emulator),
        "space_down": App("space-down", {**space, "WAVESPEED_BASE_URL": f"http://127.0.0.1:{free_port()}"}),
    }
    yield started
    for app in started.values():
        app.stop()
    emulator.stop()


@pytest.fixture(scope="session")
def demo_app(apps):
    return apps["demo"].wait()


@pytest.fixture(scope="session")
def key_app(apps):
    return apps["key"].wait()


@pytest.fixture(scope="session")
def space_app(apps):
    return apps["space"].wait()


@pytest.fixture(scope="session")
def space_down_app(apps):
    return apps["space_down"].wait()


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (the sync API's event loop is not kept alive across other modules' tests)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def new_context(browser, size: str = "desktop", **kw):  # type: ignore[no-untyped-def]
    phone = size == "phone"
    ctx = browser.new_context(viewport=SIZES[size], is_mobile=phone, has_touch=phone, **kw)
    ctx.add_init_script(f"({WATCHER})()")
    ctx.set_default_timeout(WAIT)
    return ctx


def open_app(ctx, app: App):  # type: ignore[no-untyped-def]
    """A tab on the app, once its banner says which mode this is."""
    from playwright.sync_api import expect

    page = ctx.new_page()
    page.goto(app.url)
    expect(page.locator("#banner")).to_contain_text("mode" if app.name == "demo" else "", timeout=WAIT)
    expect(page.locator("#price")).not_to_be_empty(timeout=WAIT)  # the load event has run: the visitor is known
    page.locator("html[data-settings-folded]").wait_for(state="attached", timeout=WAIT)  # a phone's fold ran
    return page


def open_model_picker(page):  # type: ignore[no-untyped-def]
    """Open the Model list (on a phone, unfold the Settings first) and wait until its options are drawn: a
    count taken right after the click can see none yet."""
    picker = page.get_by_label("Model")
    if page.viewport_size["width"] < 800:
        fold = page.locator("#settings-acc .label-wrap").first
        page.locator("html[data-settings-folded]").wait_for(state="attached", timeout=WAIT)  # the fold on load ran
        if not picker.is_visible():
            fold.click()
    picker.click()
    page.get_by_role("option").first.wait_for(state="visible", timeout=WAIT)
    return page.get_by_role("option")


def page_with_live_model(ctx, page, name: str = "Seedance 9.9 Test"):  # type: ignore[no-untyped-def]
    """The page once the live catalog's model is in the picker (it shows at a later page load, never by holding
    one up), with the picker open; fails when 20 loads never show it. The page is usable before its load events
    end, so each load is given time for the choices to arrive while the list is open."""
    from playwright.sync_api import expect

    for _ in range(20):
        try:
            expect(open_model_picker(page).filter(has_text=name)).to_have_count(1, timeout=5000)
            return page
        except AssertionError:
            pass
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
        page.reload()
        page = ctx.pages[-1]
        expect(page.locator("#price")).not_to_be_empty(timeout=WAIT)
    pytest.fail(f"{name} never reached the Model list in 20 page loads")


def shot(page, name: str, full: bool = False) -> Path:  # type: ignore[no-untyped-def]
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def bad_text(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What the watcher saw on the page at any moment since it loaded (Gradio errors, paths, raw i18n keys)."""
    page.wait_for_timeout(150)  # the watcher looks 100 ms after a change
    return page.evaluate("window.__bad || []")


def add_picture(page, path: str | Path, which: str = "first") -> None:  # type: ignore[no-untyped-def]
    page.locator(f"#{which}-frame input[type=file]").set_input_files(str(path))


def box_in_view(page, selector: str, *, above_bar: bool = True) -> dict:  # type: ignore[no-untyped-def]
    """The element's box, asserted inside the viewport (and above the phone's Generate bar when it is not in it)."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    view = page.viewport_size
    bottom = view["height"]
    bar = page.locator("#generate-btn").bounding_box()
    if above_bar and bar and bar["y"] + bar["height"] >= view["height"] - 30 and not selector.startswith("#generate"):
        bottom = bar["y"] - 8  # the phone's fixed Generate bar covers the bottom of the screen
    assert box["x"] >= 0 and box["x"] + box["width"] <= view["width"] + 0.5, f"{selector} sideways: {box}"
    assert box["y"] >= -0.5 and box["y"] + box["height"] <= bottom + 0.5, f"{selector} not in view: {box}"
    return box


def no_sideways_overflow(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]} px wide in a {width[1]} px window"


def cut_labels(page, selector: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Visible labels, hints and inputs under ``selector`` whose text does not fit its box, or has a word broken
    across two lines."""
    return page.evaluate(
        """(sel) => {
          const root = document.querySelector(sel), bad = [];
          const texts = root.querySelectorAll('label, label span, [data-testid=block-info], .info-text, input');
          for (const e of texts) {
            if (e.offsetParent === null || e.clientWidth === 0) continue;
            const text = (e.value || e.textContent).trim();
            if (e.scrollWidth > e.clientWidth + 1) { bad.push('overflows: ' + text); continue; }
            const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode())
              for (const m of n.textContent.matchAll(/\\S+/g)) {
                const r = document.createRange();
                r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
                const lines = new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top)));
                if (lines.size > 1) bad.push('word broken: ' + m[0] + ' in ' + text);
              }
          }
          return bad;
        }""",
        selector,
    )


# Files no picture should be ------------------------------------------------------------------------------------


def refused_files(folder: Path) -> dict[str, Path]:
    """An SVG, random bytes named .png, an empty file, and a tiny PNG whose header claims 30000x30000 px."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"svg": folder / "drawing.svg", "noise": folder / "noise.png", "empty": folder / "empty.png",
             "bomb": folder / "bomb.png"}  # fmt: skip
    files["svg"].write_text('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">'
                            '<rect width="800" height="600" fill="tomato"/></svg>')  # fmt: skip
    files["noise"].write_bytes(os.urandom(20_000))
    files["empty"].write_bytes(b"")
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (40, 80, 120)).save(buf, "PNG")
    png = bytearray(buf.getvalue())
    struct.pack_into(">II", png, 16, 30000, 30000)  # IHDR data starts after the signature (8), length and type
    struct.pack_into(">I", png, 29, zlib.crc32(bytes(png[12:29])) & 0xFFFFFFFF)
    files["bomb"].write_bytes(bytes(png))
    return files


def photo(folder: Path, name: str, w: int, h: int, color=(200, 120, 40)) -> Path:  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", (w, h), color)
    im.paste((30, 60, 160), (w // 4, h // 4, w * 3 // 4, h * 3 // 4))
    path = folder / name
    im.save(path, "JPEG", quality=85)
    return path
