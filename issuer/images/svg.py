"""Uploaded SVGs: refused with a sentence when they carry something dangerous, and always rebuilt.

An SVG opened by itself is a document: it can run scripts, load other documents and phone home. Two layers:

1. `refuse_dangerous` walks the whole parsed tree and refuses what must never be published (scripts, event
   handlers, javascript: links, embedded HTML, references outside the file), naming the first offence so
   that the issuer learns what to remove. It is a deny-list, so it is only as good as its list.
2. `rebuild` writes a new document holding only what svg_rules allows: listed SVG elements, listed
   attributes with filtered values, CSS re-written declaration by declaration, links only to `#id`s and
   embedded rasters re-encoded to PNG. Whatever the first layer misses is not emitted, because the output is
   built from the allow-list, never from the input minus the bad parts.

Comments, processing instructions, DTDs, editor namespaces and unknown attributes never reach the output.
"""

from __future__ import annotations

import base64
import binascii
import re
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, register_namespace, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from issuer.images.limits import MAX_SVG_DEPTH, MAX_SVG_DRAWN, MAX_SVG_ELEMENTS, ImageError
from issuer.images.raster import reencode_raster
from issuer.images.svg_rules import (
    ATTRIBUTES,
    CLASS_NAMES,
    CSS_COMMENT,
    DATA_IMAGE,
    ELEMENTS,
    INTERNAL_REF,
    STRING_PROPERTIES,
    SVG_NAMESPACE,
    TOKEN,
    XHTML_NAMESPACE,
    XLINK_NAMESPACE,
    XML_NAMESPACE,
    clean_declarations,
    clean_stylesheet,
    clean_value,
)

# The output names xlink:href with its usual prefix rather than ElementTree's "ns0". (Process-wide, and the same
# for every caller: no one binds this namespace to another prefix.)
register_namespace("xlink", XLINK_NAMESPACE)

# Elements that run code or embed another document, in any namespace and any letter case, and why they are
# refused. Everything in the XHTML namespace is refused as embedded HTML.
FORBIDDEN_ELEMENTS = {
    "script": "scripts are not allowed",
    "foreignobject": "embedded HTML is not allowed",
    "iframe": "embedded documents are not allowed",
    "embed": "embedded documents are not allowed",
    "object": "embedded documents are not allowed",
    "handler": "event handlers are not allowed",
    "listener": "event handlers are not allowed",
}
ANIMATIONS = {"animate", "set", "animatetransform", "animatemotion", "animatecolor"}
SCRIPT_SCHEMES = ("javascript:", "vbscript:")
CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.IGNORECASE)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})\s?|(.))", re.DOTALL)
# Whitespace and control characters, which browsers skip inside a URL's scheme ("java\tscript:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


