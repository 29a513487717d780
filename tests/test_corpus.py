"""The repository corpus validates, and every kind of bad file gets a precise, located error."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.corpus import count_sentences, load_corpus
from ingest.errors import CorpusInvalid
from tests.conftest import CORPUS

CASE = "contrat-reciprocite-brest-cob"
REQUIRED_CASES = [
    "bordeaux", "brest", "initiatives", "luc-sur-aude", "cociter", "clermont", "zero-chomeur", "monts-ardeche", "tridan",
    "territoires-partenaires", "articulation", "mutualisation", "voironnais", "basque", "rennes", "besancon", "bourg-en-bresse",
    "mont-saint-michel", "chartres", "chalon", "nevers", "toulouse", "nantes", "figeac", "douaisis", "vitre", "pays-de-brest",
    "pau", "sarthois", "gironde-2033",
]


def issues_of(root: Path) -> list[str]:
    with pytest.raises(CorpusInvalid) as info:
        load_corpus(root)
    return [str(i) for i in info.value.issues]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_repository_corpus_is_valid_and_complete():
    corpus = load_corpus(CORPUS)
    ids = list(corpus.of("case"))
    for needle in REQUIRED_CASES:
        assert any(needle in i for i in ids), f"no case about {needle}"
    assert len([i for i in ids if "nevers" in i]) == 2, "both Nevers practices"
    assert len(corpus.of("lever")) == 10 and len(corpus.of("axis")) == 4 and len(corpus.of("level")) == 5
    for case in corpus.of("case").values():
        assert len(case["participations"]) >= 2 and case["instruments"] and case["levers"] and case["sources"]


def test_sentence_counter():
    assert count_sentences("Un. Deux ! Trois ? Quatre…") == 4
    assert count_sentences("Le PNR (2015) agit. Fin.") == 2


def test_broken_yaml_names_file_and_line(corpus_copy):
    path = corpus_copy / "cases" / f"{CASE}.md"
    edit(path, "levers: [L7, L9]", "levers: [L7, L9")
    [issue] = issues_of(corpus_copy)
    assert issue.startswith(f"corpus/cases/{CASE}.md:") and "invalid YAML" in issue
    line = int(issue.split(":")[1])
    assert "levers" in path.read_text(encoding="utf-8").split("\n")[line - 1] or line > 1


def test_unknown_lever_lists_the_ten_levers(corpus_copy):
    path = corpus_copy / "cases" / f"{CASE}.md"
    edit(path, "levers: [L7, L9]", "levers: [L7, L11]")
    [issue] = issues_of(corpus_copy)
    lines = path.read_text(encoding="utf-8").split("\n")
    expected_line = next(i for i, text in enumerate(lines, 1) if text.startswith("levers:"))
    assert issue.startswith(f"corpus/cases/{CASE}.md:{expected_line}: levers[1]: unknown lever 'L11'")
    for n in range(1, 11):
        assert f"L{n} (" in issue


def test_missing_label(corpus_copy):
    edit(corpus_copy / "actors" / "common.yaml", "label: ADEME, ", "")
    [issue] = issues_of(corpus_copy)
    assert "corpus/actors/common.yaml:" in issue and "missing required key 'label'" in issue


def test_duplicate_id_names_both_places(corpus_copy):
    text = (corpus_copy / "actors" / "common.yaml").read_text(encoding="utf-8")
    ademe = next(line for line in text.split("\n") if "id: ademe," in line)
    (corpus_copy / "actors" / "zz-extra.yaml").write_text(ademe + "\n", encoding="utf-8")
    [issue] = issues_of(corpus_copy)
    assert issue.startswith("corpus/actors/zz-extra.yaml:1: [0].id: duplicate actor id 'ademe'")
    assert "corpus/actors/common.yaml:" in issue


def test_non_utf8_file(corpus_copy):
    path = corpus_copy / "cases" / f"{CASE}.md"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    [issue] = issues_of(corpus_copy)
    assert f"corpus/cases/{CASE}.md:" in issue and "not valid UTF-8" in issue and "re-save" in issue


@pytest.mark.parametrize("content, message", [
    (b"", "file is empty"),
    (b"\x00\x01binary\x00", "NUL bytes"),
    (b"no front matter\n", "must start with a '---' line"),
    (b"---\nid: x\n", "not closed"),
    (b"---\n- a\n- b\n---\nTexte.\n", "expected a mapping"),
])
def test_malformed_case_files(corpus_copy, content, message):
    (corpus_copy / "cases" / "zz-bad.md").write_bytes(content)
    issues = issues_of(corpus_copy)
    assert any("corpus/cases/zz-bad.md" in i and message in i for i in issues), issues


def test_id_must_match_file_name_and_keys_are_checked(corpus_copy):
    path = corpus_copy / "cases" / f"{CASE}.md"
    edit(path, f"id: {CASE}", "id: autre-id\nleverz: [L1]")
    issues = issues_of(corpus_copy)
    assert any("must match the file name" in i for i in issues)
    assert any("unknown key 'leverz'" in i for i in issues)


def test_summary_length_and_minimum_actors(corpus_copy):
    path = corpus_copy / "cases" / f"{CASE}.md"
    text = path.read_text(encoding="utf-8")
    head, _, _ = text.rpartition("---\n")
    text = head + "---\nUne seule phrase.\n"
    text = re.sub(r"  - \{actor: pays-cob.*\n  - \{actor: cget.*\n", "", text)
    path.write_text(text, encoding="utf-8")
    issues = issues_of(corpus_copy)
    assert any("summary: has 1 sentence; write 3 to 8" in i for i in issues)
    assert any("actors: a case needs at least 2 actors" in i for i in issues)


def test_unknown_actor_suggests_close_ids(corpus_copy):
    edit(corpus_copy / "cases" / f"{CASE}.md", "actor: brest-metropole,", "actor: brest-metropol,")
    [issue] = issues_of(corpus_copy)
    assert "unknown actor 'brest-metropol'" in issue and "Did you mean: brest-metropole" in issue


def test_unknown_instrument_type_lists_valid_slugs(corpus_copy):
    edit(corpus_copy / "cases" / f"{CASE}.md", "type: contrat-de-reciprocite", "type: contrat-reciprocite")
    [issue] = issues_of(corpus_copy)
    assert "unknown instrument type 'contrat-reciprocite'" in issue and "contrat-de-reciprocite" in issue


def test_bad_period(corpus_copy):
    edit(corpus_copy / "cases" / f"{CASE}.md", "period: {start: 2016,", "period: {start: 2016, end: 2010,")
    [issue] = issues_of(corpus_copy)
    assert "start 2016 is after end 2010" in issue
