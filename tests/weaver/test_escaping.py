"""Every place that could print a user's text as HTML is listed here and was reviewed.

A new `mark_safe`, `|safe`, `{% autoescape off %}`, `json_script`, non-literal `help_text` (Django and
crispy print help_text as HTML) or JavaScript HTML sink fails this test until it is reviewed and added
to REVIEWED with the reason it cannot carry a user's text unescaped.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON_DIRS = ("accounts", "networks", "funds", "clusters", "weaver")
TEMPLATE_SINKS = re.compile(r"\|\s*safe(seq)?\b|{%\s*autoescape\s+off|json_script")
PYTHON_SINKS = re.compile(r"\bmark_safe\(|\bSafeString\(|\bformat_html\(|\bSafeData\b")
JS_SINKS = re.compile(
    r"\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function"
)

# (file, the line as written, stripped) -> why it is safe.
REVIEWED = {
    (
        "funds/forms.py",
        "help_text=escape(c.description),",
    ): "the criterion's description, escaped (the stored XSS of issue 11)",
    (
        "funds/forms.py",
        'help_text=f"What you will do, with whom, and why it is new. At most {SUMMARY_MAX_CHARS} characters.",',  # noqa: E501
    ): "a constant",
    (
        "funds/models.py",
        'help_text=f"What you will do, with whom, and why it is new (at most {SUMMARY_MAX_CHARS} characters).",',  # noqa: E501
    ): "a constant",
    (
        "funds/forms.py",
        'self.fields["criteria"].help_text = self.rubric_locked',
    ): "round_rubric_locked_reason: fixed sentences",
    (
        "funds/forms.py",
        'field.help_text = " ".join(filter(None, [str(field.help_text), f"Usually {figure.usual}."]))',
    ): "the model field's own help text and FIELD_FIGURES: constants",
    ("networks/views_io.py", "help_text=("): "fixed sentences and the upload limit setting",
    (
        "networks/serializers_metrics.py",
        "timings = serializers.DictField(child=serializers.FloatField(), help_text=TIMINGS_HELP)",
    ): ("a constant; API schema only"),
    (
        "templates/funds/emails/assigned.txt",
        "{% autoescape off %}Hello {{ reviewer }},",
    ): "a plain-text e-mail: nothing reads it as HTML",
    (
        "templates/funds/emails/reminder.txt",
        "{% autoescape off %}Hello {{ reviewer }},",
    ): "a plain-text e-mail",
    (
        "templates/surveys/emails/invitation.txt",
        "{% autoescape off %}Hello {{ invitation.member.name }},",
    ): "a plain-text e-mail",
    (
        "templates/networks/emails/access_invitation.txt",
        "{% autoescape off %}Hello {{ name }},",
    ): "a plain-text e-mail",
    ("templates/networks/dashboard.html", '{{ trends|json_script:"trend-data" }}'): (
        "json_script escapes <, > and & inside the JSON; dashboard.js reads it with JSON.parse"
    ),
    ("templates/networks/map_page.html", '{{ role_help|json_script:"map-roles" }}'): "json_script, constants",
    ("templates/networks/map_page.html", '{{ urls|json_script:"map-urls" }}'): "json_script, URLs",
    ("static/js/map_page.js", '$("map-panel-body").innerHTML ='): "the member's label through escapeHtml",
    ("static/js/map_page.js", 'if (state.selected === id) $("map-panel-body").innerHTML = html;'): (
        "map_member's server-rendered (escaped) fragment"
    ),
    ("static/js/map_page.js", '$("map-panel-body").insertAdjacentHTML('): "a constant message",
    ("static/js/map_page.js", "body.innerHTML = rows"): "table rows: every label through escapeHtml, numbers",
    ("static/js/map_page.js", 'select.innerHTML = "";'): "emptying",
    ("static/js/map_page.js", 'names.innerHTML = "";'): "emptying",
    (
        "static/js/map_page.js",
        'button.innerHTML = \'<span class="spinner-border spinner-border-sm" aria-hidden="true"></span> Refining…\';',  # noqa: E501
    ): "a constant",
    (
        "static/js/map_page.js",
        "button.innerHTML = '<i class=\"bi bi-magic\"></i> Refine layout';",
    ): "a constant",
}


def _python_files():
    for folder in PYTHON_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _dynamic_help_texts(path: Path, source: str):
    """Lines giving a help_text that is not a plain string literal (literals cannot carry user text)."""
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        value = None
        is_keyword = isinstance(node, ast.keyword) and node.arg == "help_text"
        is_assignment = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "help_text" for t in node.targets
        )
        if is_keyword or is_assignment:
            value = node.value
        elif isinstance(node, ast.Dict):
            value = next(
                (
                    v
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant) and k.value == "help_text"
                ),
                None,
            )
        if value is not None and not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            yield lines[node.lineno - 1].strip()


def found_sinks() -> set[tuple[str, str]]:
    found = set()
    for path in _python_files():
        source = path.read_text()
        relative = str(path.relative_to(ROOT))
        found |= {(relative, line.strip()) for line in source.splitlines() if PYTHON_SINKS.search(line)}
        found |= {(relative, line) for line in _dynamic_help_texts(path, source)}
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in (".html", ".txt"):
            relative = str(path.relative_to(ROOT))
            found |= {
                (relative, line.strip())
                for line in path.read_text().splitlines()
                if TEMPLATE_SINKS.search(line)
            }
    for path in sorted((ROOT / "static" / "js").glob("*.js")):
        relative = str(path.relative_to(ROOT))
        found |= {(relative, line.strip()) for line in path.read_text().splitlines() if JS_SINKS.search(line)}
    return found


def test_every_place_that_prints_markup_unescaped_was_reviewed():
    found = found_sinks()
    new = sorted(found - REVIEWED.keys())
    assert not new, f"review these and add them to REVIEWED with the reason they are safe: {new}"
    gone = sorted(REVIEWED.keys() - found)
    assert not gone, f"no longer in the code, take them out of REVIEWED: {gone}"


def test_the_audit_finds_each_kind_of_sink(tmp_path):
    source = 'x = forms.CharField(help_text=criterion.description)\ny = forms.CharField(help_text="Plain.")\n'
    assert list(_dynamic_help_texts(tmp_path / "f.py", source)) == [
        "x = forms.CharField(help_text=criterion.description)"
    ]
    assert TEMPLATE_SINKS.search("{{ text|safe }}") and TEMPLATE_SINKS.search("{% autoescape off %}")
    assert PYTHON_SINKS.search("mark_safe(text)") and JS_SINKS.search("el.innerHTML = text")
    assert not JS_SINKS.search("el.textContent = text") and not TEMPLATE_SINKS.search("{{ text }}")
