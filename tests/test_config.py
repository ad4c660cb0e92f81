"""Hall files: the shipped halls load, and broken files name what is wrong where."""
from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from server import screens
from server.cli import main
from server.config import DEFAULT_CONFIG_DIR, ConfigError, load_hall, load_halls
from server.credentials import hash_token
from server.hall import AssessmentRules, ServiceRank, StaffingTarget

# The reference table of SPEC.md §1: zone name -> (floor, windows).
CITY_ZONES = {
    "不动产登记综合受理区": (1, 40),
    "公积金综合受理区": (1, 8),
    "人力资源及社保综合受理区": (1, 10),
    "医保综合受理区": (1, 6),
    "365服务区": (1, 24),
    "公安业务综合受理区": (2, 40),
    "税务综合受理区": (2, 16),
    "企业设立专区": (3, 8),
    "工程建设项目综合受理区": (3, 16),
    "社会事务综合受理区": (3, 16),
}

# A small valid hall; each broken-file test changes one thing in a copy.
BASE: dict[str, Any] = {
    "hall": {"id": "test", "name": "测试大厅"},
    "hours": {"sessions": [["09:00", "12:00"], ["13:00", "17:00"]]},
    "zones": [
        {"code": "A", "name": "不动产登记", "floor": 1, "prefix": "A"},
        {"code": "B", "name": "公积金", "floor": 1, "prefix": "B"},
    ],
    "services": [
        {"code": "A01", "name": "转移登记", "zone": "A", "department": "不动产中心", "typical_minutes": 20},
        {"code": "A02", "name": "抵押登记", "zone": "A", "department": "不动产中心", "typical_minutes": 15},
        {"code": "B01", "name": "公积金提取", "zone": "B", "department": "公积金中心", "typical_minutes": 10},
    ],
    "windows": [
        {"numbers": "1-3", "zone": "A"},
        {"number": 4, "zone": "B", "services": ["B01"]},
    ],
    "devices": [
        {"id": "screen-a", "kind": "screen", "token_hash": hash_token("t"), "screen": "zone", "zones": ["A"]},
    ],
}


def to_toml(doc: dict[str, Any]) -> str:
    """Tables and arrays of tables of plain values: all a hall file needs."""
    lines = []
    for section, body in doc.items():
        header = f"[[{section}]]" if isinstance(body, list) else f"[{section}]"
        for table in body if isinstance(body, list) else [body]:
            lines.append(header)
            lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


Change = Callable[[dict[str, Any]], None]


