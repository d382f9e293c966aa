"""The Create page's handlers: pictures, prompt, model and settings, framing and the live price.

Handlers are module-level functions taking the ``AppContext`` and the page's ``Form`` (see ``form.py``);
``create_page.py`` places the components and binds them with dict inputs. One change of the form makes one plan
(``on_form_change``), which gives the price card, the button, the spend confirmation and the framing together. The
takes themselves (generate, per-take cancel) are in ``takes_view.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import os
import secrets
from dataclasses import dataclass
from typing import Any

import gradio as gr

from .. import catalog, images, prompts
from .. import framing as framing_geo
from ..errors import SeedanceError
from ..plan import Choices, Plan
from ..words.said import N_, Said, Usd, said, say
from .form import MATCH, Form, Models, aspect_value, inspect, spec_for, usable_size
from .i18n import L_in
from .model_words import control_updates, resolution_hint, retiring_words
from .state import AppContext, Visitor

__all__ = ["MATCH", "Form", "aspect_value", "inspect", "spec_for", "usable_size"]

ASPECT_CHOICES = [MATCH, *catalog.ASPECT_RATIOS]
PRESETS: dict[str, dict[str, Any]] = {
    "vertical": {"aspect": "9:16", "resolution": "720p", "duration": 5},
    "story": {"aspect": "9:16", "resolution": "720p", "duration": 10},
    "landscape": {"aspect": "16:9", "resolution": "720p", "duration": 5},
    "square": {"aspect": "1:1", "resolution": "720p", "duration": 5},
    "cinematic": {"aspect": "21:9", "resolution": "1080p", "duration": 8},
    "loop": {"aspect": MATCH, "resolution": "720p", "duration": 5, "loop": True},
}


class PictureInput(gr.Image):
    """An image box whose upload reaches our own check as it is: Gradio's Image opens every upload with Pillow
    first, which turns an SVG, random bytes or a bomb into its own error text and a server path."""

    is_template = True  # drawn by the Image component in the page

    def preprocess(self, payload: Any) -> str | None:
        return None if payload is None or payload.path is None else str(payload.path)


# Model and settings -------------------------------------------------------------------------------------


def choices_for(family: str, resolution: str, duration: float, aspect: str, audio: bool, camera_fixed: bool = False,
                *, models: Models = None) -> Choices:  # fmt: skip
    """The Create page's settings as Choices, for a page that starts from them (the storyboard)."""
    form = Form(family=family, resolution=resolution, duration=duration, aspect=aspect, audio=audio,
                camera_fixed=camera_fixed)  # fmt: skip
    return form.choices(models)


def on_family(ctx: AppContext, form: Form) -> tuple:
    """The model changed: resolution choices, duration range, which controls show, the retirement notice and the
    Camera fixed box."""
    models = ctx.models(form.visitor)
    spec = form.spec(models)
    choices = catalog.resolutions_for_family(form.family, models)
    res = form.resolution if form.resolution in choices else spec.default_resolution
    dur = min(max(int(form.duration or spec.duration_default), spec.duration_min), spec.duration_max)
    locale = _locale(form.visitor)
    notice = f"⚠️ {retiring_words(spec, locale)}" if spec.retiring else spec.summary
    audio, camera, missing = control_updates(form.family, models, locale)
    return (
        gr.update(choices=choices, value=res, info=resolution_hint(choices, locale)),
        gr.update(
            minimum=spec.duration_min,
            maximum=spec.duration_max,
            value=dur,
            info=f"{spec.duration_min}–{spec.duration_max} " + L_in(locale, "create.seconds"),
        ),
        audio,
        gr.update(visible=spec.accepts_last_image),
        gr.update(visible=spec.accepts_aspect_ratio),
        f"{notice} {missing}".strip(),
        camera,
    )


def apply_preset(ctx: AppContext, preset: str, form: Form) -> tuple:
    """A delivery preset: shape, resolution and length in one click (still editable afterwards)."""
    p = PRESETS.get(preset)
    if not p:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    spec = spec_for(form.family, p["resolution"], ctx.models(form.visitor))
    res = p["resolution"] if p["resolution"] in spec.resolutions else spec.default_resolution
    dur = min(max(p["duration"], spec.duration_min), spec.duration_max)
    first = form.first
    last = gr.update(value=first) if p.get("loop") and first and spec.accepts_last_image else gr.skip()
    return gr.update(value=p["aspect"]), gr.update(value=res), gr.update(value=dur), last


