"""Uploaded SVGs (docs/decisions.md D36): a hostile corpus, benign drawings that must survive, and a property test.

Every hostile sample is written here by hand for these tests. Each one is checked twice: the upload is refused
with a sentence naming the problem, and, where the document parses at all, the allow-list rebuild on its own
(without the refusals in front of it) emits nothing that can run or load anything. So a gap in either layer is
caught by the other's test.
"""

from __future__ import annotations

import base64
import io
import re
from xml.etree.ElementTree import Element, fromstring

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from issuer.images import ImageError, prepare_image
from issuer.images.svg import parse, rebuild
from issuer.images.svg_rules import ATTRIBUTES, ELEMENTS, SVG_NAMESPACE, XLINK_NAMESPACE, XML_NAMESPACE

SVG_OPEN = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'


def svg(body: bytes) -> bytes:
    return SVG_OPEN + body + b"</svg>"


def png(size: tuple[int, int] = (2, 2), color: tuple[int, ...] = (200, 30, 30, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, color).save(out, format="PNG")
    return out.getvalue()


def data_png(content: bytes | None = None) -> bytes:
    return b"data:image/png;base64," + base64.b64encode(png() if content is None else content)


def published(content: bytes) -> bytes:
    return prepare_image(io.BytesIO(content), size=len(content)).content


def refusal(content: bytes) -> str:
    with pytest.raises(ImageError) as caught:
        prepare_image(io.BytesIO(content), size=len(content))
    return caught.value.messages[0]


# The allow-list as reviewed, written out here rather than imported, so that assert_publishable does not take the
# code's word for what is safe: adding an element to issuer.images.svg_rules fails the test below until it is
# added here too, on purpose.
REVIEWED_ELEMENTS = frozenset(
    """
    svg g defs symbol use switch a title desc style image path rect circle ellipse line polyline polygon text tspan
    textPath linearGradient radialGradient stop pattern clipPath mask marker filter feBlend feColorMatrix
    feComponentTransfer feFuncR feFuncG feFuncB feFuncA feComposite feConvolveMatrix feDiffuseLighting
    feDisplacementMap feDistantLight feDropShadow feFlood feGaussianBlur feMerge feMergeNode feMorphology feOffset
    fePointLight feSpecularLighting feSpotLight feTile feTurbulence
    """.split()
)
NEVER = {
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
    "animate",
    "set",
    "animatetransform",
    "animatemotion",
    "feimage",
    "metadata",
}


def test_the_allow_list_is_the_reviewed_one():
    assert ELEMENTS == REVIEWED_ELEMENTS
    assert not {name.lower() for name in REVIEWED_ELEMENTS} & NEVER
    assert not [name for name in ATTRIBUTES if name.lower().startswith("on") or "href" in name.lower()]
    assert not {"cursor", "content", "src", "background", "background-image", "behavior"} & ATTRIBUTES


_SCHEME_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_URL_TARGET = re.compile(r"url\(([^)]*)\)", re.IGNORECASE)


def assert_publishable(output: bytes) -> Element:
    """Nothing in the document can run code or load anything: only allow-listed SVG elements and attributes, no
    event handlers, links only to #ids or to embedded PNGs, CSS only with url(#id), no markup beyond elements."""
    assert b"<?" not in output and b"<!" not in output, "no processing instruction, comment, DTD or CDATA"
    declared = set(re.findall(rb'xmlns(?::\w+)?="([^"]*)"', output))
    assert declared <= {SVG_NAMESPACE.encode(), XLINK_NAMESPACE.encode()}, declared
    root = fromstring(output)
    assert root.tag == f"{{{SVG_NAMESPACE}}}svg"
    for element in root.iter():
        namespace, _, tag = str(element.tag)[1:].partition("}")
        assert namespace == SVG_NAMESPACE and tag in REVIEWED_ELEMENTS, element.tag
        for name, value in element.attrib.items():
            plain = _SCHEME_NOISE.sub("", value).lower()
            assert "javascript:" not in plain and "vbscript:" not in plain, (tag, name, value)
            assert not name.rpartition("}")[2].lower().startswith("on"), (tag, name)
            if name in ("href", f"{{{XLINK_NAMESPACE}}}href"):
                assert value.startswith("#") or (tag == "image" and value.startswith("data:image/png;base64,")), (
                    tag,
                    value[:60],
                )
                continue
            assert name in ATTRIBUTES or name in (f"{{{XML_NAMESPACE}}}space", f"{{{XML_NAMESPACE}}}lang"), name
            for target in _URL_TARGET.findall(value):
                assert target.startswith("#"), (tag, name, value)
            assert "\\" not in value and "@" not in value, (tag, name, value)
        if tag == "style":
            css = element.text or ""
            assert "@" not in css and "\\" not in css and "<" not in css, css
            assert all(target.startswith("#") for target in _URL_TARGET.findall(css)), css
    return root


# --- the hostile corpus ------------------------------------------------------------------------------------------

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
)

