"""Event handlers for the Gradio app: plain module-level functions over the Studio, tested directly.

``configure(ctx)`` is called once by ``build_app``; every handler reads the ``AppContext`` from here. Per-visitor
data (session token, a pasted key, the last seed, running takes) lives in a ``gr.State`` dict, never in globals
or ``os.environ``.
"""

from __future__ import annotations

import asyncio
import functools
import html
import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import gradio as gr

from .. import catalog, images, pricing, prompts
from ..errors import Money, SeedanceError
from ..runtime import Runtime
from ..studio import Progress, Settings, Studio, TakeResult, random_seed

MATCH = "Match my image"
ASPECT_CHOICES = [MATCH, *catalog.ASPECT_RATIOS]
PRESETS: dict[str, dict[str, Any]] = {
    "Vertical short · 9:16": {"aspect": "9:16", "resolution": "720p", "duration": 5},
    "Story · 9:16, 10 s": {"aspect": "9:16", "resolution": "720p", "duration": 10},
    "Landscape · 16:9": {"aspect": "16:9", "resolution": "720p", "duration": 5},
    "Square post · 1:1": {"aspect": "1:1", "resolution": "720p", "duration": 5},
    "Cinematic · 21:9": {"aspect": "21:9", "resolution": "1080p", "duration": 8},
    "Seamless loop": {"aspect": MATCH, "resolution": "720p", "duration": 5, "loop": True},
}


@dataclass
class AppContext:
    """What the app runs on: a demo Studio (built-in emulator) and/or a live one (WaveSpeed)."""

    demo: Runtime | None
    live: Runtime | None
    on_space: bool = False
    owner_key: bool = False
    """A key came from the environment (the desktop's, or a Space owner's)."""
    shared_key_allowed: bool = False
    spend_threshold: float = 2.0
    work_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="seedance-ui-")))
    live_factory: Any = None
    """Builds the live Runtime on first use (a Space with no owner key, when a visitor pastes one)."""

    def studio_for(self, session: dict) -> tuple[Studio, str | None, bool]:
        """The Studio, the key to send (None: the Studio's own) and whether this is demo mode."""
        if session.get("key"):
            if self.live is None and self.live_factory is not None:
                self.live = self.live_factory()
            if self.live is not None:
                return self.live.studio, session["key"], False
        if self.live is not None and self.owner_key and (not self.on_space or self.shared_key_allowed):
            return self.live.studio, None, False
        if self.demo is None:
            raise SeedanceError("Add your WaveSpeed API key in Settings to start.")
        return self.demo.studio, None, True


CTX: AppContext | None = None


def configure(ctx: AppContext) -> None:
    global CTX
    CTX = ctx


def ctx() -> AppContext:
    if CTX is None:
        raise RuntimeError("handlers.configure() was not called")
    return CTX


def new_session() -> dict:
    """Per-visitor state. The token names the visitor's history and files; it is random and never shown."""
    return {"id": secrets.token_urlsafe(16), "key": None, "last_seed": None, "running": []}


def journal_session(session: dict) -> str:
    """Whose history: the desktop has one ('local'); on a Space each visitor has their own."""
    return session["id"] if ctx().on_space else "local"


# Cards -------------------------------------------------------------------------------------------------------


def error_card(e: SeedanceError | str, money: Money = Money.NOT_CHARGED) -> str:
    if isinstance(e, str):
        title, money_text, hint, task = e, money.sentence, "", None
    else:
        c = e.card()
        title, money_text, hint, task = c["title"], c["money"], c["hint"], c["task_id"]
    parts = [f"<div class='card error-card'><b>{html.escape(str(title))}</b>",
             f"<div class='money'>💳 {html.escape(str(money_text))}</div>"]  # fmt: skip
    if hint:
        parts.append(f"<div class='hint'>👉 {html.escape(str(hint))}</div>")
    if task:
        parts.append(f"<div class='task'>Task id: <code>{html.escape(str(task))}</code></div>")
    return "".join(parts) + "</div>"


# Model and settings ----------------------------------------------------------------------------------------


