"""Staff free text keeps its sense but loses the personal numbers (and the holder's name)."""
from __future__ import annotations

import pytest

from server.redaction import redacted


@pytest.mark.parametrize(("text", "masked"), [
    ("身份证 410502198503141239", "身份证 4105**********1239"),
    ("11010519491231002x 已核验", "1101**********002X 已核验"),
    ("旧证 410502850314123", "旧证 4105*******4123"),  # a 15-digit number
    ("号码 4105 0219 8503 1412 39 有误", "号码 4105**********1239 有误"),
    ("４１０５０２１９８５０３１４１２３９", "4105**********1239"),  # noqa: RUF001 - full-width digits
    ("请回电13812345678", "请回电138****5678"),
    ("电话 138-1234-5678", "电话 138****5678"),
])
def test_id_and_mobile_numbers_are_masked_in_any_spelling(text, masked):
    assert redacted(text) == masked


@pytest.mark.parametrize("text", [
    "请到 42 号窗口办理 A023", "10:30 后再来", "材料 3 份，共 12 页", "座机 0396-2881234", "12345678901",
])
def test_other_numbers_are_left_as_they_are(text):
    assert redacted(text) == text


def test_the_holders_name_is_masked_in_text_about_their_ticket():
    assert redacted("张三丰需补充材料，张三丰的家属代办", "张*丰") == "张*丰需补充材料，张*丰的家属代办"
    assert redacted("李四明天再来", "李*") == "李*明天再来"
    assert redacted("张三丰需补充材料") == "张三丰需补充材料"  # no holder: names cannot be told from words


def test_nothing_stays_nothing():
    assert redacted(None) is None