# Six levels of ten <use>s of the level below: a million rectangles out of seventy elements.
USE_BOMB = (
    b'<defs><g id="l0"><rect width="1" height="1"/></g>'
    + b"".join(b'<g id="l%d">' % level + b'<use href="#l%d"/>' % (level - 1) * 10 + b"</g>" for level in range(1, 7))
    + b'</defs><use href="#l6"/>'
)

HOSTILE = [
    # Scripts, in every namespace disguise.
    ("script", svg(b"<script>alert(1)</script>"), "The SVG contains a <script> element; scripts are not allowed"),
    ("script-cdata", svg(b"<script><![CDATA[alert(1)]]></script>"), "<script> element"),
    (
        "script-svg-prefix",
        svg(b'<x:script xmlns:x="http://www.w3.org/2000/svg">alert(1)</x:script>'),
        "<script> element",
    ),
    (
        "script-xhtml-namespace",
        svg(b'<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>'),
        "<script> element",
    ),
    (
        "script-prefix-rebound-to-xhtml",
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:svg="http://www.w3.org/1999/xhtml">'
        b"<svg:script>alert(1)</svg:script></svg>",
        "<script> element",
    ),
    ("script-no-namespace", svg(b'<script xmlns="">alert(1)</script>'), "<script> element"),
    ("script-upper-case", svg(b"<SCRIPT>alert(1)</SCRIPT>"), "<SCRIPT> element"),
    (
        "xhtml-img-onerror",
        svg(b'<g><div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></div></g>'),
        "The SVG contains a <div> element; embedded HTML is not allowed",
    ),
    (
        "foreign-object",
        svg(
            b'<foreignObject width="10" height="10"><body xmlns="http://www.w3.org/1999/xhtml">'
            b"<iframe src='https://evil.example/'/></body></foreignObject>"
        ),
        "The SVG contains a <foreignObject> element; embedded HTML is not allowed",
    ),
    ("iframe", svg(b'<iframe src="https://evil.example/"/>'), "<iframe> element; embedded documents"),
    ("embed", svg(b'<embed src="https://evil.example/x.swf"/>'), "<embed> element; embedded documents"),
    ("handler", svg(b'<handler type="application/ecmascript">alert(1)</handler>'), "<handler> element"),
    # Event handlers.
    ("onload", SVG_OPEN.replace(b"viewBox", b'onload="alert(1)" viewBox') + b"</svg>", "(onload on <svg>)"),
    ("onclick", svg(b'<rect width="5" height="5" onclick="alert(1)"/>'), "(onclick on <rect>)"),
    ("onclick-upper-case", svg(b'<rect ONCLICK="alert(1)"/>'), "(ONCLICK on <rect>)"),
    (
        "onload-namespaced",
        svg(b'<rect xmlns:e="http://www.w3.org/2001/xml-events" e:onload="alert(1)"/>'),
        "(onload on <rect>)",
    ),
    # javascript: links, plain and disguised.
    ("javascript-href", svg(b'<a href="javascript:alert(1)"><rect/></a>'), "javascript: link (on <a>)"),
    ("javascript-xlink", svg(b'<a xlink:href="javascript:alert(1)"><rect/></a>'), "javascript: link (on <a>)"),
    (
        "javascript-entity-encoded",
        svg(b'<a href="&#106;&#97;vascript&#58;alert(1)"><rect/></a>'),
        "javascript: link (on <a>)",
    ),
    ("javascript-tab", svg(b'<a href="java&#x09;script:alert(1)"><rect/></a>'), "javascript: link (on <a>)"),
    ("javascript-newline", svg(b'<a href="java&#10;script:alert(1)"><rect/></a>'), "javascript: link (on <a>)"),
    ("javascript-case-spaces", svg(b'<a href="  JaVaScRiPt:alert(1)"><rect/></a>'), "javascript: link (on <a>)"),
    ("vbscript", svg(b'<a href="vbscript:msgbox(1)"><rect/></a>'), "vbscript: link (on <a>)"),
    (
        "xlink-prefix-renamed",
        svg(b'<a xmlns:l="http://www.w3.org/1999/xlink" l:href="javascript:alert(1)"><rect/></a>'),
        "javascript: link (on <a>)",
    ),
    # data: documents.
    (
        "data-text-html",
        svg(b'<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="><rect/></a>'),
        "The SVG embeds data that is not a PNG, JPEG, GIF or WebP image",
    ),
    (
        "data-svg-image",
        svg(b'<image href="data:image/svg+xml;base64,PHN2Zy8+" width="1" height="1"/>'),
        "embeds data that is not a PNG, JPEG, GIF or WebP image",
    ),
    ("data-svg-use", svg(b'<use href="data:image/svg+xml,&lt;svg/&gt;#a"/>'), "embeds data that is not a PNG"),
    # Entities and DTDs.
    (
        "internal-entity",
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>' + svg(b"<text>&a;</text>"),
        "The SVG declares a DTD or entities",
    ),
    ("billion-laughs", LAUGHS + svg(b"<text>&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;</text>"), "declares a DTD or entities"),
    (
        "external-entity",
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + svg(b"<text>&x;</text>"),
        "declares a DTD or entities",
    ),
    (
        "external-dtd",
        b'<?xml version="1.0"?><!DOCTYPE svg SYSTEM "https://evil.example/svg.dtd">' + svg(b""),
        "declares a DTD or entities",
    ),
    # References outside the file.
    (
        "image-https",
        svg(b'<image href="https://evil.example/x.png" width="1" height="1"/>'),
        'outside the file (href="https://evil.example/x.png" on <image>)',
    ),
    (
        "image-xlink-http",
        svg(b'<image xlink:href="http://evil.example/x.png"/>'),
        'outside the file (href="http://evil.example/x.png" on <image>)',
    ),
    ("image-protocol-relative", svg(b'<image href="//evil.example/x.png"/>'), 'outside the file (href="//evil'),
    ("use-http", svg(b'<use href="http://evil.example/s.svg#a"/>'), 'outside the file (href="http://evil.example'),
    ("use-relative-file", svg(b'<use xlink:href="other.svg#a"/>'), 'outside the file (href="other.svg#a" on <use>)'),
    ("a-https", svg(b'<a href="https://evil.example/"><rect/></a>'), "outside the file"),
    (
        "fill-url",
        svg(b'<rect fill="url(https://evil.example/p.svg#p)"/>'),
        "url(https://evil.example/p.svg#p) in fill on <rect>",
    ),
    (
        "fill-url-escaped",
        svg(b'<rect fill="\\75rl(https://evil.example/p)"/>'),
        "url(https://evil.example/p) in fill on <rect>",
    ),
    ("filter-url", svg(b'<rect filter="url(http://evil.example/f.svg#f)"/>'), "url(http://evil.example/f.svg#f)"),
    (
        "style-import",
        svg(b"<style>@import url(https://evil.example/a.css);</style>"),
        "outside the file (@import in its stylesheet)",
    ),
    ("style-import-string", svg(b'<style>@import "https://evil.example/a.css";</style>'), "@import in its stylesheet"),
    ("style-import-escaped", svg(b"<style>@\\69mport 'https://evil.example/a.css';</style>"), "@import"),
    (
        "style-url",
        svg(b"<style>rect { fill: url(https://evil.example/p) }</style>"),
        "url(https://evil.example/p) in its stylesheet",
    ),
    (
        "style-url-escaped",
        svg(b"<style>rect { fill: \\75rl(https://evil.example/p) }</style>"),
        "url(https://evil.example/p) in its stylesheet",
    ),
    (
        "style-url-behind-escaped-comment",
        svg(b"<style>rect { fill: \\2f* url(https://evil.example/p) *\\2f }</style>"),
        "url(https://evil.example/p) in its stylesheet",
    ),
    ("style-font-face", svg(b"<style>@font-face { src: url(https://evil.example/f.woff) }</style>"), "url(https://"),
    (
        "style-attribute-url",
        svg(b'<rect style="fill: url(http://evil.example/p)"/>'),
        "url(http://evil.example/p) in style on <rect>",
    ),
    (
        "style-attribute-expression",
        svg(b'<rect style="width: expression(alert(1))"/>'),
        "The SVG uses a CSS expression() in style on <rect>; scripts are not allowed",
    ),
    ("style-javascript-url", svg(b"<style>rect { fill: url(javascript:alert(1)) }</style>"), "a javascript: URL"),
    # Animation that rewrites a link or a handler after any check.
    (
        "animate-href-javascript",
        svg(b'<a><animate attributeName="href" to="javascript:alert(1)"/><rect/></a>'),
        "The SVG animates href (on <animate>), which is not allowed.",
    ),
    (
        "set-xlink-href",
        svg(b'<a><set attributeName="xlink:href" to="https://evil.example/"/><rect/></a>'),
        "The SVG animates xlink:href (on <set>), which is not allowed.",
    ),
    (
        "set-event-handler",
        svg(b'<rect><set attributeName="onmouseover" to="alert(1)"/></rect>'),
        "The SVG animates onmouseover (on <set>)",
    ),
    ("animate-onbegin", svg(b'<animate onbegin="alert(1)" attributeName="x" dur="1s"/>'), "(onbegin on <animate>)"),
    # Processing instructions, before the root and inside it.
    (
        "xml-stylesheet",
        b'<?xml-stylesheet href="https://evil.example/a.css"?>' + svg(b""),
        "The SVG contains a processing instruction (<?xml-stylesheet …?>)",
    ),
    ("processing-instruction-inside", svg(b"<g><?php echo 1; ?></g>"), "processing instruction (<?php …?>)"),
    # Size.
    ("many-elements", svg(b"<rect/>" * 20_001), "The SVG has more than 20,000 elements; simplify it."),
    ("deep-nesting", svg(b"<g>" * 200 + b"</g>" * 200), "nests elements more than 64 levels deep"),
    ("use-bomb", svg(USE_BOMB), "it would draw more than 100,000 elements; simplify it."),
    # Not an SVG, or not XML.
    ("xhtml-root", b'<html:svg xmlns:html="http://www.w3.org/1999/xhtml"/>', "its root element is <svg>, not"),
    ("no-namespace", b"<svg><rect/></svg>", "The file is XML but not an SVG image"),
    ("malformed", b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "(first XML problem on line 1)"),
    ("broken-base64", svg(b'<image href="data:image/png;base64,%%%%"/>'), "not valid base64 data"),
    (
        "embedded-not-a-png",
        svg(b'<image href="data:image/png;base64,' + base64.b64encode(b"<html>") + b'"/>'),
        "The image embedded in the SVG is not a PNG, JPEG, GIF or WebP image.",
    ),
]


