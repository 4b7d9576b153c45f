"""Clock and serial-link backends beyond the contract: time zones, fake time, link ends."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import pytest

from hal.clock.fake import FAKE_CLOCK_START_UTC, FakeClock
from hal.clock.system import SystemClock
from hal.serial.fake import FakeSerialLink
from hal.serial.pyserial_link import PySerialLink


@pytest.fixture
def restore_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(("tz", "minutes"), [("UTC0", 0), ("CET-1", 60), ("EST+5", -300)])
def test_system_clock_offset_follows_the_time_zone(
    restore_tz: pytest.MonkeyPatch, tz: str, minutes: int
) -> None:
    restore_tz.setenv("TZ", tz)  # POSIX zones without summer time: fixed offsets
    time.tzset()
    assert SystemClock().utc_offset_minutes() == minutes


def test_system_clock_reads_the_wall_clock() -> None:
    before = int(time.time())
    now = SystemClock().now_utc()
    assert before <= now <= int(time.time())


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock()
    assert (clock.now_utc(), clock.monotonic_ms(), clock.utc_offset_minutes()) == (
        FAKE_CLOCK_START_UTC,
        0,
        60,
    )
    clock.advance(1.5)
    assert (clock.now_utc(), clock.monotonic_ms()) == (FAKE_CLOCK_START_UTC + 1, 1500)
    clock.now = 1_000_000_000  # setting the wall clock back leaves monotonic time alone
    assert (clock.now_utc(), clock.monotonic_ms()) == (1_000_000_000, 1500)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_fake_link_ends_are_crossed_and_independent() -> None:
    a, b = FakeSerialLink.pair()
    a.write(b"ping")
    b.write(b"pong")
    assert (b.read(10), a.read(10)) == (b"ping", b"pong")
    assert a.read(10) == b""
    assert a.written == bytearray(b"ping")
    assert a.read(0) == b""


def test_fake_link_refuses_writes_once_closed_but_peer_still_reads() -> None:
    a, b = FakeSerialLink.pair()
    a.write(b"last")
    a.close()
    with pytest.raises(OSError):
        a.write(b"more")
    assert b.read(10) == b"last"


def test_pyserial_link_on_a_loopback_url() -> None:
    link = PySerialLink("loop://", baudrate=9600)
    try:
        link.write(b"\x00\r\n\xff")
        assert link.read(2) == b"\x00\r"
        assert link.read(10) == b"\n\xff"
        assert link.read(0) == b""
    finally:
        link.close()


def test_pyserial_link_names_pyserial_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "serial", None)
    with pytest.raises(ImportError, match="pip install pyserial"):
        PySerialLink("loop://")


def test_system_clock_keeps_the_terminal_time_zone() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    expected = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).utcoffset()
    assert expected is not None
    assert SystemClock("Europe/Paris").utc_offset_minutes() == expected.total_seconds() // 60
    assert SystemClock("Europe/Paris").utc_offset_minutes() in (60, 120)


def test_system_clock_refuses_an_unknown_zone() -> None:
    with pytest.raises(ValueError, match="Mars"):
        SystemClock("Mars/Olympus")
