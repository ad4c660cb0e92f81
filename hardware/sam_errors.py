"""Everything an ID-card reader can report, as named exceptions.

Messages never carry a card's personal data, so they are safe to log and to
show on a kiosk screen by class name.
"""

from __future__ import annotations


class ReaderError(Exception):
    """Base of every reader, frame and card-data error."""

    message = "ID card reader error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


# --- SW3 status codes sent by the SAM module -------------------------------


class SamStatusError(ReaderError):
    """A reply whose SW3 reports a failure."""

    code: int = -1


class SamFault(ReaderError):
    """The SAM module reports itself unusable, whatever card is on it: the reader
    needs servicing, asking for the card again cannot help."""


class SamChecksumError(SamStatusError):
    code = 0x10
    message = "reader received a command with a bad checksum"


class SamLengthError(SamStatusError):
    code = 0x11
    message = "reader received a command with a bad length"


class BadCommand(SamStatusError):
    code = 0x21
    message = "reader does not know the command"


class NotPermitted(SamStatusError):
    code = 0x23
    message = "command not permitted"


class SamUnknownError(SamStatusError):
    code = 0x24
    message = "reader reported an unknown error"


class CardAuthFailed(SamStatusError):
    code = 0x31
    message = "card failed to authenticate the SAM"


class SamAuthFailed(SamStatusError):
    code = 0x32
    message = "SAM failed to authenticate the card"


class VerificationError(SamStatusError):
    code = 0x33
    message = "information verification error"


class UnknownCardType(SamStatusError):
    code = 0x40
    message = "unknown card type"


class ReadFailed(SamStatusError):
    code = 0x41
    message = "reading the card failed"


class RandomNumberFailed(SamStatusError):
    code = 0x47
    message = "taking a random number failed"


class SamSelfTestFailed(SamStatusError, SamFault):
    code = 0x60
    message = "SAM self-test failed"


class SamNotAuthorised(SamStatusError, SamFault):
    code = 0x66
    message = "SAM not authorised"


class NoCard(SamStatusError):
    code = 0x80
    message = "no card on the reader"


class SelectFailed(SamStatusError):
    code = 0x81
    message = "selecting the card failed"


class NoContent(SamStatusError):
    code = 0x91
    message = "the card holds no such content"


class UnknownStatus(SamStatusError):
    message = "reader returned an undocumented status"

    def __init__(self, code: int) -> None:
        super().__init__(f"{self.message} 0x{code:02X}")
        self.code = code


_BY_CODE: dict[int, type[SamStatusError]] = {
    cls.code: cls for cls in SamStatusError.__subclasses__() if cls is not UnknownStatus
}


def status_error(sw3: int) -> SamStatusError:
    """The exception for a failure SW3 (UnknownStatus for undocumented codes)."""
    cls = _BY_CODE.get(sw3)
    return cls() if cls else UnknownStatus(sw3)


# --- what the host detects on the line -------------------------------------


class FrameError(ReaderError):
    """A reply frame that cannot be trusted."""


class ChecksumError(FrameError):
    message = "reply frame has a bad checksum"


class LengthError(FrameError):
    message = "reply frame declares an impossible length"

    def __init__(self, length: int) -> None:
        super().__init__(f"{self.message} ({length})")
        self.length = length


class UnexpectedReply(ReaderError):
    message = "reply does not have the expected layout"


class ReaderTimeout(ReaderError):
    message = "reader did not answer in time"


class ReaderDisconnected(ReaderError):
    message = "reader port is closed or unplugged"


# --- the card's text block --------------------------------------------------


class CardDataError(ReaderError):
    """The card was read but its text cannot be accepted."""


class BadCardText(CardDataError):
    message = "card text block is malformed"


class BadIdNumber(CardDataError):
    message = "ID number fails its check digit"


class UnsupportedCardType(CardDataError):
    message = "card type marker not supported"
