"""Sessions to check in to, and a clock the tests can move."""

from datetime import timedelta

import pytest

from learnapp.attendance import services
from learnapp.core.time import utcnow
from learnapp.extensions import db as _db


class Clock:
    """Stands in for ``utcnow`` in the attendance feature."""

    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    from learnapp.attendance import routes

    monkeypatch.setattr(services, "utcnow", fake)
    monkeypatch.setattr(routes, "utcnow", fake)
    return fake


@pytest.fixture
def trainer(make_user, places):
    return make_user(role="trainer", area=places.lam_thao, name="Vũ Minh Trang")


@pytest.fixture
def make_session(places, trainer):
    """``make_session(starts_in=timedelta(...), hours=2, area=…)``: a session in Lâm Thao."""

    def factory(starts_in=timedelta(minutes=-10), hours=2, area=None, creator=None, **fields):
        start = (utcnow() + starts_in).replace(microsecond=0)
        found = services.save_session(
            None,
            creator=creator or trainer,
            area=area or places.thuy_nhat,
            team=None,
            title=fields.pop("title", "Trả tiền bằng VietQR"),
            place=fields.pop("place", "Nhà văn hóa khu Thùy Nhật"),
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            course_slugs=fields.pop("courses", ["thanh-toan"]),
            known_courses={"thanh-toan", "dien-thoai"},
        )
        _db.session.commit()
        return found

    return factory
