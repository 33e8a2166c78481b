"""Case management (cases app): the resident's self-check and "help now", staff workspaces, the case
page and every action on it, alerts, referrals, follow-ups and expert consultations."""

from __future__ import annotations

from cases.safety.services import emergency_contact_add
from cases.services.referrals import referral_link_create
from tests.security import builders as b
from tests.security.matrix import EVERYONE, LOGIN, Target, route

CASE_WORKERS = {"counselor", "supervisor"}
# The supervisor works every case of the center; a counselor those of their station (or given to them).
CENTER_WIDE = {"supervisor": {"other_station"}}


def _pk(build):
    def target(world, scope):
        obj, secrets = build(world, scope)
        return Target(kwargs={"pk": obj.pk}, secrets=tuple(secrets))

    return target


_case = _pk(b.case)
_alert = _pk(b.crisis_alert)
_referral = _pk(b.referral)
_follow_up = _pk(b.follow_up)
_consultation = _pk(b.consultation)
_screening = _pk(b.screening)


def _person(world, scope):
    person = b.resident(world, scope)
    return Target(kwargs={"resident_pk": person.pk}, secrets=() if scope == "own" else b.secrets_of(person))


def _person_questionnaire(world, scope):
    """The self-check of a person who has given consent (so only the scope decides)."""
    screening, secrets = b.screening(world, scope)
    return Target(
        kwargs={"resident_pk": screening.resident_id, "instrument": "phq9"}, secrets=() if scope == "own" else secrets
    )


def _case_questionnaire(world, scope):
    case, secrets = b.case(world, scope)
    return Target(kwargs={"pk": case.pk, "instrument": "phq9"}, secrets=secrets)


def _case_panel(world, scope):
    case, secrets = b.case(world, scope)
    return Target(kwargs={"pk": case.pk, "panel": "referral"}, secrets=secrets)


def _partner_link(world, scope):
    referral, secrets = b.referral(world, scope)
    _link, token = referral_link_create(referral=referral, actor=b.counselor(world, scope))
    return Target(kwargs={"token": token})


def _emergency_contact(world, scope):
    case, secrets = b.case(world, scope)
    contact = emergency_contact_add(
        case=case,
        actor=b.counselor(world, scope),
        name=f"紧急联系人{scope}",
        relation="母亲",
        phone="13900009999",
        basis="consent",
    )
    return Target(kwargs={"pk": contact.pk}, secrets=(*secrets, contact.name))


def _case_action(name: str, post: int = 400, allow=CASE_WORKERS, **kwargs):
    """A POST on the case page: an empty form is refused with the reasons (400), a valid one redirects."""
    return route(f"cases:{name}", allow, get=None, post=post, target=_case, reach=CENTER_WIDE, **kwargs)


