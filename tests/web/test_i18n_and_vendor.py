"""The English catalogue is complete, and the vendored front-end files are exactly the pinned npm versions."""
import hashlib
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_every_interface_text_has_an_english_translation(tmp_path):
    """Extracts the texts from the code now, so a new text without translation fails here, not in a demo."""
    import subprocess
    import sys

    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "kcc/translations/babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-k", "Msg", "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with open(ROOT / "kcc/translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle, locale="en")
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert sorted(wanted - translated, key=str) == []


def _pins() -> dict[str, str]:
    lines = (ROOT / "static/vendor/packages.txt").read_text().splitlines()
    return dict(line.rsplit("@", 1) for line in lines if line and not line.startswith("#"))


def _check_sums(folder: Path) -> None:
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, f"{name} changed; run make vendor"


def test_vendored_htmx_is_the_pinned_version():
    source = (ROOT / "static/vendor/htmx/htmx.min.js").read_text()
    assert re.search(r'version:"([^"]+)"', source).group(1) == _pins()["htmx.org"]
    _check_sums(ROOT / "static/vendor")


def test_vendored_axe_is_the_pinned_version():
    source = (ROOT / "tests/vendor/axe.min.js").read_text()
    assert f"axe v{_pins()['axe-core']}" in source[:300]
    _check_sums(ROOT / "tests/vendor")


def test_pages_use_only_vendored_assets():
    base = (ROOT / "kcc/web/templates/base.html").read_text()
    assert "http://" not in base and "https://" not in base
