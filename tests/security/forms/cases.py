"""Hostile input at the case forms: the resident's self-check, a counselor entering a questionnaire
in a session, and staff intake."""

from hypothesis import strategies as st

from centers.privacy.consent import has_consent
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give
from tests.security import builders as b
from tests.security.hostile import HostileForm

PHQ9 = {f"q{i}": (lambda w: st.sampled_from(["0", "1", "2", "3"])) for i in range(1, 10)}
# Yes/no; the fifth question is asked only after a "yes" (so it may be left out).
ASQ = {f"q{i}": (lambda w: st.sampled_from(["0", "1"])) for i in range(1, 6)}


def _self_check_url(instrument: str):
    def url(w) -> str:
        """The matrix resident's questionnaire, after their consent to screening (so the form itself is attacked)."""
        me = w.users["resident"].resident
        if not has_consent(me, ConsentPurpose.SCREENING):
            consent_give(resident=me, purpose=ConsentPurpose.SCREENING, actor=me.user)
        return f"/cases/self-check/{me.pk}/{instrument}/"

    return url


def _case_screening_url(w) -> str:
    case, _secrets = b.case(w, "own")
    return f"/cases/{case.pk}/screening/phq9/"


FORMS = [
    HostileForm(
        name="self-check (PHQ-9)",
        url=_self_check_url("phq9"),
        role="resident",
        fields=PHQ9,
        models=("cases.Screening",),
    ),
    HostileForm(
        name="self-check (ASQ, acute answers alert the crisis team)",
        url=_self_check_url("asq"),
        role="resident",
        fields=ASQ,
        models=("cases.Screening",),
    ),
    HostileForm(
        name="questionnaire entered by a counselor",
        url=_case_screening_url,
        role="counselor",
        fields=PHQ9,
        models=("cases.Screening",),
    ),
    HostileForm(
        name="case intake",
        url=lambda w: "/cases/new/",
        role="counselor",
        fields={
            # Numbers nobody in the world has: a new person is registered together with their case.
            "phone": lambda w: st.from_regex(r"159[0-9]{8}", fullmatch=True),
            "full_name": lambda w: st.sampled_from(["孙丽", "周强", ""]),
            "birth_date": lambda w: st.sampled_from(["", "1990-05-01", "2015-09-30"]),
            "station": lambda w: st.sampled_from([str(w.station.pk), str(w.other_station.pk), ""]),
            "channel": lambda w: st.sampled_from(["hotline", "walk_in", "station_report", "partner_referral"]),
            "source": lambda w: st.sampled_from(["", "社区网格员"]),
            "summary": lambda w: st.sampled_from(["", "失眠两周，情绪低落"]),
            "consent": lambda w: st.sampled_from(["on", ""]),
        },
        models=("centers.Resident", "cases.Case"),
    ),
    HostileForm(
        name="safety plan written with the person",
        url=lambda w: f"/cases/{b.case(w, 'own')[0].pk}/safety-plan/",
        role="counselor",
        fields={
            **{
                name: (lambda w: st.sampled_from(["", "听音乐，散步", "妈妈 13900001111"]))
                for name in ("warning_signs", "coping", "distraction", "help_people", "professionals")
            },
            "safe_environment": lambda w: st.sampled_from(["", "药交给家人保管"]),
            "written_with_person": lambda w: st.sampled_from(["on", ""]),
        },
        models=("cases.SafetyPlanVersion", "cases.CaseEvent"),
    ),
    HostileForm(
        name="emergency contact",
        url=lambda w: f"/cases/{b.case(w, 'own')[0].pk}/emergency-contacts/",
        role="counselor",
        fields={
            "name": lambda w: st.sampled_from(["", "孙母"]),
            "relation": lambda w: st.sampled_from(["", "母亲"]),
            "phone": lambda w: st.sampled_from(["", "0755-12345678", "13900001111"]),
            "basis": lambda w: st.sampled_from(["consent", "imminent_danger", ""]),
        },
        models=("cases.EmergencyContact", "cases.CaseEvent"),
    ),
]
