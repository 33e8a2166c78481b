"""What the journeys check on every page: phone fit, tap targets, axe-core, untranslated English.

Each check returns the problems it found (empty when the page is fine), so a test can name the page
and the offending elements in its failure message.
"""

from __future__ import annotations

import re
import time

from django.utils import translation
from playwright.sync_api import Error as PlaywrightError

MIN_TAP = 44

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"

# Visible links, buttons and fields smaller than a finger. A radio button or a checkbox is tapped
# through its label, so the label's box counts. A link inside a sentence is exempt (WCAG 2.5.8's
# inline exception): moving the text around it would make the sentence unreadable.
_SMALL_TARGETS = """
(minimum) => {
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && !el.closest('[hidden], .visually-hidden')
      && el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true});  // e.g. inside a closed <details>
  };
  const inSentence = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const parentText = (el.parentElement.innerText || '').replace(/\\s+/g, '');
    const ownText = (el.innerText || '').replace(/\\s+/g, '');
    return parentText.length > ownText.length + 2;
  };
  const problems = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, [role=button]';
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el) || el.classList.contains('skip-link') || inSentence(el)) continue;
    let height = el.getBoundingClientRect().height;
    if (el.type === 'radio' || el.type === 'checkbox') {
      const label = el.labels && el.labels[0];
      height = Math.max(height, label ? label.getBoundingClientRect().height : 0);
    }
    if (height + 0.5 < minimum) {
      const name = (el.innerText || el.value || el.name || el.getAttribute('aria-label') || '').trim().slice(0, 40);
      const where = el.parentElement.tagName.toLowerCase() + (el.parentElement.className ? '.' + el.parentElement.className.split(' ').join('.') : '');
      problems.push(`${el.tagName.toLowerCase()} "${name}" in ${where} is ${Math.round(height)}px high`);
    }
  }
  return problems;
}
"""


DOCUMENT_LOADED = "document.readyState === 'complete' && document.documentElement !== null && document.body !== null"


def _document_loaded(page) -> bool:
    try:
        return bool(page.evaluate(DOCUMENT_LOADED))
    except PlaywrightError:  # the page navigated while being asked: ask the next one
        return False


def no_sideways_scroll(page, timeout: float = 10.0) -> bool:
    """The page as shown now is no wider than the screen, measured once a loaded document is there (a click
    that follows a link returns before the next page has one: 'Cannot read properties of null').

    Polled from here with page.evaluate, not page.wait_for_function: that one compiles its predicate inside
    the page, which the portal's Content-Security-Policy (no 'unsafe-eval') refuses whenever it must poll."""
    deadline = time.monotonic() + timeout
    while not _document_loaded(page):
        if time.monotonic() > deadline:
            raise AssertionError(f"{page.url}: no loaded document after {timeout} s")
        time.sleep(0.05)
    page.wait_for_load_state("load")
    return bool(page.evaluate(NO_SIDEWAYS_SCROLL))


def fits_phone(page) -> list[str]:
    """Sideways scrolling and too-small tap targets on the page as shown now.

    A click that follows a link returns before the next page has a document; the check waits for
    a loaded document first, so it measures the page the person sees rather than the gap between two.
    """
    problems = []
    if not no_sideways_scroll(page):
        width = page.evaluate("document.documentElement.scrollWidth")
        problems.append(f"scrolls sideways: {width}px wide in a {page.viewport_size['width']}px screen")
    problems += page.evaluate(_SMALL_TARGETS, MIN_TAP)
    return problems


def assert_fits_phone(page) -> None:
    problems = fits_phone(page)
    assert not problems, f"{page.url} does not fit a phone:\n  " + "\n  ".join(problems)


