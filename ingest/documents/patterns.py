"""Rules that recognise French institutional names and type them with an ontology class.

spaCy's French models tag "Brest Métropole" as a place and miss "agglomération grenobloise"; the
names of French public bodies follow a few fixed shapes, which these rules read directly.
The heads and their classes are the table of :mod:`.heads`; besides them, « X (Pays) », « X (PETR) »,
« X (PNR) », « X (SCoT) » take the class in parentheses, « l'État » (capitalised, after the elided
article) is coop:StateActor, national bodies are read by their acronym (« ADEME », « DDT de la
Somme ») and cross-border bodies by their foreign heads (:mod:`.foreign`).

Where the name ends: after the type words, a name is a run of capitalised words and acronyms
(hyphenated compounds are one word: "Mont-Saint-Michel", "Côtes-d'Armor"), joined by the
connectors de/du/des/d'/la/le/les/l'; it stops at punctuation, at "et" (unless a bold run or a
list item / table cell encloses the whole name: "**Communauté de communes Fier et Usses**"), at a
number, at a tab
(a table cell), at a line break not preceded by a connector, and at the first lowercase word (an
ethnic adjective right after the name is its last word: "Pôle métropolitain du Genevois français"); a
name made of type words only ("des Pays") is no name. A few heads
whose names often start with common nouns (syndicat mixte, agence d'urbanisme, conseil de
développement, métropole, pôle métropolitain) may bridge, before the first capitalised word, up to
four lowercase words (one adjective when no connector precedes them) when a connector and a
capitalised word follow ("syndicat mixte du bassin versant de l'Ardèche",
"Métropole européenne de Lille"). Suffix shapes ("Brest métropole", "Grand Chalon Agglo") read at
most four capitalised words backwards and drop sentence-initial function words ("Avec").
An ethnic adjective instead of a name ("agglomération grenobloise", "métropole bordelaise",
"pôle métropolitain lyonnais") gives a *weak* match. When matches overlap, the longest wins
("communauté de communes du Pays de Landivisiau" is one community, not a Pays).

Everything here is a pure function of the text: :func:`find_institutions` returns
:class:`InstitutionMatch` values (span, class, normalised name). Institutions named by their type
only ("l'agglomération", "les communes") are read by :mod:`.nouns`; the préfecture towns (a bare
pair « X et Y » never ends in one) by :mod:`.towns`.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from typing import NamedTuple

from rdflib import URIRef

from ontology.namespace import COOP
from search.text import STOP_WORDS, fold

from .acronyms import with_acronyms
from .casing import in_usual_case
from .foreign import find_foreign
from .heads import APOS as _APOS, E as _E, RULES, SYNDICAT_PURPOSE, UPPER as _UPPER, Rule
from .hyphens import dehyphenate
from .prepositions import with_de
from .towns import find_towns


class InstitutionMatch(NamedTuple):
    start: int  # span in the text (type words included)
    end: int
    text: str  # == text[start:end]
    cls: URIRef  # the actor class
    name: str  # normalised name: abbreviations expanded, spaces collapsed, capitalised
    core: str  # the proper-name part, without the type words ("Pays de Landivisiau", "Brest")
    rule: str  # which rule matched (see RULES)
    weak: bool = False  # an adjective, not a name ("agglomération grenobloise")


# ----------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    rf"(?P<elision>(?<![^\W\d_])(?:[dDlL]|[Qq]u)[{_APOS}](?=[^\W\d_]))"
    # a hyphen at a line's end joins the two lines' parts of one word (« Meurthe-et-\nMoselle »)
    # « Val'Eyrieux », « La Grand'Combe »: an apostrophe inside a name, before a capital
    rf"|(?P<word>[^\W_]+(?:(?:[-‐‑](?:\n[ \t]*)?(?:[dDlL][{_APOS}])?|[{_APOS}](?=[{_UPPER}]))[^\W_]+)*)"
    r"|(?P<nl>[\n\t]| {3,})"  # a line break, a tab, a column gap of three spaces or more
    r"|(?P<punct>[^\w\s])"
)
CONNECTORS = frozenset({"de", "du", "des", "la", "le", "les", "d'", "l'"})


@dataclass(frozen=True)
class _Tok:
    kind: str  # elision | word | nl | punct
    text: str
    start: int
    end: int

    @property
    def folded(self) -> str:
        t = self.text
        if self.kind == "elision":
            return fold(t[:-1]) + "'"
        return fold(t)

    @property
    def connector(self) -> bool:
        return self.kind in ("word", "elision") and self.folded in CONNECTORS

    @property
    def capitalised(self) -> bool:  # « Cognac », and names starting with a digit: « 4B »
        t = self.text
        return self.kind == "word" and (t[0].isupper() or (t[0].isdigit() and any(c.isupper() for c in t)))

    @property
    def lowercase(self) -> bool:
        return self.kind == "word" and self.text[0].islower()


_INDEFINITE_BEFORE = re.compile(r"(?<![\w'’])(?:une?|chaque|toute|aucune?)\s+$", re.IGNORECASE)
_ACRONYM_SOON = re.compile(r"[^.;:()\n]{0,80}\([A-ZÀ-Ý][A-Za-zÀ-ÿ]*[A-ZÀ-Ý]\)")


def _tokens(text: str, start: int, end: int) -> list[_Tok]:
    """The tokens of text[start:end]; a line's indentation is no column gap (it follows the break); a small
    number between a connector and a capitalised word is one word with it (« des 4 Rivières »)."""
    toks: list[_Tok] = []
    for m in _TOKEN.finditer(text, start, end):
        if m.lastgroup == "nl" and m.group()[0] == " " and toks and toks[-1].text == "\n" and toks[-1].end == m.start():
            continue
        if m.lastgroup == "word" and m.group()[:1].isupper() and len(toks) >= 2 and _NUMBER_WORD.fullmatch(toks[-1].text) \
                and toks[-1].end + 1 == m.start() and text[toks[-1].end] == " " and toks[-2].connector:
            toks[-1] = _Tok("word", text[toks[-1].start:m.end()], toks[-1].start, m.end())
            continue
        toks.append(_Tok(m.lastgroup, m.group(), m.start(), m.end()))
    return toks


_NUMBER_WORD = re.compile(r"\d{1,2}")



# Ethnic/place adjectives ("grenobloise", "bordelaise", "bisontine", "rennaise", "lyonnais") and
# common adjectives with the same endings that are not.
_DEMONYM = re.compile(r"(?:ois|oise|ais|aise|ine|in|ien|ienne|ain|aine|een|eenne|an|ane)s?$")
_NOT_DEMONYM = frozenset("""
urbain urbaine urbains urbaines voisin voisine voisins voisines certain certaine certains certaines prochain
prochaine lointain lointaine humain humaine souverain souveraine mais jamais frais anglais francais francaise
moyen moyenne ancien ancienne quotidien quotidienne plein pleine fin fine divin divine interne externe
americain americaine africain africaine republicain republicaine medecin marin marine rural rurale
""".split())

# Capitalised words that start a sentence rather than a name (besides the stop words).
_SENTENCE_WORDS = frozenset("""
avec entre pour par dans sur sous vers chez depuis selon ainsi enfin puis alors or donc mais et ou
exemple exemples partenaires partenaire acteurs acteur objet enjeux ambitions contexte signataires membres
pilote pilotage porteur financeurs animation beneficiaires
""".split())

# A name made of these words only is a type, not a name ("conseils de développement des Pays").
GENERIC_WORDS = frozenset("""
pays region regions departement departements metropole metropoles communaute communautes commune communes
ville villes agglomeration agglomerations territoire territoires etat france scot pnr petr parc parcs
syndicat syndicats intercommunalite intercommunalites collectivite collectivites epci leader
""".split())

# A plural head after a plural determiner names several bodies ("les communautés de communes du
# Pays de Brest", "des syndicats mixtes de l'Ardèche"): a collective noun (nouns.find_descriptions).
# a plural head, or a kind's acronym after a plural determiner (« la plateforme des GECT du Comité européen
# des régions »)
_PLURAL_HEAD = re.compile(r"(?i:communaut[eé]s\s|syndicats\s|parcs\s|agences\s|conseils\s|p[oô]les\s)|CCs\b"
                          r"|(?:GECT|GLCT|PETR|PNR|SCoT|EPCI)\s+(?:du|de|des)\s")
_PLURAL_DET_BEFORE = re.compile(r"(?i:\b(?:les|des|aux|ces|leurs|plusieurs|quelques|autres|\d+|deux|trois|quatre|cinq))"
                                r"\s+$")

_MAX_SUFFIX_WORDS = 4
_MAX_PREFIX_WORDS = 10
_MAX_BRIDGE = 4


def _is_name_word(t: _Tok) -> bool:
    return t.capitalised


def _joins_common_nouns(toks: list[_Tok], k: int) -> bool:
    """Token k joins two common nouns inside a body's name: « transports en commun », « d'osiériculture
    et de vannerie », « de l'énergie et du climat » (« et » then de/d'/du/des and a common noun; not
    « et de la Région »)."""
    nxt = toks[k + 1] if k + 1 < len(toks) else None
    if toks[k].folded == "en":
        return nxt is not None and nxt.folded == "commun"  # not « en charge du SCoT »
    if toks[k].folded == "et" and nxt is not None and nxt.folded in ("de", "d'", "du", "des") and k + 2 < len(toks):
        after = toks[k + 2]
        return after.lowercase and not after.connector and after.folded not in STOP_WORDS
    return False


def _bridge(toks: list[_Tok], k: int, wide: int = 0) -> int | None:
    """From a lowercase word at k: the index of the capitalised word reached through at most
    _MAX_BRIDGE lowercase words (one only, an adjective, when no connector precedes them:
    "Métropole européenne de Lille"; ``wide`` words whatever precedes, for the heads whose names
    are long descriptions: "Centre régional de la propriété forestière de …") and a connector right
    before it, or None."""
    lowers = 0
    limit = wide or (_MAX_BRIDGE if k > 0 and toks[k - 1].connector else 1)
    j = k
    while j < len(toks):
        t = toks[j]
        if t.connector:
            j += 1
            continue
        if t.lowercase and _joins_common_nouns(toks, j):
            j += 1
            continue
        if t.lowercase:
            lowers += 1
            if lowers > limit or t.folded in STOP_WORDS:
                return None
            j += 1
            continue
        if _is_name_word(t) and toks[j - 1].connector:
            return j
        return None
    return None


# Lowercase words that join the parts of a place name written without hyphens ("Bourg en Bresse",
# "Luc sur Aude", "Vire au Noireau", "Saint-Pierre lès Nemours"; "lès" and "les" are connectors already).
PLACE_LINKS = frozenset({"en", "sur", "sous", "au", "aux"})  # also « Vire au Noireau »
# Words after "en" that make a location, not a place name ("Landivisiau en Bretagne").
_NOT_PLACE_AFTER_EN = frozenset("""
france europe bretagne normandie occitanie bourgogne provence alsace lorraine aquitaine nouvelle-aquitaine
auvergne limousin picardie corse ile-de-france hauts-de-france grand-est centre-val ardeche gironde finistere
savoie isere dordogne vendee ardenne ardennes wallonie belgique suisse
""".split())


def _place_link(toks: list[_Tok], k: int, end: int | None) -> bool:
    """Token k is a lowercase en/sur/sous right after a name word and before a capitalised word
    that is not a region or a country ("Bourg en Bresse", not "Landivisiau en Bretagne") nor a type
    word ("… Bresse au Syndicat mixte"); or « à » after a name word that follows « l' » (« De l'Oust
    à Brocéliande », not « de Lannion à Lannion-Trégor Communauté »)."""
    t = toks[k]
    if t.kind != "word" or end != k or k + 1 >= len(toks):
        return False
    from_place = t.text == "à" and k >= 2 and toks[k - 2].kind == "elision" and toks[k - 2].connector
    if t.text not in PLACE_LINKS and not from_place:
        return False
    nxt = toks[k + 1]
    if not _is_name_word(nxt) or nxt.connector or nxt.folded in GENERIC_WORDS:
        return False  # « … Saône Doubs Bresse au Syndicat mixte »: a body's type word starts another name
    return not (t.text == "en" and nxt.folded in _NOT_PLACE_AFTER_EN)


_WRAP_MIN = 60  # characters: a line at least this long, broken before the next word, is wrapped prose
_WRAP_LONG = 85  # characters: a line this long is wrapped prose even with no long line above it


def _wrapped(toks: list[_Tok], k: int) -> bool:
    """Token k (a line break) wraps a name: the line before it and the one above that are long prose
    (not list items), and the next line goes on with a capitalised word that is not a sentence word,
    a connector (« le Syndicat\nde l'Ouest lyonnais ») or a lowercase word (« de l'agglomération\n
    lyonnaise »: the name goes on only through the words that may be part of it); not a table's row."""
    if k + 1 >= len(toks) or toks[k + 1].kind not in ("word", "elision"):
        return False
    nxt = toks[k + 1].folded
    if toks[k + 1].capitalised and (nxt in STOP_WORDS or nxt in _SENTENCE_WORDS):
        return False
    # the broken line and the line above it, in the same paragraph, are both long: wrapped prose,
    # not a slide title over its first sentence (« … à Bordeaux Métropole\nTravail partenarial … »)
    # A single line of prose long enough (no column gap in it) is wrapped whatever is above it: an
    # article's first line under its heading (« Article 1er\nEst autorisée … la communauté de
    # communes Saône Doubs\nBresse au Syndicat mixte … »).
    end = k
    for n in range(2):
        if end < 1:
            return False
        first = end
        while first > 0 and not (toks[first - 1].kind == "nl" and toks[first - 1].text == "\n"):
            first -= 1
        if first == end or toks[end].start - toks[first].start < _WRAP_MIN:
            return False
        head = toks[first]
        if (head.kind == "punct" and head.text in "-–—•*✓" or head.text.isdigit() and toks[first + 1].text in ".)") \
                and not (_hanging(toks, end) and (n == 1 or not toks[k + 1].capitalised)):
            # a list item, unless wrapped onto an indented line that goes on with a connector (« 1. … le PETR Pays
            # Portes\n   de Gascogne »; not « 7. Convention avec le Syndicat mixte du Parc …\n   Rapporteur : … »)
            return False
        if n == 0 and any(t.kind == "nl" and t.text == "\t" for t in toks[first:end]):
            return False  # a table's row (« Collectivités bénéficiaires\tCC …, Communauté de communes Sud Estuaire »)
        if n == 0 and toks[end].start - toks[first].start >= _WRAP_LONG \
                and not any(t.kind == "nl" for t in toks[first:end]):
            return True
        end = first - 1
    return True


