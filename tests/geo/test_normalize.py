"""The normaliser turns what callers say into keys and parts (pure Python)."""

import pytest

from geo.geocoding.normalize import name_key, parse_query


@pytest.mark.parametrize(
    ("spoken", "register"),
    [
        ("Jl. Jend. Sudirman", "Sudirman"),
        ("jalan jenderal sudirman", "Sudirman"),
        ("Jln. HR. Soebrantas", "Subrantas"),
        ("Jl. Kaharuddin Nasution", "Kaharudin Nasution"),
        ("JL.TUANKU TAMBUSAI", "Tuanku Tambusai"),
        ("Jl. KH. Ahmad Dahlan", "Ahmad Dahlan"),
        ("jl dr soetomo", "Sutomo"),
        ("Gg. Amal", "Amal"),
        ("Jalan Djuanda", "Juanda"),
    ],
)
def test_spellings_callers_use_meet_the_register(spoken, register):
    assert name_key(spoken) == name_key(register)


def test_initials_are_dropped_but_numbers_kept():
    assert name_key("A.Yani") == "yani"
    assert name_key("Gg. 1") == "1"


def test_accents_and_punctuation_do_not_matter():
    assert name_key("Jl. Sudirmán, (dekat)") == "sudirman dekat"


def test_house_number_rt_rw_and_kelurahan_are_taken_apart():
    parsed = parse_query("Jln. Durian No. 12 RT 02 / RW 05 Kel. Labuh Baru Timur")
    assert parsed.main == "durian"
    assert parsed.street_hint is True
    assert (parsed.house_number, parsed.rt, parsed.rw) == ("12", "2", "5")
    assert (parsed.area, parsed.area_level) == ("labuh baru timur", "kelurahan")


def test_kecamatan_marker():
    parsed = parse_query("jalan paus, kecamatan Marpoyan Damai")
    assert parsed.main == "paus"
    assert (parsed.area, parsed.area_level) == ("marpoyan damai", "kecamatan")


@pytest.mark.parametrize(
    ("spoken", "streets"),
    [
        ("simpang Jl. Sudirman dan Jl. Gajah Mada", ("sudirman", "gajah mada")),
        ("perempatan Harapan Raya - Kaharudin Nasution", ("harapan raya", "kaharudin nasution")),
        ("pertigaan jalan durian jalan paus", ("durian", "paus")),
        ("simpang tiga jl. arifin ahmad x jl. paus", ("arifin ahmad", "paus")),
        ("persimpangan jl riau / jl tanjung datuk", ("riau", "tanjung datuk")),
    ],
)
def test_intersections_give_two_streets(spoken, streets):
    assert parse_query(spoken).intersection == streets


@pytest.mark.parametrize(
    ("spoken", "relative", "landmark", "context"),
    [
        ("depan RSUD Arifin Achmad", "in_front_of", "rsud arifin akhmad", ""),
        ("Jl. Sudirman dekat Mal SKA", "near", "mal ska", "sudirman"),
        ("belakang kantor lurah Simpang Tiga", "behind", "kantor lurah simpang tiga", ""),
        ("seberang polsek tampan", "across_from", "polsek tampan", ""),
    ],
)
def test_relative_words_split_landmark_and_context(spoken, relative, landmark, context):
    parsed = parse_query(spoken)
    assert (parsed.relative, parsed.main, parsed.context) == (relative, landmark, context)
    assert parsed.relative_m > 0


def test_dekat_is_wider_than_depan():
    assert parse_query("dekat pasar bawah").relative_m > parse_query("depan pasar bawah").relative_m


@pytest.mark.parametrize("odd", ["", "   ", "!!!", "jl.", "kel.", "simpang", "No. 5", "\u200b"])
def test_odd_input_never_raises(odd):
    parse_query(odd)


def test_kantor_kelurahan_is_a_landmark_not_an_area_qualifier():
    parsed = parse_query("depan kantor kelurahan Sago")
    assert parsed.area is None
    assert parsed.main == "kantor kelurahan sago"


def test_traffic_lights_and_roundabouts_name_a_crossing():
    assert parse_query("lampu merah Sepakat - Kaharudin Nasution").intersection == (
        "sepakat",
        "kaharudin nasution",
    )


def test_a_trailing_letter_is_a_numeral_not_an_initial():
    assert name_key("Jl. Cendrawasih I") == "cendrawasih 1" != name_key("Jl. Cendrawasih")
    assert name_key("A. Yani") == "yani"


@pytest.mark.parametrize(
    ("spoken", "key"),
    [
        ("Gg. Kuantan VII", "kuantan 7"),
        ("Jl. Kuantan VI", "kuantan 6"),
        ("gang Tanjung Batu III", "tanjung batu 3"),
        ("Jl. Sidodadi II", "sidodadi 2"),
        ("Jl. Yos Sudarso XIII", "yos sudarso 13"),
        ("Gg. I", "1"),
    ],
)
def test_roman_numerals_are_read_as_numbers(spoken, key):
    # Collapsing doubled letters must not turn III into I or VII into VI.
    assert name_key(spoken) == key


def test_roman_and_arabic_branch_numbers_meet():
    assert name_key("Jalan Ahmad Yani I") == name_key("Jl. Ahmad Yani 1")
    assert name_key("Gg. Tg Batu III") != name_key("Gg. Tg Batu I")


@pytest.mark.parametrize(
    ("spoken", "main"),
    [
        ("Jln. Riau Ujung No. 166", "riau ujung"),
        ("Gg. Proyek Baru Ujung", "proyek baru ujung"),
        ("jl tuanku tambusai ujung, kel. labuh baru barat", "tuanku tambusai ujung"),
    ],
)
def test_ujung_after_a_name_is_part_of_the_street_name(spoken, main):
    parsed = parse_query(spoken)
    assert parsed.main == main
    assert parsed.relative is None


@pytest.mark.parametrize(
    ("spoken", "main"),
    [("ujung jalan Riau", "riau"), ("di ujung gang Amal", "amal")],
)
def test_ujung_before_a_street_is_still_a_relative_word(spoken, main):
    parsed = parse_query(spoken)
    assert (parsed.relative, parsed.main) == ("end_of", main)


def test_the_city_name_after_a_kecamatan_is_not_part_of_it():
    assert parse_query("kec sail pekanbaru").area == "sail"
