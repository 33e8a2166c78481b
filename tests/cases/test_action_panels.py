"""The case page's action panels: closed panels carry no form until the counselor opens one (the page
fetches it), a refused submission comes back with its panel open, and without scripts a link opens it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Stage
from cases.services import alerts, workflow
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def partners(center, other_center):
    return PartnerFactory(center=center, name="区精神卫生中心"), PartnerFactory(center=other_center, name="外区医院")


def test_the_case_page_shows_every_panel_closed_without_building_its_form(client_for, counselor, open_case, partners):
    page = client_for(counselor).get(open_case.get_absolute_url()).content.decode()
    assert page.count('data-testid="panel-loader"') == 10, "ten panels, each with its loader"
    assert 'id="panel-referral">' in page, "closed"
    assert "区精神卫生中心" not in page and 'name="partner"' not in page, "the referral form is not built"
    assert f'hx-get="/cases/{open_case.pk}/panel/referral/"' in page
    assert f'href="/cases/{open_case.pk}/?panel=referral#panel-referral"' in page, "a link opens it without scripts"


def test_opening_a_panel_fetches_its_form_with_the_centers_choices(client_for, counselor, open_case, partners):
    response = client_for(counselor).get(reverse("cases:case_panel", args=[open_case.pk, "referral"]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html, "the panel alone"
    assert 'name="partner"' in html and "区精神卫生中心" in html and "外区医院" not in html
    assert f'action="/cases/{open_case.pk}/referrals/"' in html and "csrfmiddlewaretoken" in html


def test_without_scripts_the_link_shows_the_page_with_that_panel_open(client_for, counselor, open_case, partners):
    client = client_for(counselor)
    response = client.get(reverse("cases:case_panel", args=[open_case.pk, "referral"]))
    assert response.status_code == 302
    assert response["Location"] == f"{open_case.get_absolute_url()}?panel=referral#panel-referral"
    page = client.get(f"{open_case.get_absolute_url()}?panel=referral").content.decode()
    assert 'id="panel-referral" open>' in page and "区精神卫生中心" in page
    assert page.count('data-testid="panel-loader"') == 9


def test_a_refused_submission_comes_back_with_its_panel_open_and_the_reason(client_for, counselor, open_case):
    response = client_for(counselor).post(reverse("cases:case_tier", args=[open_case.pk]), {"tier": "3", "reason": ""})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="panel-tier" open>' in page and "invalid-feedback" in page
    assert 'id="panel-referral">' in page, "the others stay closed"


def test_after_a_refused_submission_the_panel_links_still_open_the_case_page(client_for, counselor, open_case):
    """The refused form's answer is shown at the form's address (POST only): a relative link led to a blank 405."""
    client = client_for(counselor)
    page = client.post(reverse("cases:case_stage", args=[open_case.pk]), {}).content.decode()
    assert 'href="?panel=' not in page
    link = f"{open_case.get_absolute_url()}?panel=referral"
    assert f'href="{link}#panel-referral"' in page
    assert client.get(link).status_code == 200


def test_first_contact_has_no_panel_once_recorded(client_for, counselor, open_case):
    alerts.case_record_contact(case=open_case, actor=counselor, reason="电话联系")
    page = client_for(counselor).get(open_case.get_absolute_url()).content.decode()
    assert 'id="panel-contact"' not in page
    assert page.count('data-testid="panel-loader"') == 9


@pytest.mark.parametrize("panel", ["nonsense", "referral"])
def test_unknown_panels_and_closed_cases_have_none(client_for, counselor, open_case, panel):
    if panel == "referral":
        Case.objects.filter(pk=open_case.pk).update(stage=Stage.CLOSED, closed_at=timezone.now())
    response = client_for(counselor).get(reverse("cases:case_panel", args=[open_case.pk, panel]), **HTMX)
    assert response.status_code == 404


def test_no_contact_panel_is_served_once_first_contact_is_recorded(client_for, counselor, open_case):
    alerts.case_record_contact(case=open_case, actor=counselor, reason="电话联系")
    response = client_for(counselor).get(reverse("cases:case_panel", args=[open_case.pk, "contact"]), **HTMX)
    assert response.status_code == 404


def test_a_colleague_of_another_station_gets_no_panel(client_for, make_staff, other_station, open_case, partners):
    from centers.models import Role

    colleague = make_staff(Role.COUNSELOR, station=other_station)
    response = client_for(colleague).get(reverse("cases:case_panel", args=[open_case.pk, "referral"]), **HTMX)
    assert response.status_code == 404 and "区精神卫生中心" not in response.content.decode()


def test_a_refused_take_comes_back_in_the_open_assignment_panel(client_for, counselor, open_case, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError("此个案已由其他咨询师接手。")

    monkeypatch.setattr(workflow, "case_assign", refuse)
    response = client_for(counselor).post(reverse("cases:case_take", args=[open_case.pk]))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="panel-assign" open>' in page and 'data-testid="take-errors"' in page and "已由其他咨询师接手" in page
    assert 'name="counselor"' in page, "the assignment form is there as well"
