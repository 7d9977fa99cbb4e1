"""The lesson loader and ``flask lessons check``: real content loads; a broken file is
named with its field."""

import shutil
from pathlib import Path

import pytest
import yaml

from learnapp.lessons.loader import CatalogueError, load_catalogue

LESSONS = Path(__file__).resolve().parents[2] / "lessons"


def test_the_real_catalogue_loads():
    catalogue = load_catalogue(LESSONS)
    slugs = [c.slug for c in catalogue.courses]
    assert slugs == ["dien-thoai", "thanh-toan", "mua-ban-online", "dich-vu-cong", "an-toan-mang"]
    for course in catalogue.courses:
        assert len(course.lessons) >= 5
        for lesson in course.lessons:
            assert 3 <= lesson.minutes <= 5
            assert 3 <= len(lesson.steps) <= 7
            assert 2 <= len(lesson.quiz.questions) <= 4
            for text in (lesson.title, lesson.summary, *(s.text for s in lesson.steps)):
                assert text.vi and text.en


def test_cards_are_markdown_without_html():
    lesson = load_catalogue(LESSONS).lesson("thanh-toan", "quet-vietqr")
    html = lesson.steps[1].text.html("vi")
    assert "<strong>Quét QR</strong>" in html
    assert "<p>" in html


@pytest.fixture
def content(tmp_path) -> Path:
    """A copy of one real course to break on purpose."""
    root = tmp_path / "lessons"
    shutil.copytree(LESSONS / "thanh-toan", root / "thanh-toan")
    return root


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _problems(root: Path) -> str:
    with pytest.raises(CatalogueError) as error:
        load_catalogue(root)
    return str(error.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["title"].pop("en"), "quet-vietqr.yml: title.en: is missing or empty"),
        (lambda d: d.update(minutes=12), "quet-vietqr.yml: minutes: must be 3, 4 or 5"),
        (lambda d: d.update(steps=d["steps"][:2]), "quet-vietqr.yml: steps: needs 3 to 7 cards"),
        (
            lambda d: d["steps"][1].update(image="missing.svg"),
            "quet-vietqr.yml: steps[1].image: images/missing.svg does not exist",
        ),
        (
            lambda d: d["steps"][1].pop("alt"),
            "steps[1]: alt: needs Vietnamese (vi) and English (en)",
        ),
        (
            lambda d: d["quiz"]["questions"][0]["options"][1].update(correct=True),
            "exactly one option must have correct: true",
        ),
        (lambda d: d["quiz"]["questions"][1].update(answer="no"), "answer: must be true or false"),
        (
            lambda d: d["quiz"]["questions"][0].update(kind="essay"),
            "kind: must be one of: choice, truefalse",
        ),
        (
            lambda d: d["quiz"].update(questions=d["quiz"]["questions"][:1]),
            "needs 2 to 4 questions",
        ),
        (lambda d: d.update(slug="other"), "quet-vietqr.yml: slug: must be 'quet-vietqr'"),
        (lambda d: d["quiz"].update(pass_mark=9), "quiz.pass_mark"),
    ],
)
def test_a_broken_lesson_is_named_with_its_field(content, change, expected):
    _edit(content / "thanh-toan" / "quet-vietqr.yml", change)
    assert expected in _problems(content)


def test_invalid_yaml_names_the_line(content):
    path = content / "thanh-toan" / "kiem-tra-ten.yml"
    path.write_text("slug: kiem-tra-ten\ntitle: [unclosed\n", encoding="utf-8")
    assert "kiem-tra-ten.yml:" in _problems(content)
    assert "not valid YAML" in _problems(content)


def test_unlisted_and_missing_lesson_files(content):
    shutil.copy(content / "thanh-toan" / "qr-gia.yml", content / "thanh-toan" / "extra.yml")
    (content / "thanh-toan" / "chuyen-nham.yml").unlink()
    problems = _problems(content)
    assert "extra.yml: is not listed in course.yml" in problems
    assert "course.yml: lessons: chuyen-nham.yml does not exist" in problems


def test_duplicate_lesson_slugs_across_courses(content):
    shutil.copytree(content / "thanh-toan", content / "thanh-toan-2")
    _edit(content / "thanh-toan-2" / "course.yml", lambda d: d.update(slug="thanh-toan-2"))
    assert "'quet-vietqr' is also used in thanh-toan" in _problems(content)


def test_pictures_with_scripts_are_refused(content):
    svg = content / "thanh-toan" / "images" / "scan-qr.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><script>alert(1)</script></svg>',
        encoding="utf-8",
    )
    assert "images/scan-qr.svg has scripts" in _problems(content)


def test_course_badge_skills_are_checked(content):
    _edit(
        content / "thanh-toan" / "course.yml",
        lambda d: d["badge"]["skills"].append(dict(d["badge"]["skills"][0])),
    )
    assert "badge.skills[4].key: 'tra-tien-vietqr' is used twice" in _problems(content)


def test_cli_check_passes_on_the_real_content(runner):
    result = runner.invoke(args=["lessons", "check"])
    assert result.exit_code == 0, result.output
    assert "5 courses, 34 lessons" in result.output


def test_cli_check_fails_with_file_and_field(app, runner, content):
    _edit(content / "thanh-toan" / "qr-gia.yml", lambda d: d["summary"].pop("vi"))
    app.config["LESSONS_DIR"] = str(content)
    result = runner.invoke(args=["lessons", "check"])
    assert result.exit_code == 1
    assert "qr-gia.yml: summary.vi: is missing or empty" in result.output


def test_search_ignores_accents_and_prefers_titles():
    catalogue = load_catalogue(LESSONS)
    with_accents = [lesson.slug for lesson in catalogue.search("chuyển tiền", "vi")]
    without = [lesson.slug for lesson in catalogue.search("chuyen tien", "vi")]
    assert with_accents == without
    assert without[0] == "chuyen-nham"  # "Khi chuyển nhầm tiền" has it in the title
    assert catalogue.search("VNEID", "vi")[0].slug == "vneid-la-gi"
    assert catalogue.search("zzzz", "vi") == []
    assert catalogue.search("   ", "vi") == []
    assert catalogue.search("video call", "en")[0].slug == "zalo-goi-video"


def test_a_serving_app_reads_the_lessons_as_it_starts(make_app, tmp_path, caplog):
    """A worker reads the lessons before its first request (else the first scans at a
    door waited seconds behind it); a broken folder does not stop the app starting."""
    serving = make_app(TESTING=False)
    assert serving.extensions["lessons"].courses
    broken = tmp_path / "broken-lessons"
    (broken / "khoa-hoc").mkdir(parents=True)
    (broken / "khoa-hoc" / "course.yml").write_text("slug: [", encoding="utf-8")
    app = make_app(TESTING=False, LESSONS_DIR=str(broken))
    assert "lessons" not in app.extensions
    assert "The lessons could not be read" in caplog.text