def prompt_info(ctx: AppContext, form: Form) -> tuple[str, str]:
    """The live character count against the model's limit, and the camera warning, in the visitor's language."""
    spec = form.spec(ctx.models(form.visitor))
    locale = _locale(form.visitor)
    prompt = form.prompt or ""
    n, most = len(prompt), spec.prompt_max_chars
    count = ("⚠️ " if n > most else "") + say(said("create.char_count", count=n, most=most), locale)
    if spec.prompt_required and not prompt.strip():
        count += " · " + say(said("create.needs_prompt", model=spec.name), locale)
    if n > most:  # nothing is cut silently: the box keeps it all, and the part past the limit shows
        count += (": " + say(said("create.prompt_over", over=n - most, model=spec.name), locale)
                  + f"<blockquote class='cut-text'>{html.escape(prompt[most:])}</blockquote>")  # fmt: skip
    warn = prompts.camera_conflict(prompt, bool(form.camera_fixed), locale)
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


@functools.lru_cache(maxsize=64)
def _small_copy_cached(path: str, size: int, mtime_ns: int) -> Any:
    return images.small_copy(path)


def check_image(visitor: Visitor, path: str | None) -> tuple[str, Any, Any]:
    """The verdict in words as soon as a picture is added, the fix button when we can fix it, and whether
    Generate may be pressed."""
    if not path:
        return "", gr.update(visible=False), gr.update(interactive=True)
    locale = _locale(visitor)
    try:
        check = inspect(path)
    except (OSError, SeedanceError) as e:
        text = say(e.said if isinstance(e, SeedanceError) else said("create.cant_read_file"), locale)
        return f"⛔ {text}", gr.update(visible=False), gr.update(interactive=False)
    icon = "✅" if check.ok else ("🛠️" if check.fixable else "⛔")
    text = f"{icon} {say(check.summary_said(), locale)}"
    done = visitor.fixed.get(os.path.basename(path)) if visitor is not None else None
    if done:
        text += " " + say(said("create.we_fixed_it", what=done), locale)
    elif check.ok and check.notes:
        text += " " + " ".join(say(note, locale) for note in check.notes)
    return text, gr.update(visible=check.fixable), gr.update(interactive=check.ok)


def check_last(form: Form) -> tuple[str, Any, Any]:
    """The last picture's verdict; Generate may be pressed only when both pictures pass (or there is no last)."""
    text, fix, _ = check_image(form.visitor or Visitor(), form.last)
    if not form.last:
        text = say(said("create.last_optional"), _locale(form.visitor))
    both = usable_size(form.first) is not None and (not form.last or usable_size(form.last) is not None)
    return text, fix, gr.update(interactive=both)


def fix_image(ctx: AppContext, visitor: Visitor, path: str | None) -> tuple[Any, str, Any]:
    """Convert or shrink a picture that needs it; the result replaces the upload and says what was done."""
    if not path:
        return gr.skip(), "", gr.update(visible=False)
    try:
        fixed = images.prepare(path, fix=True)
    except SeedanceError as e:
        return gr.skip(), f"⛔ {say(e.said, _locale(visitor))}", gr.update(visible=False)
    folder = ctx.work_dir / visitor.token
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"fixed-{secrets.token_hex(4)}{fixed.extension}"
    out.write_bytes(fixed.data)
    done = " ".join(say(note, _locale(visitor)) for note in fixed.notes)
    visitor.fixed[out.name] = done  # Gradio copies the file under the same name: the re-check finds the notes
    fixed_said = said("create.fixed", what=done, size=f"{fixed.width}x{fixed.height}")
    return str(out), f"✅ {say(fixed_said, _locale(visitor))}", gr.update(visible=False)


def framing(path: str | None, size: tuple[int, int] | None, locale: str = "en") -> tuple[Any, str]:
    """The picture with the output frame (``size``) drawn on it, and the output size in words. A refused picture,
    or no size, clears it."""
    if not path:
        return None, say(said("create.framing_needs_picture"), locale)
    if size is None:
        return None, ""
    try:
        st = os.stat(path)
        pic, geo = framing_geo.draw_framing(_small_copy_cached(path, st.st_size, st.st_mtime_ns), *size)
    except (OSError, SeedanceError):
        return None, ""
    return pic, geo.describe(locale)