ROUTES = [
    # Everyone: hotlines; a signed-in resident or a visitor without an account may ask for an urgent callback
    # (an empty form is refused with its reasons); signed-in staff are asked to sign in as a resident.
    route("cases:help_now", EVERYONE, anonymous=200, post=LOGIN, status={"resident:POST": 200, "anonymous:POST": 400}),
    # The resident's self-check, for themselves or a child in their care.
    route("cases:self_check", {"resident"}, post=200),
    route("cases:self_check_consent", {"resident"}, post=200, target=_person),
    route("cases:self_check_take", {"resident"}, post=400, target=_person_questionnaire),
    route("cases:self_check_result", {"resident"}, post=200, target=_screening),
    route("cases:self_check_help", {"resident"}, post=200, target=_screening),
    # A partner's single-use feedback page: the secret address is the key, no sign-in.
    route("cases:partner_feedback", EVERYONE, anonymous=200, post=200, target=_partner_link, scoped=False),
    # The link in a crisis alert's SMS: the signed address is the key, no sign-in (tests/cases/test_alert_links.py
    # walks a real one); an address this portal did not sign is not found, for everyone.
    route(
        "cases:alert_link",
        EVERYONE,
        anonymous=404,
        get=404,
        post=404,
        target=lambda world, scope: Target(kwargs={"token": "1.2:not-signed:here"}),
        scoped=False,
        second_factor_exempt=True,
    ),
    # Staff landings.
    route("cases:workspace", CASE_WORKERS, post=200),
    route("cases:alerts_panel", CASE_WORKERS, post=200),
    route("cases:alerts_latest", CASE_WORKERS, post=405),
    route("cases:console", {"supervisor"}, post=200),
    route("cases:consultations", {"expert"}, post=200),
    route("cases:consultation_advise", {"expert"}, post=200, target=_consultation),
    route("cases:volunteer_tasks", {"volunteer"}, post=200),
    # Cases. An expert opens only a case they were asked about, and changes nothing.
    route("cases:case_list", CASE_WORKERS, post=200),
    route("cases:case_new", CASE_WORKERS, post=400),
    # Contacts passed to a station: its counselors (and the center's supervisors) take them up.
    route("cases:station_requests", CASE_WORKERS, post=200),
    route(
        "cases:station_request_take",
        CASE_WORKERS,
        get=None,
        post=302,
        target=_pk(b.station_request),
        reach=CENTER_WIDE,
        mutates=True,
    ),
    route("cases:case_detail", CASE_WORKERS | {"expert"}, post=200, target=_case, reach=CENTER_WIDE),
    # One action panel's form, fetched by the case page (htmx); a plain GET goes to the page with it open.
    route("cases:case_panel", CASE_WORKERS, get=302, post=None, target=_case_panel, reach=CENTER_WIDE),
    *(
        _case_action(name)
        for name in (
            "case_tier",
            "case_tier_confirm",
            "case_stage",
            "case_phase",
            "case_assign",
            "case_alert",
            "case_note",
            "case_referral",
            "case_consult",
            "case_reassess",
            "case_close",
        )
    ),
    # The second signature: a supervisor or the center's deputy (a counselor), refused with the names otherwise.
    _case_action("case_sign_off"),
    # The safety plan and emergency contacts: whoever works the case; the person sees their own plan.
    route("cases:my_safety_plan", {"resident"}, post=None),
    route("cases:case_safety_plan", CASE_WORKERS, post=400, target=_case, reach=CENTER_WIDE),
    route("cases:case_safety_plan_history", CASE_WORKERS, post=None, target=_case, reach=CENTER_WIDE),
    route("cases:case_emergency_contacts", CASE_WORKERS, post=400, target=_case, reach=CENTER_WIDE),
    route("cases:emergency_contact_use", CASE_WORKERS, post=400, target=_emergency_contact, reach=CENTER_WIDE),
    # Empty is a valid choice: no special populations, no service group.
    _case_action("case_tags", post=302, mutates=True),
    _case_action("case_group", post=302, mutates=True),
    _case_action("case_contact", post=302, mutates=True),
    _case_action("case_take", post=302, mutates=True),
    _case_action("case_consent", post=200),  # asks first: how was the consent obtained?
    route("cases:case_screening", CASE_WORKERS, post=400, target=_case_questionnaire, reach=CENTER_WIDE),
    # Crisis alerts: whoever works the case acknowledges and records the first contact.
    route("cases:alert_ack", CASE_WORKERS, get=None, post=302, target=_alert, reach=CENTER_WIDE),
    route("cases:alert_contact", CASE_WORKERS, get=None, post=302, target=_alert, reach=CENTER_WIDE),
    route("cases:referral_update", CASE_WORKERS, post=200, target=_referral, reach=CENTER_WIDE),
    # Follow-ups: the own one is given to the matrix volunteer, who sees the task and nothing clinical.
    route("cases:follow_up_done", CASE_WORKERS | {"volunteer"}, post=200, target=_follow_up, reach=CENTER_WIDE),
    route("cases:follow_up_assign", CASE_WORKERS, post=200, target=_follow_up, reach=CENTER_WIDE),
]
