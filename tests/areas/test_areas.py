"""The area tree, subtree queries and the CSV import."""

import pytest
from sqlalchemy import func, select

from learnapp.areas import services as areas
from learnapp.areas.models import Area
from learnapp.core.errors import UserError
from learnapp.extensions import db as _db


def _codes(query) -> set[str]:
    return {a.code for a in _db.session.scalars(query)}


def test_subtree_contains_the_area_and_everything_below(places):
    assert _codes(areas.subtree(places.lam_thao)) == {"08494", "08494-001", "08494-002"}
    assert "09529" not in _codes(areas.subtree(places.phu_tho))
    assert len(_codes(areas.subtree(places.country))) == 8


def test_is_within(places):
    assert places.thuy_nhat.is_within(places.phu_tho)
    assert not places.thon_dong.is_within(places.phu_tho)
    assert places.lam_thao.is_within(places.lam_thao)


def test_residential_codes_sit_under_their_commune(places):
    assert places.thuy_nhat.code == "08494-001"
    assert places.phu_thinh.code == "08494-002"
    assert places.thuy_nhat.kind == "residential"


def test_residential_areas_cannot_have_children(places):
    with pytest.raises(UserError):
        areas.create_area(parent=places.thuy_nhat, name="Xóm 1")


def test_two_communes_with_one_name_are_told_apart_by_code(places):
    assert areas.by_code("08494").parent.name == "Tỉnh Phú Thọ"
    assert areas.by_code("09529").parent.name == "Tỉnh Bắc Ninh"


GOOD_CSV = """code,name,parent_code,target_population
25,Tỉnh Phú Thọ,,
08494,Xã Lâm Thao,25,5025
08494-01,Khu Thùy Nhật,08494,640
08500,Xã Phùng Nguyên,25,
"""


def _count() -> int:
    return _db.session.scalar(select(func.count()).select_from(Area))


def test_import_creates_the_tree(app):
    result = areas.import_csv(GOOD_CSV)
    assert (result.created, result.updated) == (4, 0)
    thuy_nhat = areas.by_code("08494-01")
    assert thuy_nhat.parent.code == "08494" and thuy_nhat.kind == "residential"
    assert thuy_nhat.target_population == 640
    assert thuy_nhat.is_within(areas.by_code("25"))


def test_reimport_updates_and_never_duplicates(app):
    areas.import_csv(GOOD_CSV)
    before = _count()
    result = areas.import_csv(GOOD_CSV.replace("Xã Phùng Nguyên,25,", "Xã Phùng Nguyên,25,4100"))
    assert _count() == before
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    assert areas.by_code("08500").target_population == 4100


def test_rows_may_come_in_any_order(app):
    lines = GOOD_CSV.strip().split("\n")
    result = areas.import_csv("\n".join([lines[0], *reversed(lines[1:])]))
    assert result.created == 4


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("code,name\n25,Phú Thọ\n", "Thiếu cột: parent_code"),
        ("code,name,parent_code\n25,Phú Thọ,\n08494,,25\n", "Dòng 3: Vui lòng nhập tên"),
        (
            "code,name,parent_code\n25,Phú Thọ,\n08494,Lâm Thao,99\n",
            "Dòng 3: không có khu vực nào mang mã cha 99",
        ),
        ("code,name,parent_code\n25,Phú Thọ,\n25,Phú Thọ 2,\n", "Dòng 3: mã 25 xuất hiện hai lần"),
        ("code,name,parent_code\n2 5,Phú Thọ,\n", "Dòng 2"),
        ("code,name,parent_code,target_population\n25,Phú Thọ,,nhiều\n", "Dòng 2"),
        ("code,name,parent_code\n25,Phú Thọ,\n1,A,25\n2,B,1\n3,C,2\n", "Dòng 5"),
        ("code,name,parent_code\nA,A,B\nB,B,A\n", "vòng lặp"),
    ],
)
def test_bad_file_names_the_line_and_changes_nothing(app, csv_text, message):
    before = _count()
    with pytest.raises(UserError) as error:
        areas.import_csv(csv_text)
    assert message in str(error.value.message)
    _db.session.rollback()
    assert _count() == before


def test_moving_an_area_is_refused(app):
    areas.import_csv(GOOD_CSV)
    with pytest.raises(UserError, match="chuyển khu vực"):
        areas.import_csv("code,name,parent_code\n08494-01,Khu Thùy Nhật,08500\n")


def test_cli_import(app, runner, tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text("\ufeff" + GOOD_CSV, encoding="utf-8")
    result = runner.invoke(args=["areas", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Đã thêm 4" in result.output
    result = runner.invoke(args=["areas", "import", str(path)])
    assert "Đã thêm 0, cập nhật 0, giữ nguyên 4" in result.output


def test_cli_import_bad_file_exits_with_the_line(app, runner, tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text("code,name,parent_code\n08494,Xã Lâm Thao,77\n", encoding="utf-8")
    result = runner.invoke(args=["areas", "import", str(path)])
    assert result.exit_code != 0
    assert "Dòng 2" in result.output
    assert areas.by_code("08494") is None
