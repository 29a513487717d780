"""French text analysis for lexical search: pure functions, no dependency beyond the standard library.

``tokenize(text)`` turns a text into :class:`Token`s (term + character span in the original text);
``analyze(text)`` returns just the terms. For each word-like run of the text:

1. NFKC (ligatures such as "ﬁ", full-width forms, no-break spaces), typographic apostrophes
   (’ ‘ ʼ ´ `) read as "'", quotes (« » “ ” „ ‹ ›) and other punctuation as separators;
2. case folding, then accent folding (é→e, ç→c, œ→oe, æ→ae, ß→ss);
3. elisions removed (l' d' j' m' n' s' t' c' qu' jusqu' lorsqu' puisqu' quoiqu' presqu'),
   any other apostrophe joins its two sides (a'urba → aurba, aujourd'hui → aujourdhui);
4. hyphens split (ville-campagne → ville campagne); after a prefix (co-, inter-, péri-, vice-,
   e-, socio-…) the joined form is emitted too (co-construction → coconstruction + construction),
   so that "coconstruction" and "co-construction" match each other;
5. French stop words removed (a compact list, plus a few English ones), one-letter fragments
   dropped (the "-e" of inclusive writing: élu-e, élu·e·s);
6. a conservative light stemmer (:func:`stem`): plural and feminine endings only.

Acronyms (2–5 letters, all capitals in the original: PNR, CA, SCoT) are never stemmed, and "CA"
survives the stop list although its folded form is the stop word "ça".

The stemmer is deliberately light (Savoy-style): it conflates collectivité/collectivités,
territorial/territoriaux/territoriale(s), coopération/coopérations, élu/élue/élus, but keeps
commune ≠ communs (the commons) ≠ communication, collectivités ≠ collections,
métropole ≠ métropolitain. Changing any rule changes the index: bump ``ANALYZER_VERSION``.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

ANALYZER_VERSION = "fr-light-1"

# Word-like runs: letters/digits joined by apostrophes or hyphens (which are handled inside).
_APOSTROPHES = "'’‘ʼ´`′"
_HYPHENS = "-‐‑"  # hyphen-minus, hyphen, non-breaking hyphen (not dashes: "Brest – COB")
_JOINERS = re.escape(_APOSTROPHES + _HYPHENS)
_RUN = re.compile(rf"[^\W_]+(?:[{_JOINERS}][^\W_]+)*")
_PART = re.compile(r"[^\W_]+")

ELISIONS = frozenset({"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu",
                      "quoiqu", "presqu"})

# Prefixes after which the hyphenated compound is also indexed joined (co-construction → coconstruction).
PREFIXES = frozenset({
    "co", "e", "re", "pre", "post", "inter", "intra", "extra", "supra", "infra", "trans", "multi",
    "pluri", "poly", "mono", "bi", "tri", "auto", "anti", "non", "semi", "demi", "mi", "contre", "ex",
    "vice", "peri", "quasi", "eco", "socio", "agro", "bio", "geo", "neo", "micro", "macro", "mini",
    "tele", "euro", "franco",
})  # not "de", "sur", "sous": place names (Île-de-France, Luc-sur-Aude) must split

# Compact French stop-word list (folded forms), plus a few English function words so that English
# queries are not dominated by "the/of/and". Deliberately excludes domain words ("pays", "ville").
STOP_WORDS = frozenset("""
a au aux avec ce ces cet cette ceci cela ca celle celles celui ceux chez comme dans de des du elle
elles en entre et eux il ils je la le les leur leurs lui ma mais me meme mes moi mon ne ni nos notre
nous on ou par pas pour qu que quel quelle quelles quels qui quoi sa sans se ses si son sont sur ta
te tes toi ton tu un une unes uns vos votre vous y est sont etait etaient ete etre avoir ont avait
avaient aura auront fait faire font peut peuvent doit doivent tout tous toute toutes autre autres
aussi plus moins tres bien deja encore ainsi alors donc dont ou la ici puis car lors afin selon
sous vers via apres avant depuis pendant comment pourquoi quand combien chaque cela celui-ci
aujourdhui ete sera seront soit parce lorsque puisque quelque quelques tel telle tels telles
memes aucun aucune chacun chacune
the of and or to in on for with by from at as is are was were be an this that these those what
which who how why when where do does did can could should would it its their there
""".split())

# Acronyms whose folded form is a stop word: kept when typed in capitals (CA = communauté
# d'agglomération, not "ça").
_PROTECTED_ACRONYMS = frozenset({"ca", "sa", "ce"})

# Words ending in -s/-x that are the same in the singular: never strip.
_INVARIANT = frozenset("""
pays fois temps corps avis parcours concours secours discours processus consensus campus virus
relais marais succes acces proces progres expres dessous dessus travers univers ailleurs toujours
jamais alors lors plusieurs tandis ours puits prix choix voix paix croix noix poids mois bois
""".split())

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "ŀ": "l"})


class Token(NamedTuple):
    """One analysed term and where it comes from in the original text.

    ``alt`` marks a bag-of-words extra (the parts of a prefixed compound, e.g. "construction" in
    "co-construction") that is indexed but skipped by phrase matching, whose sequence uses the
    joined form only.
    """

    term: str
    start: int
    end: int
    alt: bool = False


def fold(text: str) -> str:
    """Case- and accent-fold an already NFKC-normalised string (é→e, ç→c, œ→oe, ß→ss)."""
    text = text.casefold().translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def normalize(text: str) -> str:
    """NFKC, typographic apostrophes → "'", case and accent folding (no tokenisation)."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(f"[{re.escape(_APOSTROPHES)}]", "'", text)
    return fold(text)


