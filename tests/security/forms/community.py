"""Hostile input at the workshop registration."""

from hypothesis import strategies as st

from tests.security import builders as b
from tests.security.hostile import HostileForm

FORMS = [
    HostileForm(
        name="workshop registration",
        url=lambda w: f"/community/workshops/{b.workshop(w, 'own')[0].pk}/register/",
        role="resident",
        fields={
            "resident": lambda w: st.just(str(w.users["resident"].resident.pk)),
            "note": lambda w: st.sampled_from(["", "孩子8岁", "需要轮椅通道"]),
        },
        models=("centers.WorkshopRegistration",),
    ),
]
