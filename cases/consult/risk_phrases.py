"""Risk phrases for online conversations, Chinese (simplified and traditional) and English.

The phrases are data, in ``risk_phrases.toml`` beside this module: maintainers change that file, not this
code. A match marks a message and its conversation; a match in one of the alerting categories
(``ALERT_CATEGORIES``) also raises a high-risk crisis alert at once. Harmless idioms ("笑死我了",
"想死你了", "this joke kills me") are removed before matching, and a single word is never a phrase.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache
from pathlib import Path

from cases.consult.models import RiskCategory

DATA_FILE = Path(__file__).with_name("risk_phrases.toml")


@cache
def _data() -> dict:
    with DATA_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    pairs = data["traditional"]["map"].split()
    traditional = str.maketrans({pair[0]: pair[1] for pair in pairs if len(pair) == 2})
    categories = {}
    for category in RiskCategory.values:
        section = data.get(category, {})
        categories[category] = (
            tuple(section.get("zh", ())),
            tuple(re.compile(p) for p in section.get("zh_patterns", ())),
            tuple(re.compile(p) for p in section.get("en", ())),
        )
    return {
        "traditional": traditional,
        "categories": categories,
        "harmless_zh": tuple(sorted(data["harmless"]["zh"], key=len, reverse=True)),
        "harmless_en": tuple(re.compile(p) for p in data["harmless"]["en"]),
        "alert": tuple(data["alert"]["categories"]),
    }


def alert_categories() -> tuple[str, ...]:
    """The categories whose phrases raise a high-risk crisis alert at once."""
    return _data()["alert"]


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, traditional to simplified, straight apostrophes, single spaces,
    no spaces or joiners between Chinese characters ("想 死", "自-杀" still read as the phrase)."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("\u2019", "'")
    text = text.translate(_data()["traditional"])
    text = re.sub(r"\s+", " ", text)
    return re.sub(r"(?<=[\u4e00-\u9fff])[\s\-_.·*]+(?=[\u4e00-\u9fff])", "", text)


def risk_categories(text: str) -> list[str]:
    """The risk categories a message touches (in the order of RiskCategory), or [] for none."""
    data = _data()
    text = normalise(text)
    for idiom in data["harmless_zh"]:
        text = text.replace(idiom, " ")
    for pattern in data["harmless_en"]:
        text = pattern.sub(" ", text)
    found = []
    for category, (phrases, zh_patterns, en_patterns) in data["categories"].items():
        if (
            any(phrase in text for phrase in phrases)
            or any(pattern.search(text) for pattern in zh_patterns)
            or any(pattern.search(text) for pattern in en_patterns)
        ):
            found.append(category)
    return found


def raises_alert(categories: list[str]) -> bool:
    """Whether a message in these categories raises a high-risk crisis alert at once."""
    return any(category in alert_categories() for category in categories)
