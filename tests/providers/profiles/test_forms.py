"""The editor's form round trip: rendering a stored section as form fields and posting them back
unchanged gives the same section (so a save without edits changes nothing); blank rows are left
out and ticked rows removed."""

import pytest
from django.http import QueryDict

from providers.profiles import forms
from providers.profiles.document import SECTIONS
from tests.factories.providers import profile_document

pytestmark = pytest.mark.django_db


def _post(section: str, rendered: dict) -> QueryDict:
    post = QueryDict(mutable=True)
    if rendered["kind"] == "tags":
        post.setlist("new_tech", rendered["chosen"])
        return post
    groups = [("", rendered.get("fields", []))]
    if rendered["kind"] == "facts":
        post["contacts"] = str(len(rendered["contacts"]))
        groups += [("", row["cells"]) for row in rendered["contacts"]]
    else:
        post["rows"] = str(len(rendered["rows"]))
        for row in rendered["rows"]:
            post[f"r{row['index']}-key"] = row["key"]
            groups.append(("", row["cells"]))
    for _prefix, cells in groups:
        for cell in cells:
            if cell["field"].kind == "multi":
                post.setlist(cell["name"], cell["value"])
            elif cell["field"].kind == "bool":
                if cell["value"]:
                    post[cell["name"]] = "on"
            else:
                post[cell["name"]] = cell["value"]
    return post


def _normal(value):
    """Numbers come back from a form as text, which parse() reads the same."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items() if v not in ("", None, [], False)}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return str(value)


@pytest.mark.parametrize("section", SECTIONS)
def test_an_unchanged_form_posts_back_the_same_section(section):
    document = profile_document()
    choices = forms.choices_for(document, [])
    rendered = forms.section_form(section, document[section], (), choices)
    data = forms.data_from_post(section, _post(section, rendered))
    assert _normal(data) == _normal(document[section])


def test_ticked_rows_are_removed_and_blank_rows_ignored():
    document = profile_document()
    rendered = forms.section_form("apps", document["apps"], (), forms.choices_for(document, []))
    post = _post("apps", rendered)
    post["r0-delete"] = "on"
    assert forms.data_from_post("apps", post) == []
