"""``{% url %}`` as Django writes it, without Django's ``reverse`` on every link of every page.

A staff page carries a dozen links in its header and more in its body; ``reverse`` walks the URL
patterns, applies the converters and checks the result against the pattern each time (≈ 20 µs a
link, a third of the patient page's rendering). This tag (installed as a template builtin, so it
takes the place of Django's ``url`` in every template) remembers, per view name and number of
arguments, the URL ``reverse`` wrote for placeholder arguments: a link without arguments is that
URL; a link whose arguments are all UUIDs (every record's address here) is that URL with each
placeholder replaced by the record's id, which is what the ``uuid`` converter writes
(``str(value)``). Anything else (keyword arguments, other argument types, a name that does not
reverse) goes to Django's tag unchanged, errors included.

What is remembered is the shape of the project's URLs, keyed by everything ``reverse`` depends on
(URLconf, script prefix, language, current app); no record's id is ever kept.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template.base import Parser, Token
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

# Placeholders no real record has: the nil UUID's neighbours, one per argument position.
PLACEHOLDERS = tuple(UUID(int=n + 1) for n in range(4))
_SHAPES: dict[tuple[Any, ...], tuple[str, ...] | None] = {}
_MAX_SHAPES = 1024  # view names × argument counts × prefixes: a few hundred at most


def _forget(*, setting: str, **kwargs: object) -> None:
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME", "LANGUAGE_CODE"}:
        _SHAPES.clear()


setting_changed.connect(_forget)


def _shape(view_name: str, n_args: int, current_app: str | None) -> tuple[str, ...] | None:
    """The URL for ``n_args`` UUID arguments as the pieces between them (``None``: not a URL
    made of UUIDs, so Django's tag decides)."""
    key = (
        view_name,
        n_args,
        current_app,
        get_urlconf(),
        settings.ROOT_URLCONF,
        get_script_prefix(),
        get_language(),
    )
    try:
        return _SHAPES[key]
    except KeyError:
        pass
    shape: tuple[str, ...] | None = None
    if n_args <= len(PLACEHOLDERS):
        try:
            written = reverse(view_name, args=PLACEHOLDERS[:n_args], current_app=current_app)
        except NoReverseMatch:
            written = None
        if written is not None:
            pieces = [written]
            for placeholder in PLACEHOLDERS[:n_args]:
                head, found, tail = pieces.pop().partition(str(placeholder))
                if not found or str(placeholder) in tail:
                    break  # the converter wrote it differently, or twice: not ours to shortcut
                pieces += [head, tail]
            else:
                shape = tuple(pieces)
    if len(_SHAPES) < _MAX_SHAPES:
        _SHAPES[key] = shape
    return shape


class ShapedURLNode(URLNode):
    def render(self, context: Context) -> str:
        if self.kwargs:
            return str(super().render(context))
        args = [arg.resolve(context) for arg in self.args]
        if not all(isinstance(arg, UUID) for arg in args):
            return str(super().render(context))
        try:  # as Django's tag finds it
            current_app = context.request.current_app  # type: ignore[attr-defined]
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace  # type: ignore[attr-defined]
            except AttributeError:
                current_app = None
        shape = _shape(self.view_name.resolve(context), len(args), current_app)
        if shape is None:
            return str(super().render(context))
        url = shape[0] + "".join(
            str(arg) + piece for arg, piece in zip(args, shape[1:], strict=True)
        )
        if self.asvar:
            context[self.asvar] = url
            return ""
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> ShapedURLNode:
    node = django_url(parser, token)
    return ShapedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
