"""Turning description HTML into text lines and `<strong>`-headed sections.

Flextender descriptions are free HTML typed by people: sections start with a block whose
whole text is bold (`<strong>`/`<b>`, sometimes inside `<h2>`), lists are `<ul>/<ol>` or
paragraphs that start with "- " or "1.", and an empty `<strong><br></strong>` is only
formatting. The walk is iterative (no recursion limit on deeply nested hostile input).
"""

from __future__ import annotations

from lxml import etree, html

from crawler.pages.raw import RawSection

BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "br",
        "tr",
        "table",
        "section",
        "article",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "dd",
        "dt",
        "hr",
        "header",
        "footer",
    }
)
BOLD_TAGS = frozenset({"strong", "b", "h1", "h2", "h3", "h4", "h5", "h6"})
SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template"})
MAX_HEADER_LENGTH = 120
INTRO_HEADER = "Omschrijving"


class _LineBuilder:
    """Collects text pieces into lines, remembering whether each piece was bold."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, bool]] = []
        self._pieces: list[str] = []
        self._all_bold = True

    def add(self, text: str | None, bold: bool) -> None:
        if text and not text.isspace():
            self._pieces.append(text)
            self._all_bold = self._all_bold and bold

    def flush(self, list_item: bool = False) -> None:
        if self._pieces:
            line = " ".join("".join(self._pieces).split())
            if line:
                self.lines.append(
                    (f"- {line}" if list_item else line, self._all_bold and not list_item)
                )
        self._pieces = []
        self._all_bold = True


def text_lines(root: etree._Element) -> list[tuple[str, bool]]:
    """(line, is_bold_only) for every block of text under `root`, in document order.
    List items come out as "- item", so the plain text keeps its bullets."""
    builder = _LineBuilder()
    bold_depth = 0
    skip_depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is None:  # comments and processing instructions: only their tail is text
            if event == "end" and skip_depth == 0:
                builder.add(element.tail, bold_depth > 0)
            continue
        tag = tag.lower()
        if event == "start":
            if tag in SKIPPED_TAGS:
                skip_depth += 1
                continue
            if skip_depth:
                continue
            if tag in BLOCK_TAGS:
                builder.flush()
            if tag in BOLD_TAGS:
                bold_depth += 1
            builder.add(element.text, bold_depth > 0)
        else:
            if tag in SKIPPED_TAGS:
                skip_depth -= 1
            elif skip_depth:
                continue
            else:
                if tag in BOLD_TAGS:
                    bold_depth -= 1
                if tag in BLOCK_TAGS:
                    builder.flush(list_item=tag == "li")
            if element is not root and skip_depth == 0:
                builder.add(element.tail, bold_depth > 0)
    builder.flush()
    return builder.lines


def split_sections(lines: list[tuple[str, bool]]) -> tuple[RawSection, ...]:
    """Group lines under the preceding bold-only line; text before any header goes under
    `INTRO_HEADER`."""
    sections: list[RawSection] = []
    header: str | None = None
    body: list[str] = []

    def close() -> None:
        if header is not None or body:
            sections.append(RawSection(header or INTRO_HEADER, tuple(body)))

    for line, bold_only in lines:
        if bold_only and len(line) <= MAX_HEADER_LENGTH and not line.endswith("."):
            close()
            header, body = line.rstrip(":").strip(), []
        else:
            body.append(line)
    close()
    return tuple(sections)


def description_sections(root: etree._Element | None) -> tuple[RawSection, ...]:
    if root is None:
        return ()
    return split_sections(text_lines(root))


def fragment_sections(markup: str) -> tuple[RawSection, ...]:
    """Sections of an HTML fragment such as the API's `omschrijving`."""
    if not markup or markup.isspace():
        return ()
    try:
        root = html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return ()
    return description_sections(root)
