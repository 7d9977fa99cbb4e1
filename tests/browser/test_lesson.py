"""A resident takes a lesson on a phone, from the first card to a passed quiz."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from learnapp.extensions import db as _db
from learnapp.lessons.models import LessonProgress
from tests.conftest import DEFAULT_PIN

pytestmark = pytest.mark.browser


def sign_in(page, user):
    page.goto("/login")
    page.get_by_label("Số điện thoại").fill(user.phone)
    page.get_by_label("Mã PIN (6 chữ số)").fill(DEFAULT_PIN)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def test_resident_takes_a_lesson_to_a_passed_quiz(page, make_user, places):
    user = make_user()
    sign_in(page, user)
    page.get_by_role("navigation", name="Trình đơn chính").get_by_role(
        "link", name="Bài học"
    ).click()
    page.get_by_role("link", name="Thanh toán không dùng tiền mặt").click()
    page.get_by_role("link", name="Trả tiền bằng mã VietQR").click()
    page.get_by_role("button", name="Bắt đầu →").click()
    for step in range(1, 7):
        card = page.locator(f'[data-panel="{step}"]')
        expect(card).to_be_visible()
        expect(card.get_by_text(f"Thẻ {step}/6")).to_be_visible()
        label = "Tiếp →" if step < 6 else "Sang phần câu hỏi →"
        card.get_by_role("button", name=label).click()
    answers = [
        "Xem lại số tiền và tên người nhận",
        "Sai",
        "Sai",
        "Yêu cầu kiểm tra khuôn mặt hoặc vân tay",
    ]
    for index, answer in enumerate(answers):
        question = page.locator(f'[data-panel="q{index}"]')
        expect(question).to_be_visible()
        question.get_by_role("button", name=answer, exact=True).click()
        expect(question.locator(".feedback:visible .verdict")).to_have_text("✓ Đúng rồi!")
        label = "Câu tiếp theo →" if index < 3 else "Xem kết quả →"
        question.get_by_role("link", name=label).click()
    result = page.locator('[data-panel="result"]')
    expect(result.get_by_text("Đúng 4/4 câu")).to_be_visible()
    expect(result.get_by_text("Bạn đã hoàn thành bài học này")).to_be_visible()
    # The way back to the course waits for the phone to send what was done.
    result.get_by_role("link", name="Về khóa học").click()
    expect(page.get_by_text("Đã xong 1/7 bài")).to_be_visible()
    done = page.locator(".lesson-list li.done")
    expect(done).to_have_count(1)
    expect(done).to_contain_text("Trả tiền bằng mã VietQR")
    _db.session.rollback()  # a fresh look at the database, after the browser's writes
    progress = _db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == user.id))
    assert progress.is_completed and progress.best_score == 4


def test_a_wrong_answer_is_explained_kindly_and_back_works(page, places):
    page.goto("/lessons/thanh-toan/quet-vietqr?step=2")
    expect(page.get_by_text("Thẻ 2/6")).to_be_visible()
    page.get_by_role("link", name="← Quay lại").first.click()
    expect(page.get_by_text("Thẻ 1/6")).to_be_visible()
    assert re.search(r"step=1$", page.url)
    page.go_back()
    expect(page.get_by_text("Thẻ 2/6")).to_be_visible()
    page.goto("/lessons/thanh-toan/quet-vietqr?step=quiz&q=0")
    page.get_by_role("button", name="Bấm ngay cho nhanh").click()
    feedback = page.locator('[data-panel="q0"] .feedback:visible')
    expect(feedback.locator(".verdict")).to_have_text("✗ Chưa đúng.")
    expect(feedback).to_contain_text("Tiền đi ngay lập tức")


def test_text_size_changes_at_once_and_is_remembered(page, places):
    page.goto("/lessons/thanh-toan/quet-vietqr")
    body_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_size >= 18
    page.get_by_role("button", name="Chữ rất lớn").click()
    expect(page.locator("html")).to_have_class(re.compile("ts-xlarge"))
    page.wait_for_load_state("networkidle")
    page.goto("/lessons/")
    expect(page.locator("html")).to_have_class(re.compile("ts-xlarge"))
