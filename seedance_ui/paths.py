"""Where Seedance Studio keeps its data: the platform's user data folder, or SEEDANCE_DATA_DIR."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "seedance-studio"


def data_dir() -> Path:
    override = os.environ.get("SEEDANCE_DATA_DIR")
    path = Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path