def spec_for(family: str, resolution: str | None) -> catalog.ModelSpec:
    res = resolution if resolution in catalog.resolutions_for_family(family) else None
    if res is None:
        first = next(m for m in catalog.MODELS if m.family == family)
        res = first.default_resolution
    return catalog.model_for(family, res)


def on_family(family: str, resolution: str, duration: int) -> tuple:
    """The model changed: resolution choices, duration range, which controls show, and the retirement notice."""
    spec = spec_for(family, resolution)
    choices = catalog.resolutions_for_family(family)
    res = resolution if resolution in choices else spec.default_resolution
    dur = min(max(int(duration or spec.duration_default), spec.duration_min), spec.duration_max)
    notice = f"⚠️ {spec.notice}" if spec.notice else spec.summary
    return (
        gr.update(choices=choices, value=res),
        gr.update(
            minimum=spec.duration_min,
            maximum=spec.duration_max,
            value=dur,
            info=f"{spec.duration_min}–{spec.duration_max} seconds",
        ),
        gr.update(visible=spec.accepts_audio),
        gr.update(visible=spec.accepts_last_image),
        gr.update(visible=spec.accepts_aspect_ratio),
        notice,
    )


def apply_preset(preset: str, family: str, first: str | None) -> tuple:
    """A delivery preset: aspect ratio, resolution and duration in one click (still editable afterwards)."""
    p = PRESETS.get(preset)
    if not p:
        return gr.update(), gr.update(), gr.update(), gr.update()
    spec = spec_for(family, p["resolution"])
    res = p["resolution"] if p["resolution"] in catalog.resolutions_for_family(family) else spec.default_resolution
    spec = spec_for(family, res)
    dur = min(max(p["duration"], spec.duration_min), spec.duration_max)
    last = gr.update(value=first) if p.get("loop") and first and spec.accepts_last_image else gr.update()
    return gr.update(value=p["aspect"]), gr.update(value=res), gr.update(value=dur), last


def prompt_info(prompt: str, family: str, resolution: str, camera_fixed: bool) -> tuple[str, str]:
    """The live character count against the model's limit, and the camera warning."""
    spec = spec_for(family, resolution)
    n = len(prompt or "")
    over = n > spec.prompt_max_chars
    count = f"{'⚠️ ' if over else ''}{n} / {spec.prompt_max_chars} characters"
    if spec.prompt_required and not (prompt or "").strip():
        count += f" · {spec.name} needs a prompt"
    warn = prompts.camera_conflict(prompt or "", bool(camera_fixed))
    return count, (f"⚠️ {warn}" if warn else "")


def insert_phrase(prompt: str, phrase_label: str) -> str:
    phrase = prompts.CAMERA_PHRASES.get(phrase_label, "")
    prompt = (prompt or "").rstrip()
    return f"{prompt} {phrase}".strip() if phrase not in prompt else prompt


@functools.lru_cache(maxsize=256)
def _inspect_cached(path: str, size: int, mtime_ns: int) -> images.ImageCheck:
    return images.inspect(path)


@functools.lru_cache(maxsize=64)
def _small_copy_cached(path: str, size: int, mtime_ns: int) -> Any:
    return images.small_copy(path)


def inspect(path: str) -> images.ImageCheck:
    """The picture's check, decoded once per file version: every slider move re-prices and re-frames."""
    st = os.stat(path)
    return _inspect_cached(path, st.st_size, st.st_mtime_ns)


def small_copy(path: str) -> Any:
    """The preview copy of a picture, decoded once per file version (drawing on it is cheap)."""
    st = os.stat(path)
    return _small_copy_cached(path, st.st_size, st.st_mtime_ns)


def _aspect(value: str | None) -> str | None:
    return None if not value or value == MATCH else value


def quote_for(family: str, resolution: str, duration: int, aspect: str, audio: bool, takes: int,
              first: str | None) -> pricing.Quote:  # fmt: skip
    spec = spec_for(family, resolution)
    a = _aspect(aspect) if spec.accepts_aspect_ratio else None
    if a is None and first:
        try:
            check = inspect(first)
            a = check.suggested_aspect_ratio
        except OSError:
            a = None
    return pricing.estimate(spec.id, int(duration), resolution if resolution in spec.resolutions else None,
                            bool(audio) and spec.accepts_audio, takes=int(takes), aspect_ratio=a)  # fmt: skip