_AXE_RUN = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ` + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
}
"""


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations on the page (the vendored axe, injected by the test only)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Loaded from the portal's own static files: the Content Security Policy allows no inline script.
        page.add_script_tag(url="/static/vendor/axe.min.js")
    return page.evaluate(_AXE_RUN)


def assert_accessible(page) -> None:
    problems = axe_violations(page)
    assert not problems, f"{page.url} has accessibility problems:\n  " + "\n  ".join(problems)


# Words that stay in Latin letters in the Chinese interface: names of instruments, file formats,
# units and the like. Everything else made of two or more English words is untranslated text.
ALLOWED_LATIN = {
    "PHQ-9",
    "GAD-7",
    "ASQ",
    "XLSX",
    "CSV",
    "PDF",
    "ICS",
    ".ics",
    "SMS",
    "TOTP",
    "English",
    "Fucheng",
}
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,.:;]+[A-Za-z][A-Za-z'’-]*)+")
_EMAIL = re.compile(r"\S+@\S+")

# Text inside code and pre is data as stored (audit action codes, the JSON export), not interface text.
_VISIBLE_TEXT = """
(otherLanguage) => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest(`script, style, code, kbd, pre, [data-allow-latin], [lang=${otherLanguage}]`)) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const hiddenForSight = el.closest('.visually-hidden');
    if (!hiddenForSight && (box.width === 0 || box.height === 0 || style.visibility === 'hidden')) continue;
    const text = node.textContent.trim();
    if (text) texts.push(text);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt], input[type=submit][value]')) {
    for (const attr of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
      if (attr === 'value' && el.tagName !== 'INPUT') continue;
      const value = el.getAttribute(attr);
      if (value && value.trim()) texts.push(value.trim());
    }
  }
  texts.push(document.title);
  return texts;
}
"""


def untranslated(page, allowed: set[str] = frozenset()) -> list[str]:
    """Runs of English words in the visible text (and labels, titles, placeholders) of a Chinese page."""
    # Skipping what is marked as English (the switch).
    return english_runs(page.evaluate(_VISIBLE_TEXT, "en"), allowed)


def english_runs(texts, allowed: set[str] = frozenset()) -> list[str]:
    """Runs of two or more English words in texts shown on a Chinese page (the crawl parses them from HTML)."""
    keep = ALLOWED_LATIN | set(allowed)
    found = []
    for text in texts:
        cleaned = _EMAIL.sub(" ", text)
        for word in keep:
            cleaned = cleaned.replace(word, " ")
        for match in _ENGLISH_RUN.finditer(cleaned):
            run = match.group(0).strip(" ,.:;")
            if len(re.findall(r"[A-Za-z]{2,}", run)) >= 2:
                found.append(f"{run!r} in {text[:80]!r}")
    return sorted(set(found))


def zh(message: str, **values) -> str:
    """The Chinese the page shows for an English msgid (fails loudly when it is not translated)."""
    with translation.override("zh-hans"):
        text = translation.gettext(message)
    assert text != message, f"no Chinese for {message!r}"
    return text % values if values else text


def zh_label(choice) -> str:
    """The Chinese label of a model choice, as the page shows it."""
    with translation.override("zh-hans"):
        return str(choice.label)


# Every chart is drawn from JSON beside it; the same figures must be readable as a table in the chart's
# own section (for screen readers, printing, and anyone who cannot tell the colours apart).
_CHARTS_WITHOUT_TABLES = """
() => {
  const problems = [];
  for (const canvas of document.querySelectorAll('main canvas')) {
    const name = canvas.getAttribute('aria-label') || canvas.getAttribute('data-chart') || 'a chart';
    let holder = canvas.parentElement;
    while (holder && holder.tagName !== 'MAIN' && !holder.querySelector('table')) holder = holder.parentElement;
    if (!holder || holder.tagName === 'MAIN') { problems.push(`${name}: no table beside the chart`); continue; }
    const table = holder.querySelector('table');
    const text = table.innerText;
    const source = document.getElementById(canvas.getAttribute('data-chart'));
    const labels = source ? (JSON.parse(source.textContent).labels || []) : [];
    const missing = labels.filter((label) => !text.includes(String(label)));
    if (missing.length) problems.push(`${name}: the table lacks ${missing.slice(0, 3).join(', ')}`);
  }
  return problems;
}
"""


def charts_without_tables(page) -> list[str]:
    return page.evaluate(_CHARTS_WITHOUT_TABLES)


# Press Tab through the page: every visible link, button and field must take the focus in turn.
_FOCUSABLE = """
() => {
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  const visible = (el) => el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true});
  let n = 0;
  for (const el of document.querySelectorAll(selector)) {
    if (el.getAttribute('tabindex') === '-1' || !visible(el) || el.closest('[inert]')) continue;
    if (el.type === 'radio' && !el.checked && document.querySelector(`input[type=radio][name="${el.name}"]:checked`)) continue;
    el.dataset.kbd = String(n++);
  }
  return n;
}
"""


# Pages that refresh a part of themselves (the console's alerts every 30 s, the consultation panel every 5 s)
# would swap out the marked elements in the middle of the walk: while it lasts, htmx requests are cancelled.
# A request already on its way when the walk starts is answered but not swapped in.
_HOLD_REFRESHES = """
() => {
  window.__kbdHold = (event) => event.preventDefault();
  window.__kbdNoSwap = (event) => { event.detail.shouldSwap = false; };
  document.body.addEventListener('htmx:beforeRequest', window.__kbdHold);
  document.body.addEventListener('htmx:beforeSwap', window.__kbdNoSwap);
}
"""
_RELEASE_REFRESHES = """
() => {
  document.body.removeEventListener('htmx:beforeRequest', window.__kbdHold);
  document.body.removeEventListener('htmx:beforeSwap', window.__kbdNoSwap);
}
"""


def unreachable_by_keyboard(page) -> list[str]:
    """Visible interactive elements that pressing Tab never reaches (radio groups count once)."""
    page.evaluate(_HOLD_REFRESHES)
    try:
        return _unreachable_by_keyboard(page)
    finally:
        page.evaluate(_RELEASE_REFRESHES)


def _unreachable_by_keyboard(page) -> list[str]:
    count = page.evaluate(_FOCUSABLE)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached = set()
    # A date or time field takes one Tab per part (year, month, day…), so allow a few presses per element.
    for _ in range(count * 4 + 10):
        if len(reached) == count:
            break
        page.keyboard.press("Tab")
        index = page.evaluate(
            "document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.kbd : null"
        )
        if index is not None:
            reached.add(int(index))
    radio_groups = page.evaluate(
        "() => [...document.querySelectorAll('[data-kbd]')].filter((el) => el.type === 'radio')"
        ".map((el) => [Number(el.dataset.kbd), el.name])"
    )
    reached_groups = {name for index, name in radio_groups if index in reached}
    missing = []
    for index in range(count):
        if index in reached:
            continue
        group = next((name for i, name in radio_groups if i == index), None)
        if group and group in reached_groups:
            continue
        missing.append(
            page.evaluate(
                "(i) => { const el = document.querySelector(`[data-kbd='${i}']`);"
                " return `${el.tagName.toLowerCase()} \"${(el.innerText || el.name || '').trim().slice(0, 40)}\"`; }",
                index,
            )
        )
    return [f"not reachable by keyboard: {what}" for what in missing]


