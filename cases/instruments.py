"""Screening instruments defined in code and scored by code, never by hand (ARCHITECTURE.md section 3).

Wording is kept in both languages here (Chinese first), not in the translation catalogue: the
validated Chinese versions must not drift with interface translations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def __str__(self) -> str:
        return self.en if (get_language() or "zh-hans").startswith("en") else self.zh


@dataclass(frozen=True)
class Option:
    value: int
    label: Text


@dataclass(frozen=True)
class Item:
    key: str
    text: Text
    # The ASQ acuity question is asked only after a "yes"; it may be left empty otherwise.
    conditional: bool = False


@dataclass(frozen=True)
class Result:
    score: int
    band: str
    band_label: Text
    positive: bool
    acute: bool
    item9: int | None = None


@dataclass(frozen=True)
class Instrument:
    code: str
    name: Text
    intro: Text
    items: tuple[Item, ...]
    options: tuple[Option, ...]
    bands: tuple[tuple[int, str, Text], ...] = field(default=())  # (lowest score, band code, label)

    def option_values(self) -> set[int]:
        return {option.value for option in self.options}

    def clean_answers(self, answers: dict) -> dict[str, int | None]:
        """Every answer present and in range, or a ValidationError naming the questions."""
        cleaned: dict[str, int | None] = {}
        missing: list[str] = []
        out_of_range: list[str] = []
        for number, item in enumerate(self.items, start=1):
            raw = answers.get(item.key)
            if raw in (None, ""):
                cleaned[item.key] = None
                if not item.conditional:
                    missing.append(str(number))
                continue
            try:
                if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                    raise ValueError(raw)
                value = int(raw)
            except (TypeError, ValueError):
                out_of_range.append(str(number))
                continue
            if value not in self.option_values():
                out_of_range.append(str(number))
                continue
            cleaned[item.key] = value
        errors = []
        if missing:
            errors.append(_("Please answer every question; missing: %(items)s.") % {"items": ", ".join(missing)})
        if out_of_range:
            errors.append(_("These answers are not among the choices: %(items)s.") % {"items": ", ".join(out_of_range)})
        if errors:
            raise ValidationError(errors)
        return cleaned

    def band_for(self, score: int) -> tuple[str, Text]:
        chosen = self.bands[0]
        for band in self.bands:
            if score >= band[0]:
                chosen = band
        return chosen[1], chosen[2]

    def score(self, answers: dict) -> Result:
        cleaned = self.clean_answers(answers)
        return _SCORERS[self.code](self, cleaned)


FREQUENCY = (
    Option(0, Text("完全不会", "Not at all")),
    Option(1, Text("好几天", "Several days")),
    Option(2, Text("一半以上的天数", "More than half the days")),
    Option(3, Text("几乎每天", "Nearly every day")),
)
YES_NO = (Option(0, Text("否", "No")), Option(1, Text("是", "Yes")))
TWO_WEEKS = Text(
    "在过去两周里，你有多少时间受到以下问题的困扰？",
    "Over the last 2 weeks, how often have you been bothered by the following problems?",
)

PHQ9 = Instrument(
    code="phq9",
    name=Text("患者健康问卷（PHQ-9）", "Patient Health Questionnaire (PHQ-9)"),
    intro=TWO_WEEKS,
    options=FREQUENCY,
    items=(
        Item("q1", Text("做事时提不起劲或没有兴趣", "Little interest or pleasure in doing things")),
        Item("q2", Text("感到心情低落、沮丧或绝望", "Feeling down, depressed, or hopeless")),
        Item("q3", Text("入睡困难、睡不安稳或睡眠过多", "Trouble falling or staying asleep, or sleeping too much")),
        Item("q4", Text("感觉疲倦或没有活力", "Feeling tired or having little energy")),
        Item("q5", Text("食欲不振或吃太多", "Poor appetite or overeating")),
        Item(
            "q6",
            Text(
                "觉得自己很糟，或觉得自己很失败，或让自己或家人失望",
                "Feeling bad about yourself, or that you are a failure or have let yourself or your family down",
            ),
        ),
        Item(
            "q7",
            Text(
                "对事物专注有困难，例如阅读报纸或看电视时",
                "Trouble concentrating on things, such as reading the newspaper or watching television",
            ),
        ),
        Item(
            "q8",
            Text(
                "动作或说话速度缓慢到别人已经觉察，或正好相反，烦躁或坐立不安、动来动去的情况比平常更多",
                "Moving or speaking so slowly that other people could have noticed, or the opposite: being so "
                "fidgety or restless that you have been moving around a lot more than usual",
            ),
        ),
        Item(
            "q9",
            Text(
                "有不如死掉或用某种方式伤害自己的念头",
                "Thoughts that you would be better off dead, or of hurting yourself in some way",
            ),
        ),
    ),
    bands=(
        (0, "minimal", Text("无或极轻微", "Minimal")),
        (5, "mild", Text("轻度", "Mild")),
        (10, "moderate", Text("中度", "Moderate")),
        (15, "moderately_severe", Text("中重度", "Moderately severe")),
        (20, "severe", Text("重度", "Severe")),
    ),
)

GAD7 = Instrument(
    code="gad7",
    name=Text("广泛性焦虑量表（GAD-7）", "Generalized Anxiety Disorder scale (GAD-7)"),
    intro=TWO_WEEKS,
    options=FREQUENCY,
    items=(
        Item("q1", Text("感觉紧张、焦虑或急切", "Feeling nervous, anxious, or on edge")),
        Item("q2", Text("不能够停止或控制担忧", "Not being able to stop or control worrying")),
        Item("q3", Text("对各种各样的事情担忧过多", "Worrying too much about different things")),
        Item("q4", Text("很难放松下来", "Trouble relaxing")),
        Item("q5", Text("由于不安而无法静坐", "Being so restless that it is hard to sit still")),
        Item("q6", Text("变得容易烦恼或急躁", "Becoming easily annoyed or irritable")),
        Item("q7", Text("感到似乎将有可怕的事情发生而害怕", "Feeling afraid, as if something awful might happen")),
    ),
    bands=(
        (0, "minimal", Text("无或极轻微", "Minimal")),
        (5, "mild", Text("轻度", "Mild")),
        (10, "moderate", Text("中度", "Moderate")),
        (15, "severe", Text("重度", "Severe")),
    ),
)

ASQ = Instrument(
    code="asq",
    name=Text("自杀风险筛查问题（ASQ）", "Ask Suicide-Screening Questions (ASQ)"),
    intro=Text("请根据你的真实情况回答以下问题。", "Please answer the following questions as they are for you."),
    options=YES_NO,
    items=(
        Item(
            "q1",
            Text("在过去几周里，你是否希望自己已经死了？", "In the past few weeks, have you wished you were dead?"),
        ),
        Item(
            "q2",
            Text(
                "在过去几周里，你是否觉得如果你死了，你或你的家人会过得更好？",
                "In the past few weeks, have you felt that you or your family would be better off if you were dead?",
            ),
        ),
        Item(
            "q3",
            Text(
                "在过去一周里，你是否有过想要自杀的念头？",
                "In the past week, have you been having thoughts about killing yourself?",
            ),
        ),
        Item("q4", Text("你曾经尝试过自杀吗？", "Have you ever tried to kill yourself?")),
        Item(
            "q5",
            Text(
                "你现在有自杀的念头吗？（如果以上任一问题回答“是”，请回答此题）",
                "Are you having thoughts of killing yourself right now? (Answer this if you answered yes above.)",
            ),
            conditional=True,
        ),
    ),
    bands=(
        (0, "negative", Text("阴性", "Negative")),
        (1, "positive", Text("阳性（非急性）", "Positive, non-acute")),
        (2, "acute", Text("急性阳性", "Acute positive")),
    ),
)


def _score_sum(instrument: Instrument, answers: dict[str, int | None]) -> Result:
    score = sum(value or 0 for value in answers.values())
    band, label = instrument.band_for(score)
    item9 = answers.get("q9") if instrument.code == "phq9" else None
    return Result(score=score, band=band, band_label=label, positive=score >= 10, acute=False, item9=item9)


def _score_asq(instrument: Instrument, answers: dict[str, int | None]) -> Result:
    any_yes = any(answers[key] == 1 for key in ("q1", "q2", "q3", "q4"))
    acuity = answers.get("q5")
    if any_yes and acuity is None:
        raise ValidationError(_("You answered yes to a question: please also answer the last question."))
    # A "yes" to the acuity question always counts, even after four "no": safety first.
    acute = acuity == 1
    positive = any_yes or acute
    level = 2 if acute else (1 if positive else 0)
    band, label = instrument.band_for(level)
    return Result(
        score=sum(1 for v in answers.values() if v == 1), band=band, band_label=label, positive=positive, acute=acute
    )


_SCORERS = {"phq9": _score_sum, "gad7": _score_sum, "asq": _score_asq}

INSTRUMENTS: dict[str, Instrument] = {i.code: i for i in (PHQ9, GAD7, ASQ)}


def instrument_get(code: str) -> Instrument | None:
    return INSTRUMENTS.get(code)
