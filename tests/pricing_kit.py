"""A test's shortcut to the app's price of a built-in model by its id (the app prices a ``Plan``; tests ask often)."""

from __future__ import annotations

from seedance_ui import catalog, pricing


def estimate(model_id: str, duration: int, resolution: str | None = None, audio: bool = False, takes: int = 1,
             aspect_ratio: str | None = None, with_what_if: bool = True) -> pricing.Price:  # fmt: skip
    """Price of ``takes`` renders with these settings, for a model of the built-in catalog."""
    return pricing.price_for(catalog.get_model(model_id), duration, resolution, audio, takes, aspect_ratio,
                             with_what_if)  # fmt: skip
