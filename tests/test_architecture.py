"""The house rules, checked: rules without Flask, one commit point, no work at import time."""
import ast
import subprocess
import sys
from pathlib import Path

KCC = Path(__file__).resolve().parents[1] / "kcc"
# the modules with the rules: no Flask, no web layer; they take a session and an Actor
RULE_MODULES = sorted(
    [*KCC.glob("core/*.py"), *KCC.glob("models/*.py"), KCC / "policy.py", *KCC.glob("*/operations.py"),
     *KCC.glob("contacts/[!v]*.py"), *KCC.glob("content/*.py"), *KCC.glob("staff/*.py"),
     KCC / "mail" / "importer.py", KCC / "floor" / "indicators.py", KCC / "floor" / "lobby_figures.py", KCC / "floor" / "staffing.py",
     KCC / "config.py"])
COMMIT_POINTS = {KCC / "web" / "unit_of_work.py", KCC / "core" / "db.py"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_rule_modules_import_neither_flask_nor_the_web_layer():
    assert len(RULE_MODULES) > 20
    offenders = {str(path.relative_to(KCC)): sorted(name for name in _imports(path)
                                                    if name.split(".")[0] in ("flask", "flask_login", "flask_babel",
                                                                              "flask_wtf", "werkzeug")
                                                    or name.startswith(("kcc.web", "kcc.api")))
                 for path in RULE_MODULES}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_only_the_unit_of_work_and_its_named_exceptions_commit():
    committing = sorted(str(path.relative_to(KCC)) for path in KCC.rglob("*.py")
                        if ".commit()" in path.read_text() and path not in COMMIT_POINTS)
    assert committing == []
    templates = [path for path in KCC.rglob("*.html") if "commit" in path.read_text() or "query(" in path.read_text()]
    assert templates == []


def test_importing_kcc_does_no_work():
    """No password hash, database or router is made when a module is imported."""
    code = ("import kcc, kcc.cli, kcc.staff.passwords as p; import sys; "
            "sys.exit(p._dummy_hash.cache_info().currsize)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
