"""The web server (`assistant ui`): the Gradio page on settings.ui.host:port, never a share link.

It only starts and configures the server; the page is laid out in `assistant.ui`, and what
must stay private comes from `Assistant.private_paths`.
"""

from __future__ import annotations

import os

from assistant.api import Assistant, private_paths
from assistant.retrieval import IndexNotReady
from assistant.settings import Settings
from assistant.ui import CSS, HEAD, PRODUCT, THEME, build_app, gr  # ui sets Gradio's offline switches first


def launch_options(settings: Settings) -> dict:
    """Arguments for `Blocks.launch`: host and port, auth, limits and the look. Never a share link."""
    ui = settings.ui
    if bool(ui.username) != bool(ui.password):
        raise ValueError(
            "set both ui.username and ui.password (ASSISTANT_UI__USERNAME, ASSISTANT_UI__PASSWORD), or neither"
        )
    return {
        "server_name": ui.host,
        "server_port": ui.port,
        "share": False,
        "auth": (ui.username, ui.password.get_secret_value()) if ui.username and ui.password else None,
        "auth_message": f"Sign in to {PRODUCT}.",
        "max_file_size": int(ui.max_upload_mb * 1_000_000),
        # Files are served only from Gradio's own upload and cache folder (data/tmp, see serve()); the
        # project's private files are refused by name too, in case that folder is ever set above them.
        "allowed_paths": [],
        "blocked_paths": [str(path) for path in private_paths(settings)],
        "theme": THEME,
        "css": CSS,
        "head": HEAD,
        "footer_links": ["api"],
        "ssr_mode": False,
        "mcp_server": False,
        "run_history": False,
        "enable_monitoring": False,
        "show_error": True,
    }


def serve(bot: Assistant | None = None, settings: Settings | None = None, block: bool = True, **overrides) -> gr.Blocks:
    """Start the UI on settings.ui.host:port (overrides: any `launch_options` key, e.g. server_port).

    With block=False it returns at once; call `.close()` on the result to stop it."""
    bot = bot or Assistant(settings)
    # Gradio keeps a temporary copy of each upload; keep those under the data folder too
    # (they are deleted once the file is stored in uploads/).
    os.environ["GRADIO_TEMP_DIR"] = str(bot.settings.data_dir / "tmp")
    try:  # load the model and the index now, so the first question is answered at full speed
        bot.retriever.snapshot()
        bot.embedder.embed_query("warm up")
    except IndexNotReady:
        pass
    app = build_app(bot)
    app.queue(default_concurrency_limit=bot.settings.ui.concurrency_limit, max_size=bot.settings.ui.max_queue)
    options = {**launch_options(bot.settings), **overrides, "share": False}
    app.launch(prevent_thread_lock=not block, quiet=True, **options)
    return app
