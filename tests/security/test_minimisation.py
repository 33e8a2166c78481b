"""Collect the minimum (item 8): no national ID numbers anywhere, phone numbers masked in lists."""

from __future__ import annotations

import re

import pytest
from django.apps import apps

from centers.forms import ResidentSignupForm
from tests.factories import ResidentFactory, UserFactory, give_totp

NATIONAL_ID = re.compile(r"(id_?card|id_?number|national_?id|identity|citizen|shenfen|sfz|passport)", re.IGNORECASE)


def test_no_model_has_a_national_id_field():
    offending = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if NATIONAL_ID.search(field.name) or NATIONAL_ID.search(str(getattr(field, "verbose_name", "")))
    ]
    assert offending == []


@pytest.mark.django_db
def test_sign_up_asks_for_no_national_id():
    assert not [name for name in ResidentSignupForm().fields if NATIONAL_ID.search(name)]


@pytest.mark.django_db
def test_resident_lists_in_the_admin_mask_phone_numbers(client_for, center):
    # Only a superuser on a laptop opens residents in the admin (no administrator duty does): masked there too.
    superuser = give_totp(UserFactory(is_staff=True, is_superuser=True))
    ResidentFactory(center=center, full_name="掩码检查", phone="13912345678")
    html = client_for(superuser).get("/admin/centers/resident/").content.decode()
    assert "139****5678" in html
    assert "13912345678" not in html
