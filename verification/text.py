"""Clean strings before the platform signs them.

Strings the platform signs never contain C0 control characters or DEL, TAB included: control
characters are invisible in every display, survive copy and paste unnoticed, and are escaped
differently by JSON-LD canonicalizers that do not follow RDFC-1.0 exactly (stock pyld among them),
which would make a correct signature fail to verify elsewhere.

* single-line fields (names, titles, identifiers): TAB, CR and LF become a space;
* multiline fields (descriptions, narratives, Markdown): CRLF and CR become LF, LF is kept, TAB
  becomes a space;
* every other C0 character (U+0000..U+001F) and DEL (U+007F) is removed.
"""

from __future__ import annotations

from typing import Any

_REMOVED = {code: None for code in (*range(0x20), 0x7F)}
_SINGLE_LINE = {**_REMOVED, 0x09: " ", 0x0A: " ", 0x0D: " "}
_MULTILINE = {**_REMOVED, 0x09: " ", 0x0A: "\n"}


def clean_text(value: str, *, multiline: bool) -> str:
    """`value` without C0 controls or DEL; see the module docstring for what becomes what."""
    if multiline:
        return value.replace("\r\n", "\n").replace("\r", "\n").translate(_MULTILINE)
    # CRLF becomes one space, as a line break does in a single-line field.
    return value.replace("\r\n", "\n").translate(_SINGLE_LINE)


def clean_document_strings(obj: Any) -> Any:
    """A copy of a JSON value with the single-line rule applied to every string except keys.

    Iterative, so a deeply nested value cannot exhaust the stack.
    """
    if isinstance(obj, str):
        return clean_text(obj, multiline=False)
    if not isinstance(obj, dict | list | tuple):
        return obj
    root: Any = {} if isinstance(obj, dict) else [None] * len(obj)
    stack: list[tuple[Any, Any]] = [(obj, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in items:
            if isinstance(value, str):
                target[key] = clean_text(value, multiline=False)
            elif isinstance(value, dict):
                target[key] = {}
                stack.append((value, target[key]))
            elif isinstance(value, list | tuple):
                target[key] = [None] * len(value)
                stack.append((value, target[key]))
            else:
                target[key] = value
    return root
