"""Copies of uploaded files (personal data) on disk: an owner-only folder per session, removed after the import,
when the upload is cancelled, when the session ends and when the app stops."""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

import streamlit as st

_FOLDER = "_import_upload_dir"
_GUARD = "_import_upload_guard"


class _Guard:
    """Held in the session state: when the session ends (its state is dropped) or the app stops, the folder goes."""

    def __init__(self, folder: str):
        self.folder = folder
        self._finalizer = weakref.finalize(self, shutil.rmtree, folder, True)  # also runs at interpreter exit


def saved_paths(files) -> list[Path]:
    """Uploaded files written under their own names (the batch keeps the file names), owner-only; a file
    removed from the uploader is removed from the folder too."""
    folder = st.session_state.get(_FOLDER)
    if not folder or not Path(folder).exists():
        folder = tempfile.mkdtemp(prefix="hssk_upload_")  # mode 0700
        st.session_state[_FOLDER] = folder
        st.session_state[_GUARD] = _Guard(folder)
    paths = []
    for f in files:
        path = Path(folder) / Path(f.name).name
        data = f.getvalue()
        if not path.exists() or path.stat().st_size != len(data):
            path.write_bytes(data)
            path.chmod(0o600)
        paths.append(path)
    for stale in set(Path(folder).iterdir()) - set(paths):
        stale.unlink(missing_ok=True)
    return paths


def remove() -> None:
    """After the import, or when the upload was cancelled (files removed from the uploader)."""
    folder = st.session_state.pop(_FOLDER, None)
    st.session_state.pop(_GUARD, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
