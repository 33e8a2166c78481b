"""Ending a conversation asks first, on a page of its own, for two different residents."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.consult import services
from cases.consult.models import ConversationStatus

pytestmark = pytest.mark.django_db


def test_ending_a_conversation_asks_first_then_ends_it(writer, stranger, night, english):
    for person in (writer, stranger):
        conversation = services.conversation_start(actor=person.user, resident=person, text="想找人聊聊")
        client = Client()
        client.force_login(person.user)
        url = reverse("consult:close", args=[conversation.pk])
        asked = client.post(url)
        page = asked.content.decode()
        conversation.refresh_from_db()
        assert asked.status_code == 200 and "End this conversation?" in page and "12356" in page
        assert conversation.status != ConversationStatus.CLOSED
        assert f'href="{conversation.get_absolute_url()}"' in page  # going back is a plain link
        assert client.post(url, {"confirmed": "yes"}).status_code == 302
        conversation.refresh_from_db()
        assert conversation.status == ConversationStatus.CLOSED