class _TooBig(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


class _BoundedTreeBuilder(TreeBuilder):
    """Builds the tree while counting elements and depth, and remembers processing instructions (including
    those before the root element, which the tree cannot hold). Stops the parse as soon as a bound is crossed,
    so a million nested groups are never built."""

    def __init__(self) -> None:
        super().__init__()
        self.processing_instructions: list[str] = []
        self.elements = 0
        self.depth = 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self.elements += 1
        self.depth += 1
        if self.elements > MAX_SVG_ELEMENTS:
            raise _TooBig(f"The SVG has more than {MAX_SVG_ELEMENTS:,} elements; simplify it.")
        if self.depth > MAX_SVG_DEPTH:
            raise _TooBig(f"The SVG nests elements more than {MAX_SVG_DEPTH} levels deep; flatten its groups.")
        return super().start(tag, attrs)

    def end(self, tag: str) -> Element:
        self.depth -= 1
        return super().end(tag)

    def pi(self, target: str, text: str | None = None) -> None:  # type: ignore[override]
        self.processing_instructions.append(target)


def _split(name: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree name."""
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


def _local(name: str) -> str:
    return _split(name)[1]


def parse(content: bytes) -> Element:
    """The document's root element; refuses DTDs, entities, processing instructions, malformed XML, a root
    other than <svg> and documents over the element and depth bounds."""
    builder = _BoundedTreeBuilder()
    # Entities are refused outright, not merely left unexpanded: billion laughs and external entities alike.
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(content)
        root = parser.close()
    except DefusedXmlException as exc:
        raise ImageError("The SVG declares a DTD or entities, which are not allowed.", code="svg_dtd") from exc
    except _TooBig as exc:
        raise ImageError(exc.message, code="svg_too_complex") from exc
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        raise ImageError(
            "The file is neither a raster image (PNG, JPEG, GIF or WebP) nor a well-formed SVG image "
            f"(first XML problem on line {line}).",
            code="svg_malformed",
        ) from exc
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise ImageError(
            f"The file is XML but not an SVG image: its root element is <{_local(str(root.tag))}>, "
            f'not <svg xmlns="{SVG_NAMESPACE}">.',
            code="svg_root",
        )
    if builder.processing_instructions:
        raise ImageError(
            f"The SVG contains a processing instruction (<?{builder.processing_instructions[0]} …?>); remove it.",
            code="svg_processing_instruction",
        )
    return root


# --- 1. refuse, with a sentence ---------------------------------------------------------------------------------


def _outside(what: str) -> ImageError:
    return ImageError(
        f"The SVG refers to something outside the file ({what}); embed everything in the file.", code="svg_external"
    )


def _script_scheme(value: str) -> str | None:
    squeezed = _IGNORED_IN_SCHEME.sub("", value).lower()
    return next((scheme for scheme in SCRIPT_SCHEMES if scheme in squeezed), None)


def _css_problem(css: str) -> tuple[str, str] | None:
    """(code, what) for CSS that loads something or runs script, read as a browser would: escapes decoded,
    comments removed."""

    def unescape(match: re.Match[str]) -> str:
        if match.group(1):
            code_point = int(match.group(1), 16)
            return chr(code_point) if 0 < code_point <= 0x10FFFF else "\ufffd"
        return match.group(2)

    # Comments first: an escaped "/*" is a character in CSS, not the start of a comment that could hide a url().
    plain = _CSS_ESCAPE.sub(unescape, CSS_COMMENT.sub("", css))
    lowered = plain.lower()
    if "@import" in lowered:
        return "svg_external", "@import"
    if "expression(" in _IGNORED_IN_SCHEME.sub("", lowered):
        return "svg_script", "a CSS expression()"
    if scheme := _script_scheme(plain):
        return "svg_script", f"a {scheme} URL"
    for target in CSS_URL.findall(plain):
        if not target.startswith("#") and not DATA_IMAGE.match(target):
            return "svg_external", f"url({target})"
    return None


def _refuse_css(css: str, where: str) -> None:
    problem = _css_problem(css)
    if problem is None:
        return
    code, what = problem
    if code == "svg_external":
        raise _outside(f"{what} {where}")
    raise ImageError(f"The SVG uses {what} {where}; scripts are not allowed.", code=code)


def _refuse_link(name: str, value: str, tag: str) -> None:
    value = value.strip()
    if not value or value.startswith("#") or DATA_IMAGE.match(value):
        return
    if _IGNORED_IN_SCHEME.sub("", value).lower().startswith("data:"):
        raise ImageError(
            f'The SVG embeds data that is not a PNG, JPEG, GIF or WebP image ({name}="{value[:40]}…" on '
            f"<{tag}>); only those images may be embedded.",
            code="svg_data_uri",
        )
    raise _outside(f'{name}="{value[:80]}" on <{tag}>')


def refuse_dangerous(root: Element) -> None:
    """Raise ImageError naming the first thing in the document that must not be published."""
    _refuse_elements_and_attributes(root)
    if drawn_elements(root) > MAX_SVG_DRAWN:
        raise ImageError(
            f"The SVG repeats its parts with <use> so often that it would draw more than {MAX_SVG_DRAWN:,} "
            "elements; simplify it.",
            code="svg_too_complex",
        )


def _refuse_elements_and_attributes(root: Element) -> None:
    for element in root.iter():
        namespace, tag = _split(str(element.tag))
        lowered = tag.lower()
        if lowered in FORBIDDEN_ELEMENTS or namespace == XHTML_NAMESPACE:
            reason = FORBIDDEN_ELEMENTS.get(lowered, "embedded HTML is not allowed")
            raise ImageError(
                f"The SVG contains a <{tag}> element; {reason} in published images.",
                code="svg_script" if lowered == "script" else "svg_forbidden_element",
            )
        if lowered == "style":
            _refuse_css(element.text or "", "in its stylesheet")
        for raw_name, raw_value in element.attrib.items():
            name = _local(raw_name)
            if name.lower().startswith("on"):
                raise ImageError(
                    f"The SVG has an event handler attribute ({name} on <{tag}>); scripts are not allowed.",
                    code="svg_event_handler",
                )
            if scheme := _script_scheme(raw_value):
                raise ImageError(
                    f"The SVG contains a {scheme} link (on <{tag}>); scripts are not allowed.", code="svg_script"
                )
            if name.lower() in ("href", "src"):
                _refuse_link(name, raw_value, tag)
            # Presentation attributes are CSS too, escapes included (fill="\75rl(…)").
            if name.lower() == "style" or "url(" in raw_value.lower() or "\\" in raw_value:
                _refuse_css(raw_value, f"in {name} on <{tag}>")
            if lowered in ANIMATIONS and name == "attributeName":
                # "href", "xlink:href", "{…xlink}href": the local part is what gets animated.
                target = _local(raw_value.strip()).rpartition(":")[2].lower()
                if target == "href" or target.startswith("on"):
                    raise ImageError(
                        f"The SVG animates {raw_value.strip()} (on <{tag}>), which is not allowed.",
                        code="svg_external" if target == "href" else "svg_event_handler",
                    )


def _use_target(element: Element, by_id: dict[str, Element]) -> Element | None:
    if _local(str(element.tag)) != "use":
        return None
    for name in ("href", f"{{{XLINK_NAMESPACE}}}href"):
        value = (element.get(name) or "").strip()
        if value.startswith("#"):
            return by_id.get(value[1:])
    return None


def drawn_elements(root: Element) -> int:
    """How many elements the document draws once every <use> is replaced by what it refers to (capped just
    above MAX_SVG_DRAWN). A <use> that refers, directly or not, to itself draws nothing, as in browsers. An
    upper bound: what other references repeat (a pattern's tiles, a marker on each vertex) is not counted.

    Iterative, with one result per element: a chain of thousands of <use>s costs a pass over the tree, not a
    recursion per link."""
    by_id = {element.get("id") or "": element for element in root.iter() if element.get("id")}
    drawn: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[Element, bool]] = [(root, False)]
    while stack:
        element, children_done = stack.pop()
        key = id(element)
        target = _use_target(element, by_id)
        # <defs> and <symbol> draw nothing where they stand, only where a <use> puts them.
        parts = [child for child in element if _local(str(child.tag)) not in ("defs", "symbol")]
        if target is not None:
            parts.append(target)
        if children_done:
            in_progress.discard(key)
            total = 1 + sum(drawn.get(id(part), 0) for part in parts)
            drawn[key] = min(total, MAX_SVG_DRAWN + 1)
            continue
        if key in drawn or key in in_progress:
            continue  # done already, or a loop back to an element being counted (drawn as nothing)
        in_progress.add(key)
        stack.append((element, True))
        stack.extend((part, False) for part in parts if id(part) not in drawn and id(part) not in in_progress)
    return drawn[id(root)]


# --- 2. rebuild from the allow-list -----------------------------------------------------------------------------


def _embedded_png(value: str) -> str | None:
    """An embedded raster as a data: URI of its re-encoded PNG, or None when `value` is not one."""
    match = DATA_IMAGE.fullmatch(value.strip())
    if match is None:
        return None
    try:
        content = base64.b64decode(re.sub(r"\s+", "", match.group(2)), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageError("An image embedded in the SVG is not valid base64 data.", code="image_damaged") from exc
    png = reencode_raster(content, where=" embedded in the SVG")
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _clean_attribute(tag: str, name: str, value: str) -> str | None:
    """The value the attribute `name` (an ElementTree name) is published with on <tag>, or None to drop it."""
    namespace, local = _split(name)
    if local == "href" and namespace in ("", XLINK_NAMESPACE):
        if INTERNAL_REF.fullmatch(value.strip()):
            return value.strip()
        return _embedded_png(value) if tag == "image" else None
    if namespace == XML_NAMESPACE:
        return value if local in ("space", "lang") and TOKEN.fullmatch(value) else None
    if namespace or local not in ATTRIBUTES:
        return None
    if local == "id":
        return value if TOKEN.fullmatch(value) else None
    if local == "class":
        return value if CLASS_NAMES.fullmatch(value) else None
    if local == "style":
        return clean_declarations(value)
    return clean_value(value, strings=local in STRING_PROPERTIES)


def _rebuilt(source: Element, depth: int) -> Element | None:
    namespace, tag = _split(str(source.tag)) if isinstance(source.tag, str) else ("", "")
    if namespace != SVG_NAMESPACE or tag not in ELEMENTS or depth > MAX_SVG_DEPTH:
        return None
    # Unqualified names: the root declares the SVG namespace as the default (see rebuild).
    element = Element(tag)
    for name, value in source.attrib.items():
        cleaned = _clean_attribute(tag, name, value)
        if cleaned is not None:
            element.set(name, cleaned)
    if tag == "style":
        element.text = clean_stylesheet(source.text or "")
        return element
    element.text = source.text
    last: Element | None = None
    for child in source:
        kept = _rebuilt(child, depth + 1)
        if kept is not None:
            kept.tail = child.tail
            element.append(kept)
            last = kept
        elif child.tail:
            # The text after a dropped element still belongs to its parent (inside <text>, it is shown).
            if last is None:
                element.text = (element.text or "") + child.tail
            else:
                last.tail = (last.tail or "") + child.tail
    return element


def rebuild(root: Element) -> bytes:
    """A new SVG document of what `root` holds that the allow-list keeps, serialized with the SVG namespace as
    the default namespace. Raises ImageError only for an embedded image that cannot be re-encoded."""
    rebuilt = _rebuilt(root, 1)
    if rebuilt is None:  # not an <svg> root: parse() refuses those before we get here
        raise ImageError("The file is not an SVG image.", code="svg_root")
    # ElementTree's default_namespace option refuses unqualified attributes, so the elements are built without a
    # namespace and the root declares it: every element of the output is in the SVG namespace, and the only
    # other namespace that can appear is xlink (for xlink:href).
    rebuilt.attrib = {"xmlns": SVG_NAMESPACE, **rebuilt.attrib}
    return tostring(rebuilt, encoding="unicode").encode("utf-8")


def sanitize_svg(content: bytes) -> bytes:
    """The SVG to publish for an uploaded one: refused (ImageError) if it carries something dangerous,
    otherwise rebuilt from the allow-list."""
    root = parse(content)
    refuse_dangerous(root)
    return rebuild(root)
