"""Hostile input at every declared form: never a 500, never a half-written record (issue 6, item 11)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.hostile import HOSTILE, MISSING, declared_forms

FORMS = declared_forms()

ERROR_MARKS = ("errorlist", "invalid-feedback", "is-invalid", "alert-danger", "alert-error", 'role="alert"')


def _draw_payload(data, form, world) -> dict:
    payload = dict(form.extra)
    for name, good in form.fields.items():
        choice = data.draw(st.sampled_from(["good", "hostile", "missing"]), label=f"{name} kind")
        if choice == "good":
            payload[name] = data.draw(good(world), label=name)
        elif choice == "hostile":
            payload[name] = data.draw(HOSTILE, label=name)
        else:
            payload[name] = MISSING
    # Now and then a field nobody asked for.
    if data.draw(st.booleans(), label="extra field"):
        payload[data.draw(st.sampled_from(["id", "is_superuser", "center", "csrfmiddlewaretoken"]))] = data.draw(
            HOSTILE
        )
    return {k: v for k, v in payload.items() if v is not MISSING}


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_hostile_input_never_breaks_a_form(form, world):
    client = world.client(form.role or "anonymous")
    models = [apps.get_model(label) for label in form.models]
    url = form.url(world)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def attack(data):
        cache.clear()  # rate limits are not what is under test here
        payload = _draw_payload(data, form, world)
        before = [model.objects.count() for model in models]
        response = client.get(url, payload) if form.method == "GET" else client.post(url, payload)
        after = [model.objects.count() for model in models]
        assert response.status_code < 500, f"{form.name}: {response.status_code} for {payload!r}"
        deltas = {b - a for a, b in zip(before, after, strict=True)}
        assert len(deltas) <= 1, (
            f"{form.name}: half-written ({dict(zip(form.models, deltas, strict=False))}) for {payload!r}"
        )
        if response.status_code in form.success:
            return
        if 400 <= response.status_code < 500:
            return
        if response.status_code == 302:
            # Refused with a message on the next page (e.g. the consent page).
            return
        assert response.status_code == 200, f"{form.name}: {response.status_code} for {payload!r}"
        assert deltas <= {0}, f"{form.name}: rows written although the form was shown again, for {payload!r}"
        html = response.content.decode()
        assert any(mark in html for mark in (*ERROR_MARKS, *form.marks)), (
            f"{form.name}: no clear message for {payload!r}"
        )

    attack()