@pytest.mark.parametrize(("content", "message"), [pytest.param(c, m, id=i) for i, c, m in HOSTILE])
def test_hostile_svg_is_refused_with_a_sentence(content, message):
    assert message in refusal(content)


def _parses(content: bytes) -> bool:
    try:
        parse(content)
    except ImageError:
        return False
    return True


# Samples whose only fault is an embedded image that cannot be decoded: the rebuild stops on those itself.
UNREADABLE_EMBEDDED = {"broken-base64", "embedded-not-a-png"}


@pytest.mark.parametrize(
    "content", [pytest.param(c, id=i) for i, c, _ in HOSTILE if _parses(c) and i not in UNREADABLE_EMBEDDED]
)
def test_the_rebuild_alone_leaves_nothing_executable_or_external(content):
    # Without the refusals in front of it: what the allow-list emits is safe whatever the deny-list misses.
    assert_publishable(rebuild(parse(content)))


@pytest.mark.parametrize("content", [pytest.param(c, id=i) for i, c, _ in HOSTILE if i in UNREADABLE_EMBEDDED])
def test_the_rebuild_alone_refuses_an_embedded_image_it_cannot_read(content):
    with pytest.raises(ImageError, match="(embedded in the SVG|base64)"):
        rebuild(parse(content))


