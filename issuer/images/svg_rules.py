"""What a published SVG may contain: the allow-lists of the rebuild, and the value filters it applies.

The rebuild (issuer.images.svg) emits an element only if its name is listed here, an attribute only if its
name is listed and its value passes the filter, and CSS only as declarations it has re-written. Everything is
allowed for what it draws; nothing here can run code or make a viewer fetch anything: the only references
left are to `#id`s inside the document and embedded rasters we re-encoded.
"""

from __future__ import annotations

import re

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"

# Elements in the SVG namespace, by their exact (case-sensitive) names. Not listed, so dropped with everything
# inside them: script, foreignObject, animation (animate, set, animateTransform, animateMotion: they rewrite
# attributes after any check, e.g. an href to javascript:), feImage (loads a document), metadata, font, cursor,
# view, and anything in another namespace (editor data, RDF, HTML).
ELEMENTS = frozenset(
    """
    svg g defs symbol use switch a title desc style image
    path rect circle ellipse line polyline polygon
    text tspan textPath
    linearGradient radialGradient stop pattern clipPath mask marker
    filter feBlend feColorMatrix feComponentTransfer feFuncR feFuncG feFuncB feFuncA feComposite
    feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feGaussianBlur
    feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence
    """.split()
)

# CSS properties an SVG draws with, allowed as presentation attributes and inside style. Absent on purpose:
# cursor, content, background*, behavior, -moz-binding and anything else that takes an image or a URL other than
# url(#id); custom properties (--x) and var().
PROPERTIES = frozenset(
    """
    fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap stroke-linejoin
    stroke-miterlimit stroke-dasharray stroke-dashoffset opacity color display visibility overflow
    clip-path clip-rule mask mask-type filter stop-color stop-opacity flood-color flood-opacity lighting-color
    font font-family font-size font-size-adjust font-weight font-style font-variant font-stretch
    text-anchor dominant-baseline alignment-baseline baseline-shift letter-spacing word-spacing text-decoration
    writing-mode direction unicode-bidi white-space paint-order vector-effect shape-rendering text-rendering
    image-rendering color-interpolation color-interpolation-filters color-rendering
    marker marker-start marker-mid marker-end mix-blend-mode isolation transform transform-origin transform-box
    """.split()
)

# Geometry and structure attributes (no namespace), beside the properties above. href is handled on its own.
ATTRIBUTES = PROPERTIES | frozenset(
    """
    id class style lang viewBox preserveAspectRatio width height x y x1 y1 x2 y2 cx cy r rx ry fx fy fr d points
    pathLength gradientUnits gradientTransform spreadMethod offset patternUnits patternContentUnits
    patternTransform clipPathUnits maskUnits maskContentUnits markerWidth markerHeight markerUnits refX refY
    orient dx dy rotate textLength lengthAdjust startOffset method spacing side
    filterUnits primitiveUnits in in2 result stdDeviation mode type values operator k1 k2 k3 k4 baseFrequency
    numOctaves seed stitchTiles scale xChannelSelector yChannelSelector order kernelMatrix divisor bias targetX
    targetY edgeMode preserveAlpha surfaceScale diffuseConstant specularConstant specularExponent
    kernelUnitLength azimuth elevation pointsAtX pointsAtY pointsAtZ limitingConeAngle z tableValues slope
    intercept amplitude exponent radius
    """.split()
)
# Properties whose values may hold quoted strings (font names).
STRING_PROPERTIES = frozenset({"font", "font-family"})

# CSS functions that compute a colour or a transform; any other function (image-set, element, attr, var, …)
# drops the value, since several of them load images without url().
FUNCTIONS = frozenset(
    """
    url rgb rgba hsl hsla hwb lab lch oklab oklch
    matrix translate translatex translatey scale scalex scaley rotate skewx skewy
    """.split()
)

