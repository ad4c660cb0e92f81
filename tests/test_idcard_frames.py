import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware import sam_errors as e
from hardware.samframe import (
    FIND,
    MAX_REPLY_LEN,
    PREAMBLE,
    READ,
    SAM_STATUS,
    SELECT,
    CommandReader,
    FrameReader,
    Reply,
    answers,
    encode_command,
    encode_read_data,
    encode_reply,
    split_read_data,
)

TEXT, PHOTO, PRINTS = bytes(range(256)), b"\x11" * 1024, b"\x22" * 1024

replies = st.builds(
    lambda sw3, data: encode_reply(sw3, data),
    st.integers(0, 255),
    st.binary(max_size=40),
)
# Pieces that steer random streams through every branch of the parser.
line_pieces = st.one_of(
    st.binary(max_size=24),
    st.sampled_from([PREAMBLE, PREAMBLE[:3], b"\x00\x04", b"\x00\x00", b"\xff\xff", b"\x05\x08"]),
    replies,
)


def good_frames(items: list) -> list[Reply]:
    return [i for i in items if isinstance(i, Reply)]


def test_find_card_command_matches_the_documented_bytes():
    assert encode_command(0x20, 0x01) == bytes.fromhex("AAAAAA9669 0003 2001 22")


def test_reply_round_trip_whole_and_byte_by_byte():
    frame = encode_reply(0x9F, bytes(4))
    assert FrameReader().feed(frame) == [Reply(0, 0, 0x9F, bytes(4))]
    reader = FrameReader()
    items = [item for b in frame for item in reader.feed(bytes([b]))]
    assert items == [Reply(0, 0, 0x9F, bytes(4))]


def test_read_reply_layouts():
    basic = encode_reply(0x90, encode_read_data(TEXT, PHOTO))
    assert len(basic) == 1295 and basic[14:270] == TEXT
    with_prints = encode_reply(0x90, encode_read_data(TEXT, PHOTO, PRINTS))
    assert with_prints[16:272] == TEXT
    for frame in (basic, with_prints):
        (reply,) = FrameReader().feed(frame)
        assert split_read_data(reply.data) == (TEXT, PHOTO)


@pytest.mark.parametrize("data", [b"", b"\x01\x00", encode_read_data(TEXT, PHOTO)[:-1]])
def test_read_data_that_does_not_add_up_is_refused(data):
    with pytest.raises(e.UnexpectedReply):
        split_read_data(data)


def test_bad_checksum_is_named_and_the_next_frame_survives():
    bad = bytearray(encode_reply(0x90, b"abc"))
    bad[-1] ^= 0x01
    good = encode_reply(0x9F, bytes(4))
    items = FrameReader().feed(bytes(bad) + good)
    assert isinstance(items[0], e.ChecksumError)
    assert good_frames(items) == [Reply(0, 0, 0x9F, bytes(4))]


def test_false_preamble_reaching_into_a_good_frame_does_not_swallow_it():
    good = encode_reply(0x9F, bytes(4))
    items = FrameReader().feed(PREAMBLE + b"\x00\x08" + b"\x01" + good)
    assert isinstance(items[0], e.ChecksumError)
    assert good_frames(items) == [Reply(0, 0, 0x9F, bytes(4))]


def test_false_preamble_claiming_more_than_the_line_holds_resynchronises_on_the_reply_inside():
    good = encode_reply(0x9F, bytes(4))
    reader = FrameReader()
    items = reader.feed(b"\x01" + PREAMBLE + b"\x01\x00" + b"\x02" + good)
    assert isinstance(items[0], e.ChecksumError)
    assert good_frames(items) == [Reply(0, 0, 0x9F, bytes(4))]
    assert reader.feed(encode_reply(0x80)) == [Reply(0, 0, 0x80, b"")]  # nothing left over


def test_a_long_reply_arriving_in_pieces_is_not_cut_short():
    frame = encode_reply(0x90, encode_read_data(TEXT, PHOTO))
    reader = FrameReader()
    items = [item for i in range(0, len(frame), 100) for item in reader.feed(frame[i : i + 100])]
    assert items == FrameReader().feed(frame) and isinstance(items[0], Reply)


@pytest.mark.parametrize(("command", "reply", "fits"), [
    (FIND, encode_reply(0x9F, bytes(4)), True),
    (FIND, encode_reply(0x80), True),  # a failure fits any command
    (SELECT, encode_reply(0x9F, bytes(4)), False),  # a stray find reply
    (SELECT, encode_reply(0x90, bytes(8)), True),
    (READ, encode_reply(0x90, bytes(8)), False),  # a stray select reply
    (READ, encode_reply(0x90, encode_read_data(TEXT, PHOTO)), True),
    (FIND, encode_reply(0x90, encode_read_data(TEXT, PHOTO)), False),  # a late read reply
    (SAM_STATUS, encode_reply(0x90), True),
    (SELECT, encode_reply(0x90), False),
])
def test_a_reply_answers_only_the_commands_it_fits(command, reply, fits):
    (parsed,) = FrameReader().feed(reply)
    assert answers(command, parsed) is fits