def test_the_hostile_samples_that_parse_are_most_of_the_corpus():
    # Guards the test above against silently testing nothing.
    assert sum(_parses(content) for _, content, _ in HOSTILE) >= 40


# What the deny-list lets through, because it draws nothing dangerous by itself, and the rebuild drops.
DROPPED_QUIETLY = [
    ("comment", svg(b"<!-- <script>alert(1)</script> --><rect/>"), b"<!--"),
    ("fe-image", svg(b'<filter id="f"><feImage href="#r"/></filter>'), b"feImage"),
    ("xml-base", svg(b'<g xml:base="https://evil.example/"><rect/></g>'), b"evil"),
    ("required-extensions", svg(b'<g requiredExtensions="https://evil.example/x"><rect/></g>'), b"evil"),
    ("cursor", svg(b'<rect cursor="pointer"/>'), b"cursor"),
    ("animate", svg(b'<rect><animate attributeName="x" from="0" to="5" dur="1s"/></rect>'), b"animate"),
    ("style-markup-break-out", svg(b"<style><![CDATA[</style><script>alert(1)</script>]]></style>"), b"script"),
    ("style-image-set", svg(b'<rect style="mask: image-set(&quot;https://evil.example/m.png&quot; 1x)"/>'), b"evil"),
    ("style-custom-property", svg(b'<rect style="--x: 1; fill: var(--x)"/>'), b"var("),
    (
        "metadata",
        svg(b'<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>'),
        b"rdf",
    ),
    ("unknown-namespace-element", svg(b'<x:thing xmlns:x="urn:x"><rect/></x:thing>'), b"thing"),
    ("data-image-on-use", svg(b'<use href="' + data_png() + b'"/>'), b"data:"),
    ("css-at-media", svg(b"<style>@media print { rect { fill: red } } circle { fill: blue }</style>"), b"@media"),
]