_HAN = re.compile(r"[\u4e00-\u9fff]+")


# The workflow's stages and the crisis phases keep their Chinese in English ("Follow up (访)"), as staff say them.
ALLOWED_HAN = {"疏", "评", "转", "介", "访", "事前", "事中", "事后"}


def stored_chinese() -> list[str]:
    """Every Chinese text stored in the database (names, addresses, titles, notes…): data, shown as entered.

    Longest first, so that a name inside a longer text is removed with that text."""
    from django.apps import apps
    from django.db import models

    found = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, (models.CharField, models.TextField)):
                continue
            for value in model.objects.values_list(field.attname, flat=True).distinct().iterator():
                if isinstance(value, str) and _HAN.search(value):
                    found.add(value.strip())
                    found.update(part.strip() for part in re.split(r"[\n·,，、：:（）()]", value) if _HAN.search(part))
    return sorted(found, key=len, reverse=True)


def chinese_text(page, data: list[str]) -> list[str]:
    """Chinese characters in the interface of a page meant to be English, once stored data is set aside."""
    found = []
    for text in page.evaluate(_VISIBLE_TEXT, "zh-Hans"):  # skipping what is marked as Chinese (the switch)
        if not _HAN.search(text):
            continue
        rest = text
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
        for word in ALLOWED_HAN:
            rest = rest.replace(f"({word})", " ")
        if _HAN.search(rest):
            found.append(f"{_HAN.findall(rest)} in {text[:70]!r}")
    return sorted(set(found))
