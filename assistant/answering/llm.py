"""The LLM answerer: any llama-index LLM, prompts from prompts/, citations checked.

The retrieved passages are numbered and fenced as data in the prompt. After
generation every marker [n] that points at no passage is removed from the text
and listed on the Answer, so a citation in the output always resolves.
"""

from __future__ import annotations

import re
from functools import cached_property

import yaml

from assistant.answering.models import Answer, Citation, Intent
from assistant.documents import Document
from assistant.errors import AssistantError
from assistant.retrieval import Hit
from assistant.settings import Settings

_MARKER_GROUP = re.compile(r"\[(\s*\d+\s*(?:[,;]\s*\d+\s*)*)\]")
_FENCES = ("<<<SOURCES", "SOURCES>>>")


class LLMNotConfigured(AssistantError, RuntimeError):
    """answering.mode is llm but no model is configured."""


def build_llm(settings: Settings):
    config = settings.llm
    if not config.configured:
        raise LLMNotConfigured(
            "answering.mode = 'llm' needs a model: set llm.provider and llm.base_url + llm.model "
            "(openai_like: ASSISTANT_LLM__BASE_URL=http://127.0.0.1:8080/v1 ASSISTANT_LLM__MODEL=name), "
            "llm.model for ollama, or llm.model_path for llamacpp"
        )
    if config.provider == "openai_like":
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(
            model=config.model,
            api_base=config.base_url,
            api_key=config.api_key.get_secret_value(),
            is_chat_model=True,
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            timeout=config.timeout_s,
            max_retries=0,
        )
    if config.provider == "ollama":
        from llama_index.llms.ollama import Ollama

        return Ollama(
            model=config.model,
            base_url=config.base_url or "http://127.0.0.1:11434",
            temperature=config.temperature,
            request_timeout=config.timeout_s,
        )
    try:
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError:
        raise LLMNotConfigured(
            "llm.provider = 'llamacpp' needs the optional extra: pip install -e '.[llamacpp]'"
        ) from None
    return LlamaCPP(
        model_path=str(config.model_path),
        temperature=config.temperature,
        max_new_tokens=config.max_tokens,
        verbose=False,
    )


def fence(text: str) -> str:
    """Passage text with our delimiters neutralised, so no document can close the data block."""
    for marker in _FENCES:
        text = text.replace(marker, marker.replace("<", "‹").replace(">", "›"))
    return text


def check_markers(text: str, valid: set[int]) -> tuple[str, list[int], list[int]]:
    """Remove markers that point at no passage. Returns (text, used, removed)."""
    used: list[int] = []
    removed: list[int] = []

    def replace(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        keep = [n for n in numbers if n in valid]
        removed.extend(n for n in numbers if n not in valid)
        used.extend(n for n in keep if n not in used)
        return "".join(f"[{n}]" for n in keep)

    cleaned = _MARKER_GROUP.sub(replace, text)
    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", cleaned)
    return cleaned.strip(), used, sorted(set(removed))


class LLMAnswerer:
    def __init__(self, settings: Settings, llm=None):
        self.settings = settings
        self._llm = llm

    @cached_property
    def templates(self) -> dict[str, str]:
        folder = self.settings.resolve(self.settings.llm.prompts)
        return {name: (folder / f"{name}.txt").read_text(encoding="utf-8") for name in ("system", "answer", "condense")}

    @cached_property
    def guidance(self) -> dict[str, str]:
        folder = self.settings.resolve(self.settings.llm.prompts)
        return yaml.safe_load((folder / "guidance.yaml").read_text(encoding="utf-8"))

    @cached_property
    def llm(self):
        return self._llm or build_llm(self.settings)

    def _chat(self, user: str) -> str:
        from llama_index.core.llms import ChatMessage

        llm = self.llm
        messages = [
            ChatMessage(role="system", content=self.templates["system"]),
            ChatMessage(role="user", content=user),
        ]
        return str(llm.chat(messages).message.content or "")

    def prompt(self, question: str, intent: Intent, hits: list[Hit]) -> str:
        blocks = []
        for number, hit in enumerate(hits, start=1):
            chunk = hit.chunk
            where = f" — {chunk.section}" if chunk.section else ""
            blocks.append(f"[{number}] {fence(chunk.title)}{fence(where)}\n\"\"\"\n{fence(chunk.text)}\n\"\"\"")
        return self.templates["answer"].format(
            sources="\n\n".join(blocks),
            intent=intent,
            guidance=self.guidance.get(intent, ""),
            question=question,
        )

    def answer(self, question: str, intent: Intent, hits: list[Hit], documents: dict[str, Document]) -> Answer:
        self.llm  # noqa: B018 - fail with how to configure a model before any other work
        raw = self._chat(self.prompt(question, intent, hits))
        text, used, removed = check_markers(raw, set(range(1, len(hits) + 1)))
        citations = []
        for number in sorted(used):
            chunk = hits[number - 1].chunk
            document = documents[chunk.doc_id]
            citations.append(Citation(
                number=number, doc_id=chunk.doc_id, title=chunk.title, source=document.source,
                kind=chunk.kind, year=chunk.year, section=chunk.section, text=chunk.text,
                start=chunk.start, end=chunk.end, score=round(hits[number - 1].score, 4),
            ))
        warnings = []
        if removed:
            warnings.append(f"removed citation markers that point at no source: {removed}")
        if not citations:
            warnings.append("the model's answer cites no source")
        return Answer(
            text=text, citations=citations, intent=intent, question=question, mode="llm",
            removed_citations=removed, warnings=warnings,
        )

    def compose(self, evidence) -> Answer:
        """The Answerer protocol: the model answers from the retrieved passages."""
        query = evidence.query
        return self.answer(query.text, query.intent, evidence.hits, evidence.documents)

    def condense(self, turns, question: str) -> str:
        history = "\n".join(
            f"Q: {turn.answer.question}\nA: {turn.answer.text[:600]}" for turn in turns[-4:]
        )
        rewritten = self._chat(self.templates["condense"].format(history=history, question=question)).strip()
        rewritten = rewritten.splitlines()[0].strip().strip('"') if rewritten else ""
        return rewritten or question