async def price_card(family: str, resolution: str, duration: int, aspect: str, audio: bool, takes: int,
                     first: str | None, threshold: float, session: dict) -> tuple[str, Any]:  # fmt: skip
    """The live price: total, per take, published or estimated, what-ifs; with a key, WaveSpeed's own quote."""
    try:
        q = quote_for(family, resolution, duration, aspect, audio, takes, first)
    except ValueError as e:
        return f"<div class='card'>{html.escape(str(e))}</div>", gr.update(visible=False)
    studio, key, demo = ctx().studio_for(session)
    kind = "WaveSpeed's published price" if q.published else "our estimate — WaveSpeed doesn't publish this one"
    each = f" · ${q.per_take:.2f} per take" if q.takes > 1 else ""
    lines = [
        "<div class='card price-card'>",
        f"<div class='price-total'>${q.total:.2f}</div>",
        f"<div>{q.takes} take{'s' if q.takes > 1 else ''}{each} · {kind}</div>",
    ]
    if q.what_if:
        tips = " · ".join(html.escape(w.text()) for w in q.what_if[:4])
        lines.append(f"<div class='whatif'>{tips}</div>")
    if demo:
        lines.append("<div class='demo-note'>Demo mode: previews are rendered on this computer and cost nothing.</div>")
    else:
        try:
            spec = spec_for(family, resolution)
            client = studio.client()
            inputs = {"duration": int(duration), "resolution": resolution, "generate_audio": bool(audio)}
            api_price, balance = await asyncio.gather(client.quote(spec.id, inputs, api_key=key),
                                                      client.balance(api_key=key))  # fmt: skip
            lines.append(f"<div class='balance'>WaveSpeed quote: ${api_price * q.takes:.2f} · "
                         f"your balance: ${balance:.2f}</div>")  # fmt: skip
        except SeedanceError as e:
            lines.append(f"<div class='balance'>Couldn't ask WaveSpeed for a quote: {html.escape(e.message)}</div>")
    lines.append("</div>")
    needs_confirm = not demo and q.total > Decimal(str(threshold or 0))
    confirm = gr.update(visible=needs_confirm, value=False, label=f"Yes, spend ${q.total:.2f} on this")
    return "".join(lines), confirm


# Images ----------------------------------------------------------------------------------------------------


def check_image(path: str | None, session: dict | None = None) -> tuple[str, Any]:
    """The verdict in words as soon as a picture is added, and the fix button when we can fix it. For a picture
    we fixed, it also says what was done."""
    if not path:
        return "", gr.update(visible=False)
    done = (session or {}).get("fixed", {}).get(Path(path).name)
    try:
        check = inspect(path)
    except OSError:
        return "⚠️ We couldn't read that file. Choose it again.", gr.update(visible=False)
    icon = "✅" if check.ok else ("🛠️" if check.fixable else "⛔")
    text = f"{icon} {check.summary()}"
    if done:
        text += f" We fixed it for you: {done}"
    elif check.ok and check.notes:
        text += " " + " ".join(check.notes)
    return text, gr.update(visible=check.fixable)


def fix_image(path: str | None, session: dict) -> tuple[Any, str, Any]:
    """Convert or shrink a picture that needs it; the result replaces the upload and says what was done."""
    if not path:
        return gr.update(), "", gr.update(visible=False)
    try:
        fixed = images.prepare(path, fix=True)
    except SeedanceError as e:
        return gr.update(), f"⛔ {e.message}", gr.update(visible=False)
    folder = ctx().work_dir / session["id"]
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"fixed-{secrets.token_hex(4)}{fixed.extension}"
    out.write_bytes(fixed.data)
    done = " ".join(fixed.notes) or "Fixed."
    # Gradio copies the file into its cache under the same name: the name finds these notes again on re-check.
    session.setdefault("fixed", {})[out.name] = done
    return (
        str(out),
        f"✅ Fixed: {done} ({fixed.width}x{fixed.height} px, {len(fixed.data) / 1e6:.1f} MB)",
        gr.update(visible=False),
    )


