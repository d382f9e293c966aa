"""What one change on the Create page costs the server: price formula evaluations and plans made, per handler.

It builds the real page, finds the events a control's change sets off (the change itself and every ``.then``
chained after it, as Gradio registered them) and runs their functions with the page's values (a first picture
added), counting ``formula.evaluate`` and ``Plan.make`` calls. It reads the page as built, so it measures whatever
the page binds: run it on an older commit for the comparison.

python -m bench.form_change
"""

from __future__ import annotations

import asyncio
import inspect
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from seedance_ui import formula, plan, runtime
from seedance_ui.ui.layout import build_app
from seedance_ui.ui.state import AppContext, Visitor

from .common import emulator_process

ROOT = Path(__file__).resolve().parents[1]
PICTURE = ROOT / "assets" / "examples" / "sunset-lake.jpg"
CONTROLS = {"slider (length)": "Length (seconds)", "model": "Model", "sound": "Sound", "shape": "Shape"}


class Counting:
    """Counts formula evaluations and plans made while it is installed."""

    def __init__(self) -> None:
        self.formulas = 0
        self.plans = 0

    def __enter__(self) -> Counting:
        self._evaluate, self._make = formula.evaluate, plan.Plan.make.__func__  # type: ignore[attr-defined]

        def evaluate(*a: Any, **k: Any) -> Any:
            self.formulas += 1
            return self._evaluate(*a, **k)

        def make(cls: Any, *a: Any, **k: Any) -> Any:
            self.plans += 1
            return self._make(cls, *a, **k)

        formula.evaluate = evaluate  # type: ignore[assignment]
        plan.Plan.make = classmethod(make)  # type: ignore[method-assign, assignment]
        return self

    def __exit__(self, *exc: Any) -> None:
        formula.evaluate = self._evaluate  # type: ignore[assignment]
        plan.Plan.make = classmethod(self._make)  # type: ignore[method-assign, assignment]


def _chain(demo: gr.Blocks, target: int, event: str) -> Iterator[Any]:
    """The functions one event sets off, in the order the page runs them."""
    fns = list(demo.fns.values())
    todo = [f for f in fns if (target, event) in f.targets]
    while todo:
        fn = todo.pop(0)
        yield fn
        todo += [f for f in fns if f.trigger_after == fn._id]


def _value(comp: Any, visitor: Visitor, overrides: dict[int, Any]) -> Any:
    if comp._id in overrides:
        return overrides[comp._id]
    if isinstance(comp, gr.State) and comp.value is None:
        return visitor
    return getattr(comp, "value", None)


async def _call(fn: Any, visitor: Visitor, values: dict[int, Any]) -> None:
    """Runs one event's function; what it returns becomes the value its outputs hold for the next one."""
    if fn.fn is None:
        return
    if fn.inputs_as_dict:
        result = fn.fn({c: _value(c, visitor, values) for c in fn.inputs})
    else:
        result = fn.fn(*[_value(c, visitor, values) for c in fn.inputs])
    if inspect.isawaitable(result):
        result = await result
    elif inspect.isasyncgen(result):
        frames = [frame async for frame in result]
        result = frames[-1] if frames else None
    if isinstance(result, dict) and all(hasattr(k, "_id") for k in result):
        pairs = list(result.items())
    else:
        pairs = list(zip(fn.outputs, result if isinstance(result, list | tuple) else [result], strict=False))
    for comp, value in pairs:
        if isinstance(value, dict) and value.get("__type__") == "update":
            if "value" not in value:
                continue
            value = value["value"]
        values[comp._id] = value


def measure(ctx: AppContext, label: str) -> list[tuple[str, int, int]]:
    """Per function the change of ``label`` sets off: (name, formula evaluations, plans made)."""
    demo = build_app(ctx)
    comps = [b for b in demo.blocks.values() if getattr(b, "label", None) in (label, "First frame")]
    first = next(b for b in comps if b.label == "First frame")
    control = next(b for b in comps if b.label == label)
    visitor = Visitor()
    rows, values = [], {first._id: str(PICTURE)}
    for fn in _chain(demo, control._id, "change"):
        if fn.renderable is not None:  # gr.render's rebuild of "More options": no formula, and needs a live page
            continue
        with Counting() as n:
            asyncio.run(_call(fn, visitor, values))
        rows.append((getattr(fn.fn, "func", fn.fn).__name__ if fn.fn else "js", n.formulas, n.plans))
    return rows


def _print(rows: list[tuple[str, int, int]], title: str) -> None:
    print(f"\n{title}")
    print("| handler | formula evaluations | plans made |\n|---|---|---|")
    for name, formulas, plans in rows:
        print(f"| {name} | {formulas} | {plans} |")
    print(f"| **total** | **{sum(r[1] for r in rows)}** | **{sum(r[2] for r in rows)}** |")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        demo = runtime.start(demo=True, data_dir=Path(folder) / "demo")
        try:
            for what, label in CONTROLS.items():
                rows = measure(AppContext(demo=demo, live=None), label)
                _print(rows, f"One {what} change, demo mode, a first picture added")
        finally:
            demo.close()
        with emulator_process() as url:  # key mode: WaveSpeed's quote is asked too (of the emulator)
            live = runtime.start(key="wsk-bench-form-0001", base_url=url, demo=False, data_dir=Path(folder))
            try:
                rows = measure(AppContext(demo=None, live=live, owner_key=True), CONTROLS["slider (length)"])
                _print(rows, "One slider (length) change, key mode, a first picture added")
            finally:
                live.close()


if __name__ == "__main__":
    main()
