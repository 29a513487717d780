"""benchmarks/docs_block.py: the generated block of a benchmark's docs section."""
from __future__ import annotations

from benchmarks.docs_block import write_block

S, E = "<!-- x:start -->", "<!-- x:end -->"


def test_the_block_is_replaced_and_the_rest_kept(tmp_path):
    doc = tmp_path / "d.md"
    doc.write_text(f"# T\n\nbefore\n\n{S}\nold\n{E}\n\nafter, by hand\n", encoding="utf-8")
    write_block(doc, S, E, "new")
    assert doc.read_text(encoding="utf-8") == f"# T\n\nbefore\n\n{S}\nnew\n{E}\n\nafter, by hand\n"


def test_missing_markers_go_under_a_heading_or_a_section(tmp_path):
    doc = tmp_path / "d.md"
    doc.write_text("# T\n", encoding="utf-8")
    write_block(doc, S, E, "one", missing="## Section")
    assert doc.read_text(encoding="utf-8") == f"# T\n\n## Section\n\n{S}\none\n{E}\n"
    doc.write_text("# T\n\n## Section\n\ntext\n", encoding="utf-8")  # the heading is there: not twice
    write_block(doc, S, E, "two", missing="## Section")
    assert doc.read_text(encoding="utf-8") == f"# T\n\n## Section\n\ntext\n\n{S}\ntwo\n{E}\n"
    doc.write_text("# T\n", encoding="utf-8")  # a section holding the markers
    write_block(doc, S, E, "three", missing=f"## S\n\nintro\n\n{S}\n{E}\n")
    assert doc.read_text(encoding="utf-8") == f"# T\n\n## S\n\nintro\n\n{S}\nthree\n{E}\n"
    new = tmp_path / "new.md"  # no file yet
    write_block(new, S, E, "four", initial="# Intro\n")
    assert new.read_text(encoding="utf-8") == f"# Intro\n\n{S}\nfour\n{E}\n"
