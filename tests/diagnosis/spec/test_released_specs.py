"""A released spec file is never edited: a correction is a new file with a new version. The
manifest pins each released file's SHA-256; adding a version means adding a line, never changing one."""

import hashlib
from pathlib import Path

SPECS = Path(__file__).resolve().parents[3] / "diagnosis" / "spec"


def _manifest() -> dict[str, str]:
    lines = (SPECS / "RELEASED.sha256").read_text(encoding="utf-8").splitlines()
    return {name.strip(): digest for digest, name in (line.split(maxsplit=1) for line in lines if line.strip())}


def test_released_files_are_unchanged():
    for name, digest in _manifest().items():
        actual = hashlib.sha256((SPECS / name).read_bytes()).hexdigest()
        assert actual == digest, f"{name} was edited after release: publish a new version file instead"


def test_every_shipped_spec_is_in_the_manifest():
    shipped = {path.name for path in SPECS.glob("*.toml")}
    assert shipped == set(_manifest()), "add the new spec file's hash to diagnosis/spec/RELEASED.sha256"
