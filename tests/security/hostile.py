"""Hostile input for forms (issue 6, item 11): the harness and the forms it attacks.

For every declared form, hypothesis draws each field either from the field's good values or
from HOSTILE (random, oversized, wrongly typed, odd Unicode, missing) and posts it. The answer
must be success (a redirect) or a clear refusal (a 4xx, or the form again with its errors shown);
never a 500, and never a half-written record: the row counts of the form's models move together.

Adding a form (booking, screening, intake…): one HostileForm(...) in the FORMS list of
tests/security/forms/<app>.py, with the URL, who signs in, the fields' good values and the models
it writes. Every module there is collected by declared_forms().
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

# Odd but encodable text: control characters, NUL, right-to-left overrides, zero-width joiners,
# combining marks, emoji, full-width digits, script tags, SQL quotes.
ODD_TEXT = st.sampled_from(
    [
        "\x00",
        "a\x00b",
        "\u202e\u0644\u0627",
        "\u200b\u200d\ufeff",
        "e\u0301\u0301\u0301",
        "👩‍👩‍👧‍👦" * 5,
        "１３８１２３４１２３４",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%s%s%n",
        "../../etc/passwd",
        "\r\n\r\nSet-Cookie: x=y",
        "null",
        "None",
        "-1",
        "0",
        "9" * 40,
        "1e309",
        "NaN",
        "[]",
        "{}",
        " ",
        "",
    ]
)
HOSTILE = st.one_of(
    ODD_TEXT,
    st.text(max_size=50),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
    st.text(min_size=300, max_size=2000),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.lists(st.text(max_size=10), min_size=2, max_size=4),  # a field sent several times
)
MISSING = object()


@dataclass(frozen=True)
class HostileForm:
    name: str
    url: Callable[[Any], str]  # world -> path
    fields: Mapping[str, Callable[[Any], st.SearchStrategy]]  # field -> (world -> strategy of good values)
    role: str | None = None  # who is signed in (a role of the matrix world), None for nobody
    models: tuple[str, ...] = ()  # "app_label.Model" rows the form writes; their counts move together
    method: str = "POST"
    success: tuple[int, ...] = (302,)
    extra: Mapping[str, Any] = field(default_factory=dict)  # fixed fields sent every time
    # Further marks of a clear answer on a page shown again (e.g. the booking's "that time was just taken").
    marks: tuple[str, ...] = ()


def declared_forms() -> list[HostileForm]:
    """Every HostileForm of tests/security/forms/*.py."""
    from tests.security import forms as package

    found: list[HostileForm] = []
    for info in pkgutil.iter_modules(package.__path__):
        found.extend(importlib.import_module(f"{package.__name__}.{info.name}").FORMS)
    return found