_HANGING = 2  # spaces: a line this indented under a list item goes on with the item's text


def _hanging(toks: list[_Tok], k: int) -> bool:
    """The line after token k (a line break) is indented: a list item's text wrapped with a hanging
    indent (« 1. On part … à trois territoires : le PETR Pays Portes\n   de Gascogne, le PETR … »)."""
    return k + 1 < len(toks) and toks[k + 1].start - toks[k].end >= _HANGING


def _head_wrapped(toks: list[_Tok], k: int, head: int) -> bool:
    """Token k (a line break) comes right before a suffix head (token ``head``) that ends its name
    (punctuation or « et » after it), inside a paragraph of prose: the broken line is neither the
    paragraph's first line nor a list item (« dont sont membres Quimperlé Communauté, Roi Morvan\n
    Communauté, Concarneau … »)."""
    if head != k + 1 or head + 1 >= len(toks) or not (toks[head + 1].kind == "punct" or toks[head + 1].text == "et"):
        return False
    first = k - 1
    while first > 0 and toks[first - 1].kind != "nl":
        first -= 1
    if first == 0 or toks[first - 1].text != "\n" or (first > 1 and toks[first - 2].kind == "nl"):
        return False  # the paragraph's first line (a title above?) or a line after a tab or a blank line
    head_tok = toks[first]
    return not (head_tok.kind == "punct" and head_tok.text in "-–—•*✓")


