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
        from .words.said import said

        raise NotReady(said("paths.data_folder_unusable", path=str(path), why=e.strerror or str(e))) from None
    return path
