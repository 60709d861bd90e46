"""The browser's side of Gradio's wire protocol, for tests that must reach the UI's own handlers
(the chat box, the upload button) the way the page does. gradio_client refuses those handlers
(they are not public API endpoints), but any program that speaks HTTP can call them, so the
tests do exactly that: join the queue by handler index, read the server-sent events."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx


def handler_index(url: str, elem_id: str, event: str = "click") -> int:
    """The index of the handler the page calls when `event` fires on the component `elem_id`."""
    with httpx.Client(base_url=url, timeout=30) as http:
        config = http.get("config").raise_for_status().json()
    ids = {c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id}
    for dependency in config["dependencies"]:
        if any(target[0] in ids and target[1] == event for target in dependency.get("targets", [])):
            return dependency["id"]
    raise LookupError(f"no {event} handler on #{elem_id}")


def api_index(url: str, api_name: str) -> int:
    """The handler index of the API endpoint `api_name` (what gradio_client calls by name)."""
    with httpx.Client(base_url=url, timeout=30) as http:
        config = http.get("config").raise_for_status().json()
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)


def run_handler(
    url: str, fn_index: int, data: list, session_hash: str | None = None, timeout: float = 120
) -> list[dict]:
    """Join the queue for handler `fn_index` with `data` and return every event message up to
    the last one (`process_completed`). The body is sent as ASCII JSON, so strings the page
    could send escaped (lone surrogates, NUL) arrive as such."""
    session_hash = session_hash or uuid.uuid4().hex
    body = {"data": data, "fn_index": fn_index, "session_hash": session_hash, "event_data": None, "trigger_id": None}
    messages: list[dict] = []
    with httpx.Client(base_url=f"{url}gradio_api", timeout=timeout) as http:
        joined = http.post("/queue/join", content=json.dumps(body), headers={"content-type": "application/json"})
        joined.raise_for_status()
        with http.stream("GET", "/queue/data", params={"session_hash": session_hash}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[len("data:") :])
                messages.append(message)
                if message.get("msg") == "process_completed":
                    return messages
    raise AssertionError(f"the event stream ended without process_completed: {messages}")


def upload(url: str, path: Path, name: str) -> httpx.Response:
    """POST a file to Gradio's upload route under the file name `name` (what a browser sends)."""
    with httpx.Client(base_url=url, timeout=60) as http, path.open("rb") as handle:
        return http.post("gradio_api/upload", files=[("files", (name, handle, "application/octet-stream"))])


def file_data(path: str) -> dict:
    """How the page refers to an uploaded file in a handler's input."""
    return {"path": path, "meta": {"_type": "gradio.FileData"}}