def _scan_forward(toks: list[_Tok], i: int, rule: Rule) -> int | None:
    """Index after the last name token of a name starting at token i, or None (no name)."""
    end = None
    pending = 0
    words = 0
    k = i
    while k < len(toks):
        t = toks[k]
        if t.kind == "nl":
            # A name may wrap after a connector ("communauté de communes du\nPays de …"), or after a
            # full word at the end of a long line of wrapped prose ("du Pays de Colombey et du Sud\n
            # Toulois"), never across a tab or a column gap (a table cell, a page header).
            if t.text == "\n" and k > 0 and (toks[k - 1].connector or _wrapped(toks, k)):
                k += 1
                continue
            break
        if t.kind == "punct":
            break
        if t.connector:
            pending += 1
            k += 1
            continue
        if _is_name_word(t):
            if rule.connector_required and end is None and pending == 0:
                return None
            end = k + 1
            pending = 0
            words += 1
            k += 1
            if words >= _MAX_PREFIX_WORDS:
                break
            continue
        if end == k and _demonym(t, _NOT_TRAILING_DEMONYM):
            end = k + 1  # "du Genevois français": an ethnic adjective closes the name
            break
        if end == k and _and_its_area(toks, k):
            end = k + 3  # « du SCoT d'Épernay et sa Région »: the idiom closes the name
            break
        if _place_link(toks, k, end):
            pending += 1  # "Bourg en Bresse", "Luc sur Aude": one place name
            k += 1
            continue
        if t.lowercase and rule.bridge and end is None:  # only on the way to the name
            j = _bridge(toks, k, rule.bridge_words)
            if j is not None:
                if rule.connector_required and end is None and pending == 0:
                    return None
                k = j
                continue
            if pending:
                return _demonym_tail(toks, k)
        break
    return end


_AREA_WORDS = frozenset({"region", "environs", "couronne", "canton"})  # not « et son agglomération »: two bodies


def _and_its_area(toks: list[_Tok], k: int) -> bool:
    """Tokens k.. are « et sa région » (« et son canton », « et ses environs ») closing a place name:
    « SCoT d'Épernay et sa Région », « Syndicat intercommunal de Saint-Amand et son canton »."""
    return (toks[k].text == "et" and k + 2 < len(toks) and toks[k + 1].folded in ("sa", "son", "ses")
            and toks[k + 2].kind == "word" and toks[k + 2].folded in _AREA_WORDS)


def _demonym_tail(toks: list[_Tok], k: int) -> int | None:
    """From a lowercase word at k, after a connector: the end of a name written in lowercase words that
    an ethnic adjective closes (« agence d'urbanisme de la région stéphanoise », « syndicat mixte
    d'études et de programmation de l'agglomération\nlyonnaise »), at most _MAX_BRIDGE + 1 words,
    then punctuation or a line's end; or None."""
    lowers = 0
    j = k
    while j < len(toks):
        t = toks[j]
        if t.kind == "nl" and t.text == "\n" and _wrapped(toks, j):
            j += 1
            continue
        if t.connector or _joins_common_nouns(toks, j):
            j += 1
            continue
        if not t.lowercase or t.folded in STOP_WORDS:
            return None
        lowers += 1
        if lowers > _MAX_BRIDGE + 1:
            return None
        after = toks[j + 1] if j + 1 < len(toks) else None
        if lowers >= 2 and _demonym(t, _NOT_TRAILING_DEMONYM) and (after is None or after.kind in ("punct", "nl")):
            return j + 1
        j += 1
    return None


_BOLD = "**"
_DE_CONNECTORS = frozenset({"de", "du", "des", "d'"})
_MAX_ET_WORDS = 4
_ITEM_MARKS = "\n\t;•✓✔▪◦●■➢"  # what ends the item before a list or table-cell item
_ARTICLE_BEFORE = re.compile(r"(?:\b(?:la|le|les|l['’]))?[ \t]*\Z", re.IGNORECASE)
_ITEM_END = re.compile(r"[ \t]*(?:[;\t\n]|\Z)")


def _starts_item(text: str, pos: int) -> bool:
    """Whether ``pos`` (after an optional article) starts a list item or a table cell: the text, a
    line, a tab, « ; », an item mark or a line's « - » come right before."""
    i = pos - len(_ARTICLE_BEFORE.search(text, max(0, pos - 8), pos).group())
    return i == 0 or text[i - 1] in _ITEM_MARKS or (text[max(0, i - 2):i] == "- " and (i == 2 or text[i - 3] == "\n"))


def _acronym_spells(text: str, toks: list[_Tok], head_start: int, k: int) -> bool:
    """Tokens k.. are a parenthesised acronym that spells (:func:`_spells`) the name from its head up to
    token k, connectors and « et » left out."""
    if not (k + 2 < len(toks) and toks[k].text == "(" and toks[k + 2].text == ")" and toks[k + 1].text.isupper()):
        return False
    words = [w for w in (fold(x) for x in _HEAD_WORD.findall(text[head_start:toks[k - 1].end]))
             if w not in CONNECTORS and w not in ("d", "l", "et")]
    return _spells(toks[k + 1].text.lower(), words)


def _spelled_by_acronym(text: str, toks: list[_Tok], head_start: int, right: int) -> int | None:
    """Token index after the capitalised words following « et » (token ``right``) when a parenthesised
    acronym right after them spells the whole name (:func:`_acronym_spells`): « Communauté de communes Morvan
    Sommets et Grands Lacs (CCMSGL) »."""
    k = right + 1
    while k < len(toks) and k - right <= _MAX_ET_WORDS + 2 and (toks[k].capitalised or toks[k].connector):
        k += 1
    return k if not toks[k - 1].connector and _acronym_spells(text, toks, head_start, k) else None


_MAX_SPELLED_TAIL = 2


def _spelled_tail(text: str, toks: list[_Tok], head_start: int, right: int) -> int:
    """Token index after one or two lowercase words that go on with the name when the parenthesised
    acronym right after them spells the whole name with them: « Communauté de communes de la Haute
    Lande forestière (CCHLF) »; ``right`` otherwise."""
    k = right
    while k < len(toks) and k - right < _MAX_SPELLED_TAIL and toks[k].kind == "word" and toks[k].lowercase \
            and not toks[k].connector:
        k += 1
    return k if k > right and _acronym_spells(text, toks, head_start, k) else right


_CARDINAL = frozenset({"nord", "sud", "est", "ouest"})


def _enclosed_et(text: str, toks: list[_Tok], head_start: int, right: int) -> int:
    """A name that stopped at « et » goes on when something encloses the whole name and the words
    after « et » are a name's (capitalised words and connectors, at most four, no type word):

    * a bold run: « **Communauté de communes Fier et Usses** »;
    * a list item or a table cell the name fills, up to its end (« ; », a tab, a line break):
      « Grand-Figeac ; Communauté de communes Causses et Vallée de la Dordogne ; … »;
    * nothing, when « et » is followed by de / du / des / d' (« PETR de l'Albigeois et des
      Bastides »): a second body would come with its article and its type word; nor when it joins
      two capitalised ethnic adjectives (« des Cévennes Gangeoises et Suménoises »).

    * nothing, when « et » joins two cardinal points (« … des microrégions Sud et Ouest »).

    Elsewhere « et » ends the name (« la communauté de communes du Poher et Brest métropole »; but see
    ``_bare_pair``); a
    type word after it is a second body (« **Pays du Mans et les autres Pays Sarthois** »), so is a
    run that goes on with other words (« … et Morlaix ont signé »). Returns the token index after
    the name, ``right`` when nothing is added."""
    if right + 1 >= len(toks) or toks[right].text != "et":
        return right
    if toks[right - 1].folded in _CARDINAL and toks[right + 1].folded in _CARDINAL and toks[right + 1].capitalised:
        return right + 2  # « … des microrégions Sud et Ouest »: one name
    if (k := _spelled_by_acronym(text, toks, head_start, right)) is not None:
        return k  # « Communauté de communes Morvan Sommets et Grands Lacs (CCMSGL) »
    after = toks[right + 1]
    # « Cévennes Gangeoises et Suménoises »: two capitalised ethnic adjectives joined by « et »
    paired = (after.capitalised and toks[right - 1].capitalised and len(after.folded) >= 5
              and bool(_DEMONYM.search(after.folded)) and bool(_DEMONYM.search(toks[right - 1].folded)))
    close, free = None, after.folded in _DE_CONNECTORS or paired
    if free:
        pass  # « PETR de l'Albigeois et des Bastides », « … et de ses Vallées »: « et » + de/du/des + a name
        # continues the name
    elif not after.capitalised or after.connector:
        return right  # « … et la Bretagne »: an article starts another name
    elif text[max(0, head_start - 2):head_start] == _BOLD:
        close = text.find(_BOLD, toks[right].end)
        if close < 0 or "\n" in text[toks[right].end:close]:
            return right
    elif not _starts_item(text, head_start):
        return right
    k, words = right + 1, 0
    while k < len(toks) and (close is None or toks[k].end <= close):
        t = toks[k]
        if t.connector or (free and t.kind == "nl" and t.text == "\n" and _wrapped(toks, k)):
            k += 1
            continue
        if free and t.folded in ("ses", "leurs") and toks[k - 1].folded == "de":
            k += 1  # « Pays de Remiremont et de ses Vallées »
            continue
        if not t.capitalised or t.folded in GENERIC_WORDS or words >= _MAX_ET_WORDS:
            if close is None:
                break  # an item's name ends here: the item must end too (checked below)
            return right
        words += 1
        k += 1
    if words == 0 or toks[k - 1].connector:
        return right
    if close is None and k < len(toks) and toks[k].capitalised and toks[k].folded in GENERIC_WORDS:
        return right  # « … du Trièves et de Grenoble-Alpes Métropole »: the type word of a second body
    end = toks[k - 1].end
    ended = free or (end == close if close is not None else bool(_ITEM_END.match(text, end)))
    if not ended or any(rule.head.search(text, toks[right].end, end) for rule in RULES):
        return right  # the run goes on, or names a second body (« … et la CC du Poher »)
    return k


