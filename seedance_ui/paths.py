"""Where Seedance Studio keeps its data: the platform's user data folder, or SEEDANCE_DATA_DIR."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "seedance-studio"


def data_dir() -> Path:
    override = os.environ.get("SEEDANCE_DATA_DIR")
    path = Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        from .errors import NotReady

        raise NotReady(f"Seedance Studio can't use its data folder {path} ({e.strerror or e}). Set SEEDANCE_DATA_DIR "
                       "to a writable folder.") from None  # fmt: skip
    return path
