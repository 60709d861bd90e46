"""Chunk, embed and store documents; keep the vector and keyword indexes in step."""
