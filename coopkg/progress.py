"""Progress bars on stderr for long commands (one bar per phase; silent when not a terminal)."""
from __future__ import annotations

from tqdm import tqdm


class Progress:
    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.bars: dict[str, tqdm] = {}

    def update(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        bar = self.bars.get(phase)
        if bar is None:
            unit = {"write": "triples", "embedding": "texts"}.get(phase, "files")
            bar = self.bars[phase] = tqdm(total=total, desc=phase, unit=unit, unit_scale=unit == "triples",
                                          leave=False, disable=None)
        bar.total = max(total, 1)
        bar.n = done
        bar.refresh()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for bar in self.bars.values():
            bar.close()
