"""Prompt helpers: what camera move a prompt asks for, and phrases a person can insert."""

from __future__ import annotations

import re

from .words.said import N_, Said, said, say

_CAMERA_WORDS: list[tuple[str, str]] = [
    (r"push[- ]?in|dolly[- ]?in|zoom(s|ing)?[- ]?in|moves? closer", "push_in"),
    (r"pull[- ]?(out|back)|dolly[- ]?(out|back)|zoom(s|ing)?[- ]?out", "pull_out"),
    (r"orbit|arc(s|ing)? around|circles? around", "orbit"),
    (r"pan(s|ning)?[- ]left", "pan_left"),
    (r"pan(s|ning)?[- ]right|\bpan(s|ning)?\b", "pan_right"),
    (r"tilt(s|ing)?[- ]down", "tilt_down"),
    (r"tilt(s|ing)?([- ]up)?\b", "tilt_up"),
]


def camera_from_prompt(prompt: str, camera_fixed: bool) -> str:
    """The camera move a prompt asks for: one of push_in, pull_out, orbit, pan_*, tilt_*, drift or fixed."""
    if camera_fixed:
        return "fixed"
    text = prompt.lower()
    for pattern, move in _CAMERA_WORDS:
        if re.search(pattern, text):
            return move
    return "drift"


CAMERA_PHRASES: dict[str, str] = {
    "Slow push-in": "Slow push-in toward the subject.",
    "Pull out": "The camera pulls out slowly to reveal the scene.",
    "Pan left": "The camera pans left.",
    "Pan right": "The camera pans right.",
    "Tilt up": "The camera tilts up.",
    "Orbit": "The camera orbits slowly around the subject.",
    "Locked-off": "Locked-off tripod shot, the camera does not move.",
}

GUIDE_ID = N_("help.prompt_guide")
"""The in-app help on writing a prompt (Markdown), as a message."""


def guide(locale: str = "en") -> str:
    return say(Said(GUIDE_ID), locale)


GUIDE = guide()
"""The help in English (the page says it in the visitor's language with ``guide``)."""


def camera_conflict(prompt: str, camera_fixed: bool, locale: str = "en") -> str:
    """A warning when the camera is fixed but the prompt asks it to move; empty when there is no conflict."""
    if not camera_fixed:
        return ""
    move = camera_from_prompt(prompt, False)
    if move in ("drift", "fixed"):
        return ""
    words = move.replace("_", " ").replace("push in", "push-in").replace("pull out", "pull-out")
    return say(said("prompt.camera_conflict", move=words), locale)  # the move's words are the prompt's own
