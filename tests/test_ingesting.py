"""The ingestion service's own logic (coopkg/ingesting.py) that needs no store or model."""
from __future__ import annotations

from coopkg.ingesting import runs
from ingest.documents.model import Block, Candidate


def block(start: int, end: int, field: str | None = None) -> Block:
    return Block("grid" if field else "paragraph", "x" * (end - start), start, end, field=field)


def test_a_candidate_in_one_piece_is_kept():
    cand = Candidate("A", 0, 30, blocks=[block(0, 10), block(12, 30)])
    assert runs(cand, [cand]) == [cand]


def test_a_merged_candidate_is_cut_where_another_practice_lies_in_between():
    a1, a2, a3 = block(0, 10), block(12, 20, "stakes"), block(60, 80, "object")
    cand = Candidate("A", 0, 80, 0, 5, blocks=[a1, a2, a3], grid={"stakes": [a2], "object": [a3]}, headings=("H",))
    other = Candidate("B", 30, 50, blocks=[block(30, 50)])
    first, second = runs(cand, [cand, other])
    assert (first.start, first.end, second.start, second.end) == (0, 20, 60, 80)
    assert first.grid == {"stakes": [a2]} and second.grid == {"object": [a3]}
    assert first.title == second.title == "A" and second.headings == ("H",)
