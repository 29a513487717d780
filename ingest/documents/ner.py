"""spaCy's named entities as mentions: which ORG and LOC entities the gazetteer and the institution
rules did not cover become actor / territory candidates (trimmed of determiners, role words and
markup; capitalised common words, type names alone and generic words dropped), linked to the base
when possible, and which one-word territory hits an entity replaces. Also loads the NER-only
pipeline (:func:`load_nlp`).
"""
from __future__ import annotations

import re
from functools import lru_cache

from search.text import STOP_WORDS, fold

from .confidence import CONF_NER, CONF_NER_EXACT, CONF_NER_FUZZY
from .gazetteer import AMBIGUOUS_SINGLE, SKIP_SINGLE, is_acronym
from .lexicon import Lexicon
from .linking import Link, Linker, name_key
from .model import Candidate, Document, Mention
from .patterns import GENERIC_WORDS
from .persons import person
from .text_util import _clean

DEFAULT_SPACY_MODEL = "fr_core_news_md"


@lru_cache(maxsize=2)
def load_nlp(model: str = DEFAULT_SPACY_MODEL):
    """The spaCy pipeline for NER, loaded once per process (≈6 s). Only the ``ner`` component is
    kept (``fr_core_news_md``'s NER has its own tok2vec and uses the static vectors): tagging,
    parsing, lemmatising and the disabled sentence segmenter are excluded — not loaded at all —,
    which roughly doubles the throughput (see :mod:`.extract`'s module doc)."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a pinned dependency
        raise RuntimeError("spaCy is not installed: pip install -r requirements.txt") from exc
    try:
        info = spacy.info(model) if hasattr(spacy, "info") else {}
    except Exception:  # noqa: BLE001 - spacy.info raises various errors for missing packages
        info = {}
    # "components" also lists the disabled ones (fr_core_news_md's "senter"), which "pipeline" omits:
    # excluded, they are not even loaded.
    components = info.get("components") or info.get("pipeline") or \
        ["tok2vec", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer", "ner"]
    try:
        return spacy.load(model, exclude=[c for c in components if c != "ner"])
    except OSError as exc:
        raise RuntimeError(f"spaCy model {model!r} is not installed: pip install {model.replace('_', '-')} "
                           f"(it is pinned in requirements.txt)") from exc


_DETERMINERS = re.compile(r"^(?:(?:la|le|les|du|des|de|au|aux|un|une|en)\s+|(?:l|d)['’])", re.IGNORECASE)
_NER_LABELS = {"ORG": "actor", "LOC": "territory"}


_ENTITY_STOP = re.compile(r"[\n\t•✓→<>|«»\"“”()\[\]]")
_LINE_START = re.compile(r"(?:^|[\n\t.!?:;•✓→«\"(\-–])\s*$")


# Role words before a name in a NER span ("Elus CLE"): the name is what follows.
_ROLE_PREFIX = re.compile(r"^(?:[ÉEée]lu(?:e)?s?|[Pp]r[ée]sidente?s?|[Mm]aires?|[Aa]gents?|[Tt]echniciens?)"
                          r"\s+(?=\S)")
# A capitalised common noun glued after an acronym by a lost line break ("ADEME Préexistence d'une…").
_COMMON_SUFFIX = r"(?:tion|sion|ence|ance|ment|isme|it[ée]|ure|age|eur|esse)s?"
_ACRONYM_THEN_COMMON = re.compile(rf"\b([A-Z][A-Z0-9]{{1,9}})\s+([A-ZÀ-ÝŒ][a-zà-ÿœ]{{3,}}{_COMMON_SUFFIX})\b")


def _trim_entity(text: str, s: int, e: int, known: frozenset[str] = frozenset()) -> tuple[int, int] | None:
    """The entity span without leading determiners and role words ("Elus CLE" → "CLE") and
    trailing punctuation, cut at the first line break, bullet, bracket or markup character and at
    a capitalised common noun after an acronym ("ADEME Préexistence" → "ADEME"; not a word of
    ``known`` names: "DRAAF Provence"); None when too short."""
    seg = text[s:e]
    cut = _ENTITY_STOP.search(seg)
    if cut is not None:
        if cut.start() == 0:  # "(COB": skip the opening character
            return _trim_entity(text, s + 1, e) if e - s > 1 else None
        seg = seg[:cut.start()]
    glued = _ACRONYM_THEN_COMMON.search(seg)
    if glued is not None and fold(glued.group(2)) not in known:
        seg = seg[:glued.end(1)]
    while True:
        m = _DETERMINERS.match(seg) or _ROLE_PREFIX.match(seg)
        if not m:
            break
        s += m.end()
        seg = seg[m.end():]
    stripped = seg.rstrip(" ,.;:!?'’-–")
    lead = len(stripped) - len(stripped.lstrip(" '’-–"))
    s, e = s + lead, s + len(stripped)
    return (s, e) if e - s >= 3 else None


def _name_like(text: str, s: int, e: int) -> bool:
    """A proper name rather than a capitalised common word: an acronym, or a capitalised word not
    at the start of a line or sentence, or several capitalised words."""
    words = [w for w in re.split(r"[\s'’]+", text[s:e]) if w]
    caps = [w for w in words if w[:1].isupper() and fold(w) not in STOP_WORDS]
    if not caps:
        return False
    if len(caps) == 1 and fold(caps[0]) in GENERIC_WORDS:
        return False  # "Communautés de communes sur 3 départements"
    if any(is_acronym(w) for w in words):
        return True
    at_start = bool(_LINE_START.search(text[max(0, s - 40):s]))
    return len(caps) >= 2 or not at_start


def _name_words(lexicon: Lexicon) -> frozenset[str]:
    """Folded words of the actors' and territories' labels ("provence", "bretagne")."""
    words = lexicon.cache.get("name_words")
    if words is None:
        words = frozenset(fold(w) for kind in ("actor", "territory") for e in lexicon.by_kind(kind)
                          for label in e.french_labels for w in re.split(r"[\s'’-]+", label) if w)
        lexicon.cache["name_words"] = words
    return words


def _type_words(lexicon: Lexicon) -> frozenset[str]:
    """Keys of the class labels ("PNR", "syndicat mixte"): a type named alone is not an actor."""
    words = lexicon.cache.get("type_words")
    if words is None:
        words = frozenset(name_key(label) for kind in ("actor_type", "instrument_type")
                          for e in lexicon.by_kind(kind) for label in e.french_labels)
        lexicon.cache["type_words"] = words
    return words


_LINE_LABEL = re.compile(r"[ \t]*(?:[-–•*][ \t]+)?(?:\*\*|__)?(?P<label>[^\n:*_]{1,40}?)(?:\*\*|__)?[ \t]*:")


def line_label(text: str, s: int, e: int) -> bool:
    """The entity ``text[s:e]`` is the label (three words at most) of a « Label : content » line whose
    first word the document also writes in lower case (« **Partenaire** : … », « Aide régionale : … »):
    a common noun spaCy took for a name, not a body (« **Lorient Agglomération** : porteur » is kept)."""
    m = _LINE_LABEL.match(text, text.rfind("\n", 0, s) + 1)
    if m is None or not (m.start("label") <= s and e <= m.end("label")) or len(m.group("label").split()) > 3:
        return False
    first = re.match(r"[^\W\d_]+", m.group("label"))
    if first is None or not first.group()[0].isupper():
        return False
    return re.search(rf"(?<![\w-]){re.escape(first.group().lower())}", text) is not None


def ner_mentions(nlp, document: Document, candidate: Candidate, mentions: list[Mention],
                  linker: Linker) -> tuple[list[Mention], set[int]]:
    """Mentions for the ORG/LOC entities no earlier step covered, and the indexes (in
    ``mentions``) of the one-word territory hits an entity replaces ("Bretagne" inside
    "Quimper Bretagne Occidentale")."""
    text = document.text
    taken = [(m.start, m.end) for m in mentions]
    replaced: set[int] = set()
    doc = nlp(text[candidate.start:candidate.end])
    type_words = _type_words(linker.lexicon)
    out = []
    for ent in doc.ents:
        kind = _NER_LABELS.get(ent.label_)
        if kind is None:
            continue
        span = _trim_entity(text, candidate.start + ent.start_char, candidate.start + ent.end_char,
                            _name_words(linker.lexicon))
        if span is None:
            continue
        s, e = span
        surface = text[s:e]
        if not _name_like(text, s, e) or line_label(text, s, e) or person(text, s, e):
            continue
        words = [w for w in re.split(r"[\s'’-]+", fold(surface)) if w]
        if all(w in STOP_WORDS or w in SKIP_SINGLE or w in AMBIGUOUS_SINGLE for w in words):
            continue
        if name_key(surface) in type_words:
            continue
        over = [i for i, (ts, te) in enumerate(taken) if not (e <= ts or s >= te)]
        if over:
            if all(i < len(mentions) and mentions[i].kind == "territory" and mentions[i].method == "gazetteer"
                   and " " not in mentions[i].text.strip() and s <= mentions[i].start and mentions[i].end <= e
                   and mentions[i].end - mentions[i].start < e - s for i in over):
                replaced.update(over)
            else:
                continue
        link: Link | None = None
        link_kind = kind
        for k in (kind, "actor" if kind == "territory" else "territory"):
            link = linker.link(surface, kind=k)
            if link is not None:
                link_kind = k
                break
        if link is not None:
            entry = linker.lexicon.get(link.iri)
            conf = CONF_NER_EXACT if link.method == "gazetteer" else CONF_NER_FUZZY
            if link_kind == "actor":
                out.append(Mention("actor", surface, s, e, link.method, conf, link.iri, None, entry.types, (),
                                   entry.territory))
            else:
                out.append(Mention("territory", surface, s, e, link.method, conf, link.iri))
        else:
            out.append(Mention(kind, surface, s, e, "ner", CONF_NER, None, _clean(surface)))
        taken.append((s, e))
    return out, replaced
