"""The web UI (`assistant ui`): ask the documents, read the cited passages in place, manage and
describe the library, browse the analysis tables.

One module per tab (`ask`, `documents`, `analysis`), the API endpoints (`endpoints`), the HTML
they render (`render`), the look (`look`, with the CSS and JavaScript in `static/`), and the page
that puts them together (`app`). No logic of its own: every action is a call on `Assistant`.
The server is started by `assistant.server`.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home: the app runs offline

import gradio as gr  # noqa: E402

from assistant.ui.app import PRODUCT, build_app  # noqa: E402
from assistant.ui.look import CSS, HEAD, THEME  # noqa: E402

__all__ = ["CSS", "HEAD", "PRODUCT", "THEME", "build_app", "gr"]
