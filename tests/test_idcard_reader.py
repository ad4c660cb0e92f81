import asyncio
import contextlib
import random
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from hardware import sam_errors as e
from hardware.reader import FAULT_POLLS, CardEvent, ErrorEvent, IdCardReader, ReaderEvent, ReaderState, StatusEvent
from hardware.reader_emulator import FAULT_KINDS, SAMPLE_CARD, SAMPLE_FOREIGNER, SAMPLE_PERMIT, ReaderEmulator
from hardware.samframe import FIND, READ, READ_WITH_FINGERPRINTS, SAM_STATUS, SELECT
from tests.test_idcard_frames import STATUS_CODES

OTHER_CARD = SAMPLE_CARD | {"name": "李四", "id_number": "110101199003071233"}


@pytest.fixture
def emulator():
    with ReaderEmulator() as emu:
        yield emu


@pytest.fixture
async def reader(emulator):
    async with IdCardReader(emulator.port, timeout=0.5, backoff=(0.02, 0.1)) as r:
        yield r


class Events:
    """watch() running in the background, its events collected in order."""

    def __init__(self, events: AsyncIterator[ReaderEvent]) -> None:
        self.log: list[ReaderEvent] = []  # everything, for after-the-fact checks
        self.seen: list[ReaderEvent] = []  # not yet consumed by wait_for
        self._new = asyncio.Event()
        self._task = asyncio.create_task(self._collect(events))

    async def _collect(self, events: AsyncIterator[ReaderEvent]) -> None:
        async for event in events:
            self.log.append(event)
            self.seen.append(event)
            self._new.set()

    async def wait_for(self, match: Callable[[ReaderEvent], bool], timeout: float = 3.0) -> ReaderEvent:
        """The first matching event not yet waited for."""
        async with asyncio.timeout(timeout):
            while True:
                for i, event in enumerate(self.seen):
                    if match(event):
                        del self.seen[: i + 1]
                        return event
                self._new.clear()
                await self._new.wait()

    def cards(self) -> list:
        return [ev.card for ev in self.seen if isinstance(ev, CardEvent)]

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@pytest.fixture
async def events(reader):
    watcher = Events(reader.watch(poll_interval=0.02))
    yield watcher
    await watcher.stop()


def is_card(event: ReaderEvent) -> bool:
    return isinstance(event, CardEvent)


def is_error(cls: type) -> Callable[[ReaderEvent], bool]:
    return lambda ev: isinstance(ev, ErrorEvent) and isinstance(ev.error, cls)


def is_status(online: bool) -> Callable[[ReaderEvent], bool]:
    return lambda ev: isinstance(ev, StatusEvent) and ev.online is online


def is_state(state: ReaderState) -> Callable[[ReaderEvent], bool]:
    return lambda ev: isinstance(ev, StatusEvent) and ev.state is state


def present(emulator: ReaderEmulator, card=SAMPLE_CARD, card_type="resident", **kw) -> None:
    emulator.remove_card()
    emulator.place_card(card, card_type, **kw)


async def test_good_read_and_no_card(emulator, reader):
    assert await reader.read_card() is None
    emulator.place_card(SAMPLE_CARD)
    card = await reader.read_card()
    assert (card.name, card.id_number, card.nation) == ("张三", "11010519491231002X", "汉")
    assert len(card.photo_wlt) == 1024


async def test_held_card_is_read_once_and_again_when_presented_again(emulator, events):
    await events.wait_for(is_status(True))
    emulator.place_card(SAMPLE_CARD)
    assert (await events.wait_for(is_card)).card.name == "张三"
    await asyncio.sleep(0.3)  # some fifteen polls with the card held
    assert events.cards() == []
    present(emulator)
    assert (await events.wait_for(is_card)).card.name == "张三"
    present(emulator, OTHER_CARD)
    assert (await events.wait_for(is_card)).card.name == "李四"


async def test_reader_that_keeps_finding_a_held_card_still_reports_it_once():
    with ReaderEmulator(find_after_read=True) as emulator:
        async with IdCardReader(emulator.port, timeout=0.3) as reader:
            watcher = Events(reader.watch(poll_interval=0.02))
            emulator.place_card(SAMPLE_CARD)
            await watcher.wait_for(is_card)
            await asyncio.sleep(0.3)
            await watcher.stop()
            assert watcher.cards() == []
            assert sum((c.cmd, c.para) == READ for c in emulator.received) > 2  # it did read again


@pytest.mark.parametrize(("code", "cls"), [*STATUS_CODES.items(), (0x55, e.UnknownStatus)])
async def test_each_failure_status_is_its_named_error(emulator, reader, code, cls):
    emulator.place_card(SAMPLE_CARD)
    emulator.fail_next(code, READ)
    with pytest.raises(cls) as info:
        await reader.read_card()
    assert info.value.code == code
    present(emulator)
    assert (await reader.read_card()).name == "张三"


