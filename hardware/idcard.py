"""The 256-byte text block of a resident ID card and its two sibling cards.

The block is UCS-2 little-endian, each field space padded to a fixed width.
Byte 248 tells the layout: blank for the resident ID card, 'J' for the Hong
Kong/Macao/Taiwan residence permit, 'I' for the 2017 foreigner's permanent
residence card. Each layout below lists (offset, width in bytes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from hardware.sam_errors import BadCardText, BadIdNumber, UnsupportedCardType

TEXT_SIZE = 256


@dataclass(frozen=True)
class Field:
    start: int
    size: int

    @property
    def slice(self) -> slice:
        return slice(self.start, self.start + self.size)


TYPE_MARK = Field(248, 2)

RESIDENT_LAYOUT: dict[str, Field] = {
    "name": Field(0, 30),
    "sex": Field(30, 2),
    "nation": Field(32, 4),
    "birth": Field(36, 16),
    "address": Field(52, 70),
    "id_number": Field(122, 36),
    "authority": Field(158, 30),
    "valid_from": Field(188, 16),
    "valid_to": Field(204, 16),
}

# The residence permit keeps the resident offsets, leaves the nation slot
# unused, and adds the holder's travel permit number and the issue count
# (field order and card-type byte as listed in reader vendors' SDK docs).
PERMIT_LAYOUT: dict[str, Field] = {
    **{k: f for k, f in RESIDENT_LAYOUT.items() if k != "nation"},
    "permit_number": Field(220, 18),
    "issue_count": Field(238, 4),
}

# The 2017 foreigner's card, as published with its chip data items. Its
# 15-character number has no GB 11643 check digit, so it is not verified.
FOREIGN_LAYOUT: dict[str, Field] = {
    "english_name": Field(0, 120),
    "sex": Field(120, 2),
    "id_number": Field(122, 30),
    "nationality": Field(152, 6),  # GB/T 2659 alpha-3
    "name": Field(158, 30),
    "valid_from": Field(188, 16),
    "valid_to": Field(204, 16),
    "birth": Field(220, 16),
    "version": Field(236, 4),
    "authority_code": Field(240, 8),
}

CARD_TYPES = {"": "resident", "J": "residence_permit", "I": "foreign_permanent"}
LAYOUTS = {
    "resident": RESIDENT_LAYOUT,
    "residence_permit": PERMIT_LAYOUT,
    "foreign_permanent": FOREIGN_LAYOUT,
}

SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

_NATION_NAMES = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 "
    "佤 畲 高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 "
    "锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 "
    "鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
NATIONS = {f"{i:02d}": n for i, n in enumerate(_NATION_NAMES, 1)} | {"97": "其他", "98": "外国血统"}

LONG_TERM = "长期"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def verify_check_digit(id_number: str) -> bool:
    """GB 11643 / ISO 7064 MOD 11-2 check of an 18-character ID number."""
    body = id_number[:17]
    if len(id_number) != 18 or not (body.isascii() and body.isdigit()):
        return False
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == id_number[17].upper()


def with_check_character(body: str) -> str:
    """17 digits completed with their GB 11643 check character (test data, the day simulator's citizens)."""
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def mask_id(number: str) -> str:
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass(frozen=True, repr=False)
class IdCard:
    name: str
    sex: str
    nation: str | None  # resident cards only
    birth_date: date
    address: str | None  # not on the foreigner's card
    id_number: str
    authority: str | None  # not on the foreigner's card
    valid_from: date
    valid_to: date | None  # None: 长期
    card_type: str
    english_name: str | None = None
    nationality: str | None = None
    permit_number: str | None = None
    issue_count: int | None = None
    photo_wlt: bytes = field(default=b"", compare=False)

    def __repr__(self) -> str:
        # Logs must never hold a full name or number.
        return f"IdCard({self.card_type}, {mask_name(self.name)}, {mask_id(self.id_number)})"


def decode_field(raw: bytes) -> str:
    # Free text may hold characters a strict decoder rejects; keep the card.
    return raw.decode("utf-16-le", errors="replace").rstrip(" \x00")


def parse_card(text: bytes, photo_wlt: bytes = b"") -> IdCard:
    if len(text) < TEXT_SIZE:
        raise BadCardText(f"card text block has {len(text)} bytes, expected {TEXT_SIZE}")
    card_type = CARD_TYPES.get(decode_field(text[TYPE_MARK.slice]))
    if card_type is None:
        raise UnsupportedCardType()
    raw = {key: decode_field(text[f.slice]) for key, f in LAYOUTS[card_type].items()}
    if card_type == "foreign_permanent":
        return _foreign(raw, photo_wlt)
    return _gb11643_card(raw, photo_wlt, card_type)


def _gb11643_card(raw: Mapping[str, str], photo_wlt: bytes, card_type: str) -> IdCard:
    is_permit = card_type == "residence_permit"
    return IdCard(
        name=_required(raw, "name"),
        sex=_sex(raw["sex"]),
        nation=None if is_permit else _nation(raw["nation"]),
        birth_date=_date(raw, "birth"),
        address=raw["address"],
        id_number=_checked_id(raw["id_number"]),
        authority=raw["authority"],
        valid_from=_date(raw, "valid_from"),
        valid_to=_valid_to(raw),
        card_type=card_type,
        permit_number=(raw["permit_number"] or None) if is_permit else None,
        issue_count=_issue_count(raw["issue_count"]) if is_permit else None,
        photo_wlt=photo_wlt,
    )


def _foreign(raw: Mapping[str, str], photo_wlt: bytes) -> IdCard:
    english = raw["english_name"]
    return IdCard(
        name=raw["name"] or _required(raw, "english_name"),
        sex=_sex(raw["sex"]),
        nation=None,
        birth_date=_date(raw, "birth"),
        address=None,
        id_number=_required(raw, "id_number"),
        authority=None,
        valid_from=_date(raw, "valid_from"),
        valid_to=_valid_to(raw),
        card_type="foreign_permanent",
        english_name=english or None,
        nationality=raw["nationality"] or None,
        photo_wlt=photo_wlt,
    )


def _required(raw: Mapping[str, str], key: str) -> str:
    if not raw[key]:
        raise BadCardText(f"card {key} is empty")
    return raw[key]


def _sex(code: str) -> str:
    if code not in SEXES:
        raise BadCardText("card sex code is not GB/T 2261.1")
    return SEXES[code]


def _nation(code: str) -> str:
    if code not in NATIONS:
        raise BadCardText("card nation code is not GB/T 3304")
    return NATIONS[code]


def _date(raw: Mapping[str, str], key: str) -> date:
    value = raw[key]
    try:
        if len(value) != 8 or not (value.isascii() and value.isdigit()):
            raise ValueError
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise BadCardText(f"card {key} is not a YYYYMMDD date") from None


def _valid_to(raw: Mapping[str, str]) -> date | None:
    return None if raw["valid_to"] == LONG_TERM else _date(raw, "valid_to")


def _checked_id(number: str) -> str:
    if not verify_check_digit(number):
        raise BadIdNumber(f"{BadIdNumber.message}: {mask_id(number)}")
    return number


def _issue_count(value: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise BadCardText("card issue_count is not a number")
    return int(value)
