"""Text that every supported database can store, checked where input enters.

Two kinds of string break a write or a query instead of being refused: a NUL
character (PostgreSQL refuses it in text and JSON columns, SQLite stores it, so
the two databases would disagree) and a lone surrogate, U+D800 to U+DFFF without
its pair (JSON's `\\ud800` escape makes one; it is not Unicode text and no database
driver can encode it). The request guard (aimsite.middleware), JSON decoding
(aimsite.api) and the ingest validators use these helpers, so both databases
refuse the same input with a 400 that says where. Pure helpers, no Django.
"""

_NUL = "\x00"


def text_problem(text: str, *, allow_nul: bool = False) -> str | None:
    """Why `text` cannot be stored, or None when it can."""
    if not allow_nul and _NUL in text:
        return "contains a NUL character (\\u0000)"
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])
        return f"contains a lone surrogate (\\u{code:04x}), which is not valid Unicode"
    return None


def find_unstorable_text(
    value: object, where: str, *, allow_nul: bool = False
) -> tuple[str, str] | None:
    """A string (key or value) in a decoded JSON tree that cannot be stored, as
    (where, problem), or None. Walks without recursion: JSON may nest deeply."""
    pending: list[tuple[object, str]] = [(value, where)]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            problem = text_problem(item, allow_nul=allow_nul)
            if problem:
                return path, problem
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str):
                    problem = text_problem(key, allow_nul=allow_nul)
                    if problem:
                        return f"{path} key {key!r:.40}", problem
                pending.append((child, f"{path}.{key}"))
        elif isinstance(item, list):
            pending.extend(
                (child, f"{path}[{position}]") for position, child in enumerate(item)
            )
    return None