# Intercommunal heads whose bare names may pair two words with « et » in prose.
_PAIRED_NAME_RULES = frozenset({"communaute-de-communes", "cc", "communaute-agglomeration", "ca",
                                "communaute-urbaine", "cu", "communaute-intercommunale", "syndicat-mixte"})
_PAIR_END = re.compile(r" {3,}|[ \t]*(?:[,.;:()\n\t]|[–—](?=\s)|\Z)")  # punctuation, a dash, the line's end, a column gap
_MAX_PAIR_WORDS = 2


def _bare_pair(text: str, toks: list[_Tok], first: int, right: int, rule: Rule) -> int:
    """Where nothing encloses it (``_enclosed_et``), a bare intercommunal name (capitalised words
    from token ``first``, right after the head, no connector) goes on over « et » with one or two
    capitalised words when punctuation, the line's end, a column gap or « et » and an article come
    right after them: « la Communauté de communes Moselle et Madon, », « Communauté d'agglomération
    Grand Calais Terres et Mers (réseau …) », a table's cell « CC Entre Saône et Grosne      17 ».
    Not when the words after « et » are a préfecture (« la CC Cœur de Savoie et Chambéry. ») or hold
    a type word, nor when a word follows them (« … et Morlaix ont signé »). Returns the token index after the name, ``right`` otherwise."""
    if rule.name not in _PAIRED_NAME_RULES or right + 1 >= len(toks) or toks[right].text != "et":
        return right
    before = [t for t in toks[first:right] if t.text != "\n"]  # the name may start on the next line
    # capitalised words, or « des Vals de Gartempe et Creuse »: a connector first, then capitalised words and
    # connectors, the last word capitalised
    if not before or any(not (t.capitalised or t.connector) for t in before) or not before[-1].capitalised \
            or any(t.connector for t in before) and not before[0].connector:
        return right
    k = right + 1
    while k < len(toks) and k - right <= _MAX_PAIR_WORDS and toks[k].capitalised and not toks[k].connector \
            and toks[k].folded not in GENERIC_WORDS and toks[k].folded not in STOP_WORDS:
        k += 1
    # « … Marche et Combraille en Aquitaine »: a place the name is in
    if k + 1 < len(toks) and toks[k].text in PLACE_LINKS and toks[k + 1].capitalised and not toks[k + 1].connector:
        k += 2
    # « … Lacs et Gorges du Verdon. »: the second word's own place
    elif k > right + 1 and k + 1 < len(toks) and toks[k].folded in ("du", "des", "d'") \
            and toks[k + 1].capitalised and not toks[k + 1].connector and toks[k + 1].folded not in GENERIC_WORDS:
        k += 2
    # then punctuation, the line's end, or « et » and the article of the next body
    next_body = k + 1 < len(toks) and toks[k].text == "et" and toks[k + 1].folded in ("la", "le", "les", "l'")
    if k == right + 1 or not (next_body or _PAIR_END.match(text, toks[k - 1].end)):
        return right
    s, e = toks[right + 1].start, toks[k - 1].end
    if any(r.head.search(text, s, e) for r in RULES) or find_towns(text, s, e):
        return right
    return k


_MAX_QUALIFIER_WORDS = 3


def _acronym_after(toks: list[_Tok], j: int) -> int | None:
    """Index after « (ARS) » when tokens j.. are a parenthesised acronym followed by a capitalised word or
    a connector (« Pôle d'équilibre territorial et rural (PETR) du Pays … »)."""
    if j + 3 < len(toks) and toks[j].text == "(" and toks[j + 2].text == ")" and toks[j + 1].kind == "word" \
            and toks[j + 1].text.isupper() and len(toks[j + 1].text) >= 2 \
            and (toks[j + 3].capitalised or toks[j + 3].connector):
        return j + 3
    return None


_MAX_COMPLEMENT_WORDS = 4
_HEAD_WORD = re.compile(r"[^\W\d_]+")


def _spells(acronym: str, words: list[str]) -> bool:
    """Whether ``acronym`` is the words' starts in order: each word gives the first one to three of its
    letters (« CIVIS »: Communauté, Intercommunale, VIlles, Solidaires)."""
    def go(a: int, w: int) -> bool:
        if a == len(acronym):
            return w == len(words)
        if w == len(words):
            return False
        word = words[w]
        return any(word[:n] == acronym[a:a + n] and go(a + n, w + 1) for n in range(1, min(3, len(word)) + 1))
    return go(0, 0)


def _acronymed_complement(text: str, toks: list[_Tok], hs: int, j: int) -> int | None:
    """Index after a lowercase complement (at most four words) that the parenthesised acronym right
    after it spells together with the head: « Communauté intercommunale des villes solidaires (CIVIS) »,
    or None."""
    k, words = j, []
    while k < len(toks) and (toks[k].connector or toks[k].lowercase) and len(words) <= _MAX_COMPLEMENT_WORDS:
        if not toks[k].connector:
            words.append(toks[k].folded)
        k += 1
    if not words or toks[k - 1].connector or k + 2 >= len(toks) or toks[k].text != "(" or toks[k + 2].text != ")":
        return None
    acronym = toks[k + 1].text
    head = [w for w in (fold(x) for x in _HEAD_WORD.findall(text[hs:toks[j].start])) if w not in CONNECTORS
            and w not in ("d", "l")]
    if len(acronym) < 3 or not acronym.isalpha() or not acronym.isupper() or len(words) > _MAX_COMPLEMENT_WORDS:
        return None
    return k if _spells(acronym.lower(), head + words) else None


def _qualifier_after(text: str, toks: list[_Tok], j: int) -> int | None:
    """Index after the capitalised words that go on a suffix-headed name right after its head, on the
    same line (« Loudéac Communauté Bretagne Centre », « Brest Métropole Océane »), or None. At most
    three, connectors allowed between two of them (« Val de Loire »); not when they name another body
    (« Lorient Agglomération Quimperlé Communauté ») or when a fourth capitalised word follows (a line
    of names rather than one name)."""
    k, words, end = j, 0, None
    while k < len(toks):
        t = toks[k]
        if t.capitalised and t.folded not in STOP_WORDS and t.folded not in _SENTENCE_WORDS \
                and t.folded not in GENERIC_WORDS:
            if words == _MAX_QUALIFIER_WORDS:
                return None
            words += 1
            k += 1
            end = k
            continue
        if t.connector and end is not None and k + 1 < len(toks) and toks[k + 1].capitalised:
            k += 1
            continue
        break
    if end is None or "\n" in text[toks[j - 1].end:toks[end - 1].end]:
        return None
    if any(rule.head.search(text, toks[j].start, toks[end - 1].end) for rule in RULES):
        return None
    return end


# Plans and contracts a body adopts, named by their acronym before the body's name.
_PLAN_ACRONYMS = frozenset("PCAET PLUi PLUI PLU PLH PDU PDM PAT CLS CRTE SRADDET PADD DOO PCET PLUiH TEPOS".split())


