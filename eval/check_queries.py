"""Review a labelled query file against the corpus.

    python eval/check_queries.py [eval/queries.json] [--corpus corpus] [--expected eval/expected_matches.json]

For every query: the cases each regex matches, the relevant set (union), and the share of the
query's content words that also occur in the relevant cases' title, alt labels or summary (a
rough "word overlap" to keep questions paraphrased rather than copied). Exits with status 1 when a
query or a regex matches no case, or when ``--expected`` is given and a query's relevant set
differs from the one recorded there (e.g. after a new case whose alt label a regex also matches).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from search.metrics import load_query_file, matching_ids  # noqa: E402

STOP = set("""
a au aux avec ce ces cet cette comme comment dans de des du elle en entre et est etre il ils la le les leur leurs
mais meme ne ni nos notre nous on ont ou par pas plus pour qu que quel quelle quelles quels qui sa se ses si son sont
sur ta te tes toi ton tous tout toute toutes tu un une vos votre vous deja fait faire peut peuvent ete avoir
the of and or to in on for by with from into their its how which what who does did do are is was were be been
a an as at it this that these those between not only every several after
""".split())


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", fold(text)) if len(w) > 2 and w not in STOP}


def case_labels(corpus_dir: Path) -> tuple[dict[str, list[str]], dict[str, str]]:
    from ingest.corpus import load_corpus

    cases = load_corpus(corpus_dir).of("case")
    labels = {cid: [e["title"], *(e.get("alt_labels") or [])] for cid, e in cases.items()}
    summaries = {cid: e.get("summary") or "" for cid, e in cases.items()}
    return labels, summaries


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", default=str(REPO / "eval" / "queries.json"))
    ap.add_argument("--corpus", default=str(REPO / "corpus"))
    ap.add_argument("--expected", help="JSON {query id: [case ids]} to compare the relevant sets with")
    args = ap.parse_args(argv)

    qfile = load_query_file(args.file)
    labels, summaries = case_labels(Path(args.corpus))
    expected = json.loads(Path(args.expected).read_text(encoding="utf-8")) if args.expected else None

    problems = 0
    n_multi = 0
    overlaps = []
    for query in qfile:
        print(f"{query.id}  {query.q}")
        union: set[str] = set()
        for pattern, rx in zip(query.relevant, query.patterns):
            hit = matching_ids(rx, labels)
            union |= hit
            print(f"    /{pattern}/ -> {', '.join(sorted(hit)) or 'NOTHING'}")
            if not hit:
                problems += 1
        if not union:
            print("    !! no relevant case")
            problems += 1
        n_multi += len(union) > 1
        case_words = set().union(*(words(" ".join(labels[c]) + " " + summaries[c]) for c in union)) if union else set()
        qwords = words(query.q)
        share = len(qwords & case_words) / len(qwords) if qwords else 0.0
        overlaps.append(share)
        print(f"    overlap {share:.0%}: {' '.join(sorted(qwords & case_words))}")
        if expected is not None:
            want = set(expected.get(query.id, []))
            if want != union:
                print(f"    !! differs from expected: missing {sorted(want - union)}, extra {sorted(union - want)}")
                problems += 1
    if expected is not None:
        for qid in sorted(set(expected) - {q.id for q in qfile}):
            print(f"!! expected lists unknown query {qid}")
            problems += 1
    covered = set().union(*(set().union(*(matching_ids(rx, labels) for rx in q.patterns)) for q in qfile))
    print()
    print(f"{len(qfile)} queries, {n_multi} with several relevant cases, "
          f"mean word overlap {sum(overlaps) / len(overlaps):.0%}; "
          f"{len(covered)}/{len(labels)} cases relevant to at least one query")
    uncovered = sorted(set(labels) - covered)
    if uncovered:
        print("cases no query targets: " + ", ".join(uncovered))
    print("OK" if not problems else f"{problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