def framing(first: str | None, family: str, resolution: str, aspect: str, shape_from: str | None = None,
            ) -> tuple[Any, str]:  # fmt: skip
    """A picture with the output frame drawn on it, and the output size in words. The output's shape comes from
    the chosen aspect ratio, or from ``shape_from`` (the first image) when it follows the image."""
    if not first:
        return None, "Add a first image to see how it will be framed." if shape_from is None else ""
    spec = spec_for(family, resolution)
    try:
        check = inspect(first)
        shape = inspect(shape_from) if shape_from else check
        if not check.width or not shape.width:
            return None, ""
        a = (_aspect(aspect) if spec.accepts_aspect_ratio else None) or shape.suggested_aspect_ratio
        w, h = spec.output_size(resolution if resolution in spec.resolutions else spec.default_resolution, a)
        pic, geo = images.draw_framing(small_copy(first), w, h)
    except Exception:  # an unreadable picture: its own check already says so in words
        return None, ""
    return pic, geo.describe()


def framing_last(last: str | None, first: str | None, family: str, resolution: str, aspect: str) -> tuple[Any, Any]:
    """The last image's framing: Seedance crops it to the same output shape as the first image."""
    if not last or not first:
        return gr.update(value=None, visible=False), ""
    pic, words = framing(last, family, resolution, aspect, shape_from=first)
    return gr.update(value=pic, visible=pic is not None), f"Last frame: {words}" if words else ""


def random_seed_value() -> int:
    return random_seed()


def reuse_seed(session: dict) -> Any:
    return gr.update(value=session.get("last_seed")) if session.get("last_seed") is not None else gr.update()


# Key -------------------------------------------------------------------------------------------------------


def set_key(key: str, session: dict) -> tuple[dict, str, str]:
    """Keep a visitor's key in their session only; the field is cleared so the page holds no copy."""
    key = (key or "").strip()
    session = dict(session)
    if not key:
        session["key"] = None
        return session, "", mode_banner(session)
    if len(key) < 8 or any(c.isspace() for c in key):
        return session, "", "⛔ That doesn't look like a WaveSpeed API key."
    session["key"] = key
    return session, "", mode_banner(session)


def mode_banner(session: dict) -> str:
    try:
        _, key, demo = ctx().studio_for(session)
    except SeedanceError as e:
        return f"🔑 {e.message}"
    if demo:
        return ("🎬 **Demo mode** — videos are free previews rendered on this computer. "
                "Add a WaveSpeed API key in Settings to make real Seedance videos.")  # fmt: skip
    who = "your key (kept for this visit only)" if key else "the API key from this computer's settings"
    return f"🔑 **Connected to WaveSpeed** with {who}. Real renders are charged to that account."


# Generate --------------------------------------------------------------------------------------------------

MAX_TAKES = 4
STAGE_ICONS = {"checking": "🔎", "uploading": "⬆️", "submitting": "🚀", "queued": "⏳", "rendering": "🎞️",
               "downloading": "⬇️", "done": "✅"}  # fmt: skip


def _status(progress: dict[int, Progress], started: float, total: int) -> str:
    lines = [f"**Working… {time.monotonic() - started:.0f}s**"]
    for i in range(total):
        p = progress.get(i)
        if p is None:
            lines.append(f"- Take {i + 1}: starting")
            continue
        eta = f" (usually about {p.expected:.0f}s)" if p.expected else ""
        lines.append(f"- Take {i + 1}: {STAGE_ICONS.get(p.stage, '')} {p.message}{eta}")
    return "\n".join(lines)


def _facts_md(results: list[TakeResult | SeedanceError], demo: bool) -> str:
    """One line per take: seed (to reuse), price, render time, task id (to recover it from anywhere)."""
    first = next((r for r in results if isinstance(r, TakeResult)), None)
    lines = [f"**{first.facts['model']}**" + (" · demo preview" if demo else "")] if first else []
    for i, r in enumerate(results, 1):
        if isinstance(r, TakeResult):
            f = r.facts
            price = "free (demo)" if demo else f"${f['price_usd']}" + ("" if f["price_published"] else " (estimate)")
            lines.append(f"- **Take {i}** · seed `{f['seed']}` · {price} · rendered in {f['render_seconds'] or '?'} s"
                         f" · task id `{f['task_id']}`")  # fmt: skip
        else:
            lines.append(f"- **Take {i}** · {html.escape(r.message)}")
    return "\n".join(lines)


