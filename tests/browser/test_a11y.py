"""Accessibility of the main pages of every role: axe-core (vendored, static/vendor/axe.min.js, loaded by
the test only) finds no serious or critical violation, every chart has the same figures in a table beside
it, and every link, button and field can be reached with the Tab key. The same walk takes the
screenshots the README shows."""

import pytest

from tests.browser.checks import axe_violations, charts_without_tables, unreachable_by_keyboard
from tests.browser.conftest import screenshot
from tests.browser.demo import demo  # noqa: F401  (fixture)
from tests.browser.role_pages import report, walk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def accessibility_problems(page) -> list[str]:
    return axe_violations(page) + charts_without_tables(page) + unreachable_by_keyboard(page)


@pytest.mark.usefixtures("demo")
def test_the_main_pages_of_every_role_are_accessible(page):
    charts = []

    def after(page, name):
        charts.append(page.locator("main canvas").count())
        screenshot(page, name)

    found = walk(page, accessibility_problems, after=after)
    assert not found, "accessibility problems:\n" + report(found)
    assert sum(charts) >= 4, "the walk reached the dashboards' charts"
