"""Issue 19, one form per page: the Create page's events take Gradio's dict inputs and read one Form; one form
change makes one plan, which gives the price card, the button, the spend confirmation and the framing."""

import asyncio
import inspect

import gradio as gr
import pytest
from conftest import make_photo
from gradio.i18n import I18nData

from seedance_ui import formula, plan
from seedance_ui.errors import InvalidRequest
from seedance_ui.ui import create as c
from seedance_ui.ui.form import Form, FormFields
from seedance_ui.ui.i18n import labels_of
from seedance_ui.ui.layout import build_app
from seedance_ui.ui.state import AppContext, Visitor

V15 = "Seedance V1.5 Pro"


class Counted:
    """Counts price formula evaluations and plans made while installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.formulas = self.plans = 0
        evaluate, make = formula.evaluate, plan.Plan.make.__func__

        def counted_evaluate(*a, **k):
            self.formulas += 1
            return evaluate(*a, **k)

        def counted_make(cls, *a, **k):
            self.plans += 1
            return make(cls, *a, **k)

        monkeypatch.setattr(formula, "evaluate", counted_evaluate)
        monkeypatch.setattr(plan.Plan, "make", classmethod(counted_make))

    def reset(self) -> None:
        self.formulas = self.plans = 0


@pytest.fixture
def key_ctx(tmp_path):
    """Key mode for the words on the page: the visitor has a key (see ``page_form``); nothing here asks WaveSpeed,
    the price is worked out locally."""
    return AppContext(demo=None, live=None)


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "wide.jpg"
    path.write_bytes(make_photo(1600, 900))
    return str(path)


def page_form(picture=None, **kw) -> Form:
    """The page's defaults: V1.5 Pro, sound on, match my image, 720p, 5 s; the threshold at $2."""
    values = dict(visitor=Visitor(key="wsk-form-test-0001"), first=picture, family=V15, resolution="720p", duration=5, audio=True,
                  threshold=2.0) | kw  # fmt: skip
    return Form(**values)


def test_one_form_change_makes_one_plan_and_everything_follows_it(monkeypatch, key_ctx, picture):
    n = Counted(monkeypatch)
    view = c.on_form_change(key_ctx, page_form(picture))
    assert n.plans == 1
    one_plan = n.formulas
    n.reset()
    page_form(picture).plan(priced_only=True)
    assert one_plan == n.formulas > 0  # the change cost what one plan costs: nothing priced twice
    assert view.priced.price.total == view.priced.price.per_take  # one take
    total = f"${view.priced.price.total:.2f}"
    assert view.button["value"] == f"✨ Generate · {total}" and total in view.price
    assert "Output 1280x720" in view.framing_text and view.framing is not None
    assert view.confirm["visible"] is False  # $0.26 is under the $2 threshold

    n.reset()  # a slider move: a new price on the card, the button and the confirmation, from the new plan
    longer = c.on_form_change(key_ctx, page_form(picture, resolution="1080p", duration=12, takes=4))
    assert n.plans == 1
    assert longer.button["value"] == "✨ Generate · $5.60" and "$5.60" in longer.price
    assert longer.confirm["visible"] and longer.confirm["label"] == "Yes, spend $5.60 on this"
    assert "Output 1920x1080" in longer.framing_text


def test_a_plan_made_to_be_priced_needs_no_prompt_but_a_take_does(key_ctx, picture):
    form = page_form(picture, prompt="")  # V1.5 Pro needs a prompt to render, not to be priced
    view = c.on_form_change(key_ctx, form)
    assert view.button["value"] == "✨ Generate · $0.26" and "needs a prompt" not in view.price
    with pytest.raises(InvalidRequest, match="needs a prompt"):
        form.plan()
    too_long = c.on_form_change(key_ctx, page_form(picture, prompt="x" * 2001))
    assert too_long.button["value"] == "✨ Generate · $0.26"  # the count under the prompt says it; the price stands


def test_a_refused_setting_says_why_and_still_frames(key_ctx, picture):
    view = c.on_form_change(key_ctx, page_form(picture, extras={"sharpness": 3}))
    assert "has no setting &#x27;sharpness&#x27;" in view.price and view.confirm["visible"] is False
    assert view.button == gr.update()  # the button keeps its last price
    assert "Output 1280x720" in view.framing_text  # the frame doesn't follow that setting