def _empty_outputs(status: str, error: str = "") -> tuple:
    videos = [gr.update(value=None, visible=i == 0) for i in range(MAX_TAKES)]
    return (status, *videos, gr.update(value=None, visible=False), "", error)


async def generate(
    session: dict, first: str | None, last: str | None, prompt: str, family: str, resolution: str, duration: int,
    aspect: str, audio: bool, camera_fixed: bool, seed: float | None, takes: int, confirmed: bool, threshold: float,
):  # fmt: skip
    """Run 1-4 takes at once; yields (status, video x4, files, facts, error card) as they progress."""
    c = ctx()
    if not first:
        yield _empty_outputs("", error_card("Add a first image to start."))
        return
    try:
        studio, key, demo = c.studio_for(session)
        spec = spec_for(family, resolution)
        q = quote_for(family, resolution, duration, aspect, audio, takes, first)
    except (SeedanceError, ValueError) as e:
        yield _empty_outputs("", error_card(e if isinstance(e, SeedanceError) else str(e)))
        return
    if not demo and q.total > Decimal(str(threshold or 0)) and not confirmed:
        yield _empty_outputs("", error_card(
            f"This will cost ${q.total:.2f}. Tick 'Yes, spend ${q.total:.2f}' above the button to go ahead."))  # fmt: skip
        return
    n = max(1, min(MAX_TAKES, int(takes or 1)))
    base_seed = int(seed) if seed is not None and int(seed) >= 0 else None
    seeds = [(base_seed + i) % (catalog.SEED_MAX + 1) if base_seed is not None else random_seed() for i in range(n)]
    queue: asyncio.Queue[tuple[int, Progress]] = asyncio.Queue()
    progress: dict[int, Progress] = {}
    who = journal_session(session)
    started = time.monotonic()

    async def one(i: int) -> TakeResult:
        settings = Settings(model_id=spec.id, prompt=prompt or "", duration=int(duration), resolution=resolution,
                            aspect_ratio=_aspect(aspect), generate_audio=bool(audio), camera_fixed=bool(camera_fixed),
                            seed=seeds[i])  # fmt: skip

        def report(p: Progress) -> None:
            if p.take_id not in session["running"]:
                session["running"].append(p.take_id)
            queue.put_nowait((i, p))

        return await studio.generate(first, settings, last=last if spec.accepts_last_image else None,
                                     session=who, api_key=key, on_progress=report)  # fmt: skip

    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    try:
        yield _empty_outputs(_status(progress, started, n))
        pending = set(tasks)
        while pending:
            _, pending = await asyncio.wait(pending, timeout=0.5)
            while not queue.empty():
                i, p = queue.get_nowait()
                progress[i] = p
            if pending:
                yield (_status(progress, started, n), *[gr.update() for _ in range(MAX_TAKES)], gr.update(),
                       gr.update(), gr.update())  # fmt: skip
    except asyncio.CancelledError:
        await asyncio.shield(_cancel_upstream(studio, session, key, tasks))
        raise
    results: list[TakeResult | SeedanceError] = []
    for t in tasks:
        exc = t.exception()
        if exc is None:
            results.append(t.result())
        elif isinstance(exc, SeedanceError):
            results.append(exc)
        else:
            results.append(SeedanceError(f"Something unexpected went wrong ({type(exc).__name__})."))
    session["running"] = []
    ok = [r for r in results if isinstance(r, TakeResult)]
    if ok:
        session["last_seed"] = ok[0].take.seed
    videos = [gr.update(value=str(r.video_path) if isinstance(r, TakeResult) else None,
                        visible=i < n and isinstance(r, TakeResult), label=f"Take {i + 1}")
              for i, r in enumerate(results)]  # fmt: skip
    videos += [gr.update(value=None, visible=False) for _ in range(MAX_TAKES - len(videos))]
    errors = "".join(error_card(r) for r in results if isinstance(r, SeedanceError))
    status = f"✅ Done in {time.monotonic() - started:.0f}s." if ok else "⛔ No video this time."
    files = gr.update(value=[str(r.video_path) for r in ok] or None, visible=bool(ok))
    yield (status, *videos, files, _facts_md(results, demo) if ok else "", errors)


