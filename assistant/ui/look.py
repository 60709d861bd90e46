"""How the page looks: the theme, and the style sheet and script kept as static files beside this module."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

STATIC = Path(__file__).with_name("static")

THEME = gr.themes.Soft(
    primary_hue="teal",
    neutral_hue="slate",
    # System fonts only: nothing is fetched from a font service.
    font=["Inter", "ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
).set(body_text_size="15px")

CSS = (STATIC / "page.css").read_text(encoding="utf-8")
# In <head>, so it runs before Gradio renders: its listeners are on the document.
HEAD = f"<script>\n{(STATIC / 'page.js').read_text(encoding='utf-8')}</script>\n"
