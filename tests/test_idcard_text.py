import contextlib
import logging
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.idcard import NATIONS, SEXES, TEXT_SIZE, mask_id, mask_name, parse_card, verify_check_digit
from hardware.reader_emulator import SAMPLE_CARD, WLT_FILLER, build_text_block
from hardware.reader_emulator import SAMPLE_FOREIGNER as FOREIGNER
from hardware.reader_emulator import SAMPLE_PERMIT as PERMIT
from hardware.sam_errors import BadCardText, BadIdNumber, CardDataError, UnsupportedCardType


def test_resident_card_parses():
    block = build_text_block(SAMPLE_CARD)
    assert len(block) == TEXT_SIZE
    card = parse_card(block, WLT_FILLER)
    assert (card.name, card.sex, card.nation) == ("张三", "男", "汉")
    assert card.birth_date == date(1949, 12, 31)
    assert card.address == "北京市朝阳区建国路88号"
    assert card.id_number == "11010519491231002X"
    assert card.authority == "北京市公安局朝阳分局"
    assert (card.valid_from, card.valid_to) == (date(2015, 1, 1), None)
    assert card.card_type == "resident" and card.photo_wlt == WLT_FILLER


def test_dated_validity():
    card = parse_card(build_text_block(SAMPLE_CARD | {"valid_to": "20350101"}))
    assert card.valid_to == date(2035, 1, 1)


def test_residence_permit_is_recognised():
    card = parse_card(build_text_block(PERMIT, "residence_permit"))
    assert card.card_type == "residence_permit"
    assert (card.name, card.nation, card.id_number) == ("陈大文", None, "810000198001011236")
    assert (card.permit_number, card.issue_count) == ("H12345678", 1)
    assert card.valid_to == date(2024, 1, 1)


def test_foreign_permanent_card_is_recognised():
    card = parse_card(build_text_block(FOREIGNER, "foreign_permanent"))
    assert card.card_type == "foreign_permanent"
    assert (card.name, card.english_name, card.nationality) == ("约翰", "SMITH JOHN", "USA")
    assert (card.id_number, card.sex, card.birth_date) == ("USA110075071504", "男", date(1975, 7, 15))
    assert card.address is None and card.nation is None


def test_foreigner_without_chinese_name_goes_by_english_name():
    fields = {k: v for k, v in FOREIGNER.items() if k != "name"}
    assert parse_card(build_text_block(fields, "foreign_permanent")).name == "SMITH JOHN"


def test_unknown_card_type_is_not_misparsed():
    block = bytearray(build_text_block(SAMPLE_CARD))
    block[248:250] = "Y".encode("utf-16-le")
    with pytest.raises(UnsupportedCardType):
        parse_card(bytes(block))


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("810000198001011236", True),
        ("110101199003071233", True),
        ("11010519491231002Y", False),
        ("110105194912310021", False),
        ("11010519491231003X", False),
        ("1101051949123100", False),
        ("11010519491231002X0", False),
        ("1101051949123１002X", False),  # noqa: RUF001 - a full-width digit
        ("", False),
    ],
)
def test_check_digit(number, valid):
    assert verify_check_digit(number) is valid


@given(st.text("0123456789", min_size=17, max_size=17))
def test_exactly_one_check_character_fits(body):
    assert sum(verify_check_digit(body + c) for c in "0123456789X") == 1


def test_card_with_a_bad_check_digit_is_an_error_that_hides_the_number():
    block = build_text_block(SAMPLE_CARD | {"id_number": "110105194912310021"})
    with pytest.raises(BadIdNumber) as info:
        parse_card(block)
    assert "110105194912310021" not in str(info.value)
    assert "1101**********0021" in str(info.value)


@pytest.mark.parametrize(
    "change",
    [
        {"sex": "5"},
        {"nation": "77"},
        {"birth": "19491331"},
        {"valid_from": "2015"},
        {"valid_to": "永久"},
        {"name": ""},
    ],
)
def test_malformed_fields_are_named_errors(change):
    with pytest.raises(BadCardText):
        parse_card(build_text_block(SAMPLE_CARD | change))


def test_short_block_is_an_error():
    with pytest.raises(BadCardText):
        parse_card(build_text_block(SAMPLE_CARD)[:200])


def test_codes_tables():
    assert len(NATIONS) == 58
    assert (NATIONS["01"], NATIONS["56"], NATIONS["97"], NATIONS["98"]) == ("汉", "基诺", "其他", "外国血统")
    assert SEXES == {"0": "未知", "1": "男", "2": "女", "9": "未说明"}


def test_repr_str_and_logs_never_show_name_or_number(caplog):
    card = parse_card(build_text_block(SAMPLE_CARD | {"name": "张小三"}))
    caplog.set_level(logging.INFO)
    logging.getLogger("kiosk").info("card read: %s", card)
    for text in (repr(card), str(card), f"{card}", caplog.text, repr([card])):
        assert "张小三" not in text and "11010519491231002X" not in text
        assert "张*三" in text and "1101**********002X" in text


@pytest.mark.parametrize(
    ("name", "masked"), [("张小三", "张*三"), ("张三", "张*"), ("张", "*"), ("欧阳小明", "欧**明"), ("", "")]
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_id():
    assert mask_id("410521198001011230") == "4105**********1230"
    assert mask_id("1234") == "****"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [(SAMPLE_CARD, "resident"), (PERMIT, "residence_permit"), (FOREIGNER, "foreign_permanent")]
    ),
    st.lists(st.tuples(st.integers(0, TEXT_SIZE - 1), st.integers(0, 255)), max_size=8),
)
def test_damaged_text_blocks_give_a_card_or_a_card_data_error(sample, damage):
    block = bytearray(build_text_block(*sample))
    for index, value in damage:
        block[index] = value
    with contextlib.suppress(CardDataError):
        parse_card(bytes(block))
