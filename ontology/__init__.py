"""The coopkg ontology: the Turtle source of truth and the Python views generated from it."""
from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent
ONTOLOGY_FILE = ONTOLOGY_DIR / "coopkg.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