def test_the_form_reads_gradios_dict_inputs_by_name():
    comps = {name: gr.Textbox(render=False) for name in ("prompt", "family", "resolution")}
    fields = FormFields(**{f: comps.get(f, gr.State()) for f in FormFields.__dataclass_fields__})
    data = {comps["prompt"]: "A cat", comps["family"]: V15, comps["resolution"]: "480p", fields.extras: None}
    form = fields.read(data)
    assert (form.prompt, form.family, form.resolution, form.extras) == ("A cat", V15, "480p", {})
    assert form.choices().model_id == "bytedance/seedance-v1.5-pro/image-to-video"
    assert len(fields.all()) == len(FormFields.__dataclass_fields__)


def english_label(block):  # type: ignore[no-untyped-def]
    """A component's label as an English page shows it (labels are keys of the `labels` catalogs)."""
    label = getattr(block, "label", None)
    return labels_of("en").get(label.key) if isinstance(label, I18nData) else label


def _chain(demo, target, event):
    fns = list(demo.fns.values())
    todo = [f for f in fns if (target, event) in f.targets]
    while todo:
        fn = todo.pop(0)
        yield fn
        todo += [f for f in fns if f.trigger_after == fn._id]


@pytest.mark.parametrize("label", ["Length (seconds)", "Model", "Shape", "Sound", "Takes"])
def test_one_change_on_the_page_makes_one_plan(monkeypatch, tmp_path, label, picture):
    """The events as the page binds them: a change runs the handlers chained after it, which make one plan."""
    demo = build_app(AppContext(demo=None, live=None))  # demo mode: nothing asks WaveSpeed
    blocks = list(demo.blocks.values())
    control = next(b for b in blocks if english_label(b) == label)
    first = next(b for b in blocks if english_label(b) == "First frame")
    visitor = Visitor()

    def value(comp):
        if comp is first:
            return picture
        return visitor if isinstance(comp, gr.State) and comp.value is None else getattr(comp, "value", None)

    n = Counted(monkeypatch)
    dict_events = 0
    for fn in _chain(demo, control._id, "change"):
        if fn.fn is None or fn.renderable is not None:
            continue
        dict_events += fn.inputs_as_dict
        args = [{comp: value(comp) for comp in fn.inputs}] if fn.inputs_as_dict else [value(x) for x in fn.inputs]
        result = fn.fn(*args)
        if inspect.isawaitable(result):  # Gradio awaits only a coroutine function: a plain one must not return one
            assert inspect.iscoroutinefunction(fn.fn), f"{fn.name} returns an awaitable Gradio won't await"
            asyncio.run(result)
    assert n.plans == 1 and 0 < n.formulas <= 6 + 11  # one plan; the comparison table prices each model once
    assert dict_events >= 1


def test_generate_takes_the_form_as_one_dict():
    demo = build_app(AppContext(demo=None, live=None))
    [run] = [fn for fn in demo.fns.values() if fn.api_name == "run_takes"]
    assert run.inputs_as_dict and len(run.inputs) == len(FormFields.__dataclass_fields__)
    handlers = [fn.fn for fn in demo.fns.values() if fn.fn is not None and fn.api_visibility == "private"]
    positional = [getattr(f, "__name__", f) for f in handlers if len(inspect.signature(f).parameters) >= 10]
    assert positional == []  # no page handler threads the form positionally (the public API's /generate may)


def test_a_size_picked_before_a_model_change_is_passed_on_not_refused_with_a_bare_error():
    """A new model's sizes arrive while an event reads the size picked before (the options' render, the price):
    Gradio's radio would refuse it with an "Error" toast; ours passes it on for the Plan to check plainly."""
    from seedance_ui.ui.create_page import ResolutionRadio

    radio = ResolutionRadio(["540p", "1080p"], value="540p")
    assert (radio.preprocess("720p"), radio.preprocess("1080p"), radio.get_block_name()) == ("720p", "1080p", "radio")
