"""The Create page's handlers: pictures, prompt, model and settings, framing and the live price.

Handlers are module-level functions taking the ``AppContext`` and the ``Visitor`` first; ``create_page.py``
places the components and binds them. The takes themselves (generate, per-take cancel) are in ``takes_view.py``.
"""

from __future__ import annotations

import functools
import html
import os
import secrets
from collections.abc import Callable, Iterable
from typing import Any

import gradio as gr

from .. import catalog, images, prompts
from .. import framing as framing_geo
from ..errors import InvalidRequest, SeedanceError
from ..plan import Choices, Plan
from .model_words import control_updates, resolution_hint
from .state import AppContext, Visitor

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


class PictureInput(gr.Image):
    """An image box whose upload reaches our own check as it is: Gradio's Image opens every upload with Pillow
    first, which turns an SVG, random bytes or a bomb into its own error text and a server path."""

    is_template = True  # drawn by the Image component in the page

    def preprocess(self, payload: Any) -> str | None:
        return None if payload is None or payload.path is None else str(payload.path)


# Model and settings -------------------------------------------------------------------------------------

Models = Iterable[catalog.ModelSpec] | None
"""The visitor's catalog (``AppContext.models``); None: the built-in list."""


def per_visitor(ctx: AppContext, handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` for an event whose first input is the visitor: called with the other inputs and the visitor's
    own catalog as ``models`` (never one list for the whole process)."""

    def with_models(visitor: Visitor | None, *args: Any) -> Any:
        return handler(*args, models=ctx.models(visitor))

    return with_models


def spec_for(family: str, resolution: str | None, models: Models = None) -> catalog.ModelSpec:
    """The model of a family at a resolution, in the visitor's catalog (``models``; None: the built-in list)."""
    pool = catalog.MODELS if models is None else tuple(models)
    if resolution in catalog.resolutions_for_family(family, pool):
        return catalog.model_for(family, resolution, pool)  # type: ignore[arg-type]
    return next(m for m in pool if m.family == family)


def aspect_value(value: str | None) -> str | None:
    return None if not value or value == MATCH else value


def choices_for(family: str, resolution: str, duration: float, aspect: str, audio: bool, camera_fixed: bool = False,
                seed: float | None = -1, takes: float = 1, prompt: str = "",
                extras: dict[str, Any] | None = None, models: Models = None) -> Choices:  # fmt: skip
    spec = spec_for(family, resolution, models)
    return Choices.of(
        model_id=spec.id, prompt=prompt or "", duration=int(duration) if duration is not None else None,
        resolution=resolution if resolution in spec.resolutions else None,
        aspect_ratio=aspect_value(aspect) if spec.accepts_aspect_ratio else None,
        generate_audio=bool(audio) and spec.accepts_audio, camera_fixed=bool(camera_fixed),
        seed=int(seed) if seed is not None and seed != "" else -1, takes=int(takes or 1), extras=dict(extras or {}),
    )  # fmt: skip


def on_family(family: str, resolution: str, duration: float, *, models: Models = None) -> tuple:
    """The model changed: resolution choices, duration range, which controls show, and the retirement notice."""
    spec = spec_for(family, resolution, models)
    choices = catalog.resolutions_for_family(family, catalog.MODELS if models is None else models)
    res = resolution if resolution in choices else spec.default_resolution
    dur = min(max(int(duration or spec.duration_default), spec.duration_min), spec.duration_max)
    notice = f"⚠️ {spec.notice}" if spec.notice else spec.summary
    audio, _, missing = control_updates(family, models)
    return (
        gr.update(choices=choices, value=res, info=resolution_hint(choices)),
        gr.update(
            minimum=spec.duration_min,
            maximum=spec.duration_max,
            value=dur,
            info=f"{spec.duration_min}–{spec.duration_max} seconds",
        ),
        audio,
        gr.update(visible=spec.accepts_last_image),
        gr.update(visible=spec.accepts_aspect_ratio),
        f"{notice} {missing}".strip(),
    )


def apply_preset(preset: str, family: str, first: str | None, *, models: Models = None) -> tuple:
    """A delivery preset: shape, resolution and length in one click (still editable afterwards)."""
    p = PRESETS.get(preset)
    if not p:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    spec = spec_for(family, p["resolution"], models)
    res = p["resolution"] if p["resolution"] in spec.resolutions else spec.default_resolution
    dur = min(max(p["duration"], spec.duration_min), spec.duration_max)
    last = gr.update(value=first) if p.get("loop") and first and spec.accepts_last_image else gr.skip()
    return gr.update(value=p["aspect"]), gr.update(value=res), gr.update(value=dur), last


def prompt_info(prompt: str, family: str, resolution: str, camera_fixed: bool, *,
                models: Models = None) -> tuple[str, str]:  # fmt: skip
    """The live character count against the model's limit, and the camera warning."""
    spec = spec_for(family, resolution, models)
    n = len(prompt or "")
    count = f"{'⚠️ ' if n > spec.prompt_max_chars else ''}{n} / {spec.prompt_max_chars} characters"
    if spec.prompt_required and not (prompt or "").strip():
        count += f" · {spec.name} needs a prompt"
    if n > spec.prompt_max_chars:  # nothing is cut silently: the box keeps it all, and the part past the limit shows
        over = n - spec.prompt_max_chars
        count += (f": {over} characters over {spec.name}'s limit would be cut. Shorten the prompt; these "
                  f"{over} characters are past the limit:<blockquote class='cut-text'>"
                  f"{html.escape(prompt[spec.prompt_max_chars:])}</blockquote>")  # fmt: skip
    warn = prompts.camera_conflict(prompt or "", bool(camera_fixed))
    return count, (f"⚠️ {warn}" if warn else "")


def insert_phrase(prompt: str, phrase_label: str) -> str:
    phrase = prompts.CAMERA_PHRASES.get(phrase_label, "")
    prompt = (prompt or "").rstrip()
    return f"{prompt} {phrase}".strip() if phrase not in prompt else prompt


def random_seed_value() -> int:
    from ..plan import random_seed

    return random_seed()


def reuse_seed(visitor: Visitor) -> Any:
    return gr.update(value=visitor.last_seed) if visitor.last_seed is not None else gr.skip()


# Pictures --------------------------------------------------------------------------------------------------


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


def usable_size(path: str | None) -> tuple[int, int] | None:
    """The size of a picture that passes its check, else None (a refused picture frames and prices nothing)."""
    if not path:
        return None
    try:
        check = inspect(path)
    except (OSError, SeedanceError):
        return None
    return (check.width, check.height) if check.ok else None


def check_image(visitor: Visitor, path: str | None) -> tuple[str, Any, Any]:
    """The verdict in words as soon as a picture is added, the fix button when we can fix it, and whether
    Generate may be pressed."""
    if not path:
        return "", gr.update(visible=False), gr.update(interactive=True)
    try:
        check = inspect(path)
    except (OSError, SeedanceError) as e:
        text = e.message if isinstance(e, SeedanceError) else "We couldn't read that file. Choose it again."
        return f"⛔ {text}", gr.update(visible=False), gr.update(interactive=False)
    icon = "✅" if check.ok else ("🛠️" if check.fixable else "⛔")
    text = f"{icon} {check.summary()}"
    done = visitor.fixed.get(os.path.basename(path))
    if done:
        text += f" We fixed it for you: {done}"
    elif check.ok and check.notes:
        text += " " + " ".join(check.notes)
    return text, gr.update(visible=check.fixable), gr.update(interactive=check.ok)


def check_last(visitor: Visitor, last: str | None, first: str | None) -> tuple[str, Any, Any]:
    """The last picture's verdict; Generate may be pressed only when both pictures pass (or there is no last)."""
    text, fix, _ = check_image(visitor, last)
    if not last:
        text = "Optional: the picture the video should end on."
    both = usable_size(first) is not None and (not last or usable_size(last) is not None)
    return text, fix, gr.update(interactive=both)


def fix_image(ctx: AppContext, visitor: Visitor, path: str | None) -> tuple[Any, str, Any]:
    """Convert or shrink a picture that needs it; the result replaces the upload and says what was done."""
    if not path:
        return gr.skip(), "", gr.update(visible=False)
    try:
        fixed = images.prepare(path, fix=True)
    except SeedanceError as e:
        return gr.skip(), f"⛔ {e.message}", gr.update(visible=False)
    folder = ctx.work_dir / visitor.token
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"fixed-{secrets.token_hex(4)}{fixed.extension}"
    out.write_bytes(fixed.data)
    done = " ".join(fixed.notes) or "Fixed."
    visitor.fixed[out.name] = done  # Gradio copies the file under the same name: the re-check finds the notes
    return str(out), f"✅ Fixed: {done} ({fixed.width}x{fixed.height} px)", gr.update(visible=False)


def framing(first: str | None, family: str, resolution: str, aspect: str, shape_from: str | None = None, *,
            models: Models = None) -> tuple[Any, str]:  # fmt: skip
    """The picture with the output frame drawn on it, and the output size in words. A refused picture clears it."""
    size = usable_size(first)
    if size is None:
        return None, "Add a first image to see how it will be framed." if not first and shape_from is None else ""
    shape = usable_size(shape_from) if shape_from else size
    if shape is None:
        return None, ""
    try:
        plan = Plan.make(choices_for(family, resolution, None, aspect, False, prompt="x", models=models),  # type: ignore[arg-type]
                         image_size=shape, models=models)  # fmt: skip
        st = os.stat(first)  # type: ignore[arg-type]
        pic, geo = framing_geo.draw_framing(_small_copy_cached(first, st.st_size, st.st_mtime_ns), *plan.output_size)
    except (OSError, SeedanceError):
        return None, ""
    return pic, geo.describe()


def framing_last(last: str | None, first: str | None, family: str, resolution: str, aspect: str, *,
                 models: Models = None) -> tuple[Any, Any]:  # fmt: skip
    """The last image's framing: Seedance crops it to the first image's output shape; say so when shapes differ."""
    if not last or not first:
        return gr.update(value=None, visible=False), gr.update(value="", visible=False)
    pic, words = framing(last, family, resolution, aspect, shape_from=first, models=models)
    a, b = usable_size(first), usable_size(last)
    warn = ""
    if a and b and abs(a[0] / a[1] - b[0] / b[1]) > 0.02:
        warn = "⚠️ The last frame's shape differs from the first's: Seedance crops it to the first's shape. "
    text = (warn + (f"Last frame: {words}" if words else "")).strip()
    return gr.update(value=pic, visible=pic is not None), gr.update(value=text, visible=bool(text))


# Price -----------------------------------------------------------------------------------------------------


def price_kind(plan: Plan) -> str:
    """Which kind of price the person sees, in words."""
    q = plan.quote
    if getattr(q, "kind", "") == "needs WaveSpeed's quote":
        return "our floor estimate: WaveSpeed's own quote follows"
    if getattr(plan.spec, "source", "") == "live" and getattr(q, "kind", "") == "formula":
        return "from WaveSpeed's price formula"
    return "published price" if q.published else "our estimate (not published by WaveSpeed)"


def price_card(ctx: AppContext, visitor: Visitor, first: str | None, family: str, resolution: str, duration: float,
               aspect: str, audio: bool, takes: float, threshold: float | None,
               extras: dict[str, Any] | None = None) -> tuple[str, Any, Any]:  # fmt: skip
    """The price worked out here, at once (nothing waits on WaveSpeed): the card, the spend confirmation and the
    Generate button carrying the price."""
    demo, models = ctx.is_demo(visitor), ctx.models(visitor)
    try:
        plan = Plan.make(choices_for(family, resolution, duration, aspect, audio, takes=takes, prompt="x",
                                     extras=extras, models=models), image_size=usable_size(first), models=models)  # fmt: skip
    except InvalidRequest as e:
        return f"<div class='card'>{html.escape(e.message)}</div>", gr.update(visible=False), gr.update()
    q = plan.quote
    kind = price_kind(plan)
    each = f" · ${q.per_take:.2f} per take" if q.takes > 1 else ""
    shape = "" if plan.shape_known else " · shape not known yet: add a picture"
    tips = " · ".join(html.escape(w.text()) for w in q.what_if[:3])
    if demo:
        lines = ["<div class='card price-card'><div class='price-total'>Free preview</div>",
                 f"<div>Demo mode renders previews on this computer. With your own WaveSpeed key this would be "
                 f"${q.total:.2f} ({kind}){shape}.</div>"]  # fmt: skip
        button = "✨ Generate free preview"
    else:
        lines = ["<div class='card price-card'>", f"<div class='price-total'>${q.total:.2f}</div>",
                 f"<div>{q.takes} take{'s' if q.takes > 1 else ''}{each} · {kind}{shape}</div>"]  # fmt: skip
        if tips:
            lines.append(f"<div class='whatif'>{tips}</div>")
        button = f"✨ Generate · ${q.total:.2f}"
        if q.needs_server_quote:  # nothing is sent on a placeholder: WaveSpeed's own quote comes first
            lines[1] = "<div class='price-total'>Price unknown</div>"
            lines[2] = f"<div>{html.escape(q.headline())}{shape}</div>"
            button = "✨ Generate · priced by WaveSpeed first"
    lines.append("</div>")
    confirm = gr.update(visible=not demo and plan.needs_confirm(threshold), value=False,
                        label=f"Yes, spend ${q.total:.2f} on this")  # fmt: skip
    return "".join(lines), confirm, gr.update(value=button)


async def price_from_wavespeed(ctx: AppContext, visitor: Visitor, family: str, resolution: str, duration: float,
                               aspect: str, audio: bool, takes: float, first: str | None,
                               extras: dict[str, Any] | None = None) -> Any:  # fmt: skip
    """With a key: WaveSpeed's own quote and the balance, asked after the page shows our price, within seconds."""
    update, _ = await price_and_button(ctx, visitor, family, resolution, duration, aspect, audio, takes, first, extras)
    return update


NO_QUOTE_BUTTON = "Can't be priced now: WaveSpeed's quote didn't come"


async def price_and_button(ctx: AppContext, visitor: Visitor, family: str, resolution: str, duration: float,
                           aspect: str, audio: bool, takes: float, first: str | None,
                           extras: dict[str, Any] | None = None) -> tuple[Any, Any]:  # fmt: skip
    """WaveSpeed's quote line, and the Generate button: when the price can only be WaveSpeed's and its quote
    can't be had, the button says so (a click would be refused before anything is sent)."""
    if ctx.is_demo(visitor):
        return gr.update(value="", visible=False), gr.skip()
    words, refused = await _wavespeed_words(ctx, visitor, family, resolution, duration, aspect, audio, takes, first,
                                            extras)  # fmt: skip
    return gr.update(value=words, visible=True), gr.update(value=NO_QUOTE_BUTTON) if refused else gr.skip()


async def _wavespeed_words(ctx: AppContext, visitor: Visitor, family: str, resolution: str, duration: float,
                           aspect: str, audio: bool, takes: float, first: str | None,
                           extras: dict[str, Any] | None = None) -> tuple[str, bool]:  # fmt: skip
    """The quote line, and whether the take would be refused for want of WaveSpeed's quote."""
    models = ctx.models(visitor)
    try:
        plan = Plan.make(choices_for(family, resolution, duration, aspect, audio, takes=takes, prompt="x",
                                     extras=extras, models=models), image_size=usable_size(first), models=models)  # fmt: skip
        check = await ctx.session(visitor).quote(plan)
    except SeedanceError as e:
        return f"<div class='balance'>Couldn't ask WaveSpeed: {html.escape(e.message)}</div>", False
    if check.problem:
        refused = plan.quote.needs_server_quote
        what = " Nothing will be sent until it can be had." if refused else ""
        return (f"<div class='balance'>Couldn't ask WaveSpeed for its quote: {html.escape(check.problem)}{what}"
                "</div>", refused)  # fmt: skip
    return (f"<div class='balance'>WaveSpeed's quote: ${check.api_total:.2f} · your balance: "
            f"${check.balance:.2f}</div>", False)  # fmt: skip