@pytest.mark.parametrize(
    ("command", "code", "cls"),
    [(FIND, 0x41, e.ReadFailed), (SELECT, 0x81, e.SelectFailed), (SAM_STATUS, 0x60, e.SamSelfTestFailed)],
)
async def test_failures_of_the_other_commands(emulator, reader, command, code, cls):
    emulator.place_card(SAMPLE_CARD)
    emulator.fail_next(code, command)
    with pytest.raises(cls):
        await reader.read_card()  # SAM_STATUS is asked when the port opens
    assert (await reader.read_card()).name == "张三"


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("checksum", e.ChecksumError),
        ("length", e.LengthError),
        ("truncate", e.ReaderTimeout),
        ("garbage", None),
    ],
)
async def test_corrupted_replies_are_named_and_the_next_card_is_read(emulator, reader, kind, cls):
    emulator.place_card(SAMPLE_CARD)
    emulator.corrupt_next(kind, READ)
    if cls is None:
        assert (await reader.read_card()).name == "张三"  # noise before the reply is skipped
    else:
        with pytest.raises(cls):
            await reader.read_card()
    present(emulator, OTHER_CARD)
    assert (await reader.read_card()).name == "李四"


async def test_random_line_damage_over_the_pty(emulator):
    rng = random.Random(96)
    reader = IdCardReader(emulator.port, timeout=0.25)
    for _ in range(24):
        present(emulator)
        kind = rng.choice(FAULT_KINDS)
        emulator.corrupt_next(kind, rng.choice([FIND, SELECT, READ, None]))
        with contextlib.suppress(e.ReaderError):
            await reader.read_card()
        present(emulator, OTHER_CARD)
        assert (await reader.read_card()).name == "李四"
    await reader.close()


@pytest.mark.parametrize("command", [FIND, SELECT, READ])
async def test_a_false_preamble_in_line_noise_does_not_cost_the_reply_behind_it(emulator, reader, command):
    emulator.place_card(SAMPLE_CARD)
    emulator.corrupt_next("false_preamble", command)
    assert (await reader.read_card()).name == "张三"


@pytest.mark.parametrize("command", [FIND, SELECT, READ])
async def test_a_stray_duplicate_reply_is_dropped_and_every_later_read_is_aligned(emulator, reader, command):
    emulator.place_card(SAMPLE_CARD)
    emulator.corrupt_next("duplicate", command)  # the copy arrives just before the next answer
    assert (await reader.read_card()).name == "张三"
    for card in (OTHER_CARD, SAMPLE_CARD, OTHER_CARD):
        present(emulator, card)
        assert (await reader.read_card()).name == card["name"]


@pytest.mark.parametrize(("code", "cls"), [(0x60, e.SamSelfTestFailed), (0x66, e.SamNotAuthorised)])
async def test_a_sam_failing_on_find_makes_the_reader_faulty_instead_of_card_errors(emulator, events, code, cls):
    await events.wait_for(is_state(ReaderState.OK))
    emulator.break_sam(code, FIND)
    faulty = await events.wait_for(is_state(ReaderState.FAULTY))
    assert isinstance(faulty.reason, cls)
    finds = sum((c.cmd, c.para) == FIND for c in emulator.received)
    await asyncio.sleep(0.3)  # some fifteen more polls of a broken SAM
    assert sum((c.cmd, c.para) == FIND for c in emulator.received) > finds + 5
    assert [ev for ev in events.log if isinstance(ev, ErrorEvent)] == []  # no card errors at all
    assert [ev.state for ev in events.log if isinstance(ev, StatusEvent)] == [ReaderState.OK, ReaderState.FAULTY]
    emulator.repair()
    await events.wait_for(is_state(ReaderState.OK))
    emulator.place_card(SAMPLE_CARD)
    await events.wait_for(is_card)


async def test_a_sam_fault_that_does_not_persist_is_not_reported(emulator, events):
    await events.wait_for(is_state(ReaderState.OK))
    for _ in range(FAULT_POLLS - 1):
        emulator.fail_next(0x60, FIND)
    emulator.place_card(SAMPLE_CARD)
    await events.wait_for(is_card)
    assert [ev.state for ev in events.log if isinstance(ev, StatusEvent)] == [ReaderState.OK]
    assert not any(isinstance(ev, ErrorEvent) for ev in events.log)


async def test_a_sam_failing_its_status_check_is_faulty_from_the_start(emulator):
    emulator.break_sam(0x60, SAM_STATUS)
    async with IdCardReader(emulator.port, timeout=0.3, backoff=(0.02, 0.1)) as reader:
        watcher = Events(reader.watch(poll_interval=0.02))
        faulty = await watcher.wait_for(lambda ev: isinstance(ev, StatusEvent))
        assert faulty.state is ReaderState.FAULTY and isinstance(faulty.reason, e.SamSelfTestFailed)
        emulator.repair()
        await watcher.wait_for(is_state(ReaderState.OK))
        await watcher.stop()