def write_hall(tmp_path: Path, change: Change = lambda doc: None, name: str = "hall") -> Path:
    doc = copy.deepcopy(BASE)
    change(doc)
    path = tmp_path / f"{name}.toml"
    path.write_text(to_toml(doc), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_hall(path)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def assert_problem(problems: list[str], path: Path, key: str, text: str) -> None:
    prefix = f"{path}: {key}: "
    assert any(p.startswith(prefix) and text in p for p in problems), f"no {prefix}...{text} in {problems}"


# --- the shipped halls --------------------------------------------------------


@pytest.fixture(scope="module")
def city():
    return load_hall(DEFAULT_CONFIG_DIR / "city.toml")


def test_reference_city_has_ten_zones_and_192_windows_numbered_1_to_192(city):
    assert len(city.zones) == 10
    assert [w.number for w in city.windows] == list(range(1, 193))


def test_reference_city_zones_have_the_floors_and_window_counts_of_the_table(city):
    counts = Counter(w.zone for w in city.windows)
    table = {z.name: (z.floor, counts[z.code]) for z in city.zones}
    assert table == CITY_ZONES
    assert [z.prefix for z in city.zones] == list("ABCDEFGHIJ")
    assert all(w.floor == city.zone(w.zone).floor for w in city.windows if not w.universal)


def test_reference_city_has_eight_universal_windows_on_floor_1(city):
    universal = [w for w in city.windows if w.universal]
    assert len(universal) == 8
    assert {w.floor for w in universal} == {1}


def test_reference_city_devices_point_at_real_zones_and_window_15(city):
    assert city.device("kiosk-entrance").zones == ()
    assert city.device("screen-a").zones == ("A",)
    assert city.window(city.device("sign-15").window).zone == "A"


def test_all_shipped_halls_load_from_the_config_directory():
    halls = load_halls(DEFAULT_CONFIG_DIR)
    assert set(halls) == {"city", "district", "township"}
    district, township = halls["district"], halls["township"]
    assert len({s.department for s in district.services}) == 23
    assert all(w.posts == ("A", "B") for w in district.windows)
    assert sum(w.universal for w in township.windows) == 2


# --- how a file becomes a hall ------------------------------------------------


def test_zone_window_without_services_serves_its_whole_zone_at_level_0(tmp_path):
    hall = load_hall(write_hall(tmp_path))
    assert hall.window(2).profile == (ServiceRank("A01", 0), ServiceRank("A02", 0))
    assert hall.window(2).floor == 1


def test_listed_services_take_their_position_as_level_unless_given_one(tmp_path):
    def change(doc):
        doc["windows"][0]["services"] = ["A02", "A01"]
        doc["windows"].append({"number": 5, "zone": "A", "services": [["A01", 0], ["A02", 0]]})

    hall = load_hall(write_hall(tmp_path, change))
    assert hall.window(1).profile == (ServiceRank("A02", 0), ServiceRank("A01", 1))
    assert hall.window(5).profile == (ServiceRank("A01", 0), ServiceRank("A02", 0))


def test_hall_screens_show_one_floor_or_some_zones_and_leave_zone_screens_their_voice(tmp_path):
    def change(doc):
        doc["devices"] += [{**HALL_SCREEN, "floor": 1}, {**HALL_SCREEN, "id": "screen-b", "zones": ["B"]},
                           {**HALL_SCREEN, "id": "screen-loud", "voice": "on"}, {**SIGN_9, "window": 4}]

    hall = load_hall(write_hall(tmp_path, change))
    floor, some, loud, sign = (hall.device(d) for d in ("screen-hall", "screen-b", "screen-loud", "sign-9"))
    assert (floor.floor, some.zones) == (1, ("B",))
    assert [screens.settings(hall, d)["quiet_zones"] for d in (floor, some, loud)] == [["A"], ["A"], []]
    assert [screens.speaks(d) for d in (floor, loud, sign, hall.device("screen-a"))] == [True, True, False, True]


# --- broken files ---------------------------------------------------------------

HALL_SCREEN = {"id": "screen-hall", "kind": "screen", "token_hash": hash_token("h"), "screen": "hall"}
SIGN_9 = {"id": "sign-9", "kind": "screen", "token_hash": hash_token("t"), "screen": "window", "window": 9}
BOSS = {"id": "li", "name": "李", "role": "boss", "password_hash": "pbkdf2_sha256$1$ab$00"}
CLERK = {"id": "li", "name": "李", "role": "clerk", "password_hash": "pbkdf2_sha256$1$ab$00"}
MANAGER = {**CLERK, "role": "manager"}
DEPARTMENT = {"id": "gjj", "name": "公积金中心", "services": ["B01"], "officers": ["officer"], "mobile": "13900000000",
              "promise": "20分钟内到达"}
OFFICER = {**CLERK, "id": "officer", "role": "officer"}

CHINESE_IN_ENGLISH = "expected the name in English: it has Chinese characters or full-width punctuation"
KIOSK_A = {"id": "kiosk-a", "kind": "kiosk", "token_hash": hash_token("k"), "zones": ["A"]}
TABLET_2 = {"id": "tablet-2", "kind": "evaluator", "token_hash": hash_token("e"), "window": 2}


def sessions(*pairs: list[str]) -> Change:
    return lambda doc: doc["hours"].update(sessions=list(pairs))


# Each case changes one thing in BASE and expects exactly one problem: "key.path: message".
BROKEN = [
    pytest.param(lambda doc: doc.update(assessment={"late": -0.1}),
                 "assessment.late: input should be greater than or equal to 0", id="assessment points below 0"),
    pytest.param(lambda doc: doc.update(assessment={"excused_pauses": ["meal", "nap"]}),
                 "assessment.excused_pauses[1]: input should be 'break', 'meal', 'meeting', 'system' or 'other'",
                 id="assessment excuses an unknown pause reason"),
    pytest.param(lambda doc: doc.update(assessment={"excused_pauses": ["meal", "meal"]}),
                 "assessment.excused_pauses[1]: duplicate pause reason meal (also assessment.excused_pauses[0])",
                 id="assessment excuses a pause reason twice"),
    pytest.param(
        lambda doc: doc.update(summons={"arrive_minutes": 10, "warn_minutes": 10}),
        "summons.warn_minutes: the yellow warning (10 min) must come before summons.arrive_minutes (10)",
        id="summons warning not before its deadline",
    ),
    pytest.param(
        lambda doc: doc.update({"staff": [OFFICER], "summons.departments": [{**DEPARTMENT, "services": ["Z01"]}]}),
        "summons.departments[0].services[0]: unknown service Z01 (known: A01, A02, B01)",
        id="summoned service unknown",
    ),
    pytest.param(
        lambda doc: doc.update({"summons.departments": [DEPARTMENT]}),
        'summons.departments[0].officers[0]: unknown staff id officer: list the officer in [[staff]] with'
        ' role = "officer"',
        id="summoned department's officer not on the staff",
    ),
    pytest.param(
        lambda doc: doc.update({"staff": [{**OFFICER, "windows": [1]}], "summons.departments": [DEPARTMENT]}),
        "staff[0].windows: an officer signs in at no window: remove windows",
        id="officer rostered at a window",
    ),
    pytest.param(
        lambda doc: doc.update({"staff": [OFFICER, {**OFFICER, "id": "o2"}],
                                "summons.departments": [DEPARTMENT, {**DEPARTMENT, "id": "b", "officers": ["o2"]}]}),
        "summons.departments[1].services[0]: duplicate summoned service B01 (also summons.departments[0].services[0])",
        id="service summoned from two departments",
    ),
    pytest.param(
        lambda doc: doc["services"][1].update(zone="K"),
        "services[1].zone: unknown zone K (known: A, B)",
        id="unknown zone of a service",
    ),
    pytest.param(
        lambda doc: doc["devices"][0].update(zones=["K"]),
        "devices[0].zones[0]: unknown zone K (known: A, B)",
        id="unknown zone of a device",
    ),
    pytest.param(
        lambda doc: doc["windows"].append({"number": 2, "zone": "A"}),
        "windows[2].number: duplicate window number 2 (also windows[0])",
        id="duplicate window number",
    ),
    pytest.param(
        lambda doc: doc["services"][1].update(code="A01"),
        "services[1].code: duplicate service code A01 (also services[0])",
        id="duplicate service code",
    ),
    pytest.param(
        lambda doc: doc["zones"][1].update(prefix="A"),
        "zones[1].prefix: duplicate ticket prefix A (also zones[0])",
        id="two zones with one ticket prefix",
    ),
    pytest.param(
        lambda doc: doc["zones"][0].update(prefix="a1"),
        "zones[0].prefix: must be one uppercase letter A-Z",
        id="ticket prefix not one uppercase letter",
    ),
    pytest.param(
        lambda doc: doc["windows"][1].update(services=["B01", "B99"]),
        "windows[1].services[1]: unknown service B99",
        id="window serving a nonexistent service",
    ),
    pytest.param(
        lambda doc: doc["windows"][1].update(services=["B01", "A01"]),
        "windows[1].services[1]: service A01 belongs to zone A, not to the window's zone B",
        id="window serving another zone's service",
    ),
    pytest.param(
        lambda doc: doc["windows"].append({"number": 9, "universal": True, "floor": 1, "services": ["A01"]}),
        "windows[2].services: a universal window serves every service: remove services",
        id="universal window listing services",
    ),
    pytest.param(
        lambda doc: doc["windows"].append({"number": 9, "universal": True}),
        "windows[2]: a universal window needs a floor",
        id="universal window without a floor",
    ),
    pytest.param(
        lambda doc: doc["windows"].pop(1),
        "zones[1]: no window serves zone B and the hall has no universal window",
        id="zone without a window",
    ),
    pytest.param(
        lambda doc: doc["windows"][0].update(posts=["A", "C"]),
        "windows[0].posts[1]: input should be 'A' or 'B'",
        id="post other than A or B",
    ),
    pytest.param(
        lambda doc: doc["windows"][0].update(colour="red"),
        "windows[0].colour: unknown key",
        id="unknown TOML key",
    ),
    pytest.param(
        lambda doc: doc["windows"][1].update(number="4"),
        "windows[1].number: input should be a valid integer",
        id="quoted number",
    ),
    pytest.param(
        sessions(["09:00", "12:00"], ["11:30", "17:00"]),
        "hours.sessions[1]: overlaps hours.sessions[0] (starts 11:30, before 12:00)",
        id="overlapping sessions",
    ),
    pytest.param(
        sessions(["13:00", "12:00"]),
        "hours.sessions[0]: ends at 12:00, not after its start 13:00",
        id="session ending before it starts",
    ),
    pytest.param(
        sessions(["09:00", "12:00"], ["13:00", "9am"]),
        "hours.sessions[1][1]: bad time '9am': expected \"HH:MM\", e.g. \"09:00\"",
        id="bad time string",
    ),
    pytest.param(
        sessions(["09:00", "12:00"], ["13:00", "25:00"]),
        "hours.sessions[1][1]: bad time '25:00': no such time of day",
        id="time of day that does not exist",
    ),
    pytest.param(
        lambda doc: doc["hall"].update(timezone="Asia/Zhumadian"),
        "hall.timezone: unknown timezone 'Asia/Zhumadian': expected an IANA name like \"Asia/Shanghai\"",
        id="unknown timezone",
    ),
    pytest.param(
        lambda doc: doc.update(alarms={"yellow_wait_minutes": 40, "red_wait_minutes": 40}),
        "alarms.yellow_wait_minutes: yellow alarm (40 min) must come before red (40 min)",
        id="yellow alarm not before red",
    ),
    pytest.param(
        lambda doc: doc.update(alarms={"device_silent_minutes": 0}),
        "alarms.device_silent_minutes: input should be greater than 0",
        id="devices never silent",
    ),
    *[pytest.param(
        lambda doc, key=key, value=value: doc.update(staffing={key: value}),
        f"staffing.{key}: {message}",
        id=f"staffing {key} {value}",
    ) for key, value, message in [
        ("target_share", 0, "input should be greater than 0"),
        ("target_share", 1.5, "input should be less than or equal to 1"),
        ("target_share", "90%", "input should be a valid number"),
        ("target_minutes", 0, "input should be greater than or equal to 1"),
        ("target_minutes", 20.5, "input should be a valid integer"),
        ("target_minutes", 241, "input should be less than or equal to 240"),
        ("target", 20, "unknown key"),
    ]],
    pytest.param(
        lambda doc: doc["services"][0].update(typical_minutes=0),
        "services[0].typical_minutes: input should be greater than 0",
        id="zero typical minutes",
    ),
    pytest.param(
        lambda doc: doc["hall"].update(announcement="请 {number} 号 办理"),
        "hall.announcement: must contain {window}",
        id="announcement without window",
    ),
    pytest.param(
        lambda doc: doc["devices"].append(SIGN_9),
        "devices[1].window: unknown window 9",
        id="window screen for a missing window",
    ),
    pytest.param(
        lambda doc: doc["devices"][0].update(zones=["A", "B"]),
        'devices[0].zones: a zone screen shows exactly one zone: give zones = ["A"]',
        id="zone screen with two zones",
    ),
    pytest.param(
        lambda doc: doc["devices"].append({**HALL_SCREEN, "floor": 4}),
        "devices[1].floor: no window stands on floor 4 (floors: 1)",
        id="hall screen of a floor without windows",
    ),
    pytest.param(
        lambda doc: doc["devices"].append({**HALL_SCREEN, "floor": 1, "zones": ["A"]}),
        "devices[1].floor: a hall screen shows one floor or some zones, not both: remove floor or zones",
        id="hall screen of a floor and zones",
    ),
    pytest.param(
        lambda doc: doc["devices"][0].update(floor=1),
        'devices[0].floor: only a hall screen (screen = "hall") shows one floor',
        id="zone screen with a floor",
    ),
    pytest.param(
        lambda doc: doc["devices"].append({**HALL_SCREEN, "voice": "loud"}),
        "devices[1].voice: input should be 'auto', 'on' or 'off'",
        id="unknown voice setting",
    ),
    pytest.param(
        lambda doc: doc["devices"].append({k: v for k, v in TABLET_2.items() if k != "window"}),
        "devices[1]: an evaluation tablet needs window = <number>",
        id="evaluation tablet at no window",
    ),
    pytest.param(
        lambda doc: doc["devices"].append({**TABLET_2, "window": 9}),
        "devices[1].window: unknown window 9",
        id="evaluation tablet at a missing window",
    ),
    pytest.param(
        lambda doc: doc["devices"].append({**TABLET_2, "zones": ["A"]}),
        "devices[1].zones: an evaluation tablet takes only window = <number>: remove zones",
        id="evaluation tablet with zones",
    ),
    pytest.param(
        lambda doc: doc.update(ratings={"timeout_seconds": 5}),
        "ratings.timeout_seconds: input should be greater than or equal to 10",
        id="a tablet that asks too briefly",
    ),
    pytest.param(
        lambda doc: doc.update(staff=[BOSS]),
        "staff[0].role: input should be 'clerk', 'manager', 'admin' or 'officer'",
        id="unknown staff role",
    ),
    pytest.param(
        lambda doc: doc.update(staff=[{**CLERK, "windows": [1, "3-5"]}]),
        "staff[0].windows: unknown window 5",
        id="clerk rostered at a missing window",
    ),
    pytest.param(
        lambda doc: doc.update(staff=[{**MANAGER, "windows": [1]}]),
        "staff[0].windows: a manager or an admin may sign in at every window: remove windows",
        id="manager with a roster",
    ),
    pytest.param(
        lambda doc: doc.update(staff=[{**CLERK, "halls": ["other"]}]),
        "staff[0].halls: only a manager or an admin acts in further halls",
        id="clerk of further halls",
    ),
    pytest.param(
        lambda doc: doc.update(queue={"rejoin": "behind", "rejoin_places": 0}),
        'queue.rejoin_places: rejoin = "behind" puts a returning no-show this many places behind the head:'
        ' give 1 or more, or rejoin = "back"',
        id="rejoin behind zero places",
    ),
    pytest.param(
        lambda doc: doc["windows"][1].update(number=100_000),
        "windows[1].number: input should be less than or equal to 99999",
        id="window number beyond a window sign",
    ),
    pytest.param(
        lambda doc: doc["windows"][0].update(numbers="1-2147483648"),
        "windows[0].numbers: bad window range '1-2147483648': window numbers go up to 99999",
        id="window range of billions",
    ),
    pytest.param(
        lambda doc: doc.update(kiosk={"common": ["A01", "A09"]}),
        "kiosk.common[1]: unknown service A09",
        id="common service that does not exist",
    ),
    pytest.param(
        lambda doc: doc.update(kiosk={"common": ["A01", "B01", "A01"]}),
        "kiosk.common[2]: duplicate service A01 (also kiosk.common[0])",
        id="common service listed twice",
    ),
    pytest.param(
        lambda doc: doc.update(kiosk={"common": ["A01"] * 9}),
        "kiosk.common: list should have at most 8 items after validation, not 9",
        id="more common services than the start screen holds",
    ),
    pytest.param(
        lambda doc: doc["devices"].append({**KIOSK_A, "common": ["A02", "B01"]}),
        "devices[1].common[1]: service B01 is in zone B, which this kiosk does not offer (zones: A)",
        id="kiosk's common service outside its zones",
    ),
    pytest.param(
        lambda doc: doc["devices"].append({**KIOSK_A, "common": ["A03"]}),
        "devices[1].common[0]: unknown service A03",
        id="kiosk's common service that does not exist",
    ),
    pytest.param(
        lambda doc: doc["devices"][0].update(common=["A01"]),
        "devices[0].common: only a kiosk offers common services",
        id="screen with common services",
    ),
    *[pytest.param(
        lambda doc, where=where, value=value: doc[where[0]][where[1]].update(name_en=value),
        f"{where[0]}[{where[1]}].name_en: {message}",
        id=f"English name {why}",
    ) for where, value, message, why in [
        (("zones", 0), "不动产 Registration", CHINESE_IN_ENGLISH, "with Chinese"),
        (("services", 1), "Mortgage（registration）", CHINESE_IN_ENGLISH, "with full-width brackets"),
        (("services", 0), "Transfer\nregistration", "expected the name in English on one line", "over two lines"),
        (("services", 0), "  ", "expected the name in English on one line", "blank"),
        (("services", 0), "Registration " * 9, "at most 100 characters", "longer than a button"),
    ]],
    *[pytest.param(
        lambda doc, url=url: doc["hall"].update(public_url=url),
        'hall.public_url: expected the address phones reach the server at, like "https://zwfw.example.gov.cn/hallq"'
        " (http or https, a host, no query)",
        id=f"public_url {why}",
    ) for url, why in [("zwfw.example.gov.cn/hallq", "without a scheme"), ("ftp://zwfw.example.gov.cn", "not web"),
                       ("https:///hallq", "without a host"), ("https://zwfw.example.gov.cn/q?t=1", "with a query"),
                       ("https://zwfw.example.gov.cn/hall q", "with a space")]],
]


def test_kiosks_show_their_own_common_services_or_the_halls_within_their_zones(tmp_path):
    def kiosks(doc: dict[str, Any]) -> None:
        doc["kiosk"] = {"common": ["B01", "A02"]}
        doc["services"][0]["name_en"] = " Transfer registration "
        doc["devices"] += [{**KIOSK_A, "id": "entrance", "zones": []}, KIOSK_A,
                           {**KIOSK_A, "id": "kiosk-a2", "common": ["A01"]},
                           {**KIOSK_A, "id": "kiosk-a3", "common": []}]

    hall = load_hall(write_hall(tmp_path, kiosks))
    assert [hall.common_for(hall.device(d)) for d in ("entrance", "kiosk-a", "kiosk-a2", "kiosk-a3")] == [
        ("B01", "A02"), ("A02",), ("A01",), ()]
    assert hall.common_for(None) == ("B01", "A02")
    assert [s.name_en for s in hall.services] == ["Transfer registration", None, None]


def test_every_shipped_zone_and_service_has_an_english_name_and_every_hall_common_services():
    for hall in load_halls(DEFAULT_CONFIG_DIR).values():
        assert all(item.name_en for item in (*hall.zones, *hall.services)), hall.id
        assert 6 <= len(hall.common) <= 8, hall.id


@pytest.mark.parametrize(("change", "problem"), BROKEN)
def test_broken_file_is_refused_naming_file_key_path_and_reason(tmp_path, change, problem):
    path = write_hall(tmp_path, change)
    assert problems_of(path) == [f"{path}: {problem}"]


def test_the_assessment_rules_default_and_follow_the_hall_file(tmp_path):
    assert load_hall(write_hall(tmp_path)).assessment == AssessmentRules()
    rules = load_hall(write_hall(tmp_path, lambda doc: doc.update(assessment={
        "late": 0.5, "late_grace_minutes": 0, "excused_pauses": ["meeting"], "red_flag_windows": 1}))).assessment
    assert (rules.late, rules.late_grace, rules.excused_pauses, rules.red_flag_windows) == (
        0.5, timedelta(0), frozenset({"meeting"}), 1)


def test_the_public_url_is_kept_without_its_trailing_slash(tmp_path):
    path = write_hall(tmp_path, lambda doc: doc["hall"].update(public_url="https://zwfw.example.gov.cn/hallq/"))
    assert load_hall(path).public_url == "https://zwfw.example.gov.cn/hallq"
    assert load_hall(write_hall(tmp_path, name="unset")).public_url is None


def test_every_session_inside_a_long_session_is_named(tmp_path):
    path = write_hall(tmp_path, sessions(["08:00", "17:00"], ["09:00", "10:00"], ["12:00", "13:00"]))
    assert problems_of(path) == [
        f"{path}: hours.sessions[1]: overlaps hours.sessions[0] (starts 09:00, before 17:00)",
        f"{path}: hours.sessions[2]: overlaps hours.sessions[0] (starts 12:00, before 17:00)",
    ]


def test_zone_without_its_own_window_is_served_by_a_universal_window(tmp_path):
    def change(doc):
        doc["windows"][1] = {"number": 4, "universal": True, "floor": 1}

    assert load_hall(write_hall(tmp_path, change)).window(4).universal


def test_file_with_several_problems_reports_them_all(tmp_path):
    def change(doc):
        doc["zones"][1]["prefix"] = "A"
        doc["windows"].append({"number": 3, "zone": "A"})
        doc["windows"][1]["services"] = ["B07"]
        doc["hours"]["sessions"] = [["09:00", "12:00"], ["10:00", "11:00"]]

    path = write_hall(tmp_path, change)
    problems = problems_of(path)
    assert_problem(problems, path, "zones[1].prefix", "duplicate ticket prefix A")
    assert_problem(problems, path, "windows[2].number", "duplicate window number 3")
    assert_problem(problems, path, "windows[1].services[0]", "unknown service B07")
    assert_problem(problems, path, "hours.sessions[1]", "overlaps")
    assert_problem(problems, path, "services[2]", "no window of zone B lists service B01")  # B07 replaced it
    assert len(problems) == 5


def test_file_with_several_shape_problems_reports_them_all(tmp_path):
    def change(doc):
        doc["zones"][0]["colour"] = "red"
        doc["services"][0]["typical_minutes"] = 0
        del doc["hall"]["name"]

    path = write_hall(tmp_path, change)
    problems = problems_of(path)
    assert_problem(problems, path, "zones[0].colour", "unknown key")
    assert_problem(problems, path, "services[0].typical_minutes", "greater than 0")
    assert_problem(problems, path, "hall.name", "required key is missing")


def test_a_clerks_windows_are_numbers_and_ranges(tmp_path):
    hall = load_hall(write_hall(tmp_path, lambda doc: doc.update(staff=[{**CLERK, "windows": [4, "1-2"]}])))
    member = hall.staff_member("li")
    assert member is not None and member.windows == {1, 2, 4}
    assert member.may_hold(2) and not member.may_hold(3)


def test_a_managers_further_hall_must_be_loaded_too(tmp_path):
    path = write_hall(tmp_path, lambda doc: doc.update(staff=[{**MANAGER, "halls": ["elsewhere"]}]))
    with pytest.raises(ConfigError) as caught:
        load_halls([path])
    assert caught.value.problems == [f"{path}: staff[0].halls[0]: unknown hall elsewhere (loaded: test)"]


def test_same_hall_id_in_two_files_is_refused(tmp_path):
    first, second = write_hall(tmp_path, name="a"), write_hall(tmp_path, name="b")
    with pytest.raises(ConfigError) as caught:
        load_halls(tmp_path)
    assert caught.value.problems == [f"{second}: hall.id: duplicate hall id test (also {first})"]


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[hall\nid = 'x'\n", encoding="utf-8")
    assert_problem(problems_of(path), path, "(file)", "not valid TOML")


def test_rejoin_at_the_back_needs_no_places(tmp_path):
    hall = load_hall(write_hall(tmp_path, lambda doc: doc.update(queue={"rejoin": "back", "rejoin_places": 0})))
    assert hall.queue.rejoin_places == 0


def test_infinite_minutes_are_refused_not_a_crash(tmp_path):
    path = write_hall(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("typical_minutes = 20", "typical_minutes = inf"),
                    encoding="utf-8")
    assert problems_of(path) == [f"{path}: services[0].typical_minutes: input should be a finite number"]


def test_check_config_refuses_rejoin_behind_zero_places_naming_the_key(tmp_path, capsys):
    path = write_hall(tmp_path, lambda doc: doc.update(queue={"rejoin_places": 0}))
    assert main(["check-config", "--config", str(path)]) == 2
    assert f"{path}: queue.rejoin_places: " in capsys.readouterr().err


def test_notifications_go_to_a_gateway_with_a_secret_from_the_environment(tmp_path):
    hall = load_hall(write_hall(tmp_path, lambda doc: doc.update(
        notifications={"webhook_url": "https://sms.example.gov.cn/hallq", "ahead": 2})))
    assert hall.notifications is not None
    assert (hall.notifications.secret_env, hall.notifications.ahead, hall.notifications.key_id) == (
        "HALLQ_WEBHOOK_SECRET", 2, "1")
    assert load_hall(write_hall(tmp_path)).notifications is None  # no section: nothing is sent

    path = write_hall(tmp_path, lambda doc: doc.update(notifications={
        "webhook_url": "ftp://gateway", "secret_env": "lower", "ahead": 0, "secret": "in the file"}))
    problems = problems_of(path)
    assert_problem(problems, path, "notifications.webhook_url", "gateway's address")
    assert_problem(problems, path, "notifications.secret_env", "environment variable name")
    assert_problem(problems, path, "notifications.ahead", "greater than or equal to 1")
    assert_problem(problems, path, "notifications.secret", "unknown key")


def test_ratings_take_the_files_checklist_or_the_defaults_and_a_tablet_stands_at_its_window(tmp_path):
    hall = load_hall(write_hall(tmp_path, lambda doc: doc["devices"].append(TABLET_2)))
    assert hall.device("tablet-2").window == 2
    assert (hall.ratings.timeout, hall.ratings.phone_window) == (timedelta(seconds=60), timedelta(hours=24))
    assert [r.code for r in hall.ratings.reasons] == ["attitude", "wait", "slow", "unclear", "repeat", "facilities",
                                                     "other"]
    reason = '[[ratings.reasons]]\ncode = "{code}"\nname = "排队秩序乱"\nname_en = "Disorderly queue"\n'
    path = write_hall(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + "[ratings]\ntimeout_seconds = 30\nphone_hours = 0\n"
                    + reason.format(code="queue"), encoding="utf-8")
    rules = load_hall(path).ratings
    assert (rules.timeout, rules.phone_window, [r.code for r in rules.reasons]) == (
        timedelta(seconds=30), timedelta(0), ["queue"])
    path.write_text(path.read_text(encoding="utf-8") + reason.format(code="queue"), encoding="utf-8")
    assert problems_of(path) == [
        f"{path}: ratings.reasons[1].code: duplicate reason code queue (also ratings.reasons[0])"]


def test_the_staffing_target_is_the_files_or_90_percent_within_20_minutes(tmp_path):
    assert load_hall(write_hall(tmp_path)).staffing == StaffingTarget(0.9, 20)
    path = write_hall(tmp_path, lambda doc: doc.update(staffing={"target_share": 1, "target_minutes": 15}), "own")
    assert load_hall(path).staffing == StaffingTarget(1.0, 15)


def test_retention_keeps_everything_unless_set_and_never_less_than_400_days(tmp_path):
    assert load_hall(write_hall(tmp_path)).retention_days is None
    kept = write_hall(tmp_path, lambda doc: doc.update(retention={"days": 730}), "kept")
    assert load_hall(kept).retention_days == 730
    short = write_hall(tmp_path, lambda doc: doc.update(retention={"days": 90}), "short")
    assert_problem(problems_of(short), short, "retention.days", "input should be greater than or equal to 400")