@pytest.mark.parametrize(("content", "gone"), [pytest.param(c, g, id=i) for i, c, g in DROPPED_QUIETLY])
def test_what_draws_nothing_dangerous_is_accepted_but_not_published(content, gone):
    output = published(content)
    assert gone not in output
    assert_publishable(output)


def test_uses_that_loop_or_chain_are_counted_without_recursing():
    loop = svg(b'<g id="x"><use href="#x"/><use xlink:href="#y"/></g><g id="y"><use href="#x"/></g>')
    assert b'<use href="#x" />' in published(loop)  # a loop draws nothing in browsers; nothing to refuse
    # Each group draws the one before it: kept in <defs>, the last one draws 6,000 groups, linear in the chain.
    chain = b"".join(b'<g id="g%d"><use href="#g%d"/></g>' % (i, i - 1) for i in range(1, 6000))
    output = published(svg(b'<defs><g id="g0"><rect/></g>' + chain + b'</defs><use href="#g5999"/>'))
    assert output.count(b"<use ") == 6000
    # Drawn where they stand, each group draws all those before it again: 18 million elements.
    assert "would draw more than 100,000 elements" in refusal(svg(b'<g id="g0"><rect/></g>' + chain))


def test_css_at_rules_go_and_plain_rules_stay():
    output = published(svg(b"<style>@media print { rect { fill: red } } circle { fill: blue }</style>"))
    assert b"<style>circle{fill:blue}</style>" in output