def test_emulator_rejects_unknown_corruption(emulator):
    with pytest.raises(ValueError):
        emulator.corrupt_next("bitrot")


async def test_card_removed_mid_read(emulator, events):
    emulator.place_card(SAMPLE_CARD, remove_during_read=True)
    await events.wait_for(is_error(e.ReadFailed))
    emulator.place_card(SAMPLE_CARD)
    assert (await events.wait_for(is_card)).card.name == "张三"


async def test_bad_id_number_is_reported_without_the_number(emulator, events):
    emulator.place_card(SAMPLE_CARD | {"id_number": "110105194912310021"})
    event = await events.wait_for(is_error(e.BadIdNumber))
    assert "110105194912310021" not in repr(event)


async def test_unplug_and_replug(emulator, events):
    await events.wait_for(is_status(True))
    emulator.place_card(SAMPLE_CARD)
    await events.wait_for(is_card)
    emulator.unplug()
    lost = await events.wait_for(is_status(False))
    assert isinstance(lost.reason, e.ReaderDisconnected)
    await asyncio.sleep(0.3)  # several failed reopen attempts while unplugged
    emulator.replug()
    await events.wait_for(is_status(True))
    present(emulator, OTHER_CARD)
    assert (await events.wait_for(is_card)).card.name == "李四"
    statuses = [ev.online for ev in events.log if isinstance(ev, StatusEvent)]
    assert statuses == [True, False, True]  # retries while unplugged are not reported again


async def test_reader_absent_at_start_comes_online_later(emulator):
    emulator.unplug()
    async with IdCardReader(emulator.port, timeout=0.3, backoff=(0.02, 0.1)) as reader:
        watcher = Events(reader.watch(poll_interval=0.02))
        offline = await watcher.wait_for(is_status(False))
        assert isinstance(offline.reason, e.ReaderDisconnected)
        emulator.replug()
        emulator.place_card(SAMPLE_CARD)
        await watcher.wait_for(is_status(True))
        await watcher.wait_for(is_card)
        await watcher.stop()


async def test_silent_reader_times_out_and_is_reopened(emulator, events):
    await events.wait_for(is_status(True))
    emulator.place_card(SAMPLE_CARD)
    emulator.corrupt_next("truncate", READ)
    await events.wait_for(is_error(e.ReaderTimeout))
    present(emulator)
    await events.wait_for(is_card)


@pytest.mark.parametrize(
    ("fields", "card_type", "number"),
    [
        (SAMPLE_PERMIT, "residence_permit", "810000198001011236"),
        (SAMPLE_FOREIGNER, "foreign_permanent", "USA110075071504"),
    ],
)
async def test_permit_and_foreigner_cards_over_the_line(emulator, reader, fields, card_type, number):
    emulator.place_card(fields, card_type)
    card = await reader.read_card()
    assert (card.card_type, card.id_number) == (card_type, number)


async def test_text_photo_and_fingerprint_reply(emulator):
    emulator.place_card(SAMPLE_CARD)
    async with IdCardReader(emulator.port, timeout=0.3, fingerprints=True) as reader:
        card = await reader.read_card()
    assert card.name == "张三" and len(card.photo_wlt) == 1024
    assert (emulator.received[-1].cmd, emulator.received[-1].para) == READ_WITH_FINGERPRINTS


async def test_cards_yields_cards_and_passes_the_rest_to_a_callback(emulator, reader):
    others: list[ReaderEvent] = []
    emulator.place_card(SAMPLE_CARD, remove_during_read=True)
    cards = reader.cards(poll_interval=0.02, on_event=others.append)
    first = asyncio.ensure_future(anext(cards))
    async with asyncio.timeout(3):
        while len(others) < 2:
            await asyncio.sleep(0.01)
    emulator.place_card(OTHER_CARD)
    assert (await asyncio.wait_for(first, 3)).name == "李四"
    assert is_status(True)(others[0]) and is_error(e.ReadFailed)(others[1])
    await cards.aclose()


def test_demo_emulator_presents_the_sample_card(tmp_path: Path):
    link = tmp_path / "idreader"
    with subprocess.Popen(
        [sys.executable, "-m", "hardware.reader_emulator", "--link", str(link)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    ) as demo:
        try:
            assert str(link) in demo.stdout.readline()
            demo.stdin.write("\n")
            demo.stdin.flush()
            assert any("resident card presented" in demo.stdout.readline() for _ in range(3))
            assert asyncio.run(read_one(str(link))) == "张三"
        finally:
            demo.stdin.close()  # end of input stops the demo
            demo.wait(timeout=5)
    assert not link.exists()


async def read_one(port: str) -> str:
    async with IdCardReader(port, timeout=0.5) as reader:
        return (await reader.read_card()).name
