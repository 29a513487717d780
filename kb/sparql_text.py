"""What a SPARQL text is and uses, without running it: its form (SELECT, ASK…), whether it is an
update, and whether it has a SERVICE or a dataset clause (FROM / FROM NAMED).

A token scan (comments, strings and IRIs skipped) settles the common case in well under a
millisecond; rdflib's parser (~25 ms) decides when one of the words that need a closer look is
present. Used by the SPARQL endpoint (api/sparql.py: refusals, the default graph) and by the
embedded store's ``raw_query`` (``coopkg sparql``: a query with FROM gets the dataset it names,
not the union of all graphs).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>[^\W\d][\w.-]*:[\w.:%\\-]*|:[\w.:%\\-]*|_:[\w.-]+)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_UPDATE_NAMES = {"InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
                 "Modify": "DELETE/INSERT", "Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE",
                 "Add": "ADD", "Move": "MOVE", "Copy": "COPY"}
_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


def keywords(query: str) -> list[str]:
    """The bare words of a SPARQL text, upper-cased, in order — not those inside comments,
    strings, IRIs, variables or prefixed names."""
    return [m.group("word").upper() for m in _TOKEN.finditer(query) if m.lastgroup == "word"]


@dataclass
class Analysis:
    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE (when known)
    update: str | None = None  # the update operation, when the text is a SPARQL Update
    service: bool = False
    dataset: bool = False  # FROM / FROM NAMED
    parsed: bool = False  # by rdflib (else the facts come from the tokenizer)


def _walk(node):
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend(item)


_FORM_WORDS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_CHECKED_WORDS = _UPDATE_WORDS | {"SERVICE", "FROM"}


def _plain(query: str) -> Analysis | None:
    """The analysis of a query with none of the words that need a closer look (update verbs,
    SERVICE, FROM) outside strings, comments and IRIs — most queries: the form is its first form
    keyword (a subquery's SELECT comes after it). None when the parser must decide. rdflib's
    parser costs ~25 ms for a short query; this costs well under one."""
    words, iris = [], []
    for m in _TOKEN.finditer(query):
        if m.lastgroup == "word":
            words.append(m.group("word").upper())
        elif m.lastgroup == "iri":
            iris.append(m.group("iri").upper())
    if _CHECKED_WORDS.intersection(words):
        return None
    # an IRI-looking token that hides one of those words (e.g. `?a<?b)SERVICE?c>`) → parser
    if any(_CHECKED_WORDS.intersection(re.findall(r"[A-Z]+", iri)) for iri in iris):
        return None
    return Analysis(form=next((w for w in words if w in _FORM_WORDS), None))


def analyse(query: str) -> Analysis:
    """What the query is and uses: a token scan for plain queries, else rdflib's parse tree
    (tokenizer fallback when rdflib cannot parse it)."""
    return _plain(query) or checked(query)


def checked(query: str) -> Analysis:
    """The analysis from rdflib's parse tree (query, then update), else from the tokenizer."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        tree = parseQuery(query)
    except (ParseException, RecursionError, ValueError, TypeError):
        tree = None
    if tree is not None:
        nodes = list(_walk(tree))
        form = next((_FORMS[n.name] for n in nodes if n.name in _FORMS), None)
        return Analysis(form=form, service=any(n.name == "ServiceGraphPattern" for n in nodes),
                        dataset=any(n.name in _FORMS and "datasetClause" in n for n in nodes), parsed=True)
    try:
        update = parseUpdate(query)
    except (ParseException, RecursionError, ValueError, TypeError):
        update = None
    if update is not None:
        ops = [_UPDATE_NAMES.get(n.name, n.name) for n in (update["request"] if "request" in update else [])]
        return Analysis(update=", ".join(dict.fromkeys(ops)) or "an empty update")
    words = keywords(query)
    first = next((w for w in words if w not in ("PREFIX", "BASE")), None)
    return Analysis(update=first if first in _UPDATE_WORDS else None, service="SERVICE" in words,
                    dataset="FROM" in words)