def stem(word: str) -> str:
    """Conservative light stemming of one folded word: plural and feminine endings only.

    Only lowercase ASCII words longer than 3 letters are touched, and a stem is never shorter
    than 3 letters. Rules, in order: plural (-eaux→-eau, -aux→-al, -eux→-eu, -oux→-ou, -s→∅
    except -ss and invariant words), then one feminine/derivation rule (-ee→-e, -ale→-al,
    -elle→-el, -enne→-en, -onne→-on, -aine→-ain, -iere→-ier, -ive→-if, -trice→-teur,
    -euse→-eu, -ue→-u after a letter other than q/g). Nothing else: commune, communs,
    communication, collections, métropole and métropolitain keep distinct stems.
    """
    w = word
    if len(w) <= 3 or not w.isascii() or not w.isalpha() or w in _INVARIANT:
        return w
    # Plural.
    if w.endswith("eaux"):
        w = w[:-1]
    elif w.endswith("aux") and len(w) > 4:
        w = w[:-3] + "al"
    elif w.endswith(("eux", "oux")):
        w = w[:-1]
    elif w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) <= 3:
        return w
    # Feminine and a few derivations, at most one rule.
    for suffix, repl in _FEMININE:
        if w.endswith(suffix) and len(w) - len(suffix) + len(repl) >= 3 and len(w) > len(suffix) + 1:
            if suffix == "ue" and w[-3] in "qg":
                continue
            return w[: len(w) - len(suffix)] + repl
    return w


_FEMININE = (
    ("trice", "teur"), ("iere", "ier"), ("euse", "eu"), ("elle", "el"), ("enne", "en"),
    ("onne", "on"), ("aine", "ain"), ("ale", "al"), ("ive", "if"), ("ee", "e"), ("ue", "u"),
)


@lru_cache(maxsize=200_000)
def _word(part: str) -> tuple[str, bool]:
    """(folded form, is acronym) of one letters/digits run taken from the original text."""
    nfkc = unicodedata.normalize("NFKC", part)
    upper = sum(1 for ch in nfkc if ch.isupper())
    acronym = 2 <= len(nfkc) <= 5 and upper >= 2 and upper >= len(nfkc) - 1 and nfkc.isalpha()
    return fold(nfkc), acronym


@lru_cache(maxsize=200_000)
def term_of(part: str) -> str | None:
    """The index term for one letters/digits run of the original text, or None (stop word…)."""
    folded, acronym = _word(part)
    if not folded:
        return None
    if acronym:
        if folded in STOP_WORDS and folded not in _PROTECTED_ACRONYMS:
            return None
        return folded
    if folded in STOP_WORDS or (len(folded) == 1 and folded.isalpha()):
        return None
    return stem(folded)


def _is_prefix(part: str) -> bool:
    return _word(part)[0] in PREFIXES


def tokenize(text: str) -> list[Token]:
    """Analyse ``text`` into terms with their character spans in ``text`` (see the module doc)."""
    if not text:
        return []
    out: list[Token] = []
    for run in _RUN.finditer(text):
        s = run.group()
        if s.isalnum():  # the common case: one plain word
            term = term_of(s)
            if term:
                out.append(Token(term, run.start(), run.end(), False))
            continue
        base = run.start()
        # Letters/digits parts, each followed by an apostrophe or a hyphen (or the end).
        parts = [(m.start(), m.end()) for m in _PART.finditer(s)]
        # 1) apostrophes: drop elided articles/pronouns, join anything else (a'urba → aurba).
        words: list[tuple[str, int, int]] = []  # (raw text, start, end) of hyphen-separated words
        cur_text, cur_start, cur_end = "", None, None
        for i, (a, b) in enumerate(parts):
            piece = s[a:b]
            sep = s[b] if b < len(s) else ""
            if cur_start is None:
                cur_text, cur_start, cur_end = piece, a, b
            else:
                cur_text, cur_end = cur_text + piece, b
            if sep and sep in _APOSTROPHES:
                if _word(cur_text)[0] in ELISIONS:
                    cur_text, cur_start, cur_end = "", None, None
                continue
            words.append((cur_text, cur_start, cur_end))
            cur_text, cur_start, cur_end = "", None, None
        if cur_start is not None:
            words.append((cur_text, cur_start, cur_end))
        # 2) hyphens: split; a known prefix is also joined with the word that follows it.
        i = 0
        while i < len(words):
            raw, a, b = words[i]
            if i + 1 < len(words) and _is_prefix(raw) and len(words[i + 1][0]) >= 3:
                nraw, na, nb = words[i + 1]
                joined = term_of(raw + nraw)
                if joined:
                    out.append(Token(joined, base + a, base + nb))
                part_term = term_of(nraw)
                if part_term and part_term != joined:
                    out.append(Token(part_term, base + na, base + nb, alt=True))
                i += 2
                continue
            term = term_of(raw)
            if term:
                out.append(Token(term, base + a, base + b))
            i += 1
    return out


def index_terms(text: str) -> tuple[list[str], list[str]]:
    """(all terms, phrase-matching sequence) of ``text``, as :func:`tokenize` gives them, without
    building Token objects: the indexing fast path."""
    terms: list[str] = []
    seq: list[str] = []
    for s in _RUN.findall(text):
        if s.isalnum():
            term = term_of(s)
            if term:
                terms.append(term)
                seq.append(term)
            continue
        for tok in tokenize(s):
            terms.append(tok.term)
            if not tok.alt:
                seq.append(tok.term)
    return terms, seq


def analyze(text: str) -> list[str]:
    """The terms of ``text`` (bag-of-words extras included), in order."""
    return [t.term for t in tokenize(text)]


def phrase_terms(text: str) -> list[str]:
    """The term sequence used for phrase matching (no bag-of-words extras)."""
    return [t.term for t in tokenize(text) if not t.alt]
