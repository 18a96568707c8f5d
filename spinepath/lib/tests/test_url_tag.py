"""``{% url %}`` (lib/url_tag.py, a template builtin) writes exactly what Django's tag writes, for
every named URL of the project, and fails where Django's fails."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from django.template import Context, Engine, Template
from django.test import override_settings
from django.urls import NoReverseMatch, get_resolver, reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from spinepath.lib import url_tag

DJANGO = Engine()  # Django's own ``url`` tag
OURS = Engine(builtins=["spinepath.lib.url_tag"])


def _names() -> list[str]:
    """Every named URL, with its namespace."""
    found: list[str] = []

    def walk(resolver: object, prefix: str) -> None:
        for pattern in resolver.url_patterns:  # type: ignore[attr-defined]
            if hasattr(pattern, "url_patterns"):
                space = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                walk(pattern, space)
            elif pattern.name:
                found.append(prefix + pattern.name)

    walk(get_resolver(), "")
    return sorted(set(found))


def _render(engine: Engine, source: str, **context: object) -> str:
    return engine.from_string(source).render(Context(context))


def _tag(name: str, n: int) -> str:
    return "{% url '" + name + "' " + " ".join(f"a{i}" for i in range(n)) + " %}"


def test_every_named_url_is_written_as_django_writes_it() -> None:
    checked = 0
    for name in _names():
        for n in range(4):
            args = [uuid4() for _ in range(n)]
            try:
                expected = reverse(name, args=args)
            except NoReverseMatch:
                continue
            values = {f"a{i}": arg for i, arg in enumerate(args)}
            assert _render(OURS, _tag(name, n), **values) == _render(
                DJANGO, _tag(name, n), **values
            )
            assert _render(OURS, _tag(name, n), **values) == expected
            checked += 1
    assert checked > 100  # the project's pages, with and without a record in their address


@settings(max_examples=50, deadline=None)
@given(st.uuids(), st.uuids())
def test_any_record_ids_give_djangos_url(first: UUID, second: UUID) -> None:
    for name, args in [
        ("patient_detail", [first]),
        ("episode_detail", [second]),
        ("dashboard", []),
    ]:
        expected = reverse(name, args=args)
        values = {f"a{i}": arg for i, arg in enumerate(args)}
        assert _render(OURS, _tag(name, len(args)), **values) == expected


def test_arguments_that_are_not_uuids_and_keyword_arguments_go_through_djangos_tag() -> None:
    pk = uuid4()
    assert _render(OURS, "{% url 'patient_detail' pk %}", pk=str(pk)) == f"/patients/{pk}/"
    assert _render(OURS, "{% url 'stage_worklist' 'assessed' %}") == "/worklists/assessed/"
    assert _render(OURS, "{% url 'patient_detail' patient_id=pk %}", pk=pk) == f"/patients/{pk}/"


def test_a_url_that_does_not_reverse_fails_as_djangos_does() -> None:
    for source in ["{% url 'no_such_page' %}", "{% url 'patient_detail' %}"]:
        with pytest.raises(NoReverseMatch):
            _render(OURS, source)
    pk = uuid4()
    with pytest.raises(NoReverseMatch):
        _render(OURS, "{% url 'dashboard' pk %}", pk=pk)
    # ``as``: nothing written, the variable empty, as Django's tag does
    assert _render(OURS, "{% url 'no_such_page' as u %}[{{ u }}]") == "[]"


def test_as_a_variable_and_escaping() -> None:
    pk = uuid4()
    template = "{% url 'patient_detail' pk as link %}<a href=\"{{ link }}\">"
    assert _render(OURS, template, pk=pk) == f'<a href="/patients/{pk}/">'


@override_settings(FORCE_SCRIPT_NAME="/clinic/")
def test_a_script_prefix_is_honoured() -> None:
    from django.urls import set_script_prefix

    set_script_prefix("/clinic/")
    try:
        pk = uuid4()
        assert _render(OURS, "{% url 'patient_detail' pk %}", pk=pk) == f"/clinic/patients/{pk}/"
        assert _render(OURS, "{% url 'dashboard' %}") == "/clinic/"
    finally:
        set_script_prefix("/")
    assert _render(OURS, "{% url 'dashboard' %}") == "/"


def test_no_record_id_is_remembered() -> None:
    pk = uuid4()
    _render(OURS, "{% url 'patient_detail' pk %}", pk=pk)
    assert str(pk) not in repr(url_tag._SHAPES)


def test_the_projects_templates_use_it() -> None:
    from django.template.loader import get_template

    template: Template = get_template("patients/dashboard.html").template  # type: ignore[attr-defined]
    nodes = template.nodelist.get_nodes_by_type(url_tag.ShapedURLNode)
    assert nodes  # the worklists' links (base.html's are in the parent template)
