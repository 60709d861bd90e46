"""The web server (`assistant ui`): one FastAPI app on settings.ui.host:port, never a share link,
with the OpenAI-compatible REST API under /v1 (`assistant.rest`) and the Gradio page mounted at /.

It only puts the app together and serves it with uvicorn; the page is laid out in `assistant.ui`,
the routes in `assistant.rest`, who may call them in `assistant.access`, and what must stay
private comes from `Assistant.private_paths`.
"""

from __future__ import annotations

import os
import threading

import uvicorn
from fastapi import FastAPI
from starlette.routing import Mount

from assistant import access, rest
from assistant.api import Assistant, private_paths
from assistant.retrieval import IndexNotReady
from assistant.settings import Settings
from assistant.ui import CSS, HEAD, PRODUCT, THEME, build_app, gr  # ui sets Gradio's offline switches first

# launch_options keys that are not Gradio's mounting options
_SERVER_ONLY = ("share",)


def launch_options(settings: Settings) -> dict:
    """How the page is served: host and port, auth, limits and the look. Never a share link."""
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


def create_app(bot: Assistant, **overrides) -> FastAPI:
    """The server's ASGI app: /v1 first, the Gradio page at / (overrides: any `launch_options` key)."""
    options = {**launch_options(bot.settings), **overrides}
    # No /docs or /redoc: their pages load scripts from a CDN, and the app runs offline. /openapi.json stays.
    app = FastAPI(title=f"{PRODUCT} API", docs_url=None, redoc_url=None)
    rest.install(app, bot)
    blocks = build_app(bot)
    blocks.queue(default_concurrency_limit=bot.settings.ui.concurrency_limit, max_size=bot.settings.ui.max_queue)
    gr.mount_gradio_app(app, blocks, path="/", **{k: v for k, v in options.items() if k not in _SERVER_ONLY})
    # Gradio checks that a file a request names was uploaded by a user only in an app it launched
    # itself (`has_launched`); this one it serves mounted, so the check is switched on here.
    blocks.has_launched = True
    gradio_app = next(route.app for route in app.routes if isinstance(route, Mount) and route.path == "")
    app.add_middleware(access.SignInRequired, settings=bot.settings, signed_in=access.gradio_sign_in(gradio_app))
    ui = bot.settings.ui
    app.add_middleware(access.BodySizeLimit, max_bytes=int(ui.max_request_mb * 1_000_000),
                       max_upload_bytes=int((access.UPLOAD_FILES * ui.max_upload_mb + ui.max_request_mb) * 1_000_000))
    return app


class Server:
    """A running server (`app` is what it serves); `close()` stops it."""

    def __init__(self, app: FastAPI, server: uvicorn.Server, thread: threading.Thread | None):
        self.app, self.server, self.thread = app, server, thread

    def close(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=30)


def serve(bot: Assistant | None = None, settings: Settings | None = None, block: bool = True, **overrides) -> Server:
    """Start the server on settings.ui.host:port (overrides: any `launch_options` key, e.g. server_port).

    With block=False it returns once the server accepts connections; call `.close()` on the result to stop it."""
    bot = bot or Assistant(settings)
    # Gradio keeps a temporary copy of each upload; keep those under the data folder too
    # (they are deleted once the file is stored in uploads/).
    os.environ["GRADIO_TEMP_DIR"] = str(bot.settings.data_dir / "tmp")
    # Load the model and open the index (state, BM25, Chroma) now: the first question is then answered at
    # full speed, and requests arriving together do not race to open the Chroma client (chromadb's
    # client registry is not thread-safe: the losers failed with KeyError).
    try:
        bot.retriever.search("warm up", top_k=1)
    except IndexNotReady:
        pass
    app = create_app(bot, **overrides)
    options = {**launch_options(bot.settings), **overrides}
    config = uvicorn.Config(app, host=options["server_name"], port=options["server_port"], log_level="warning",
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    if block:
        server.run()
        return Server(app, server, None)
    thread = threading.Thread(target=server.run, name="assistant-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the server did not start on {options['server_name']}:{options['server_port']}")
        threading.Event().wait(0.05)
    return Server(app, server, thread)
