"""The one error type the interfaces catch.

Every failure the package reports to a person (a file that cannot be read, an index that is
not there or is damaged, a vector server that is down, a language model that fails, settings
that do not validate) is an `AssistantError`, whose message says what went wrong and what to
do. The CLI, the UI and the servers catch this one type and show its message; anything else
is a bug and keeps its traceback.
"""


class AssistantError(Exception):
    """A failure with a message meant for the user."""


class InvalidRequest(AssistantError, ValueError):
    """A request the library refuses as asked: an empty question, a document id that is not in
    the index. Still a ValueError, as these were before the one base class."""