def _scan_backward(toks: list[_Tok], i: int) -> int | None:
    """Index of the first name token of a name ending right before token i, or None."""
    first = None
    words = 0
    k = i - 1
    while k >= 0 and words < _MAX_SUFFIX_WORDS:
        t = toks[k]
        if t.text in _PLAN_ACRONYMS:
            break  # « le PCAET de Lorient Agglo »: a plan of the body, not a word of its name
        if _is_name_word(t) and not t.connector:
            first = k
            words += 1
            k -= 1
            continue
        if t.connector and first is not None and k > 0 and _is_name_word(toks[k - 1]):
            k -= 1
            continue
        if first == k + 1 and k > 0 and _is_name_word(toks[k - 1]) and _place_link(toks, k, k):
            k -= 1  # "Bourg en Bresse Agglomération"
            continue
        if t.kind == "nl" and t.text == "\n" and k > 0 and _is_name_word(toks[k - 1]) \
                and (_wrapped(toks, k) or _head_wrapped(toks, k, i)):
            k -= 1  # wrapped prose: « … Roi Morvan\nCommunauté, … »
            continue
        break
    if first is None:
        return None
    # Drop sentence-initial function words ("Avec Brest métropole", "Le Grand Chalon Agglo").
    while first < i and (toks[first].folded in STOP_WORDS or toks[first].folded in _SENTENCE_WORDS
                         or toks[first].connector):
        first += 1
    return first if first < i else None


# After a name, « français » is part of it (« du Genevois français »); after a bare head it is no
# name (« l'agglomération française »).
_NOT_TRAILING_DEMONYM = _NOT_DEMONYM - {"francais", "francaise"}


# Regional adjectives whose endings _DEMONYM does not read (« des Baronnies provençales », « du Pays
# basque »), folded stems: each with its feminine and plural forms.
_REGIONAL_ADJECTIVE = re.compile(
    r"(?:provencal|provencaux|normand|picard|basque|corse|savoyard|cevenol|breton|gascon|berrichon|bourguignon"
    r"|auvergnat|beauceron|percheron|solognot|rouergat|tourangeau|tourangelle|manceau|mancelle)(?:e|ne|le)?s?x?$")


def _demonym(t: _Tok, exclude: frozenset[str] = _NOT_DEMONYM) -> bool:
    if not t.lowercase:
        return False
    w = t.folded
    return len(w) >= 5 and w not in exclude and bool(_DEMONYM.search(w) or _REGIONAL_ADJECTIVE.match(w))


_LEADING_CONNECTORS = re.compile(r"^(?:de l'|d'|l'|(?:de la|du|des|de|la|le|les)\s+)", re.IGNORECASE)


def _clean(text: str) -> str:
    text = dehyphenate(text)
    text = re.sub(f"[{_APOS}]", "'", text)
    text = re.sub(r"\s*'\s*", "'", text)
    return re.sub(r"\s+", " ", text).strip()


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


_ITEM_MARKER = re.compile(r"[ \t]*(?:[-–—•*✓]|\d{1,2}[.)])[ \t]+")


def find_institutions(text: str, start: int = 0, end: int | None = None) -> list[InstitutionMatch]:
    """Institution names in ``text[start:end]`` (offsets index ``text``), longest first on overlap,
    returned in text order."""
    end = len(text) if end is None else end
    # a range starting after a list item's marker (« 8. » of an agenda's item) reads the marker too: what
    # is wrapped under the item is the item's (:func:`_wrapped`)
    line = text.rfind("\n", 0, start) + 1
    toks = _tokens(text, line if _ITEM_MARKER.fullmatch(text, line, start) else start, end)
    starts = [t.start for t in toks]
    found: list[InstitutionMatch] = []
    for rule in RULES:
        for m in rule.head.finditer(text, start, end):
            hs, he = m.start(), m.end()
            i = bisect.bisect_left(starts, hs)  # first token of the head
            j = bisect.bisect_left(starts, he)  # first token after the head
            if i >= len(toks) or toks[i].start != hs or j == 0 or toks[j - 1].end != he:
                continue  # the head starts or ends inside a word ("ville-campagne")
            if not rule.after_name and i > 0 and toks[i - 1].capitalised:
                continue  # « Fougères Agglomération Bretagne Romantique »: the suffix of the name before
            if _PLURAL_HEAD.match(text, hs) and _PLURAL_DET_BEFORE.search(text, max(start, hs - 20), hs):
                continue  # "les communautés de communes du Pays de Brest": several bodies, not a name
            if m.group()[:1].islower() and _INDEFINITE_BEFORE.search(text, max(start, hs - 12), hs) \
                    and not _ACRONYM_SOON.match(text, he, end):
                continue  # « une métropole de Bourgogne-Franche-Comté », « chaque commune du Parc »: not a name
                # (but « un syndicat mixte de traitement des déchets (SMTD) est créé »)
            left = _scan_backward(toks, i) if rule.suffix else None
            acronym = _acronym_after(toks, j) if rule.prefix else None  # « Agence régionale de santé (ARS) Pays … »
            # an acronym head is followed by its name right away (« GECT Pirineus-Cerdanya »): no bridge
            # over lowercase words (« Le GECT associe la Région … »)
            scan = rule if not (rule.bridge and m.group().isupper()) else replace(rule, bridge=False)
            right = _scan_forward(toks, j if acronym is None else acronym, scan) if rule.prefix else None
            if right is None and rule.prefix and j < len(toks):
                right = _acronymed_complement(text, toks, hs, j)  # « … des villes solidaires (CIVIS) »
            if left is not None and not rule.prefix:
                right = _qualifier_after(text, toks, j)  # « Loudéac Communauté Bretagne Centre »
            if right is not None:
                enclosed = _enclosed_et(text, toks, hs, right)
                right = enclosed if enclosed != right else _bare_pair(text, toks, j, right, rule)
                right = _spelled_tail(text, toks, hs, right)
            weak = False
            if left is None and right is None and rule.demonym and j < len(toks) and _demonym(toks[j]):
                right, weak = j + 1, True
            if left is None and right is None and rule.prefix and not rule.connector_required \
                    and (q := _QUOTED_NAME.match(text, he, end)):  # not « une offre commune « Dijon – … » »
                found.append(_quoted(text, hs, he, q, rule))
                continue
            if left is None and right is None:
                continue
            name_toks = (toks[left:i] if left is not None else []) + (toks[j:right] if right is not None else [])
            if all(t.connector or t.folded in GENERIC_WORDS for t in name_toks):
                continue
            s = toks[left].start if left is not None else hs
            e = toks[right - 1].end if right is not None else he
            head = text[hs:he]
            if right is not None:
                rest = text[he:e] if acronym is None else " " + text[toks[acronym].start:e]
                core = _clean(rest)
                core = _LEADING_CONNECTORS.sub("", core)
                name = (rule.canonical or _capitalise(_clean(head))) + (rest if rest[:1] in ("'", "’") else " " + rest)
                if left is not None:
                    name = text[s:hs] + head + rest
                    core = _clean(text[s:hs]) + " " + core
                elif rule.name == "association" and not toks[j].connector:
                    name = rest  # an association's own name: « Terre de Liens », not « Association Terre de Liens »
                elif rule.name in ("gect", "glct") and core.startswith(("Eurodistrict", "Eurométropole")):
                    name = core  # « GECT Eurodistrict SaarMoselle » is the Eurodistrict
            else:
                core = _clean(text[s:hs])
                name = text[s:e]
            found.append(InstitutionMatch(s, e, text[s:e], rule.cls, _capitalise(_clean(name)), core.strip(),
                                          rule.name, weak))
    found = [_dash_continued(text, mt, end) for mt in found]
    found.extend(_enumerated(text, start, end))
    found.extend(_national_bodies(text, toks, starts, start, end))
    found.extend(_typed_in_parentheses(text, toks, starts, start, end))
    found.extend(_state(text, start, end))
    found.extend(_cantons(text, start, end))
    found.extend(_numbered_bodies(text, start, end))
    found.extend(InstitutionMatch(s, e, text[s:e], cls, _capitalise(_clean(text[s:e])), core, "foreign")
                 for s, e, cls, core in find_foreign(text, start, end))
    found.extend(_carriers(text, found))
    # « le groupement européen de coopération territoriale (GECT) », with no name after: a kind of body
    found = [mt for mt in found if not (mt.rule == "organisation" and _kind_name(mt.text))]
    # Longest wins on overlap (then the earlier, then a specific rule over the generic « organisation »
    # head, then the rule order).
    found.sort(key=lambda mt: (-(mt.end - mt.start), mt.start, mt.rule == "organisation"))
    kept: list[InstitutionMatch] = []
    for mt in found:
        if all(mt.end <= k.start or mt.start >= k.end for k in kept):
            kept.append(mt)
    kept = [mt._replace(name=name, core=in_usual_case(mt.core, pairs=True)) if (name := in_usual_case(mt.name)) != mt.name
            else mt for mt in kept]  # names set in capitals (letterheads, covers)
    kept = [_carrier_class(mt, found) for mt in kept]
    return with_acronyms(text, sorted(kept, key=lambda mt: mt.start), start, end)