async def _cancel_upstream(studio: Studio, session: dict, key: str | None, tasks: list[asyncio.Task]) -> None:
    """The browser cancelled: ask WaveSpeed to stop each take too, so nothing keeps running on the bill."""
    for t in tasks:
        t.cancel()
    for take_id in list(session.get("running", [])):
        try:
            await studio.cancel(take_id, api_key=key)
        except SeedanceError:
            pass
    session["running"] = []


async def cancel(session: dict) -> str:
    """What the Cancel button says once the running takes are stopped upstream."""
    try:
        studio, key, _ = ctx().studio_for(session)
    except SeedanceError:
        return ""
    running = list(session.get("running", []))
    if not running:
        return "Nothing was running."
    messages = []
    for take_id in running:
        try:
            messages.append(await studio.cancel(take_id, api_key=key))
        except SeedanceError as e:
            messages.append(e.message)
    session["running"] = []
    return "⏹️ " + (messages[0] if len(set(messages)) == 1 else " ".join(messages))


# API endpoint ----------------------------------------------------------------------------------------------


async def api_generate(
    image: str, prompt: str, model_id: str, duration: float | None, resolution: str, aspect_ratio: str,
    generate_audio: bool, camera_fixed: bool, seed: float | None, last_image: str | None,
) -> tuple[str, dict]:  # fmt: skip
    """`/generate`: one take from an image and a prompt; returns the MP4 and the facts as JSON."""
    session = new_session()
    try:
        studio, key, _ = ctx().studio_for(session)
        spec = catalog.get_model(model_id or catalog.DEFAULT_MODEL_ID)
        settings = Settings(model_id=spec.id, prompt=prompt or "", duration=int(duration) if duration else None,
                            resolution=resolution or None, aspect_ratio=aspect_ratio or None,
                            generate_audio=generate_audio, camera_fixed=bool(camera_fixed),
                            seed=int(seed) if seed is not None else -1)  # fmt: skip
        result = await studio.generate(image, settings, last=last_image or None, session=journal_session(session),
                                       api_key=key)  # fmt: skip
    except KeyError as e:
        raise gr.Error(str(e.args[0])) from None
    except SeedanceError as e:
        raise gr.Error(f"{e.message} {e.money.sentence}") from None
    return str(result.video_path), {**result.facts, "video_file": result.video_path.name}


# History ---------------------------------------------------------------------------------------------------


def _studio_quiet(session: dict) -> Studio | None:
    try:
        return ctx().studio_for(session)[0]
    except SeedanceError:
        return None


def history(session: dict, search: str = "") -> tuple[list, list[str], Any]:
    """The gallery (poster, caption) of this visitor's takes, their ids, and the stitch choices."""
    studio = _studio_quiet(session)
    if studio is None:
        return [], [], gr.update(choices=[])
    takes = studio.journal.history(session=journal_session(session), text=search or "", limit=60)
    gallery, ids, choices = [], [], []
    for t in takes:
        when = time.strftime("%d %b %H:%M", time.localtime(t.created_at))
        label = f"{when} · {t.state} · {t.prompt[:40] or '(no prompt)'} · seed {t.seed}"
        poster = t.poster_path if t.poster_path and Path(t.poster_path).exists() else t.first_image
        if poster and Path(poster).exists():
            gallery.append((poster, label))
            ids.append(t.id)
        if t.video_path and Path(t.video_path).exists():
            choices.append((label, t.id))
    return gallery, ids, gr.update(choices=choices, value=[])


