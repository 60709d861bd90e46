"""The public library API: `Assistant`. The CLI, the UI and the evals all go through it."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel

from assistant import analysis
from assistant.answering.abstention import Coverage, Vocabulary, check_coverage
from assistant.answering.cues import cues
from assistant.answering.evidence import EvidenceGatherer, comparison_scope, named_documents
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.models import Answer, Citation, Intent, Passage
from assistant.answering.query import Query, read_query
from assistant.answering.terms import stems
from assistant.answering.verify import verify
from assistant.conversation import Conversation
from assistant.documents import FileError, library
from assistant.documents.corpus import add_upload
from assistant.documents.describe import Guess
from assistant.documents.details import set_details
from assistant.documents.readers import SUPPORTED, ReadLimits, UnreadableDocument
from assistant.errors import AssistantError, InvalidRequest
from assistant.examples import ExampleQuestion, example_questions
from assistant.feedback import FEEDBACK_FILE, FeedbackRecord, FeedbackStore
from assistant.indexing.embedding import Embedder
from assistant.indexing.ingest import IngestReport, Progress, ingest
from assistant.names import printable
from assistant.questions import clean_question
from assistant.retrieval import Filters, Hit, IndexNotReady, Retriever, Snapshot
from assistant.settings import Settings, load_settings, offline_environment

MAX_PROTOTYPES = 4096  # description vectors kept for the analysis labelling


class LLMError(AssistantError, RuntimeError):
    """Answering in llm mode failed (server down, refused, bad reply, missing prompt file).
    The message names the model and where it runs, never the API key."""


class DocumentInfo(BaseModel):
    doc_id: str
    title: str
    kind: str
    region: str | None = None
    year: int | None = None
    source: str
    chunks: int
    uploaded: bool = False  # an upload (removing it deletes the file) rather than a corpus file


class UploadReport(IngestReport):
    """An ingest report for added files, with what was guessed about each new document (its kind
    and year, read from its title and first lines) for the user to check and correct with
    `describe_document`."""

    guesses: dict[str, Guess] = {}  # doc_id -> the kind and year guessed


class Facets(BaseModel):
    """What the indexed documents can be filtered on (all empty before the first ingest)."""

    documents: list[tuple[str, str]] = []  # (title, doc_id)
    kinds: list[str] = []
    regions: list[str] = []
    years: list[int] = []


class UploadRules(BaseModel):
    """What `add_files` accepts."""

    types: list[str]  # file name endings, e.g. ".pdf"
    max_mb: float  # per file


class FoundPassage(BaseModel):
    """A passage retrieval found for a query, best first; `text` is `document_text(doc_id)[start:end]`."""

    id: str  # the passage's (chunk's) id in the index
    doc_id: str
    title: str
    section: str = ""
    text: str
    start: int
    end: int
    score: float  # fused retrieval score


class CitationContext(BaseModel):
    """A cited passage with the text around it, for showing the passage in place."""

    before: str
    text: str
    after: str
    clipped_before: bool  # the document goes on before `before`
    clipped_after: bool


def private_paths(settings: Settings) -> list[Path]:
    """What a server must never hand out: the index, the corpus, the uploads, the feedback
    and exclusion lists, and the settings files (`.env` can hold the API key)."""
    data = settings.data_dir
    return [
        settings.index_dir, settings.corpus_dir, data / library.UPLOADS, data / FEEDBACK_FILE,
        data / library.EXCLUDED_FILE, settings.root / ".env", settings.root / "assistant.toml",
    ]


def context_window(text: str, start: int, end: int, chars: int) -> CitationContext:
    """`text[start:end]` with up to `chars` characters either side, cut at word boundaries."""
    lo, hi = max(0, start - chars), min(len(text), end + chars)
    before, after = text[lo:start], text[end:hi]
    if lo > 0 and " " in before:
        before = before[before.index(" ") + 1 :]
    if hi < len(text) and " " in after:
        after = after[: after.rindex(" ")]
    return CitationContext(
        before=before, text=text[start:end], after=after, clipped_before=lo > 0, clipped_after=hi < len(text)
    )


class Assistant:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None, **overrides):
        """`embedder` lets several assistants share one loaded model (tests, benchmarks)."""
        offline_environment()
        self.settings = settings or load_settings(**overrides)
        if embedder is not None:
            self.embedder = embedder
        self._lock = threading.Lock()
        self._prototypes: dict = {}  # description -> unit vector (analysis labelling)
        self._ingest_lock = threading.RLock()  # ingests from one process (UI uploads) take turns
        self._vocabulary: tuple[int, Vocabulary] | None = None

    # -- components, built on first use so `import assistant` stays light --

    @cached_property
    def embedder(self) -> Embedder:
        return Embedder(self.settings)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.settings, self.embedder)

    @cached_property
    def extractive(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(self.settings.answering.max_bullets)

    @cached_property
    def gatherer(self) -> EvidenceGatherer:
        return EvidenceGatherer(self.embedder)

    @cached_property
    def llm_answerer(self):
        from assistant.answering.llm import LLMAnswerer

        return LLMAnswerer(self.settings)

    # -- public API --------------------------------------------------------

    def ingest(self, rebuild: bool = False, progress: Progress | None = None) -> IngestReport:
        with self._ingest_lock:
            return ingest(self.settings, self.embedder, rebuild=rebuild, progress=progress)

    def add_files(
        self,
        paths: Iterable[str | Path],
        names: Iterable[str] | None = None,
        progress: Progress | None = None,
    ) -> UploadReport:
        """Store files in the uploads folder and index them; searchable when this returns.

        `names` are the names the user gave the files (default: the paths' names); they
        are sanitised, so "../../x.pdf" is stored as uploads/x.pdf. A file of an
        unsupported type, over `ui.max_upload_mb` or unreadable is not stored: it is
        listed in the report's errors with the reason, and the others still go in."""
        paths = [Path(p) for p in paths]
        names = list(names) if names is not None else [p.name for p in paths]
        if len(names) != len(paths):
            raise ValueError(f"{len(paths)} files but {len(names)} names")
        max_bytes = int(self.settings.ui.max_upload_mb * 1_000_000)
        limits = ReadLimits.of(self.settings.corpus)
        rejected: list[FileError] = []
        guesses: dict[str, Guess] = {}
        with self._ingest_lock:
            for path, name in zip(paths, names, strict=True):
                shown = name.replace("\\", "/").rsplit("/", 1)[-1] or name
                try:
                    document, guess = add_upload(self.settings, path, name, max_bytes, limits)
                    guesses[document.doc_id] = guess
                except UnreadableDocument as exc:
                    rejected.append(FileError(source=shown, reason=str(exc)))
            report = self.ingest(progress=progress)
        report.errors = rejected + report.errors
        return UploadReport(**report.model_dump(), guesses=guesses)

    def remove_document(self, doc_id: str) -> IngestReport:
        """Take a document out of the index. An upload's file is deleted; a corpus file is
        left alone and put on the exclusion list instead (see `restore_document`)."""
        with self._ingest_lock:
            documents = self.retriever.snapshot().documents
            if doc_id not in documents:
                raise InvalidRequest(f"there is no document with id {doc_id!r} in the index")
            document = documents[doc_id]
            if library.is_upload(document.source):
                library.delete_upload(self.settings, document.source)
            else:
                library.exclude(self.settings, document.source, doc_id, document.title)
            return self.ingest()

    def describe_document(self, doc_id: str, title=..., kind=..., region=..., year=...) -> DocumentInfo:
        """Set a document's title, kind, region or year (what citations show and filters use); the
        details not passed (`...`) stay as they are, None (or a blank text) clears one. Kept in
        corpus/catalog.yaml for a file of the corpus folder, beside the file for an upload; the
        index takes them at once. Raises InvalidRequest for an unknown id or a bad value."""
        changes = {
            field: value
            for field, value in (("title", title), ("kind", kind), ("region", region), ("year", year))
            if value is not ...
        }
        with self._ingest_lock:
            documents = self.retriever.snapshot().documents
            if doc_id not in documents:
                raise InvalidRequest(f"there is no document with id {doc_id!r} in the index")
            set_details(self.settings, documents[doc_id], changes)
            report = self.ingest()
        described = next((d for d in self.documents() if d.doc_id == doc_id), None)
        if described is None:  # the file could not be read again: say why
            reasons = [str(e) for e in report.errors if e.source == documents[doc_id].source]
            raise InvalidRequest(f"{doc_id!r} could not be indexed again: {'; '.join(reasons) or 'unknown reason'}")
        return described

    def excluded_documents(self) -> list[library.Exclusion]:
        """Corpus documents removed from the index (their files are still in the corpus folder)."""
        return library.load_exclusions(self.settings)

    def restore_document(self, source_or_id: str) -> IngestReport:
        """Put a removed corpus document back into the index."""
        with self._ingest_lock:
            library.restore(self.settings, source_or_id)
            return self.ingest()

    def documents(self) -> list[DocumentInfo]:
        snapshot = self.retriever.snapshot()
        counts: dict[str, int] = {}
        for chunk in snapshot.state.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        return [
            DocumentInfo(
                doc_id=d.doc_id, title=d.title, kind=d.kind, region=d.region, year=d.year,
                source=d.source, chunks=counts.get(d.doc_id, 0), uploaded=library.is_upload(d.source),
            )
            for d in sorted(snapshot.documents.values(), key=lambda d: d.doc_id)
        ]

    def facets(self) -> Facets:
        try:
            documents = self.documents()
        except IndexNotReady:
            return Facets()
        return Facets(
            documents=[(printable(d.title), d.doc_id) for d in documents],  # labels for a menu
            kinds=sorted({d.kind for d in documents}),
            regions=sorted({d.region for d in documents if d.region}),
            years=sorted({d.year for d in documents if d.year}),
        )

    def upload_rules(self) -> UploadRules:
        return UploadRules(types=list(SUPPORTED), max_mb=self.settings.ui.max_upload_mb)

    def example_questions(self, limit: int = 6) -> list[ExampleQuestion]:
        """Questions to try on the documents in the index: for each kind of document present, a
        question of the intent it answers about one of its titles (rules: assistant/examples.yaml)."""
        try:
            return example_questions(self.documents(), limit)
        except IndexNotReady:
            return []

    def document_text(self, doc_id: str) -> str:
        """The cleaned text that citation offsets point into."""
        return self.retriever.snapshot().documents[doc_id].text

    def citation_context(self, citation: Citation, chars: int = 300) -> CitationContext:
        """The cited passage in its surrounding text (up to `chars` characters either side)."""
        try:
            text = self.document_text(citation.doc_id)
        except KeyError:  # the document has been removed since the answer
            return CitationContext(before="", text=citation.text, after="", clipped_before=True, clipped_after=True)
        if text[citation.start : citation.end] != citation.text:  # changed since: show the passage alone
            return CitationContext(before="", text=citation.text, after="", clipped_before=True, clipped_after=True)
        return context_window(text, citation.start, citation.end, chars)

    @cached_property
    def feedback(self) -> FeedbackStore:
        return FeedbackStore(self.settings.data_dir / FEEDBACK_FILE)

    def record_feedback(
        self, answer: Answer, liked: bool, comment: str = "", feedback_id: str | None = None
    ) -> FeedbackRecord:
        """Append a rating (and optional comment) of `answer` to feedback.jsonl in the data folder;
        pass the id of an earlier record to amend it."""
        return self.feedback.add(answer, liked, comment, self.settings.fingerprint(), feedback_id)

    def search_passages(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[FoundPassage]:
        """The `k` passages (default retrieval.top_k) retrieval finds for `query`, best first, without
        composing an answer: for tools that read the passages themselves."""
        text, _ = clean_question(query, self.settings.answering.max_question_chars)
        if k is not None and not 1 <= k <= 100:
            raise InvalidRequest(f"k must be between 1 and 100, not {k}")
        return [
            FoundPassage(id=h.chunk.id, doc_id=h.chunk.doc_id, title=h.chunk.title, section=h.chunk.section,
                         text=h.chunk.text, start=h.chunk.start, end=h.chunk.end, score=round(h.score, 6))
            for h in self.retriever.search(text, top_k=k, filters=filters)
        ]

    def conversation(self, filters: Filters | None = None) -> Conversation:
        condense = None
        if self.settings.answering.mode == "llm":
            condense = self._guarded_llm(self.llm_answerer.condense)
        return Conversation(
            self.ask,
            filters=filters,
            condense=condense,
            max_question_chars=self.settings.answering.max_question_chars,
        )

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        top_k: int | None = None,
        mode: str | None = None,
        intent: Intent | None = None,
        doc_id: str | None = None,
        context: str | None = None,
    ) -> Answer:
        """Answer one question: read it once (Query), retrieve, gather evidence, check the evidence
        covers it (else abstain), compose (extractive or llm), verify every marker."""
        began = time.perf_counter()
        text, warnings = clean_question(question, self.settings.answering.max_question_chars)
        if doc_id:
            filters = (filters or Filters()).model_copy(update={"doc_ids": [doc_id]})
        mode = mode or self.settings.answering.mode
        snapshot = self.retriever.snapshot()
        # `context`: for a follow-up, the earlier question, which says what "it" or "that task" is.
        search_text = f"{text} {context}" if context else text
        vector = self.embedder.embed_query(search_text)
        query = read_query(text, vector, intent, context=context)
        hits = self._retrieve(query, vector, filters, top_k, snapshot)
        evidence = self.gatherer.gather(query, hits, snapshot)
        chosen = bool(filters is not None and filters.doc_ids)
        answering = self.settings.answering
        coverage = check_coverage(
            evidence, self._vocabulary_of(snapshot), answering.min_evidence_score, answering.max_unknown_share,
            answering.min_rare_coverage,
            # A reader who picked the documents asks about them: a vague question
            # ("What is recommended?") is then no sign of an off-topic one.
            filtered_to_documents=chosen,
        ) if hits else Coverage(True, "")
        if coverage.abstain:
            answer = self._abstain(text, query.intent, snapshot, evidence.doc_order()[:3], coverage.reason)
        else:
            answerer = self._guarded_llm(self.llm_answerer.compose) if mode == "llm" else self.extractive.compose
            answer = verify(answerer(evidence))
        answer.retrieved = [
            Passage(doc_id=h.chunk.doc_id, start=h.chunk.start, end=h.chunk.end,
                    score=round(h.score, 6), section=h.chunk.section)
            for h in hits
        ]
        answer.warnings = warnings + answer.warnings
        answer.seconds = round(time.perf_counter() - began, 4)
        return answer

    def _retrieve(self, query: Query, vector, filters: Filters | None, top_k: int | None, snapshot) -> list:
        """The passages to answer from. A comparison first finds the documents it compares, then
        takes the best passages of each, so every document in scope has its say."""
        hits = self.retriever.search(query.search_text, top_k=top_k, filters=filters, query_embedding=vector,
                                     snapshot=snapshot)
        hits += self._named_hits(query, vector, filters, hits, snapshot)
        words = cues().role_search_words.get(query.intent)
        if words and hits:
            # In a long report the chapter of causes or recommendations may not match the question's
            # own words best: search the document in question again with the role's words added.
            focus = named_documents(query, list(dict.fromkeys(h.chunk.doc_id for h in hits)), snapshot.documents)
            doc_id = (focus or [hits[0].chunk.doc_id])[0]
            if len(snapshot.doc_chunks.get(doc_id, ())) > 4:
                scoped = (filters or Filters()).model_copy(update={"doc_ids": [doc_id]})
                have = {h.chunk.id for h in hits}
                more = self.retriever.search(f"{query.search_text} {words}", top_k=3, filters=scoped,
                                             snapshot=snapshot)
                hits += [h for h in more if h.chunk.id not in have]
        if query.intent == "overview" and hits:
            return hits + self._opening_hits(hits, snapshot)
        if query.intent != "comparison" or not hits:
            return hits
        wide = self.retriever.search(query.search_text, top_k=max(3 * (top_k or self.settings.retrieval.top_k), 12),
                                     filters=filters, query_embedding=vector, snapshot=snapshot)
        order = list(dict.fromkeys(h.chunk.doc_id for h in hits + wide))
        merged: list = []
        for doc_id in comparison_scope(query, order, snapshot.documents):
            scoped = (filters or Filters()).model_copy(update={"doc_ids": [doc_id]})
            merged += self.retriever.search(query.search_text, top_k=2, filters=scoped, query_embedding=vector,
                                            snapshot=snapshot)
        return merged or hits

    @staticmethod
    def _opening_hits(hits: list, snapshot, passages: int = 3) -> list:
        """For an overview, the document's own opening (title page, abstract, summary) beside what the
        search found: a document presents itself at its start, whatever the question's words."""
        doc_id = hits[0].chunk.doc_id
        have = {h.chunk.id for h in hits}
        order = snapshot.doc_chunks.get(doc_id, [])
        summary = [c for c in order if re.search(r"summary|abstract|overview|introduction",
                                                  snapshot.chunks[c].section, re.I)]
        extra = [c for c in dict.fromkeys(order[:passages] + summary[:passages]) if c not in have]
        return [Hit(chunk=snapshot.chunks[c], score=0.0) for c in extra]

    def _named_hits(self, query: Query, vector, filters: Filters | None, hits: list, snapshot) -> list:
        """Passages of the documents that use a name the question gives ("the Zhejiang study") when
        retrieval found none of them: a place or body named is the surest sign of which document
        is meant, and similarity alone can miss it among documents on the same topic."""
        found = {h.chunk.doc_id for h in hits}
        vocabulary = self._vocabulary_of(snapshot)
        extra: list = []
        for name in query.names:
            if name[:1].isdigit():
                continue
            holders = vocabulary.documents_with(name)
            if filters is not None and filters.active():
                holders = [d for d in holders if filters.matches(snapshot.documents[d])]
            if not holders or found & set(holders) or len(holders) > 8:
                continue
            scoped = (filters or Filters()).model_copy(update={"doc_ids": holders})
            extra += self.retriever.search(query.search_text, top_k=3, filters=scoped, query_embedding=vector,
                                           snapshot=snapshot)
            found |= set(holders)
        return extra

    def analyze(self, doc_id: str | None = None, component: str | None = None) -> analysis.AnalysisReport:
        """The analysis views of one indexed document, or of all of them: a responsibility matrix per
        document that assigns tasks (with the lead department where the text names one), a table per
        study (findings, causes and recommendations, labelled in the study's own framework and with
        Smith's component where it maps soundly), and, for all documents, the studies compared on
        each component. With `component` ('policy', 'organisation', 'target group',
        'environment'), only the studies' comparison on it. Every cell carries a Citation."""
        component = analysis.parse_component(component) if component else None
        documents = self.retriever.snapshot().documents
        if doc_id and doc_id not in documents:
            raise InvalidRequest(f"there is no document with id {doc_id!r} in the index")
        chosen = [documents[doc_id]] if doc_id else [documents[d] for d in sorted(documents)]
        return analysis.build_report(chosen, self._similarity, compare_studies=not doc_id, component=component)

    def compare(self, component: str) -> analysis.ComponentComparison:
        """Each study's findings, causes and countermeasures on one component of Smith's model,
        side by side (one entry per study)."""
        return self.analyze(component=component).comparisons[0]

    # -- helpers -----------------------------------------------------------

    def _guarded_llm(self, call):
        """`call` with any failure below it (the client library's own errors, whose messages can
        quote a server's reply) turned into an LLMError that says where the model is, with the
        API key blanked out wherever it appears, and without the chained exception."""
        from assistant.answering.llm import LLMNotConfigured

        config = self.settings.llm
        where = f"{config.model_path}" if config.provider == "llamacpp" else f"{config.model} at {config.base_url}"
        secret = config.api_key.get_secret_value()

        def guarded(*args):
            try:
                return call(*args)
            except LLMNotConfigured:
                raise
            except Exception as exc:
                reason = f"{exc.__class__.__name__}: {exc}"
                if len(secret) >= 4:
                    reason = reason.replace(secret, "**********")
                raise LLMError(f"the language model ({config.provider}, {where}) failed: {reason}") from None

        return guarded

    def _similarity(self, texts: list[str], descriptions: list[str]):
        """Cosine similarities (texts x descriptions) under the index's embedding model. The
        descriptions (label and component prototypes, a handful) are embedded once per process;
        the cache is bounded, since labelling also compares items with items."""
        import numpy as np

        def unit(rows: list[str]) -> np.ndarray:
            vectors = np.asarray(self.embedder.embed_passages(rows), dtype=np.float32).reshape(len(rows), -1)
            return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

        missing = [d for d in dict.fromkeys(descriptions) if d not in self._prototypes]
        if len(self._prototypes) + len(missing) > MAX_PROTOTYPES:  # items compared with items pass by here too
            self._prototypes.clear()
        if missing:
            self._prototypes.update(zip(missing, unit(missing), strict=True))
        prototypes = np.stack([self._prototypes[d] for d in descriptions])
        return unit(texts) @ prototypes.T if texts else np.zeros((0, len(descriptions)), dtype=np.float32)

    def _vocabulary_of(self, snapshot: Snapshot) -> Vocabulary:
        """The corpus's word stems and their document frequencies, once per committed index version."""
        with self._lock:
            if self._vocabulary is None or self._vocabulary[0] != snapshot.stamp:
                bags = {d.doc_id: stems(f"{d.title}\n{d.text}") for d in snapshot.documents.values()}
                self._vocabulary = (snapshot.stamp, Vocabulary(bags))
            return self._vocabulary[1]

    def _abstain(self, question, intent, snapshot: Snapshot, doc_ids, reason: str) -> Answer:
        titles = [snapshot.documents[d].title for d in doc_ids]
        text = "The documents do not contain an answer to this question"
        text += f" ({reason})." if reason else "."
        if titles:
            text += "\n\nThe closest documents are:\n" + "\n".join(f"- {t}" for t in titles)
        return Answer(
            text=text, abstained=True, intent=intent, question=question, closest_documents=titles,
            mode=self.settings.answering.mode,
        )