# A syndicat mixte named after the structure it carries, whose own name a rule reads: « Syndicat mixte
# de gestion du Parc naturel régional du Luberon », « syndicat mixte du SCoT du Chalonnais ».
_CARRIED_RULES = frozenset({"pnr", "pnr-long", "scot", "pays", "petr", "petr-long"})
# « syndicat mixte [de gestion | d'aménagement et de gestion] du … » (not « … en charge du SCoT … »: the SCoT)
_CARRIER_BEFORE = re.compile(rf"\b(?:[Ss]yndicats?[ \u00a0]+mixtes?|SM){SYNDICAT_PURPOSE}?"
                             r"[ \u00a0]+(?:du|de[ \u00a0]+la|de[ \u00a0]+l['’]|des|de|d['’])[ \u00a0]*$")
_CARRIER_WINDOW = 60


def _kind_name(text: str) -> bool:
    """``text`` is the whole head of a rule, the name of a kind of body (« Groupement européen de
    coopération territoriale »), not a body's name."""
    return any(r.name != "organisation" and r.head.fullmatch(text.strip()) for r in RULES)


def _carrier_class(mt: InstitutionMatch, found: list[InstitutionMatch]) -> InstitutionMatch:
    """A syndicat mixte whose name ends with a carried structure's name (« Syndicat mixte du Pays Cœur
    d'Hérault », « SM du SCoT de l'Artois ») takes that structure's class, as :func:`_carriers`' do."""
    if mt.rule not in ("syndicat-mixte", "sm"):
        return mt
    inner = next((b for b in found if b.rule in _CARRIED_RULES and mt.start < b.start and b.end == mt.end), None)
    return mt._replace(cls=inner.cls) if inner is not None else mt


def _carriers(text: str, found: list[InstitutionMatch]) -> list[InstitutionMatch]:
    """One match for a syndicat mixte's name running into a carried structure's (« syndicat mixte
    [de gestion] du » right before it, on its line): the whole span, the structure's name as its core
    and its class (the syndicat mixte of a PNR is the PNR's managing body, as curators type it); the
    longest-wins rule then keeps it over both."""
    out = []
    for b in found:
        if b.rule not in _CARRIED_RULES:
            continue
        window = text[max(0, b.start - _CARRIER_WINDOW):b.start].rsplit("\n", 1)[-1]
        m = _CARRIER_BEFORE.search(window)
        if m is None:
            continue
        s = b.start - len(window) + m.start()
        head = _clean(text[s:b.start])
        name = _capitalise(head + ("" if head.endswith("'") else " ") + b.name)
        out.append(InstitutionMatch(s, b.end, text[s:b.end], b.cls, name, b.name, "syndicat-mixte", False))
    return out


# A name in quotes right after its head: « la SCIC « La Légumerie du Gévaudan » », « l'association
# « Terre de Liens » », « le syndicat mixte « Lot Numérique » » (capitalised, 60 characters at most, over a
# wrapped line at most).
_QUOTED_NAME = re.compile(rf"[ \u00a0]*[«“\"][ \u00a0]*(?P<name>[{_UPPER}](?:[^«»“”\"\n.;:]|\n(?!\s*\n)){{0,60}}?)[ \u00a0]*[»”\"]")


def _quoted(text: str, hs: int, he: int, q: re.Match, rule: Rule) -> InstitutionMatch:
    inner = _clean(q.group("name"))
    name = inner if rule.name == "association" else f"{rule.canonical or _capitalise(_clean(text[hs:he]))} {inner}"
    return InstitutionMatch(hs, q.end(), text[hs:q.end()], rule.cls, _capitalise(name), inner, rule.name)


# « Communauté de communes de L'Île-Rousse – Balagne ont signé », « MSA Loire-Atlantique – Vendée, »:
# a name going on after a dash, inside a sentence (capitalised words, no type word, then a comma, a
# full stop, « et » or a lowercase word on the same line; at a line's end only when the name does not
# follow an article in prose: « Rennes – Pays de Brocéliande » or « Contrat de réciprocité Brest
# métropole – Morlaix » titles two bodies, « présidente de la communauté de communes de L'Île-Rousse –
# Balagne\n » names one).
# Up to three dashed parts: « Communauté de communes Ventadour – Égletons – Monédières (CC VEM) ».
# (not a unit of the body: « Communauté de communes Baugeois-Vallée – Direction générale des services »)
_UNIT = r"(?!(?:Direction|Directions|Service|Services|Pôle|Mission|Cellule|Secrétariat|Cabinet|Unité)\b)"
_DASH_PART = (rf"{_UNIT}(?:[{_UPPER}][\w'’-]*)(?:[ \u00a0]+(?:(?:de|du|des|d['’]|la|l['’])[ \u00a0]*)?"
              rf"[{_UPPER}][\w'’-]*){{0,2}}")
_DASH_TAIL_WORDS = rf"[ \u00a0]+[–—][ \u00a0]+({_DASH_PART}(?:[ \u00a0]+[–—][ \u00a0]+{_DASH_PART}){{0,2}})"
_DASH_TAIL = re.compile(
    _DASH_TAIL_WORDS + r"(?=[ \u00a0]*(?:[,.;()]|[ \u00a0](?:et[ \u00a0]|(?!(?:de|du|des|d|la|le|les|l)\b)[a-zà-ÿ])))")
_DASH_TAIL_EOL = re.compile(_DASH_TAIL_WORDS + r"(?=[ \u00a0]*(?:\n|\Z))")
_OFFICE_BEFORE = re.compile(r"\b(?:(?:vice-)?présidente?|maire|directeur|directrice)[ \u00a0]+(?:du|de[ \u00a0]+la|de[ \u00a0]+l['’]|des)"
                            r"[ \u00a0]*$", re.IGNORECASE)
_FULL_NAME = re.compile(rf"[{_UPPER}][a-zà-ÿ]+(?:-[{_UPPER}][a-zà-ÿ]+)?[ \u00a0]+[{_UPPER}][\w'’-]+")  # « Martine Castéran »
_ARTICLE_END = re.compile(r"\b(?:la|le|les|l['’]|du|de|des|d['’]|au|aux)[ \u00a0]*$")


def _dash_continued(text: str, mt: InstitutionMatch, limit: int) -> InstitutionMatch:
    if mt.weak:
        return mt
    m = _DASH_TAIL.match(text, mt.end, limit)
    if m is None and _ARTICLE_END.search(text, text.rfind("\n", 0, mt.start) + 1, mt.start):
        m = _DASH_TAIL_EOL.match(text, mt.end, limit)  # prose before it: « présidente de la … »
        if m and _OFFICE_BEFORE.search(text, max(0, mt.start - 30), mt.start) and _FULL_NAME.fullmatch(m.group(1)):
            return mt  # a signature: « la présidente du GAL Pays Midi-Quercy – Martine Castéran »
    if m is None or any(rule.head.search(m.group(1)) for rule in RULES):
        return mt
    e = m.end(1)
    tail = text[mt.end:e]
    return mt._replace(end=e, text=text[mt.start:e], name=f"{mt.name} {_clean(tail)}", core=f"{mt.core} {_clean(tail)}")


