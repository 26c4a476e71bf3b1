"""Properties of the splitter over generated issues and limits (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.model import Issue
from core.splitting import Limits, graphemes, phrases, sentences, split_issue
from tests.core.splitting.strategies import check_posts, issues, limits, texts

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(issue=issues(), limits_=limits())
def test_every_post_fits_and_nothing_is_lost_or_repeated(issue: Issue, limits_: Limits) -> None:
    check_posts(issue, split_issue(issue, limits_), limits_)


@SETTINGS
@given(text=texts(max_tokens=12) | st.text())
def test_segmenters_give_the_text_back(text: str) -> None:
    for segment in (sentences, phrases, graphemes):
        assert "".join(segment(text)) == text
