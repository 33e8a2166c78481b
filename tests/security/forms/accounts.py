"""Hostile input at the sign-up form (allauth with centers.forms.ResidentSignupForm)."""

from hypothesis import strategies as st

from tests.security.hostile import HostileForm

FORMS = [
    HostileForm(
        name="sign-up",
        url=lambda w: "/accounts/signup/",
        fields={
            "full_name": lambda w: st.sampled_from(["陈小明", "王芳", "李雷"]),
            "station": lambda w: st.just(str(w.station.pk)),
            "email": lambda w: st.from_regex(r"[a-z]{3,10}@example\.cn", fullmatch=True),
            "phone": lambda w: st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
            "password1": lambda w: st.just("quiet-river-2026"),
            "password2": lambda w: st.just("quiet-river-2026"),
        },
        models=("centers.User", "centers.Resident"),
    ),
    HostileForm(
        name="sign-in",
        url=lambda w: "/accounts/login/",
        fields={
            "login": lambda w: st.sampled_from([w.users["resident"].email, "13711110000", "nobody@example.cn"]),
            "password": lambda w: st.sampled_from(["wrong-password-1", "quiet-river-2026"]),
        },
    ),
    HostileForm(
        name="password reset",
        url=lambda w: "/accounts/password/reset/",
        fields={"email": lambda w: st.sampled_from([w.users["resident"].email, "nobody@example.cn"])},
    ),
]