# « les communautés de communes Touraine-Est Vallées, Touraine Vallée de l'Indre et Gâtine et
# Choisilles – Pays de Racan »: a plural type, then the names of its bodies, without type words.
_PLURAL_TYPES: dict[str, tuple[URIRef, str]] = {
    "communautes de communes": (COOP.CommunauteDeCommunes, "Communauté de communes"),
    "communautes d'agglomeration": (COOP.CommunauteAgglomeration, "Communauté d'agglomération"),
    "parcs naturels regionaux": (COOP.PNR, "Parc naturel régional"),
    "communes": (COOP.Commune, "Commune"),  # « Commune de X » (prepositions.with_de)
    "intercommunalites": (COOP.EPCI, ""),
    "maires": (COOP.Commune, "Commune"),  # « les maires de Cherré-Au, de Cormes et de … »: their communes
}
_ENUMERATION = re.compile(
    rf"\b(?i:les|des|aux|ses|leurs|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|\d+)[ \u00a0]+(?i:autres[ \u00a0]+)?"
    rf"(?P<type>(?i:communaut{_E}s[ \u00a0]+de[ \u00a0]+communes|communaut{_E}s[ \u00a0]+d['’]agglom{_E}ration"
    rf"|parcs[ \u00a0]+naturels[ \u00a0]+r{_E}gionaux|communes|maires|intercommunalit{_E}s))"
    # communes (and their maires) named with « de »: « les communes de La Ferté-Bernard, Cherré-Au, Cormes et … »
    rf"(?:[ \u00a0]+(?P<de>(?i:de(?=[ \u00a0]+[{_UPPER}])|d['’](?=[{_UPPER}]))))?"
    # « deux intercommunalités du parc, Ambert Livradois Forez et Thiers Dore et Montagne »
    rf"(?:[ \u00a0]+(?i:du|de[ \u00a0]+la|des)[ \u00a0]+[a-zà-ÿ]+[ \u00a0]*(?=,))?"
    # « trois autres communes membres, Capdenac-Gare, Bagnac-sur-Célé et Lacapelle-Marival »
    rf"(?:[ \u00a0]+(?i:membres|voisines|partenaires|concern{_E}es|associ{_E}es|signataires))?[ \u00a0]*(?:,|[–—])?"
    rf"(?(de)[ \u00a0]*|[ \u00a0]+)"
    # the items may carry their acronyms: « quatre communautés de communes – Bugey méridional (CCBM), Plateaux
    # du Bugey (CCPB), Valromey-Retord (CCVR) et Cluse de l'Albarine (CCCA) – ainsi que … »
    rf"(?=[{_UPPER}])(?P<list>(?:[^.;:\n()]|\([{_UPPER}][\w-]{{1,10}}\)){{3,300}})"
)
_WRITTEN_DE = re.compile(r"(?i:\bde[ \u00a0]+|\bd['’])$")
_ITEM_DE = re.compile(r"(?i:de|d['’])[ \u00a0]*")
_ITEM_ACRONYM = re.compile(rf"[ \u00a0]*\([{_UPPER}][\w-]{{1,10}}\)")
_LIST_GOES_ON = re.compile(r",[ \u00a0]+(?=[a-zà-ÿ])")  # « …, qui en bénéficient »: the list has ended
_DE_LIST_GOES_ON = re.compile(rf",[ \u00a0]+(?=[a-zà-ÿ])(?!(?:de[ \u00a0]+|d['’])[{_UPPER}])")  # but « …, de Cormes »
_ENUM_NAME = re.compile(rf"[{_UPPER}][\w'’-]*(?:[ \u00a0]+(?:(?:de|du|des|d['’]|la|l['’]|et|–|-)[ \u00a0]*)*"
                        rf"[{_UPPER}][\w'’-]*)*")


def _enumerated(text: str, start: int, end: int) -> list[InstitutionMatch]:
    """The bodies a plural type enumerates by name: the items of the list after it, cut at commas and,
    in the last item, at its first « et » (« … et Gâtine et Choisilles – Pays de Racan »). Every
    item must be capitalised words only; otherwise nothing is read."""
    out = []
    for m in _ENUMERATION.finditer(text, start, end):
        cls, canonical = _PLURAL_TYPES[fold(re.sub(r"\s+", " ", m.group("type"))).replace("’", "'")]
        if m.group("de") is None and fold(m.group("type")) == "maires" or m.group("de") and cls != COOP.Commune:
            continue  # « de » names communes only; maires are named only with it
        lst, base = m.group("list"), m.start("list")
        goes_on = (_DE_LIST_GOES_ON if m.group("de") else _LIST_GOES_ON).search(lst)
        lst = lst[:goes_on.start()] if goes_on else lst
        parts = [(p.start(), p.end()) for p in re.finditer(r"[^,]+", lst)]
        if not parts:
            continue
        ls, le = parts[-1]
        et = re.search(r"[ \u00a0](?:et|ET)[ \u00a0]+(?:(?:la|le|les)[ \u00a0]+|l['’])?", lst[ls:le])
        if et is None and len(parts) == 1:
            continue  # a single name after a plural type is no enumeration
        if et is not None:
            parts[-1:] = [(ls, ls + et.start()), (ls + et.end(), le)]
        items = []
        for ps, pe in parts:
            seg = lst[ps:pe]
            s0 = ps + len(seg) - len(seg.lstrip())
            if m.group("de") and (de := _ITEM_DE.match(lst, s0, pe)):
                s0 = de.end()  # « …, de Cormes et de Villaines-la-Gonais »
            item = lst[s0:pe].rstrip()
            nm = _ENUM_NAME.match(item)
            if nm is None or all(fold(w) in GENERIC_WORDS for w in re.findall(r"[\w-]+", item[:nm.end()])):
                break  # not a name, or a type word (« Figeac et la Région »)
            acr = _ITEM_ACRONYM.search(item, nm.end())
            if acr is not None and re.fullmatch(r"(?:[ \u00a0]+[a-zà-ÿ][\w'’-]*)?", item[nm.end():acr.start()]):
                items.append((base + s0, base + s0 + acr.start()))  # « Bugey méridional (CCBM) »: its acronym ends it
                continue
            # the last item may go on with a predicate (« … Pays de Racan ont signé »)
            if nm.end() != len(item) and (ps, pe) != parts[-1]:
                break
            items.append((base + s0, base + s0 + nm.end()))
        else:
            # a list set in capitals (a heading: « … AVEC LES COMMUNES DE CHERRÉ-AU, CORMES ET … ») in its usual case
            usual = in_usual_case(lst, pairs=True) if lst.isupper() else lst
            source = usual if len(usual) == len(lst) else lst
            for a, b in items:
                name = _clean(source[a - base:b - base])
                written = m.group("de") and _WRITTEN_DE.search(text, max(base - 4, a - 4), a)
                if written:  # « les communes d'Apatou et de Grand-Santi »: the preposition as written
                    prep = "de " if written.group()[:2].lower() == "de" else "d'"
                    full = f"Commune {prep}{name}"
                else:
                    full = f"Commune {with_de(name)}" if cls == COOP.Commune else f"{canonical} {name}".strip()
                out.append(InstitutionMatch(a, b, text[a:b], cls, full, name, "enumerated"))
    return out


# A name followed by its type in parentheses ("le **Bassin de Bourg en Bresse** (Pays)"): an actor
# of that type, named by the name (markup between the two is skipped; a one-word name must be marked
# up: a capitalised word alone may start a sentence).
PARENTHESISED_TYPES: dict[str, URIRef] = {
    "Pays": COOP.PaysStructure, "PETR": COOP.PETR, "PNR": COOP.PNR, "SCoT": COOP.ScotStructure,
    "Scot": COOP.ScotStructure, "SCOT": COOP.ScotStructure,
}
_PARENTHESISED_RE = re.compile(rf"\((?P<type>{'|'.join(PARENTHESISED_TYPES)})\)"
                                r"|\((?P<association>[Aa]ssociation)\b[^()\n]{0,60}\)")  # « Ajena (association …) »
_MARKUP = frozenset("*_")


def _typed_in_parentheses(text: str, toks: list[_Tok], starts: list[int], start: int,
                          end: int) -> list[InstitutionMatch]:
    out = []
    for m in _PARENTHESISED_RE.finditer(text, start, end):
        j = bisect.bisect_left(starts, m.start())  # the "(" token
        k = j
        while k > 0 and toks[k - 1].kind == "punct" and toks[k - 1].text in _MARKUP:
            k -= 1
        if k == 0:
            continue
        left = _scan_backward(toks, k)
        if left is None:
            continue
        s, e = toks[left].start, toks[k - 1].end
        if "\n" in text[e:m.start()] or all(t.connector or t.folded in GENERIC_WORDS for t in toks[left:k]):
            continue
        cell_start = text[:s].rstrip(" ")[-1:] in ("|", "\t")
        if k == j and sum(t.capitalised and not t.connector for t in toks[left:k]) < 2 and not cell_start:
            continue  # one capitalised word, no markup, not a table cell: maybe a sentence start ("Rapport (Pays)")
        name = _clean(text[s:e])
        cls = COOP.Association if m.group("association") else PARENTHESISED_TYPES[m.group("type")]
        out.append(InstitutionMatch(s, e, text[s:e], cls, _capitalise(name), name, "parenthesised-type"))
    return out


