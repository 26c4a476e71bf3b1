"""Splitting issues into posts that fit each platform (see ``split_issue``)."""

from core.splitting.body import slice_spans
from core.splitting.limits import Limits, Measure, plain_measure, utf16_len
from core.splitting.links import long_links
from core.splitting.packer import LimitsTooSmall
from core.splitting.sentences import (
    grapheme_bounds,
    graphemes,
    phrase_bounds,
    phrases,
    sentence_bounds,
    sentences,
    url_spans,
)
from core.splitting.splitter import split_issue, split_item, split_section

__all__ = [
    "Limits",
    "LimitsTooSmall",
    "Measure",
    "grapheme_bounds",
    "graphemes",
    "long_links",
    "phrase_bounds",
    "phrases",
    "plain_measure",
    "sentence_bounds",
    "sentences",
    "slice_spans",
    "split_issue",
    "split_item",
    "split_section",
    "url_spans",
    "utf16_len",
]