def framing_last(form: Form, size: tuple[int, int] | None) -> tuple[Any, Any]:
    """The last image's framing: Seedance crops it to the first image's output shape; say so when shapes differ."""
    if not form.last or not form.first:
        return gr.update(value=None, visible=False), gr.update(value="", visible=False)
    a, b = usable_size(form.first), usable_size(form.last)
    locale = _locale(form.visitor)
    pic, words = framing(form.last, size if b is not None else None, locale)
    warn = ""
    if a and b and abs(a[0] / a[1] - b[0] / b[1]) > 0.02:
        warn = say(said("create.last_shape_differs"), locale) + " "
    text = (warn + (say(said("create.last_frame", framing=words), locale) if words else "")).strip()
    return gr.update(value=pic, visible=pic is not None), gr.update(value=text, visible=bool(text))


def _output_size(form: Form, priced: Plan | SeedanceError, models: Models) -> tuple[int, int] | None:
    """The output's size in pixels for the framing: the plan's (shaped by the first picture)."""
    if usable_size(form.first) is None:
        return None
    if not isinstance(priced, Plan):  # refused for a length, a take count or an option: the frame doesn't follow
        try:  # those, so it shows the model's own defaults for them (only here is a second plan made)
            priced = dataclasses.replace(form, duration=None, takes=1, extras={}).plan(models, priced_only=True)
        except SeedanceError:
            return None
    return priced.output_size


# One change of the form ------------------------------------------------------------------------------------


@dataclass
class FormView:
    """Everything one change of the form shows, from one plan."""

    price: str
    """The price card."""
    confirm: Any
    """The "Yes, spend this" box: shown above the threshold (key mode), unticked at every change."""
    button: Any
    """Generate, carrying the price."""
    framing: Any
    framing_text: str
    last_framing: Any
    last_framing_text: Any
    priced: Plan | SeedanceError
    """The plan made (what WaveSpeed's quote is asked for next, in key mode), or why none could be made."""


def on_form_change(ctx: AppContext, form: Form) -> FormView:
    """The form changed: the plan is made once (priced only: no prompt needed), and everything that follows from
    it is worked out from that one plan."""
    models = ctx.models(form.visitor)
    try:
        priced: Plan | SeedanceError = form.plan(models, priced_only=True)
    except SeedanceError as e:
        priced = e
    price, confirm, button = price_card(ctx, form, priced)
    size = _output_size(form, priced, models)
    pic, words = framing(form.first, size, _locale(form.visitor))
    last_pic, last_words = framing_last(form, size)
    return FormView(price, confirm, button, pic, words, last_pic, last_words, priced)


def _locale(visitor: Visitor | None) -> str:
    return getattr(visitor, "locale", None) or "en"


def price_kind(plan: Plan, locale: str = "en") -> str:
    """Which kind of price the person sees, in words."""
    q = plan.price
    if getattr(q, "kind", "") == "needs WaveSpeed's quote":
        kind = said("create.kind_floor")
    elif getattr(plan.spec, "source", "") == "live" and getattr(q, "kind", "") == "formula":
        kind = said("create.kind_formula")
    else:
        kind = said("create.kind_published") if q.published else said("price.kind_estimate")
    return say(kind, locale)


