"""Hostile input at the organisation's forms (centers app)."""

from hypothesis import strategies as st

from tests.security.hostile import HostileForm

FORMS = [
    HostileForm(
        name="staff account",
        url=lambda w: "/staff/new/",
        role="supervisor",
        fields={
            "email": lambda w: st.from_regex(r"[a-z]{3,10}@staff\.example\.cn", fullmatch=True),
            "display_name": lambda w: st.sampled_from(["王老师", "李老师"]),
            "last_name": lambda w: st.sampled_from(["王", ""]),
            "first_name": lambda w: st.sampled_from(["静", ""]),
            "phone": lambda w: st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
            "role": lambda w: st.sampled_from(["counselor", "supervisor", "station_manager", "auditor"]),
            "station": lambda w: st.sampled_from([str(w.station.pk), ""]),
        },
        models=("centers.User", "centers.Membership"),
    ),
    HostileForm(
        name="consent",
        url=lambda w: f"/me/consent/{w.users['resident'].resident.pk}/screening/give/",
        role="resident",
        fields={"agree": lambda w: st.sampled_from(["on", "true", "1"])},
        models=("centers.ConsentRecord",),
        marks=('data-testid="confirm"',),  # a ticked box is asked to confirm on a page of its own
    ),
    HostileForm(
        name="erasure (never with the right password)",
        url=lambda w: "/me/erase/",
        role="resident",
        fields={"password": lambda w: st.just("not-the-password"), "confirm": lambda w: st.just("on")},
        models=("centers.Resident",),
        success=(),
    ),
    HostileForm(
        name="audit log filters",
        url=lambda w: "/audit/",
        role="auditor",
        method="GET",
        fields={
            "action": lambda w: st.sampled_from(["login", "consent.give"]),
            "actor": lambda w: st.just("1"),
            "outcome": lambda w: st.sampled_from(["allowed", "denied"]),
            "object_type": lambda w: st.just("centers.resident"),
            "object_id": lambda w: st.just("1"),
            "date_from": lambda w: st.just("2026-01-01"),
            "date_to": lambda w: st.just("2026-12-31"),
            "page": lambda w: st.sampled_from(["1", "2"]),
        },
        success=(200,),
    ),
]