_ID = r"[A-Za-z_][\w.:-]*"
INTERNAL_REF = re.compile(rf"#{_ID}")
TOKEN = re.compile(r"[\w.:-]+")
CLASS_NAMES = re.compile(r"[\w \t\n\r-]*")
# An embedded raster. The rebuild re-encodes it and writes it back as data:image/png.
DATA_IMAGE = re.compile(r"data:image/(png|jpeg|jpg|gif|webp);base64,(.*)", re.IGNORECASE | re.DOTALL)
# url(#id), url('#id'), url( "#id" ): written back as url(#id).
_INTERNAL_URL = re.compile(rf"url\(\s*(['\"]?)\s*(#{_ID})\s*\1\s*\)", re.IGNORECASE)
_CANONICAL_URL = re.compile(rf"url\(#{_ID}\)")
_FUNCTION = re.compile(r"([A-Za-z-]+)\s*\(")
# What a value may be made of once internal urls are canonical: numbers, names, colours, lists, functions.
# No backslash (CSS escapes hide names), no quotes but in font names, no ; { } < > @ or colon; whitespace is
# spelled out because \s also matches characters XML cannot carry.
_VALUE = re.compile(r"[\w \t\n\r#%.,()+\-/!]*")
_STRING_VALUE = re.compile(r"[\w \t\n\r#%.,()+\-/!'\"]*")
CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
# Simple selectors only: names, classes, ids, combinators, pseudo-classes.
_SELECTOR = re.compile(r"[\w \t\n\r.#,>+~*:-]+")


def clean_value(value: str, *, strings: bool = False) -> str | None:
    """The value as it may be published, or None when it must be dropped."""
    value = _INTERNAL_URL.sub(r"url(\2)", value.strip())
    if not (_STRING_VALUE if strings else _VALUE).fullmatch(value):
        return None
    for match in _FUNCTION.finditer(value):
        name = match.group(1).lower()
        if name not in FUNCTIONS:
            return None
        if name == "url" and not _CANONICAL_URL.match(value, match.start()):
            return None
    return value


def clean_declarations(style: str) -> str | None:
    """`property:value;…` with only allowed properties and values, or None when nothing is left."""
    kept = []
    for declaration in CSS_COMMENT.sub("", style).split(";"):
        name, colon, value = declaration.partition(":")
        name = name.strip().lower()
        if not colon or name not in PROPERTIES:
            continue
        cleaned = clean_value(value, strings=name in STRING_PROPERTIES)
        if cleaned:
            kept.append(f"{name}:{cleaned}")
    return ";".join(kept) or None


def _block_end(css: str, start: int) -> int:
    """The index just after the `}` closing the block opened at `start` (nested braces counted); -1 when the
    block is never closed."""
    depth = 0
    for index in range(start, len(css)):
        if css[index] == "{":
            depth += 1
        elif css[index] == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return -1


def clean_stylesheet(css: str) -> str:
    """A <style> element's CSS rewritten as `selector{declarations}` rules. At-rules (@import, @font-face,
    @media…) are dropped with their blocks, as are rules with complex selectors or nested blocks."""
    css = CSS_COMMENT.sub("", css).replace("<!--", "").replace("-->", "")
    rules = []
    position = 0
    while position < len(css):
        opening = css.find("{", position)
        semicolon = css.find(";", position)
        if opening < 0:
            break
        if css[position:].lstrip().startswith("@") and 0 <= semicolon < opening:
            position = semicolon + 1  # a statement at-rule (@import …;, @charset …;)
            continue
        end = _block_end(css, opening)
        if end < 0:
            break  # an unclosed block: nothing after it can be read reliably
        selector, body = css[position:opening].strip(), css[opening + 1 : end - 1]
        position = end
        if selector.startswith("@") or "{" in body or not _SELECTOR.fullmatch(selector):
            continue
        declarations = clean_declarations(body)
        if declarations:
            rules.append(f"{' '.join(selector.split())}{{{declarations}}}")
    return "\n".join(rules)
