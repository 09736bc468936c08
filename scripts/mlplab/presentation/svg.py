"""SVG figures placed inline in our self-contained HTML pages (the report, the comparison page)."""

from __future__ import annotations

import re


def inline_svg(text: str) -> str:
    """An SVG document as an element to place in HTML: without the XML declaration and DOCTYPE (which
    names a DTD by URL), the RDF metadata block and comments, which a browser ignores anyway."""
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    text = re.sub(r"<!--.*?-->\s*", "", text, flags=re.DOTALL)
    return text.strip()
