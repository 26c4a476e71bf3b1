"""Markdown dialects (issue 15, items 9 and 10): MDX, admonitions, Zenn embeds, kramdown, Liquid.

What only builds the page goes; what its readers see stays, as Markdown. Line numbers of the
source hold, so notes still point at the right line.
"""

from __future__ import annotations

from core.model import Issue
from core.parsing import parse_issue
from core.parsing.dialects import strip_directives, strip_mdx
from core.profile import Profile


def mdx(text: str) -> Issue:
    return parse_issue(text.encode(), name="newsletter/300/index.mdx", profile=Profile.default())


def md(text: str) -> Issue:
    return parse_issue(text.encode(), name="2026-08-19.md", profile=Profile.default())


def blocks(issue: Issue) -> list[tuple[str, str]]:
    return [
        (block.kind.value, block.text)
        for section in issue.sections
        for item in section.items
        for block in item.blocks
    ]


def test_mdx_esm_comments_and_jsx_only_lines_go_and_wrapped_markdown_stays() -> None:
    issue = mdx(
        "---\ntitle: T\n---\n\nHi **all**.\n\n{/* truncate */}\n\n"
        'import Support from "../_support.mdx";\nimport {\n  Tabs,\n} from "@theme/Tabs";\n\n'
        "<Support />\n\n---\n\n## ⚛️ React {#react}\n\n"
        '<Tabs groupId="pm">\n<TabItem value="npm">\n\n```sh\nnpm i react\n```\n\n'
        "</TabItem>\n</Tabs>\n\n"
        '<BrowserWindow\n  url="/x"\n  style={{display: "flex"}}>\n\nInside the **wrapper**.\n\n'
        "</BrowserWindow>\n\n"
        "```js\nimport x from 'y';\n```\n\n"
        "```mdx-code-block\nimport Foo from '@site/foo';\n\n<Foo />\n```\n\n"
        "export const meta = {a: 1};\n\nThe end.\n"
    )
    assert [s.title for s in issue.sections] == ["T", "⚛️ React"]
    assert [s.key for s in issue.sections] == ["intro", "react"]
    assert blocks(issue) == [
        ("paragraph", "Hi all."),
        ("code", "npm i react"),
        ("paragraph", "Inside the wrapper."),
        ("code", "import x from 'y';"),  # in a code block, an import is code
        ("paragraph", "The end."),
    ]


def test_mdx_reduction_keeps_every_line_number() -> None:
    source = 'import A from "a";\nimport B from "b";\n\n# Title\n\n<A />\n\nText.\n'
    reduced = strip_mdx(source)
    assert reduced.count("\n") == source.count("\n")
    assert reduced.split("\n")[3] == "# Title"
    assert reduced.split("\n")[7] == "Text."


def test_admonitions_of_docusaurus_and_zenn_keep_their_text_and_titles() -> None:
    issue = md(
        "## S\n\n:::tip Preserving the cache\n\nKeep `.cache`.\n\n:::\n\n"
        ":::info[Heads up]\nInline title.\n:::\n\n"
        ":::message alert\n注意してください。\n:::\n\n"
        ":::details 詳細\n中身です。\n:::\n"
    )
    assert blocks(issue) == [
        ("paragraph", "Preserving the cache"),
        ("paragraph", "Keep .cache."),
        ("paragraph", "Heads up\nInline title."),
        ("paragraph", "注意してください。"),
        ("paragraph", "詳細\n中身です。"),
    ]


def test_zenn_embeds_become_links() -> None:
    issue = md(
        "## S\n\n@[card](https://zenn.dev/x/articles/abc)\n\n@[youtube](dQw4w9WgXcQ)\n\n"
        "@[kyo ago](https://twitter.com/kyo_ago)さんの話。\n"
    )
    [item] = issue.sections[0].items
    hrefs = [span.href for block in item.blocks for span in block.spans if span.href]
    assert hrefs == [
        "https://zenn.dev/x/articles/abc",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://twitter.com/kyo_ago",  # a mention, not an embed: stays as written
    ]
    assert item.blocks[-1].text == "@kyo agoさんの話。"


def test_kramdown_attribute_lists_and_markdown_inside_html() -> None:
    issue = md(
        "## 11月\n\n{:#secpperformance}\n\n- **比較:** 本文。\n{:.center}\n\n"
        '<table>\n  <tr>\n    <td markdown="span">\n\n    **Now**\n\n    </td>\n'
        '    <td markdown="span">Vulnerable</td>\n  </tr>\n</table>\n'
    )
    assert blocks(issue) == [
        ("bullet", "比較: 本文。"),
        ("paragraph", "Now"),
        ("paragraph", "Vulnerable"),
    ]


def test_liquid_and_hugo_tags_go_and_assigned_texts_are_put_in_place() -> None:
    issue = md(
        '{% assign S1 = "_S<sub>1</sub>_" %}\n\n## S\n\n状態 {{S1}} は新しい。\n\n'
        "{% include references.md %}\n\n{{page.excerpt}} Seen `{{ in code }}`.\n\n"
        '[Deno v1.46]({{< ref "articles/deno/v1.46.md" >}})を参照。\n'
    )
    assert blocks(issue) == [
        ("paragraph", "状態 S1 は新しい。"),
        ("paragraph", "Seen {{ in code }}."),
        ("paragraph", "Deno v1.46を参照。"),
    ]
    assert issue.sections[0].items[0].blocks[0].spans[1].italic


def test_directives_in_code_are_code() -> None:
    text = "```md\n:::tip\n{% include x %}\n{:.center}\n```\n"
    assert strip_directives(text) == text


def test_code_inside_an_mdx_code_block_stays_code() -> None:
    source = (
        '```mdx-code-block\nimport A from "a";\n\n```js\nimport x from "y";\n```\n\n<A />\n```\n'
    )
    assert strip_mdx(source) == '\n\n\n```js\nimport x from "y";\n```\n\n\n\n'
