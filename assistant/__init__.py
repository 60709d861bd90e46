"""Policy assistant: grounded question answering over health-policy documents.

    from assistant import Assistant
    bot = Assistant()
    bot.ingest()
    print(bot.ask("Who is responsible for Internet + Social Security?").text)

Names are imported on first use, so `import assistant` loads neither torch,
chromadb nor gradio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = [
    "Answer", "Assistant", "Citation", "Conversation", "Filters", "IngestReport", "Settings",
]

_WHERE = {
    "Assistant": "assistant.api",
    "Settings": "assistant.settings",
    "Answer": "assistant.answering.models",
    "Citation": "assistant.answering.models",
    "Conversation": "assistant.conversation",
    "Filters": "assistant.retrieval",
    "IngestReport": "assistant.indexing.ingest",
}

if TYPE_CHECKING:
    from assistant.answering.models import Answer, Citation
    from assistant.api import Assistant
    from assistant.conversation import Conversation
    from assistant.indexing.ingest import IngestReport
    from assistant.retrieval import Filters
    from assistant.settings import Settings


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
