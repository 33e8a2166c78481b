"""Language: the main pages of every role are complete in Simplified Chinese and in English.

In Chinese, no run of English words shows (names such as PHQ-9 or XLSX aside); in English, no Chinese
shows except the data people entered (names, stations, addresses, titles), which stays as entered."""

import pytest

from tests.browser.checks import chinese_text, stored_chinese, untranslated
from tests.browser.demo import demo  # noqa: F401  (fixture)
from tests.browser.role_pages import report, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("demo")
def test_the_main_pages_of_every_role_are_complete_in_chinese_and_in_english(page):
    found = walk(page, untranslated)
    assert not found, "English text on Chinese pages:\n" + report(found)

    data = stored_chinese()
    found = walk(page, lambda page: chinese_text(page, data), language="en")
    assert not found, "Chinese text on English pages:\n" + report(found)
