"""Language: the main pages of every role, in Chinese, show no untranslated English."""

import pytest

from .checks import untranslated
from .demo import demo  # noqa: F401  (fixture)
from .role_pages import report, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("demo")
def test_the_main_pages_of_every_role_are_all_in_chinese(page):
    found = walk(page, untranslated)
    assert not found, "English text on Chinese pages:\n" + report(found)
