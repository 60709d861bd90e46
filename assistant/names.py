"""File names and other user-supplied labels, made safe to show.

A file name can hold any character but '/' and NUL: terminal escape codes (a "skipped …" line
that clears the screen or recolours the terminal), line breaks that forge extra output lines,
and bidirectional overrides that show `txt.exe` as `exe.txt`. Everything that shows a name, a
title derived from one, or a message quoting one (the CLI's lines, the UI's tables, lists and
messages) passes it through `printable`, which writes those characters as visible escapes.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL, the line and paragraph separators, and the bidirectional marks,
# embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, keep_lines: bool = False) -> str:
    """`text` with control and direction-changing characters written as `\\x1b`, `\\u202e`, ...
    With `keep_lines`, line breaks stay (a multi-line message keeps its shape)."""
    if keep_lines:
        return "\n".join(_UNSAFE.sub(_escaped, line) for line in str(text).split("\n"))
    return _UNSAFE.sub(_escaped, str(text))
