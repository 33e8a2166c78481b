"""Hostile input at the legal-hold form (centers.retention)."""

from hypothesis import strategies as st

from tests.security.hostile import HostileForm

FORMS = [
    HostileForm(
        name="legal hold",
        url=lambda w: "/retention/holds/",
        role="supervisor",
        fields={
            "center": lambda w: st.just(str(w.station.center.pk)),
            "record_type": lambda w: st.sampled_from(["person", "case"]),
            "number": lambda w: st.just(str(w.users["resident"].resident.pk)),
            "reason": lambda w: st.sampled_from(["法院调取", "投诉调查 2026-12"]),
        },
        models=("centers.LegalHold",),
    ),
]
