"""Words hyphenated at a line's end, as hard-wrapped text exported from a PDF has them (« Communau-\\n
té », « Meurthe-et-\\nMoselle »). The hyphen goes when a lowercase syllable follows a word's start
(« Commu-\\nnauté », « Pré-\\nfecture »); it stays between two parts of a compound name (« Saint-\\n
Brieuc », « Pays-\\nde-Loire »). Pure functions of the text."""
from __future__ import annotations

import re

__all__ = ["dehyphenate", "join_hyphenated_lines"]

# « -et- », « -sur- »: the parts of a compound name
_PARTS = r"(?:et|en|sur|sous|lès|les|le|la|de|du|des|aux)[-‐‑]"
_LINE_END_HYPHEN = re.compile(r"([-‐‑])\n[ \t]*")
_SPLIT_SYLLABLE = re.compile(
    rf"(?<![^\W\d_])((?!{_PARTS})[A-Za-zÀ-ÿ][a-zà-ÿ]*)[-‐‑]\n[ \t]*(?!{_PARTS})(?=[a-zà-ÿ])")
# a word's end hyphenated at a line's end, the rest of the word on the next line, and the space after it
_WRAPPED_WORD = re.compile(r"(?<=[^\W\d_])([-‐‑])\n([ \t]*)([^\W\d_]+(?:[-‐‑][^\W\d_]+)*[,.;:!?)»]*)[ \t]?")


def dehyphenate(text: str) -> str:
    """``text`` with its words hyphenated at line ends joined again, on one line."""
    return _LINE_END_HYPHEN.sub(r"\1", _SPLIT_SYLLABLE.sub(r"\1", text))


def join_hyphenated_lines(text: str) -> str:
    """``text`` with each word hyphenated at a line's end written whole on the first line, and the
    rest of the next line kept on the next line (« Blavet Bellevue Océan Communau-\\nté (BBO), Roi » →
    « Blavet Bellevue Océan Communauté\\n(BBO), Roi »): the line structure stays, the words are whole.
    A syllable split loses its hyphen only when the text writes the whole word elsewhere."""
    words = None

    def join(m: re.Match) -> str:
        nonlocal words
        start = text.rfind("\n", 0, m.start()) + 1
        head = re.search(r"[^\W\d_]+$", text[start:m.start()])
        first = head.group() if head else ""
        word = dehyphenate(f"{first}{m.group(1)}\n{m.group(3)}")
        if not word.startswith(first + m.group(1)):
            # a syllable split: only when the document writes the whole word elsewhere (« communauté »);
            # otherwise a compound keeps its hyphen (« ville-\ncampagne »)
            if words is None:
                words = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
            joined = re.match(r"[^\W\d_]+", word).group()
            if joined.lower() not in words:
                word = f"{first}{m.group(1)}{m.group(3)}"
        return word[len(first):] + "\n" + m.group(2)
    return _WRAPPED_WORD.sub(join, text)
