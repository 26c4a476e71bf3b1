"""Page furniture: the parts of a web page that are not the newsletter.

A feed entry's body and, even more, the page it links to carry things no reader of the issue
should get in a chat: scripts and styles, site navigation, the page's header and footer,
sidebars, forms, share and follow buttons, comment widgets, related posts, cookie banners,
subscribe boxes. ``is_furniture`` recognises them by element (``<nav>``, ``<footer>``), by ARIA
role (``navigation``, ``contentinfo``) and by the words of their ``class`` and ``id``
(``post-share-buttons``, ``comments-area``, ``o-commentArea``), the way reading-mode tools do.
``article_root`` narrows a whole page to its article before any of that.

Words are matched whole (``share`` in ``share-buttons``, never in ``shared``), so content
classes such as ``jser-tags`` or ``twitter-tweet`` (an embedded quote) are kept.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["article_root", "is_furniture"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TAGS = _words(
    "script style noscript template iframe object embed svg canvas head title meta link "
    "nav aside footer form button input select textarea dialog audio video map menu"
)
_ROLES = _words(
    "navigation banner contentinfo complementary search dialog alertdialog menu menubar toolbar"
)
_WORDS = _words(
    "share shares sharing sharebar social sns disqus comments breadcrumb breadcrumbs "
    "pagination pager subscribe subscription signup advert advertisement ads ad adsense "
    "sponsored promo cookie cookies consent popup modal sidebar navbar toolbar button "
    "buttons btn related recommend recommended likes reactions byline hidden"
)
# "comment" alone may be an editor's comment box; with one of these it is the readers' widget.
_COMMENT_WIDGET = _words(
    "area list form respond section widget thread box count reply wrap wrapper container block"
)
_WIDGET_IDS = frozenset(("comment", "comments", "respond"))
_SPLIT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Where publishing platforms put an article's body, most specific first.
_ARTICLE_SELECTORS = (
    '[itemprop="articleBody"]',
    ".note-common-styles__textnote-body",  # note.com
    ".available-content",  # Substack
    "#content-blocks",  # beehiiv
    ".entry-content",  # WordPress, Hatena Blog
    ".post-content",
    ".post-body",
    ".article-body",
    ".article-content",
    "article",
    "main",
    '[role="main"]',
)


def is_furniture(node: LexborNode) -> bool:
    """True for an element that is page furniture, not newsletter text."""
    tag = node.tag or ""
    if tag in _TAGS:
        return True
    if tag == "header":
        # An article's or section's header may hold its heading; a header without one is
        # a banner or a byline.
        return node.css_first("h1, h2, h3, h4, h5, h6") is None
    attributes = node.attributes
    if not attributes:
        return False
    if "hidden" in attributes or _HIDDEN_STYLE.search(attributes.get("style") or ""):
        return True
    if (attributes.get("role") or "").strip().lower() in _ROLES:
        return True
    element_id = (attributes.get("id") or "").strip().lower()
    if element_id in _WIDGET_IDS:
        return True
    for name in (attributes.get("class") or "", element_id):
        words = {word.lower() for word in _SPLIT.findall(name)}
        if words & _WORDS or ("comment" in words and words & _COMMENT_WIDGET):
            return True
    return False


def article_root(tree: LexborHTMLParser) -> LexborNode | None:
    """The element holding a page's article; the whole body for a fragment or an unknown page.

    Among several candidates (an index page's articles) the one with the most text wins;
    candidates inside furniture (a related-posts box) never do.
    """
    for selector in _ARTICLE_SELECTORS:
        found = [node for node in tree.css(selector) if not _inside_furniture(node)]
        if found:
            return max(found, key=lambda node: len(node.text(deep=True) or ""))
    return tree.body


def _inside_furniture(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html"):
        if is_furniture(parent):
            return True
        parent = parent.parent
    return False