def select_take(evt: gr.SelectData, ids: list[str], session: dict) -> tuple[str | None, Any, str, str]:
    """A take was picked in the gallery: its video, facts and id."""
    if evt is None or evt.index is None or evt.index >= len(ids):
        return None, gr.update(), "", ""
    studio = _studio_quiet(session)
    take = studio.journal.get(ids[evt.index]) if studio else None
    if take is None or take.session != journal_session(session):
        return None, gr.update(), "", ""
    video = take.video_path if take.video_path and Path(take.video_path).exists() else None
    spec = catalog.MODELS_BY_ID.get(take.model_id)
    facts = (f"**{take.prompt or '(no prompt)'}**\n\n{spec.name if spec else take.model_id}"
             f" · seed `{take.seed}` · ${take.price_usd or '?'} · {take.state}"
             + (f" · render {take.render_seconds} s" if take.render_seconds else "")
             + (f"\n\nTask id `{take.task_id}`" if take.task_id else "")
             + (f"\n\n⚠️ {take.error_message} {Money(take.money).sentence if take.money else ''}" if take.error_message else ""))  # fmt: skip
    return video, gr.update(value=[video] if video else None, visible=bool(video)), facts, take.id


def load_settings(take_id: str, session: dict, mode: str = "same") -> tuple:
    """Fill the form from a take: 'same' settings and images, 'continue' from its last frame, or 'loop'."""
    studio = _studio_quiet(session)
    take = studio.journal.get(take_id) if studio and take_id else None
    if take is None or take.session != journal_session(session):
        return (gr.update(),) * 11 + ("Pick a take first.",)
    spec = catalog.MODELS_BY_ID.get(take.model_id)
    s = take.settings
    first, last = take.first_image, take.last_image
    note = "Settings loaded."
    if mode == "continue":
        try:
            first, last = str(studio.last_frame_image(take)), None
            note = "The last frame of that take is now your first image."
        except SeedanceError as e:
            return (gr.update(),) * 11 + (e.message,)
    elif mode == "loop":
        last = first
        note = "The same picture is now the first and last frame, for a seamless loop."
    return (
        gr.update(value=first), gr.update(value=last),
        gr.update(value=take.prompt),
        gr.update(value=spec.family) if spec else gr.update(),
        gr.update(value=s.get("resolution")) if s.get("resolution") else gr.update(),
        gr.update(value=s.get("duration")) if s.get("duration") else gr.update(),
        gr.update(value=s.get("aspect_ratio") or MATCH),
        gr.update(value=bool(s.get("generate_audio"))),
        gr.update(value=bool(s.get("camera_fixed"))),
        gr.update(value=take.seed if mode == "same" and take.seed is not None else -1),
        gr.Tabs(selected="create"),
        note,
    )  # fmt: skip


def delete_take(take_id: str, session: dict) -> str:
    studio = _studio_quiet(session)
    take = studio.journal.get(take_id) if studio and take_id else None
    if take is None or take.session != journal_session(session):
        return "Pick a take first."
    studio.delete_local(take_id)
    return "Deleted the local copy."


async def recover_task(task_id: str, session: dict) -> tuple[str | None, str]:
    try:
        studio, key, _ = ctx().studio_for(session)
        result = await studio.recover_task(task_id or "", session=journal_session(session), api_key=key)
    except SeedanceError as e:
        return None, error_card(e)
    return str(result.video_path), f"✅ Recovered into your library: {result.video_path.name}"


async def resume_unfinished(session: dict) -> str:
    try:
        studio, key, _ = ctx().studio_for(session)
        results = await studio.recover(session=journal_session(session), api_key=key)
    except SeedanceError as e:
        return error_card(e)
    left = len(studio.journal.unfinished(journal_session(session)))
    text = f"Finished {len(results)} take(s)." if results else "Nothing new finished."
    return text + (f" {left} still waiting on WaveSpeed; try again later." if left else "")


def stitch(take_ids: list[str], session: dict) -> tuple[str | None, str]:
    studio = _studio_quiet(session)
    if studio is None or not take_ids or len(take_ids) < 2:
        return None, "Pick at least two takes, in the order they should play."
    for tid in take_ids:
        t = studio.journal.get(tid)
        if t is None or t.session != journal_session(session):
            return None, "Pick takes from your own history."
    try:
        out = studio.stitch(list(take_ids))
    except (SeedanceError, ValueError) as e:
        return None, getattr(e, "message", str(e))
    return str(out), f"✅ Joined {len(take_ids)} takes: {out.name}"
