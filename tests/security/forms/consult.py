"""Hostile input at the online-conversation forms: the resident's first line and next lines, the
counselor's answer and the one-step case."""

from hypothesis import strategies as st

from cases.models import Tier
from tests.security import builders as b
from tests.security.hostile import HostileForm

TEXT = {"text": lambda w: st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80)}
_built: dict = {}


def _own_conversation(w):
    """One conversation of the matrix resident with the matrix counselor, built once per world."""
    key = id(w)
    if key not in _built:
        _built.clear()
        _built[key], _secrets = b.conversation(w, "own")
    return _built[key]


FORMS = [
    HostileForm(
        name="online conversation: first line",
        url=lambda w: "/consult/",
        role="resident",
        fields={"person": lambda w: st.just(str(w.users["resident"].resident.pk)), **TEXT},
        models=("cases.Message",),
        # Without the consent yet, the consent page comes in place, carrying the message and saying so.
        marks=('data-testid="message-kept"',),
    ),
    HostileForm(
        name="online conversation: the resident's next line",
        url=lambda w: f"/consult/{_own_conversation(w).pk}/",
        role="resident",
        fields=TEXT,
        models=("cases.Message",),
    ),
    HostileForm(
        name="online conversation: the counselor's answer",
        url=lambda w: f"/consult/staff/{_own_conversation(w).pk}/reply/",
        role="counselor",
        fields=TEXT,
        models=("cases.Message",),
    ),
    HostileForm(
        name="online conversation: open or join a case",
        url=lambda w: f"/consult/staff/{_own_conversation(w).pk}/case/",
        role="counselor",
        fields={
            "tier": lambda w: st.sampled_from([str(t) for t in Tier.values]),
            "reason": lambda w: st.text(min_size=1, max_size=60),
        },
        models=("cases.Case",),
    ),
]
