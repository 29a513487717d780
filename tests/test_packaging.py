"""pyproject.toml lists every package and the data files they read, so that a wheel (a
non-editable install) has them: a subpackage or a data file left out works in the repository and
fails once installed."""
from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
SKIP = {"__pycache__", "work", "results"}  # benchmarks/work and results are not package data


def package_dirs() -> dict[str, Path]:
    out = {}
    for top in CONFIG["packages"]:
        if "." in top:
            continue
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT)
            if not SKIP & set(rel.parts):
                out[".".join(rel.parts)] = init.parent
    return out


def test_every_subpackage_is_listed():
    assert set(package_dirs()) <= set(CONFIG["packages"]), set(package_dirs()) - set(CONFIG["packages"])


def test_every_data_file_of_a_package_is_package_data():
    packages = package_dirs()
    missing = []
    for name, folder in packages.items():
        globs = CONFIG.get("package-data", {}).get(name, [])
        for f in folder.rglob("*"):
            rel = f.relative_to(folder)
            if f.is_dir() or f.suffix in (".py", ".pyc") or SKIP & set(rel.parts):
                continue
            owner = next((n for n in packages if n != name and n.startswith(name + ".") and
                          packages[n] in f.parents), None)
            if owner is not None:
                continue  # a file of a subpackage: checked with it
            if not any(fnmatch.fnmatch(str(rel), g) or fnmatch.fnmatch(str(rel), g.replace("**/", "")) for g in globs):
                missing.append(f"{name}: {rel}")
    assert not missing, missing
