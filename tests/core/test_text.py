from learnapp.core.text import clean_name, fold, short_name


def test_fold_removes_accents_and_case():
    assert fold("Nguyễn Thị  Hoa") == "nguyen thi hoa"
    assert fold("ĐỖ ĐỨC ĐẠT") == "do duc dat"
    assert fold("chuyển tiền") == "chuyen tien"
    assert fold(None) == ""


def test_clean_name_normalises_spaces_and_unicode():
    decomposed = "Nguye\u0302\u0303n"  # the same letters typed with combining marks
    assert clean_name(f"  {decomposed}   Văn  ") == "Nguyễn Văn"


def test_short_name_keeps_the_initial_of_the_given_name():
    assert short_name("Hoàng Thị Thích") == "Hoàng Thị T."
    assert short_name("Lan") == "L."
