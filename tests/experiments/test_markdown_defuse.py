import markdown
import pytest

from experiments.markdown.defuse import MAX_BRACKET_DEPTH, defuse
from experiments.markdown.html import EXTENSIONS, markdown_to_html, sanitise


def without_defuse(text: str) -> str:
    return sanitise(markdown.markdown(text, extensions=EXTENSIONS))


@pytest.mark.parametrize(
    "text",
    [
        "[docs](https://example.com) and ![plot](https://example.com/p.png)",
        "[![plot](https://example.com/p.png)](https://example.com)",
        "[ref] and [other][ref]\n\n[ref]: https://example.com",
        "- [ ] sweep lr\n- [x] baseline",
        "a <b>bold</b> <http://example.com> <me@example.com>",
        "<!-- hidden --> text",
        "\\[not a link](u) and \\\\[a link](u)",
        "```python\nx = [[1, 2], [3]]\n```",
    ],
)
def test_defuse_leaves_ordinary_markdown_unchanged(text):
    assert defuse(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "a [ b [link](https://example.com) c",
        "x < y and y > z, lr<0.1",
        "if a<b and c<d then",
        "`a[` and [b](u)",
        "x<y<z>",
        "[a](http://x?a<b)",
        "<!-- a < b < c --> text",
        "```\nx = [\nif a < b:\n```",
        "| a | b |\n|---|---|\n| [x](u) [ | < |",
        "text ] stray [",
        "<div>\na < b < c\n</div>",
    ],
)
def test_defused_text_renders_as_markdown_renders_the_original(text):
    assert defuse(text) != text
    assert markdown_to_html(text) == without_defuse(text)


def test_innermost_link_survives_deep_bracket_nesting():
    html = markdown_to_html("[[[[[[deep](https://example.com)]]]]]")
    assert '<a href="https://example.com" rel="noopener noreferrer">deep</a>' in html
    assert html.startswith("<p>[[[[[") and html.endswith("]]]]]</p>")


def test_unmatched_brackets_and_unclosed_tags_are_all_defused():
    assert "[" not in defuse("[" * 1000 + "![" * 1000)
    assert "<" not in defuse("<a " * 1000 + "<http://" * 1000)


def test_nested_brackets_keep_only_the_innermost_levels():
    defused = defuse("[" * 1000 + "x" + "]" * 1000)
    assert defused.count("[") == defused.count("]") == MAX_BRACKET_DEPTH


def test_pathological_brackets_come_back_as_text():
    html = markdown_to_html("[" * 5000 + "<a " * 100)
    assert html == "<p>" + "[" * 5000 + "&lt;a " * 100 + "</p>"


def test_placeholder_characters_typed_by_a_user_stay_inert():
    assert markdown_to_html("a\ue000b\ue002c") == "<p>a\ufffdb\ufffdc</p>"
