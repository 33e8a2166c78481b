"""On PostgreSQL: counselors on duty press "Take" at the same moment; exactly one gets the conversation.
Two tabs of one resident start a conversation at once; there is still one."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.utils import timezone

from cases.consult import services
from cases.consult.models import Conversation, MessageKind, SystemEvent
from centers.models import Role
from tests.consult.conftest import put_on_duty

pytestmark = pytest.mark.django_db(transaction=True)

CONTENDERS = 6


def _race(work, arguments):
    barrier = threading.Barrier(len(arguments))
    outcomes: list = []

    def run(argument):
        try:
            barrier.wait(timeout=10)
            outcomes.append(work(argument))
        except BaseException as exc:  # collected and asserted by the caller
            outcomes.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database refuses concurrent writers"
)
def test_the_first_counselor_to_take_it_wins(writer, make_staff, center):
    team = []
    for n in range(CONTENDERS):
        user = make_staff(Role.COUNSELOR, display_name=f"值班{n}号老师")
        put_on_duty(user, center, start=timezone.now() - dt.timedelta(hours=1))
        team.append(user)
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="有人吗")
    outcomes = _race(lambda user: services.conversation_take(conversation=conversation, actor=user), team)
    taken = [o for o in outcomes if isinstance(o, Conversation)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(taken) == 1 and len(refused) == CONTENDERS - 1
    assert all(e.code == "taken" for e in refused)
    conversation.refresh_from_db()
    assert conversation.counselor == taken[0].counselor
    assert conversation.messages.filter(kind=MessageKind.SYSTEM, event=SystemEvent.TAKEN).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database refuses concurrent writers"
)
def test_two_tabs_starting_at_once_make_one_conversation(writer, night):
    outcomes = _race(
        lambda text: services.conversation_start(actor=writer.user, resident=writer, text=text),
        ["第一个标签页", "第二个标签页"],
    )
    assert all(isinstance(o, Conversation) for o in outcomes), outcomes
    assert Conversation.objects.filter(resident=writer).count() == 1
    assert Conversation.objects.get(resident=writer).messages.count() == 2