def test_an_embedded_image_is_re_encoded_and_what_rode_along_is_gone():
    # A PNG with HTML after its end: the embedded image is decoded and written anew, as PNG.
    polyglot = png() + b"<script>alert(1)</script>"
    output = published(svg(b'<image href="' + data_png(polyglot) + b'" width="2" height="2"/>'))
    root = assert_publishable(output)
    [image] = root.iter(f"{{{SVG_NAMESPACE}}}image")
    href = image.get("href") or ""
    assert href.startswith("data:image/png;base64,")
    decoded = base64.b64decode(href.removeprefix("data:image/png;base64,"))
    assert b"<script>" not in decoded
    assert Image.open(io.BytesIO(decoded)).getpixel((0, 0)) == (200, 30, 30, 255)


def test_an_embedded_jpeg_is_published_as_png():
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 240)).save(out, format="JPEG")
    href = b"data:image/jpeg;base64," + base64.b64encode(out.getvalue())
    output = published(svg(b'<image href="' + href + b'"/>'))
    assert b'href="data:image/png;base64,' in output and b"image/jpeg" not in output


def test_an_oversized_embedded_image_is_refused():
    huge = io.BytesIO()
    Image.new("L", (5000, 1)).save(huge, format="PNG")
    message = refusal(svg(b'<image href="' + data_png(huge.getvalue()) + b'"/>'))
    assert message == "The image embedded in the SVG is 5000×1 pixels; the limit is 4096×4096."


# --- benign drawings survive -------------------------------------------------------------------------------------

INKSCAPE = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->
<svg width="200mm" height="200mm" viewBox="0 0 200 200" version="1.1" id="svg1"
   xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   xmlns:xlink="http://www.w3.org/1999/xlink"
   xmlns="http://www.w3.org/2000/svg" xmlns:svg="http://www.w3.org/2000/svg"
   xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cc="http://creativecommons.org/ns#">
  <sodipodi:namedview id="namedview1" pagecolor="#ffffff" inkscape:zoom="0.7" />
  <defs id="defs1">
    <linearGradient id="linearGradient2" inkscape:collect="always">
      <stop style="stop-color:#1f5f8b;stop-opacity:1;" offset="0" id="stop1" />
      <stop style="stop-color:#e8eef3;stop-opacity:1" offset="1" id="stop2" />
    </linearGradient>
    <radialGradient xlink:href="#linearGradient2" id="radialGradient3" cx="100" cy="100" r="90"
       gradientUnits="userSpaceOnUse" gradientTransform="matrix(1,0,0,0.9,0,10)" />
  </defs>
  <metadata><rdf:RDF><cc:Work rdf:about=""><cc:license rdf:resource="https://example.org/l" /></cc:Work></rdf:RDF>
  </metadata>
  <g inkscape:label="Layer 1" inkscape:groupmode="layer" id="layer1" transform="translate(0,-2)">
    <circle style="fill:url(#radialGradient3);fill-opacity:1;stroke:#0b3a57;stroke-width:4;stroke-dasharray:none"
       id="path1" cx="100" cy="100" r="90" />
    <path style="fill:#ffffff;fill-rule:evenodd" d="M 60,110 90,140 145,70 135,62 90,120 70,100 Z" id="tick"
       sodipodi:nodetypes="ccccccc" />
    <text xml:space="preserve" style="font-size:18px;font-family:'DejaVu Sans', sans-serif;text-anchor:middle;fill:#fff"
       x="100" y="175" id="text1"><tspan sodipodi:role="line" id="tspan1" x="100" y="175">Data <tspan
       style="font-weight:bold">Ethics</tspan></tspan></text>
  </g>
