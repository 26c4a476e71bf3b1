"""Splitting issues into posts that fit each platform (see ``split_issue``)."""

from core.splitting.limits import Limits, Measure, plain_measure, utf16_len

__all__ = ["Limits", "Measure", "plain_measure", "utf16_len"]
