"""The page: a header and three tabs (Ask, Documents, Analysis), and the API endpoints.

A change to the library in the Documents tab refreshes what the other tabs offer (the filters'
choices, the example questions); the Analysis tab renders when it is opened.
"""

from __future__ import annotations

import html

import gradio as gr

from assistant.api import Assistant
from assistant.ui import analysis, ask, documents, endpoints

PRODUCT = "Policy assistant"
TAGLINE = (
    "Ask the health-policy documents who is responsible for what, what a study found, why, "
    "and what it recommends. Every sentence of an answer cites the passage it comes from."
)
PRIVATE = {"api_visibility": "private"}


def build_app(bot: Assistant) -> gr.Blocks:
    with endpoints.Page(title=PRODUCT, analytics_enabled=False, delete_cache=(3600, 3600), fill_width=True) as app:
        gr.HTML(
            f'<header class="app-header"><h1>{PRODUCT}</h1><p>{html.escape(TAGLINE)}</p></header>',
            elem_id="app-header",
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                ask_tab = ask.build(bot)
            with gr.Tab("Documents", id="documents"):
                documents_tab = documents.build(bot)
            with gr.Tab("Analysis", id="analysis") as analysis_tab:
                render_analysis, analysis_inputs, analysis_outputs = analysis.build(bot)
        endpoints.build(bot, ask_tab.session)

        app.load(documents_tab.view, None, documents_tab.view_outputs, show_progress="hidden", **PRIVATE)
        for event in documents_tab.events:
            event.then(lambda: ask_tab.refresh(bot), None, ask_tab.refresh_outputs(), show_progress="hidden", **PRIVATE)
        analysis_tab.select(render_analysis, analysis_inputs, analysis_outputs, **PRIVATE)
    return app