</svg>
"""

ILLUSTRATOR = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg id="Layer_1" data-name="Layer 1" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
  viewBox="0 0 120 120">
  <defs>
    <style>
      .cls-1 { fill: url(#linear-gradient); }
      .cls-2 { fill: #fff; font-family: Helvetica, Arial, sans-serif; font-size: 14px; }
      .cls-3 { opacity: .4; mix-blend-mode: multiply; }
    </style>
    <linearGradient id="linear-gradient" x1="0" y1="0" x2="120" y2="120" gradientUnits="userSpaceOnUse">
      <stop offset="0" stop-color="#0b57d0"/><stop offset="1" stop-color="#1a7f37"/>
    </linearGradient>
    <clipPath id="clip"><circle cx="60" cy="60" r="56"/></clipPath>
    <mask id="fade"><rect width="120" height="120" fill="#fff"/></mask>
    <filter id="shadow" x="-10%" y="-10%" width="130%" height="130%">
      <feGaussianBlur in="SourceAlpha" stdDeviation="2" result="blur"/>
      <feOffset dx="1" dy="2" result="moved"/>
      <feMerge><feMergeNode in="moved"/><feMergeNode in="SourceGraphic"/></feMerge>
    </filter>
    <symbol id="star" viewBox="0 0 10 10"><polygon points="5,0 6.5,3.5 10,4 7.5,6.5 8,10 5,8 2,10 2.5,6.5 0,4 3.5,3.5"/>
    </symbol>
  </defs>
  <g clip-path="url(#clip)" mask="url(#fade)" filter="url(#shadow)">
    <rect class="cls-1" width="120" height="120" rx="12"/>
    <use xlink:href="#star" x="50" y="20" width="20" height="20" fill="#ffd700"/>
    <text class="cls-2" transform="translate(60 95)" text-anchor="middle">Level 2</text>
    <ellipse class="cls-3" cx="60" cy="110" rx="40" ry="4"/>
  </g>
  <a href="#star"><title>Star</title><desc>A gold star</desc><line x1="0" y1="0" x2="1" y2="1" stroke="#000"/></a>
</svg>
"""


def _by_id(root: Element) -> dict[str, Element]:
    return {element.get("id") or "": element for element in root.iter() if element.get("id")}


def test_an_inkscape_drawing_keeps_its_shapes_gradients_and_text():
    root = assert_publishable(published(INKSCAPE))
    elements = _by_id(root)
    assert root.get("viewBox") == "0 0 200 200" and root.get("width") == "200mm"
    assert elements["radialGradient3"].get(f"{{{XLINK_NAMESPACE}}}href") == "#linearGradient2"
    assert elements["radialGradient3"].get("gradientTransform") == "matrix(1,0,0,0.9,0,10)"
    assert elements["stop1"].get("style") == "stop-color:#1f5f8b;stop-opacity:1"
    assert elements["path1"].get("style") == (
        "fill:url(#radialGradient3);fill-opacity:1;stroke:#0b3a57;stroke-width:4;stroke-dasharray:none"
    )
    assert elements["tick"].get("d") == "M 60,110 90,140 145,70 135,62 90,120 70,100 Z"
    assert elements["layer1"].get("transform") == "translate(0,-2)"
    assert elements["text1"].get("style") == (
        "font-size:18px;font-family:'DejaVu Sans', sans-serif;text-anchor:middle;fill:#fff"
    )
    assert elements["text1"].get(f"{{{XML_NAMESPACE}}}space") == "preserve"
    assert "".join(elements["text1"].itertext()) == "Data Ethics"
    # The editor's own data is not part of the drawing.
    tags = {str(element.tag).rpartition("}")[2] for element in root.iter()}
    assert tags == {"svg", "defs", "linearGradient", "stop", "radialGradient", "g", "circle", "path", "text", "tspan"}
    assert not [name for element in root.iter() for name in element.attrib if "inkscape" in name or "sodipodi" in name]


def test_an_illustrator_drawing_keeps_its_classes_filters_clips_and_symbols():
    output = published(ILLUSTRATOR)
    root = assert_publishable(output)
    elements = _by_id(root)
    [style] = root.iter(f"{{{SVG_NAMESPACE}}}style")
    assert style.text == (
        ".cls-1{fill:url(#linear-gradient)}\n"
        ".cls-2{fill:#fff;font-family:Helvetica, Arial, sans-serif;font-size:14px}\n"
        ".cls-3{opacity:.4;mix-blend-mode:multiply}"
    )
    assert [child.get("stdDeviation") or child.get("dx") for child in elements["shadow"]][:2] == ["2", "1"]
    group = root.find(f"{{{SVG_NAMESPACE}}}g")
    assert group is not None
    assert (group.get("clip-path"), group.get("mask"), group.get("filter")) == (
        "url(#clip)",
        "url(#fade)",
        "url(#shadow)",
    )
    use = group.find(f"{{{SVG_NAMESPACE}}}use")
    assert use is not None and use.get(f"{{{XLINK_NAMESPACE}}}href") == "#star" and use.get("fill") == "#ffd700"
    assert elements["star"].find(f"{{{SVG_NAMESPACE}}}polygon") is not None
    link = root.find(f"{{{SVG_NAMESPACE}}}a")
    assert link is not None and link.get("href") == "#star"
    assert [child.text for child in link][:2] == ["Star", "A gold star"]
    assert b"data-name" not in output


