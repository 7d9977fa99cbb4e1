import pytest

from learnapp.auth.phone import InvalidPhone, display_phone, normalise_phone


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "84912345678",
        "0084912345678",
        " 0912345678 ",
        "(+84) 912 345 678",
    ],
)
def test_one_person_many_spellings(raw):
    assert normalise_phone(raw) == "0912345678"


@pytest.mark.parametrize("raw", ["0351234567", "0561234567", "0771234567", "0861234567"])
def test_all_mobile_prefixes(raw):
    assert normalise_phone(raw) == raw


def test_landline_with_area_code():
    assert normalise_phone("0210 3825 123") == "02103825123"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "abc",
        "091234567",
        "09123456789",
        "0112345678",
        "1912345678",
        "+1 912 345 678",
        "0912345678x",
        "０９１２３４５６７８",
        "84912",
        "+84",
    ],
)
def test_not_a_vietnamese_number(raw):
    with pytest.raises(InvalidPhone):
        normalise_phone(raw)


def test_display():
    assert display_phone("0912345678") == "0912 345 678"
    assert display_phone(None) == ""
