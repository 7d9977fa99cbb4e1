"""Kinds of quiz question: a small registry sharing one interface.

Each kind reads and checks its YAML (``from_yaml``), lists what the learner can answer
(``choices``), and judges an answer (``judge``) with the explanation to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from learnapp.lessons.text import LessonError, Text, read_text

# The reader shows the verdict itself ("Đúng rồi!" / "Chưa đúng."), so an explanation that
# opened with one would say it twice.
VERDICT_OPENINGS = (
    "Đúng rồi",
    "Chính xác",
    "Rất đúng",
    "Chưa đúng",
    "That's right",
    "Exactly",
    "Well done",
    "Not quite",
)


def read_explanation(data: dict[str, Any], where: str) -> Text:
    text = read_text(data, "explain", where)
    for lang in ("vi", "en"):
        if text.get(lang).startswith(VERDICT_OPENINGS):
            raise LessonError(
                where, f"explain.{lang}", "must not start with a verdict (the reader shows it)"
            )
    return text


@dataclass(frozen=True)
class Choice:
    value: str  # what the form or the client sends
    text: Text


@dataclass(frozen=True)
class Judgement:
    correct: bool
    explanation: Text


class Question:
    kind: ClassVar[str]
    prompt: Text

    @classmethod
    def from_yaml(cls, data: dict[str, Any], where: str) -> Question:
        raise NotImplementedError

    def choices(self) -> list[Choice]:
        raise NotImplementedError

    def judge(self, answer: str) -> Judgement | None:
        """The verdict on ``answer``, or None when it is not one of the choices."""
        raise NotImplementedError

    def right_choice(self) -> Choice:
        return next(c for c in self.choices() if self.judge(c.value).correct)


@dataclass(frozen=True)
class ChoiceQuestion(Question):
    """One correct option among two to four; every option explains itself."""

    kind: ClassVar[str] = "choice"
    prompt: Text
    options: tuple[tuple[Text, bool, Text], ...]

    @classmethod
    def from_yaml(cls, data: dict[str, Any], where: str) -> ChoiceQuestion:
        prompt = read_text(data, "prompt", where)
        raw = data.get("options")
        if not isinstance(raw, list) or not 2 <= len(raw) <= 4:
            raise LessonError(where, "options", "needs 2 to 4 options")
        options = []
        for index, option in enumerate(raw):
            spot = f"{where}.options[{index}]"
            if not isinstance(option, dict):
                raise LessonError(spot, "", "must be a mapping")
            correct = option.get("correct", False)
            if not isinstance(correct, bool):
                raise LessonError(spot, "correct", "must be true or false")
            options.append(
                (read_text(option, "text", spot), correct, read_text(option, "explain", spot))
            )
        if sum(1 for _t, correct, _e in options if correct) != 1:
            raise LessonError(where, "options", "exactly one option must have correct: true")
        return cls(prompt=prompt, options=tuple(options))

    def choices(self) -> list[Choice]:
        return [Choice(str(i), text) for i, (text, _c, _e) in enumerate(self.options)]

    def judge(self, answer: str) -> Judgement | None:
        if not answer.isdigit() or int(answer) >= len(self.options):
            return None
        _text, correct, explanation = self.options[int(answer)]
        return Judgement(correct, explanation)


TRUE_TEXT = Text(vi="Đúng", en="True")
FALSE_TEXT = Text(vi="Sai", en="False")


@dataclass(frozen=True)
class TrueFalseQuestion(Question):
    """A statement that is true or false, with one explanation shown after either answer."""

    kind: ClassVar[str] = "truefalse"
    prompt: Text
    answer: bool
    explanation: Text

    @classmethod
    def from_yaml(cls, data: dict[str, Any], where: str) -> TrueFalseQuestion:
        answer = data.get("answer")
        if not isinstance(answer, bool):
            raise LessonError(where, "answer", "must be true or false")
        return cls(
            prompt=read_text(data, "prompt", where),
            answer=answer,
            explanation=read_text(data, "explain", where),
        )

    def choices(self) -> list[Choice]:
        return [Choice("true", TRUE_TEXT), Choice("false", FALSE_TEXT)]

    def judge(self, answer: str) -> Judgement | None:
        if answer not in ("true", "false"):
            return None
        return Judgement((answer == "true") == self.answer, self.explanation)


QUESTION_KINDS: dict[str, type[Question]] = {
    ChoiceQuestion.kind: ChoiceQuestion,
    TrueFalseQuestion.kind: TrueFalseQuestion,
}


@dataclass(frozen=True)
class Quiz:
    questions: tuple[Question, ...]
    pass_mark: int

    def score(self, answers: list[str]) -> int | None:
        """Number of right answers, or None if the answers do not fit the questions."""
        if len(answers) != len(self.questions):
            return None
        verdicts = [q.judge(str(a)) for q, a in zip(self.questions, answers, strict=True)]
        if any(v is None for v in verdicts):
            return None
        return sum(1 for v in verdicts if v.correct)

    def passed(self, score: int) -> bool:
        return score >= self.pass_mark


def read_quiz(data: Any, where: str) -> Quiz:
    if not isinstance(data, dict):
        raise LessonError(where, "quiz", "is missing")
    raw = data.get("questions")
    if not isinstance(raw, list) or not 2 <= len(raw) <= 4:
        raise LessonError(where, "quiz.questions", "needs 2 to 4 questions")
    questions = []
    for index, item in enumerate(raw):
        spot = f"quiz.questions[{index}]"
        if not isinstance(item, dict):
            raise LessonError(where, spot, "must be a mapping")
        name = item.get("kind")
        kind = QUESTION_KINDS.get(name) if isinstance(name, str) else None
        if kind is None:
            raise LessonError(where, f"{spot}.kind", f"must be one of: {', '.join(QUESTION_KINDS)}")
        questions.append(kind.from_yaml(item, f"{where}: {spot}"))
    default = -(-2 * len(questions) // 3)  # two thirds, rounded up
    pass_mark = data.get("pass_mark", default)
    if (
        not isinstance(pass_mark, int)
        or isinstance(pass_mark, bool)
        or not 1 <= pass_mark <= len(questions)
    ):
        raise LessonError(
            where, "quiz.pass_mark", "must be a number from 1 to the number of questions"
        )
    return Quiz(questions=tuple(questions), pass_mark=pass_mark)