# Swiss cantons along the border, partners of cross-border cooperation (« le canton de Genève », « la
# République et Canton du Jura », « les cantons de Berne, du Jura et de Vaud »); a French canton is an
# electoral division, no body.
_CANTONS = ("Genève", "Vaud", "Valais", "Neuchâtel", "Jura", "Bâle-Ville", "Bâle-Campagne", "Berne", "Soleure",
            "Argovie", "Schaffhouse", "Fribourg")
_CANTON_RE = re.compile(rf"(?<![\w-])(?:(?:la\s+)?R{_E}publique\s+et\s+)?[Cc]anton\s+(?:de\s+|du\s+|d['’]\s?)"
                        rf"(?:{'|'.join(_CANTONS)})(?![\w-])")


# « les cantons de Berne, du Jura, de Neuchâtel et de Vaud »: one body per canton the plural lists
_CANTON_ITEM = rf"(?:de\s+|du\s+|d['’]\s?)(?:{'|'.join(_CANTONS)})(?![\w-])"
_CANTONS_RE = re.compile(rf"(?<![\w-])[Cc]antons\s+{_CANTON_ITEM}(?:\s*,\s*{_CANTON_ITEM})*(?:\s+et\s+{_CANTON_ITEM})")
_CANTON_PART = re.compile(_CANTON_ITEM)


# A département's body named by its acronym and the département's number: « l'ADIL 82 », « le CAUE 71 »,
# « le SDE 28 », « le CDG 71 » (the number is its name; the long form, when given, names it too).
_NUMBERED_KINDS = {"ADIL": COOP.Association, "CAUE": COOP.Association, "SDE": COOP.SyndicatMixte,
                   "FDE": COOP.SyndicatMixte, "CDG": COOP.PublicActor}
_NUMBERED_BODY = re.compile(rf"(?<![\w-])({'|'.join(_NUMBERED_KINDS)})[ \u00a0]+(\d{{2,3}}|2[AB])(?![\w-])")


def _numbered_bodies(text: str, start: int, end: int) -> list[InstitutionMatch]:
    return [InstitutionMatch(m.start(), m.end(), m.group(), _NUMBERED_KINDS[m.group(1)], f"{m.group(1)} {m.group(2)}",
                             f"{m.group(1)} {m.group(2)}", "numbered")
            for m in _NUMBERED_BODY.finditer(text, start, end)]


def _cantons(text: str, start: int, end: int) -> list[InstitutionMatch]:
    out = []
    for m in _CANTONS_RE.finditer(text, start, end):
        for p in _CANTON_PART.finditer(text, m.start(), m.end()):
            name = "Canton " + _clean(p.group())
            out.append(InstitutionMatch(p.start(), p.end(), p.group(), COOP.PublicActor, name, name, "canton"))
    for m in _CANTON_RE.finditer(text, start, end):
        s = m.start() + (3 if text[m.start():m.start() + 3].lower() == "la " else 0)
        # one name for « la République et Canton du Jura » and « le canton du Jura »: one actor
        name = _capitalise(_clean(text[text.lower().index("canton", s):m.end()]))
        out.append(InstitutionMatch(s, m.end(), text[s:m.end()], COOP.PublicActor, name, name, "canton"))
    return out


# "l'État" (capitalised, after an elided article): the State.
_STATE_RE = re.compile(r"(?<![\w])[lL][’'ʼ][ \u00a0]?(?P<name>[ÉE]tat)(?![\w-])")


def _state(text: str, start: int, end: int) -> list[InstitutionMatch]:
    return [InstitutionMatch(m.start("name"), m.end("name"), m.group("name"), COOP.StateActor, "État", "État",
                             "state") for m in _STATE_RE.finditer(text, start, end)]


# National public bodies named by their acronym alone (written in capitals). Regional services
# may be followed by their region ("DRAAF Rhône-Alpes").
NATIONAL_BODIES: dict[str, URIRef] = {
    "ADEME": COOP.StateAgency, "ANCT": COOP.StateAgency, "CGET": COOP.StateAgency, "DATAR": COOP.StateAgency,
    "ANRU": COOP.StateAgency, "CEREMA": COOP.StateAgency, "Cerema": COOP.StateAgency, "ANAH": COOP.StateAgency,
    "Anah": COOP.StateAgency, "CNFPT": COOP.ResearchOrTrainingBody,
    # national operators, also named in full
    "Agence nationale de l'habitat": COOP.StateAgency, "Agence nationale de la cohésion des territoires": COOP.StateAgency,
    "Banque des Territoires": COOP.StateAgency, "Banque des territoires": COOP.StateAgency,
    "Caisse des Dépôts": COOP.StateAgency, "Caisse des dépôts": COOP.StateAgency,
    "France Travail": COOP.StateAgency, "Pôle emploi": COOP.StateAgency,
    "VNF": COOP.StateAgency, "Voies navigables de France": COOP.StateAgency,
    "OFB": COOP.StateAgency, "Office français de la biodiversité": COOP.StateAgency,
    "ONF": COOP.StateAgency, "Office national des forêts": COOP.StateAgency,
    "Conservatoire du littoral": COOP.StateAgency, "Parc national de forêts": COOP.StateAgency,
    "Bpifrance": COOP.StateAgency, "BRGM": COOP.StateAgency, "Météo-France": COOP.StateAgency,
    "INRAE": COOP.ResearchOrTrainingBody, "CNRS": COOP.ResearchOrTrainingBody,
    # national companies that take part in territorial projects
    "Compagnie nationale du Rhône": COOP.Enterprise, "SNCF Réseau": COOP.Enterprise,
    "SNCF Voyageurs": COOP.Enterprise, "Enedis": COOP.Enterprise, "GRDF": COOP.Enterprise,
}
REGIONAL_SERVICES: dict[str, URIRef] = {
    "DRAAF": COOP.StateService, "DREAL": COOP.StateService, "DIRECCTE": COOP.StateService, "DRAC": COOP.StateService,
    "DDT": COOP.StateService, "DDTM": COOP.StateService, "SGAR": COOP.StateService, "DREETS": COOP.StateService,
    "DDETS": COOP.StateService, "DDPP": COOP.StateService,
}
_NATIONAL_ACRONYMS = sorted({**NATIONAL_BODIES, **REGIONAL_SERVICES}, key=len, reverse=True)
_NATIONAL_RE = re.compile(rf"(?<![\w-])(?:{'|'.join(re.escape(a).replace(chr(39), f'[{_APOS}]') for a in _NATIONAL_ACRONYMS)})"
                          rf"(?![\w-])")
_NATIONAL_RULE = Rule("national", _NATIONAL_RE, COOP.StateService)


def _national_bodies(text: str, toks: list[_Tok], starts: list[int], start: int, end: int) -> list[InstitutionMatch]:
    out = []
    for m in _NATIONAL_RE.finditer(text, start, end):
        head = m.group()
        head = re.sub(f"[{_APOS}]", "'", head)
        cls = NATIONAL_BODIES.get(head) or REGIONAL_SERVICES[head]
        e = m.end()
        if head in REGIONAL_SERVICES:
            j = bisect.bisect_left(starts, m.end())
            # « DRAAF Rhône-Alpes »; a départemental service also « DDTM de la Somme »
            follows = j < len(toks) and (toks[j].capitalised or (head.startswith("DD") and toks[j].connector))
            right = _scan_forward(toks, j, _NATIONAL_RULE) if follows else None
            # the region only, never a capitalised common word glued by a lost line break
            if right is not None and not any(t.folded in _SENTENCE_WORDS for t in toks[j:right]):
                e = toks[right - 1].end
        out.append(InstitutionMatch(m.start(), e, text[m.start():e], cls, _clean(text[m.start():e]),
                                    _clean(text[m.end():e]), "national"))
    return out