@pytest.mark.parametrize("length", [0, 3, MAX_REPLY_LEN + 1, 0xFFFF])
def test_impossible_length_is_named(length):
    header = PREAMBLE + length.to_bytes(2, "big")
    good = encode_reply(0x80)
    items = FrameReader().feed(header + b"junk" + good)
    assert isinstance(items[0], e.LengthError) and items[0].length == length
    assert good_frames(items) == [Reply(0, 0, 0x80, b"")]


def test_garbage_before_and_between_frames():
    a, b = encode_reply(0x9F, bytes(4)), encode_reply(0x90, bytes(8))
    items = FrameReader().feed(b"\x00\xaa\xaa" + a + b"\x96\x69\xaa" + b)
    assert good_frames(items) == [Reply(0, 0, 0x9F, bytes(4)), Reply(0, 0, 0x90, bytes(8))]


def test_clear_drops_a_partial_frame():
    reader = FrameReader()
    reader.feed(encode_reply(0x90, b"xyz")[:6])
    reader.clear()
    assert reader.feed(encode_reply(0x80)) == [Reply(0, 0, 0x80, b"")]


def test_command_reader_parses_host_frames():
    (cmd,) = CommandReader().feed(b"\x01" + encode_command(0x30, 0x10))
    assert (cmd.cmd, cmd.para, cmd.data) == (0x30, 0x10, b"")


@settings(max_examples=600, deadline=None)
@given(st.lists(line_pieces, max_size=12).map(b"".join))
def test_any_byte_stream_gives_only_replies_and_named_errors(stream):
    for item in FrameReader().feed(stream):
        assert isinstance(item, (Reply, e.ChecksumError, e.LengthError))


@settings(max_examples=150, deadline=None)
@given(st.lists(line_pieces, max_size=10).map(b"".join), st.data())
def test_chunking_does_not_change_the_result(stream, data):
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    reader = FrameReader()
    chunked = [
        item for lo, hi in zip([0, *cuts], [*cuts, len(stream)], strict=False) for item in reader.feed(stream[lo:hi])
    ]
    assert list(map(repr, chunked)) == list(map(repr, FrameReader().feed(stream)))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.binary(max_size=40).filter(lambda g: PREAMBLE not in g), replies),
        max_size=6,
    )
)
def test_good_frames_survive_interleaved_garbage(pairs):
    stream = b"".join(garbage + frame for garbage, frame in pairs)
    expected = [FrameReader().feed(frame)[0] for _, frame in pairs]
    assert good_frames(FrameReader().feed(stream)) == expected


def test_thousands_of_random_streams_never_crash():
    rng = random.Random(467)
    good = encode_reply(0x9F, bytes(4))
    for _ in range(5000):
        pieces = [rng.choice([PREAMBLE, good, good[: rng.randrange(len(good))]]) for _ in range(3)]
        pieces += [rng.randbytes(rng.randrange(64)) for _ in range(3)]
        rng.shuffle(pieces)
        reader = FrameReader()
        for item in reader.feed(b"".join(pieces)):
            assert isinstance(item, (Reply, e.FrameError))
        # Whatever came before, a clean reader state always reads the next reply.
        reader.clear()
        assert reader.feed(good) == [Reply(0, 0, 0x9F, bytes(4))]


STATUS_CODES = {
    0x10: e.SamChecksumError,
    0x11: e.SamLengthError,
    0x21: e.BadCommand,
    0x23: e.NotPermitted,
    0x24: e.SamUnknownError,
    0x31: e.CardAuthFailed,
    0x32: e.SamAuthFailed,
    0x33: e.VerificationError,
    0x40: e.UnknownCardType,
    0x41: e.ReadFailed,
    0x47: e.RandomNumberFailed,
    0x60: e.SamSelfTestFailed,
    0x66: e.SamNotAuthorised,
    0x80: e.NoCard,
    0x81: e.SelectFailed,
    0x91: e.NoContent,
}


@pytest.mark.parametrize(("code", "cls"), STATUS_CODES.items())
def test_every_documented_status_has_a_named_error(code, cls):
    error = e.status_error(code)
    assert type(error) is cls and error.code == code
    assert isinstance(error, e.ReaderError) and str(error) == cls.message


def test_undocumented_status_is_unknown_status():
    error = e.status_error(0x55)
    assert isinstance(error, e.UnknownStatus) and error.code == 0x55 and "0x55" in str(error)
