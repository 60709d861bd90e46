"""Load, clean and describe the documents in the corpus."""

from assistant.documents.corpus import Document, FileError, load_document, scan_corpus

__all__ = ["Document", "FileError", "load_document", "scan_corpus"]
