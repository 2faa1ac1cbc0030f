"""Markdown of achievement criteria rendered to HTML that is safe to put in our pages.

Criteria narratives are written by issuer staff and copied into signed credentials, where other
platforms render them too; on our pages the HTML is sanitized to a small allow-list whatever the
Markdown produced (raw HTML in Markdown passes through the Markdown step and is filtered here).
Links keep only http, https and mailto targets and get rel="nofollow noopener". Headings are
demoted by two levels so that a narrative's "# Heading" sits below the page's own h1 and h2.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - builds Markdown's own tree, never parses input

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
# Longer input is refused by the form; this bound protects the renderer from anything else.
MAX_INPUT_CHARS = 100_000


class _DemoteHeadings(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            if len(element.tag) == 2 and element.tag[0] == "h" and element.tag[1] in "123456":
                element.tag = f"h{min(int(element.tag[1]) + 2, 6)}"


class _DemoteHeadingsExtension(Extension):
    def extendMarkdown(self, md_instance: md.Markdown) -> None:  # noqa: N802 - Markdown's API name
        md_instance.treeprocessors.register(_DemoteHeadings(md_instance), "demote_headings", 0)


def _only_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    # A relative link means nothing once the narrative is copied into a credential shown elsewhere.
    if tag == "a" and attribute == "href" and ":" not in value:
        return None
    return value


def render_markdown(text: str) -> SafeString:
    """Markdown → sanitized HTML fragment (empty for empty input)."""
    text = text[:MAX_INPUT_CHARS]
    if not text.strip():
        return mark_safe("")  # noqa: S308 - a constant empty string
    html = md.markdown(text, extensions=[_DemoteHeadingsExtension()], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_only_absolute_links,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 output: only the allow-listed tags and attributes