def test_a_rebuilt_svg_is_rebuilt_to_the_same_bytes():
    # The rebuild is a fixed point: re-uploading a published image gives the same name (D28).
    once = published(ILLUSTRATOR)
    assert published(once) == once


# --- property: whatever the tree, only allow-listed names come out --------------------------------------------------

_NAMESPACES = st.sampled_from(
    ["", SVG_NAMESPACE, SVG_NAMESPACE, SVG_NAMESPACE, "http://www.w3.org/1999/xhtml", "urn:x"]
)
_TAGS = st.sampled_from(
    sorted(ELEMENTS) + ["script", "Script", "foreignObject", "iframe", "animate", "set", "feImage", "metadata", "x"]
)
_ATTRIBUTE_NAMES = st.sampled_from(
    [
        "id",
        "class",
        "style",
        "fill",
        "href",
        f"{{{XLINK_NAMESPACE}}}href",
        "onload",
        "onclick",
        "ONLOAD",
        f"{{{XML_NAMESPACE}}}base",
        f"{{{XML_NAMESPACE}}}space",
        "{urn:x}onload",
        "{urn:x}href",
        "cursor",
        "mask",
        "filter",
        "transform",
        "d",
        "attributeName",
        "to",
        "values",
        "font-family",
        "requiredExtensions",
    ]
)
# Only what an XML parser can hand over: no control characters, and no carriage return in text (parsers turn line
# ends into \n; in attribute values the serializer writes it as &#13;).
_XML_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]) | st.sampled_from("\t\n"), max_size=20
)
_XML_VALUE = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]) | st.sampled_from("\t\n\r"), max_size=20
)
_VALUES = st.one_of(
    st.sampled_from(
        [
            "#a",
            "url(#a)",
            "url( '#a' )",
            "javascript:alert(1)",
            " java\tscript:x",
            "url(http://e.example/x)",
            "URL(//e.example)",
            "data:text/html,<b>",
            "red",
            "image-set('x' 1x)",
            "expression(alert(1))",
            "\\75rl(http://e.example)",
            "@import 'x'",
            "fill:red;background:url(http://e.example)",
            "rgb(1,2,3)",
            "var(--x)",
            "href",
            "onclick",
            "1 2 3",
            "'Open Sans', serif",
        ]
    ),
    _XML_VALUE,
)


def _element(children: list[Element], namespace: str, tag: str, attributes: dict[str, str], text: str) -> Element:
    element = Element(f"{{{namespace}}}{tag}" if namespace else tag, attributes)
    element.text = text
    element.extend(children)
    return element


_TREES = st.recursive(
    st.builds(
        _element, st.just([]), _NAMESPACES, _TAGS, st.dictionaries(_ATTRIBUTE_NAMES, _VALUES, max_size=4), _XML_TEXT
    ),
    lambda children: st.builds(
        _element,
        st.lists(children, max_size=4),
        _NAMESPACES,
        _TAGS,
        st.dictionaries(_ATTRIBUTE_NAMES, _VALUES, max_size=4),
        _XML_TEXT,
    ),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(children=st.lists(_TREES, max_size=4), attributes=st.dictionaries(_ATTRIBUTE_NAMES, _VALUES, max_size=4))
def test_the_rebuild_emits_only_allow_listed_names_whatever_the_tree(children, attributes):
    root = _element(children, SVG_NAMESPACE, "svg", attributes, "")
    output = rebuild(root)
    assert_publishable(output)
    # And it is a fixed point: the published document, parsed and rebuilt again, is unchanged.
    assert rebuild(parse(output)) == output
