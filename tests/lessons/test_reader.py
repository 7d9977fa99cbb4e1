"""The catalogue, course pages and the reader without JavaScript, in both languages."""

import re

import pytest
from sqlalchemy import select

from learnapp.extensions import db as _db
from learnapp.lessons.loader import get_catalogue
from learnapp.lessons.models import LessonProgress
from tests.conftest import page_text

URL = "/lessons/thanh-toan/quet-vietqr"


def _event_id(response, action: str) -> str:
    html = response.get_data(as_text=True)
    form = re.search(rf'data-action="{action}"[^>]*>(.*?)</form>', html, re.S).group(1)
    return re.search(r'name="event_id" value="([^"]+)"', form).group(1)


def test_every_course_and_lesson_page_answers_in_both_languages(client, app):
    for lang in ("vi", "en"):
        assert client.get(f"/lessons/?lang={lang}").status_code == 200
        for course in get_catalogue().courses:
            response = client.get(f"/lessons/{course.slug}/")
            assert course.title.get(lang) in page_text(response)
            for lesson in course.lessons:
                base = f"/lessons/{course.slug}/{lesson.slug}"
                response = client.get(base)
                assert response.status_code == 200, base
                assert lesson.title.get(lang) in page_text(response)
                assert client.get(base + "/handout").status_code == 200


def test_unknown_course_or_lesson_is_404(client):
    assert client.get("/lessons/khong-co/").status_code == 404
    assert client.get("/lessons/thanh-toan/khong-co").status_code == 404
    assert client.get("/lessons/dien-thoai/quet-vietqr").status_code == 404  # wrong course


def test_lesson_page_holds_every_card_and_explanation(client):
    html = client.get(URL).get_data(as_text=True)
    assert html.count('class="card panel step"') == 6
    assert html.count('class="card panel question"') == 4
    assert "NAPAS 247" in html  # card 5, hidden but present for the phone to show offline
    assert html.count('class="feedback ') == 3 + 2 + 2 + 2


def test_resident_takes_a_lesson_without_javascript(client, make_user, login):
    login(make_user())
    page = client.get(URL)
    response = client.post(URL, data={"action": "start", "event_id": _event_id(page, "start")})
    assert response.headers["Location"].endswith("step=1")
    for step in range(1, 7):
        page = client.get(f"{URL}?step={step}")
        assert f"Thẻ {step}/6" in page_text(page)
        response = client.post(
            URL, data={"action": "next", "step": str(step), "event_id": _event_id(page, "next")}
        )
    assert "step=quiz" in response.headers["Location"]
    for index, answer in enumerate(["0", "false", "true", "0"]):
        page = client.get(f"{URL}?step=quiz&q={index}")
        assert f"Câu hỏi {index + 1}/4" in page_text(page)
        response = client.post(
            URL,
            data={
                "action": "answer",
                "question": str(index),
                "answer": answer,
                "event_id": _event_id(page, "answer"),
            },
        )
        feedback = page_text(client.get(response.headers["Location"]))
        assert ("Đúng rồi!" if index != 2 else "Chưa đúng.") in feedback
    result = page_text(client.get(f"{URL}?step=result"))
    assert "Đúng 3/4 câu" in result and "Giỏi quá!" in result
    progress = _db.session.scalar(select(LessonProgress))
    assert progress.is_completed and progress.best_score == 3
    course = page_text(client.get("/lessons/thanh-toan/"))
    assert "Đã xong 1/7 bài" in course


def test_a_failed_quiz_offers_a_retry(client, make_user, login):
    login(make_user())
    for index, answer in enumerate(["1", "true", "true", "1"]):
        page = client.get(f"{URL}?step=quiz&q={index}")
        client.post(
            URL,
            data={
                "action": "answer",
                "question": str(index),
                "answer": answer,
                "event_id": _event_id(page, "answer"),
            },
        )
    result = page_text(client.get(f"{URL}?step=result"))
    assert "Đúng 0/4 câu" in result and "Làm lại" in result
    page = client.get(f"{URL}?step=result")
    response = client.post(URL, data={"action": "retry", "event_id": _event_id(page, "retry")})
    assert "q=0" in response.headers["Location"]
    assert "Chưa đúng" not in page_text(client.get(response.headers["Location"]))
    assert not _db.session.scalar(select(LessonProgress)).is_completed


def test_double_tapped_answer_counts_once(client, make_user, login):
    login(make_user())
    page = client.get(f"{URL}?step=quiz&q=0")
    data = {
        "action": "answer",
        "question": "0",
        "answer": "1",
        "event_id": _event_id(page, "answer"),
    }
    client.post(URL, data=data)
    client.post(URL, data={**data, "answer": "0"})  # a second tap on another option
    feedback = page_text(client.get(f"{URL}?step=quiz&q=0"))
    assert "Chưa đúng." in feedback and "Đúng rồi!" not in feedback


