"""Online conversations (issue 10): the resident's pages (their own conversations and a child's) and the
counselor's (the counselor who has the conversation, the center's supervisor; everyone else a 404)."""

from __future__ import annotations

from tests.security import builders as b
from tests.security.matrix import Target, route

WORKERS = {"counselor", "supervisor"}
# The supervisor reads every conversation of the center; a counselor only those they have (or wait on duty).
CENTER_WIDE = {"supervisor": {"other_station"}}


def _conversation(world, scope):
    row, secrets = b.conversation(world, scope)
    return Target(kwargs={"pk": row.pk}, secrets=tuple(secrets))


def _person(world, scope):
    person = b.resident(world, scope)
    return Target(kwargs={"resident_pk": person.pk}, secrets=() if scope == "own" else b.secrets_of(person))


def _staff(name: str, **kwargs):
    return route(f"consult:{name}", WORKERS, target=_conversation, reach=CENTER_WIDE, **kwargs)


ROUTES = [
    # Residents: who is on duty, the hotlines, my conversations, a new one (an empty form is refused: 400).
    route("consult:home", {"resident"}, post=400),
    route("consult:consent", {"resident"}, post=400, target=_person),
    route("consult:conversation", {"resident"}, post=400, target=_conversation),
    route("consult:lines", {"resident"}, post=None, target=_conversation),
    route("consult:download", {"resident"}, post=None, target=_conversation),
    route("consult:close", {"resident"}, get=None, post=200, target=_conversation, mutates=True),  # confirm first
    # Counselors and supervisors.
    route("consult:panel", WORKERS, post=None),
    _staff("staff_conversation", post=None),
    _staff("staff_lines", post=None),
    _staff("take", get=None, post=302),
    _staff("reply", get=None, post=400),
    _staff("handover", get=None, post=400),
    _staff("open_case", get=None, post=400),
    _staff("block", get=None, post=400),
    _staff("staff_close", get=None, post=200, mutates=True),  # confirm first
]
