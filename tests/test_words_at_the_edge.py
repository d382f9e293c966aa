"""No sentence a person reads is written outside `words/` (issue 19): every module of the app says its sentences as
message ids, rendered at the edge in the visitor's language.

A sentence here is a string literal (or an f-string's text) with at least three words that starts with a capital or
ends with a stop. Docstrings, log lines, the CLI's --help (``help=``, ``description=``), the page's own labels (the
``labels`` domain: ``gr.Button("...")``, ``label=``, ``info=``, ``placeholder=``), internal errors (ValueError,
KeyError...) and prompt texts (``PROMPT_TEXTS``: words sent to Seedance as the prompt, kept as written) aside."""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "seedance_ui"
MODULES = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py"))
PROMPT_TEXTS = {"EXAMPLES", "CAMERA_PHRASES"}
"""Tables of prompt text: what Seedance is asked for (the example prompts, the camera moves a prompt gains)."""
NOT_SAID = {"help", "description", "label", "info", "placeholder", "metavar", "elem_id", "elem_classes"}
INTERNAL = {"ValueError", "KeyError", "TypeError", "AssertionError", "RuntimeError", "FileExistsError",
            "NotADirectoryError"}  # fmt: skip
SENTENCE = re.compile(r"^\s*(?=(?:\S+\s+){2,}\S)(?:[A-Z][a-z']*\s|.*[a-z][.!?…:]\s*$)")


def sentences(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(getattr(t, "id", "") in PROMPT_TEXTS for t in targets) and node.value is not None:
            skip.update(id(sub) for sub in ast.walk(node.value))
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # attribute docstrings
            skip.add(id(node.value))
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            owner = getattr(getattr(node.func, "value", None), "id", "")
            # gr.Button("..."), gr.Markdown("..."): the page's labels (gr.I18n); gr.Error/Warning/Info are said
            labels = owner == "gr" and name not in ("Error", "Warning", "Info")
            quiet = owner in ("log", "logging") or labels or name in INTERNAL
            for sub in ast.walk(node) if quiet else ():
                skip.add(id(sub))
            for kw in node.keywords:
                if kw.arg in NOT_SAID:
                    for sub in ast.walk(kw.value):
                        skip.add(id(sub))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            for v in node.values:
                skip.add(id(v))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if (
            "\n" not in text
            and SENTENCE.search(text)
            and not text.lstrip().startswith(("SELECT", "CREATE", "ALTER", "INSERT", "UPDATE", "DELETE"))
        ):
            found.append((node.lineno, text))
    return found


@pytest.mark.parametrize("module", MODULES)
def test_a_converted_module_writes_no_sentence_of_its_own(module):
    left = sentences(PACKAGE / module)
    assert not left, "\n".join(f"{module}:{line}: {text!r}" for line, text in left)


def test_the_check_sees_a_sentence_when_there_is_one(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Doc string."""\nimport logging\nlog = logging.getLogger()\n'
                      'def f(x):\n    """Its doc."""\n    log.info("Not a sentence the person reads.")\n'
                      '    raise ValueError("Internal words here.")\n    return f"Your take {x} was saved."\n')  # fmt: skip
    assert [text for _, text in sentences(sample)] == ["Your take {} was saved."]