def test_no_answer_chosen(client):
    page = client.get(f"{URL}?step=quiz&q=0")
    response = client.post(
        URL,
        data={
            "action": "answer",
            "question": "0",
            "answer": "",
            "event_id": _event_id(page, "answer"),
        },
    )
    assert "Vui lòng chọn một câu trả lời" in page_text(client.get(response.headers["Location"]))


@pytest.mark.parametrize(
    "data",
    [
        {"action": "next", "step": "99"},
        {"action": "jump"},
        {"action": "answer", "question": "x"},
    ],
)
def test_bad_form_posts_are_400_not_500(client, data):
    assert client.post(URL, data={"event_id": "x", **data}).status_code == 400


def test_visitor_progress_is_kept_and_merged_at_sign_in(client, make_user, login):
    user = make_user()
    for index, answer in enumerate(["0", "false", "false", "0"]):
        page = client.get(f"{URL}?step=quiz&q={index}")
        client.post(
            URL,
            data={
                "action": "answer",
                "question": str(index),
                "answer": answer,
                "event_id": _event_id(page, "answer"),
            },
        )
    assert "Đã xong 1/7 bài" in page_text(client.get("/lessons/thanh-toan/"))
    login(user)
    home = page_text(client.get("/"))
    assert "Giữ lại kết quả trong tài khoản" in home
    client.post("/lessons/merge", data={"keep": "1"})
    assert _db.session.scalar(select(LessonProgress)).is_completed
    assert "Giữ lại kết quả trong tài khoản" not in page_text(client.get("/"))


def test_resume_from_the_course_page(client, make_user, login):
    login(make_user())
    page = client.get(f"{URL}?step=2")
    client.post(URL, data={"action": "next", "step": "2", "event_id": _event_id(page, "next")})
    course = client.get("/lessons/thanh-toan/").get_data(as_text=True)
    assert "/lessons/thanh-toan/ung-dung-ngan-hang" in course  # first lesson not started
    home = client.get("/").get_data(as_text=True)
    assert f"{URL}?step=3" in home


def test_search_page_with_and_without_htmx(client):
    response = client.get("/lessons/search?q=chuyen+tien")
    assert "Khi chuyển nhầm tiền" in page_text(response)
    assert "<html" in response.get_data(as_text=True)
    fragment = client.get("/lessons/search?q=chuyen+tien", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert "Khi chuyển nhầm tiền" in page_text(fragment)
    assert "HX-Request" in fragment.headers["Vary"]
    assert "Không có bài nào khớp" in page_text(client.get("/lessons/search?q=xyzxyz"))


def test_lesson_pictures_are_served_and_cached(client):
    html = client.get(f"{URL}?step=2").get_data(as_text=True)
    src = re.search(r'src="(/lessons/thanh-toan/images/scan-qr.svg\?v=[0-9a-f]+)"', html).group(1)
    with client.get(src) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/lessons/thanh-toan/images/nope.svg").status_code == 404
    assert client.get("/lessons/thanh-toan/images/..%2Fcourse.yml").status_code == 404


def test_english_lesson(client):
    text = page_text(client.get(f"{URL}?step=2&lang=en"))
    assert "Open your bank app" in text and "Card 2 of 6" in text


def _forms(html: str) -> list[dict[str, str]]:
    """Every form of the reader's panels: its hidden fields."""
    return [
        dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))
        for form in re.findall(r'<form method="post" data-action="[a-z]+".*?</form>', html, re.S)
    ]


def test_first_visit_pages_are_alike_but_their_form_ids_are_not(client):
    """The panels of a first visit are rendered once per lesson and language; every page
    still gets its own event ids and the visitor's own CSRF token."""
    pages = [client.get(URL).get_data(as_text=True) for _ in range(2)]
    ids = [[f["event_id"] for f in _forms(page)] for page in pages]
    assert len(ids[0]) == 1 + 6 + 4 + 1  # start, six cards, four questions, retry
    assert len(set(ids[0] + ids[1])) == 2 * len(ids[0])  # all different
    tokens = {f["csrf_token"] for f in _forms(pages[0])}
    assert len(tokens) == 1 and "@@" not in pages[0] and "@@" not in pages[1]
    blanked = [re.sub(r'value="[0-9a-f-]{36}"', "", page) for page in pages]
    assert blanked[0] == blanked[1]
    english = client.get(URL + "?lang=en").get_data(as_text=True)
    assert "Card 1 of 6" in english and "Thẻ 1/6" in pages[0]


def test_a_form_of_a_first_visit_page_is_accepted(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user()
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"phone": user.phone, "secret": "246810", "csrf_token": token}
    assert client.post("/login", data=form).status_code == 302
    card = next(f for f in _forms(client.get(URL).get_data(as_text=True)) if f.get("step") == "1")
    response = client.post(URL, data={**card, "action": "next"})
    assert response.status_code == 303 and response.location.endswith("?step=2")
    with app.app_context():
        progress = _db.session.scalar(select(LessonProgress))
        assert progress is not None
