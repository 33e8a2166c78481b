"""Hostile input at the booking forms: a resident's booking, staff booking for a caller (a registered
person or someone new) and joining the waitlist."""

from hypothesis import strategies as st

from tests.security import builders as b
from tests.security.hostile import HostileForm

REASONS = st.sampled_from(["", "最近睡不好", "想聊聊和孩子的关系", "工作压力大"])
# A lost race is answered with the nearest free times: a clear answer, not an error page.
SLOT_TAKEN = ('data-testid="slot-taken"',)


def _me(w) -> str:
    return str(w.users["resident"].resident.pk)


FORMS = [
    HostileForm(
        name="booking (resident)",
        url=lambda w: f"/appointments/book/{b.slot(w, 'own').pk}/",
        role="resident",
        fields={"for_whom": lambda w: st.just(_me(w)), "reason": lambda w: REASONS},
        models=("appointments.Appointment",),
        marks=SLOT_TAKEN,
    ),
    HostileForm(
        name="booking by staff for a registered person",
        url=lambda w: f"/appointments/staff/book/{b.slot(w, 'own').pk}/",
        role="counselor",
        fields={
            "resident": lambda w: st.just(_me(w)),
            "channel": lambda w: st.sampled_from(["phone", "walk_in", "hotline"]),
            "reason": lambda w: REASONS,
        },
        models=("appointments.Appointment",),
        marks=SLOT_TAKEN,
    ),
    HostileForm(
        name="booking by staff for someone new",
        url=lambda w: f"/appointments/staff/book/{b.slot(w, 'own').pk}/",
        role="counselor",
        fields={
            "new_name": lambda w: st.sampled_from(["赵大伟", "钱红"]),
            "new_phone": lambda w: st.from_regex(r"159[0-9]{8}", fullmatch=True),
            "channel": lambda w: st.sampled_from(["phone", "walk_in", "hotline"]),
            "reason": lambda w: REASONS,
        },
        # A new person is registered only together with their booking.
        models=("centers.Resident", "appointments.Appointment"),
        marks=SLOT_TAKEN,
    ),
    HostileForm(
        name="waitlist",
        url=lambda w: "/appointments/waitlist/join/",
        role="resident",
        fields={
            "for_whom": lambda w: st.just(_me(w)),
            "service": lambda w: st.sampled_from(["face_to_face", "phone"]),
            "where": lambda w: st.sampled_from([f"s{w.station.pk}", f"c{w.center.pk}"]),
            "first_day": lambda w: st.dates().map(str),
            "last_day": lambda w: st.dates().map(str),
        },
        models=("appointments.WaitlistEntry",),
    ),
]