def price_card(ctx: AppContext, form: Form, priced: Plan | SeedanceError) -> tuple[str, Any, Any]:
    """The price worked out here, at once (nothing waits on WaveSpeed): the card, the spend confirmation and the
    Generate button carrying the price."""
    locale = _locale(form.visitor)
    if not isinstance(priced, Plan):
        return f"<div class='card'>{html.escape(say(priced.said, locale))}</div>", gr.update(visible=False), gr.update()
    demo, plan = ctx.is_demo(form.visitor or Visitor()), priced
    q = plan.price

    def text(message: Any) -> str:  # the card's words: not said in demo mode when they name an amount
        return html.escape(say(message, locale), quote=False)

    kind = html.escape(price_kind(plan, locale), quote=False)
    total = say(said("take.price", price=Usd(q.total)), locale)  # the card's own amount, said in key mode only
    per_take, unknown_shape = said("create.per_take", price=Usd(q.per_take)), said("create.shape_unknown")
    each = f" · {text(per_take)}" if q.takes > 1 else ""
    shape = "" if plan.shape_known else f" · {text(unknown_shape)}"
    tips = " · ".join(text(w.said) for w in q.what_if[:3])
    if demo:  # what a key would cost is told as information about the model, not as money being spent
        free, would = said("create.free_preview_title"), said("create.demo_would_cost", total=total, kind=kind)
        lines = [f"<div class='card price-card'><div class='price-total'>{text(free)}</div>",
                 f"<div>{text(would)}{shape}</div>"]  # fmt: skip
        button = say(said("create.generate_free"), locale)
    else:
        takes = said("create.takes_many", count=q.takes) if q.takes > 1 else said("create.takes_one")
        lines = ["<div class='card price-card'>", f"<div class='price-total'>{html.escape(total, quote=False)}</div>",
                 f"<div>{text(takes)}{each} · {kind}{shape}</div>"]  # fmt: skip
        if tips:
            lines.append(f"<div class='whatif'>{tips}</div>")
        button = say(said("create.generate_priced", price=Usd(q.total)), locale)
        if q.needs_server_quote:  # nothing is sent on a placeholder: WaveSpeed's own quote comes first
            unknown = said("create.price_unknown")
            lines[1] = f"<div class='price-total'>{text(unknown)}</div>"
            lines[2] = f"<div>{text(q.headline_said())}{shape}</div>"
            button = say(said("create.generate_quote_first"), locale)
    lines.append("</div>")
    confirm = gr.update(visible=not demo and plan.needs_confirm(form.threshold), value=False,
                        label=say(said("create.yes_spend", price=Usd(q.total)), locale))  # fmt: skip
    return "".join(lines), confirm, gr.update(value=button)


async def price_from_wavespeed(ctx: AppContext, visitor: Visitor, priced: Plan | SeedanceError | None) -> Any:
    """With a key: WaveSpeed's own quote and the balance, asked after the page shows our price, within seconds."""
    update, _ = await price_and_button(ctx, visitor, priced)
    return update


NO_QUOTE_ID = N_("create.no_quote_button")
NO_QUOTE_BUTTON = say(Said(NO_QUOTE_ID))
"""The Generate button when WaveSpeed's quote didn't come (English; the page says it in the visitor's language)."""


async def price_and_button(ctx: AppContext, visitor: Visitor, priced: Plan | SeedanceError | None) -> tuple[Any, Any]:
    """WaveSpeed's quote line for the plan the form change made, and the Generate button: when the price can only
    be WaveSpeed's and its quote can't be had, the button says so (a click would be refused before anything is
    sent)."""
    if visitor is None or not isinstance(priced, Plan | SeedanceError) or ctx.is_demo(visitor):
        return gr.update(value="", visible=False), gr.skip()
    words, refused = await _wavespeed_words(ctx, visitor, priced)
    no_quote = say(Said(NO_QUOTE_ID), _locale(visitor))
    return gr.update(value=words, visible=True), gr.update(value=no_quote) if refused else gr.skip()


async def _wavespeed_words(ctx: AppContext, visitor: Visitor, priced: Plan | SeedanceError) -> tuple[str, bool]:
    """The quote line, and whether the take would be refused for want of WaveSpeed's quote."""
    problem = priced if isinstance(priced, SeedanceError) else None
    if isinstance(priced, Plan):
        plan = priced
        try:
            check = await ctx.session(visitor).price_check(plan)
        except SeedanceError as e:
            problem = e
    locale = _locale(visitor)
    if problem is not None:
        line = said("create.cant_ask", problem=problem.said)
        return f"<div class='balance'>{html.escape(say(line, locale), quote=False)}</div>", False
    if check.problem:
        refused = plan.price.needs_server_quote
        line = said("create.no_quote_nothing_sent", problem=check.problem) if refused else \
            said("create.no_quote", problem=check.problem)  # fmt: skip
        return f"<div class='balance'>{html.escape(say(line, locale), quote=False)}</div>", refused
    line = said("create.quote_and_balance", quote=Usd(check.api_total), balance=Usd(check.balance))
    return f"<div class='balance'>{html.escape(say(line, locale), quote=False)}</div>", False
