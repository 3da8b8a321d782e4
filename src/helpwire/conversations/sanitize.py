"""HTML from clients is cleaned with an allow-list before it is stored (CHECKLIST 7)."""

from __future__ import annotations

import html as htmllib
import re

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "blockquote": {"cite"},
}
URL_SCHEMES = {"http", "https", "mailto", "cid"}


def clean_html(raw: str) -> str:
    if not raw:
        return ""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def text_to_html(text: str) -> str:
    paragraphs = [p for p in re.split(r"\n{2,}", text.strip()) if p]
    return "".join(
        "<p>" + htmllib.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs
    )


_BLOCK_END = re.compile(r"</(p|div|li|tr|h[1-6]|blockquote)>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(html: str) -> str:
    text = _BLOCK_END.sub("\n", html)
    text = _TAG.sub("", text)
    text = htmllib.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_IMG = re.compile(r"<img\b[^>]*>", re.I)
_SRC = re.compile(r'\ssrc="([^"]*)"', re.I)


def _remote(src: str) -> bool:
    """Fetched from elsewhere: http(s) or protocol-relative ``//host`` (``cid:`` and
    ``data:`` images travel with the message)."""
    value = htmllib.unescape(src).strip().lower()
    return value.startswith(("http://", "https://", "//"))


def hold_remote_images(html: str) -> tuple[str, int]:
    """Sanitised HTML with remote images kept from loading: their address moves to
    ``data-remote-src`` (a tracking pixel would otherwise tell the sender who read the
    message, when, and from which IP). Returns the HTML and how many were held back."""
    held = 0

    def hold(match: re.Match[str]) -> str:
        nonlocal held
        tag = match.group(0)
        src = _SRC.search(tag)
        if src is None or not _remote(src.group(1)):
            return tag
        held += 1
        return tag.replace(src.group(0), f' data-remote-src="{src.group(1)}"', 1)

    return _IMG.sub(hold, html or ""), held
