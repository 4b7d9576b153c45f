"""Printer backends: ESC/POS status decoding and URLs, the fake's and the sim's own duties."""

from __future__ import annotations

import sys
import threading

import escpos.printer
import pytest

from hal.ports import (
    PRINTER_COVER_OPEN,
    PRINTER_OFFLINE,
    PRINTER_PAPER_OUT,
    PRINTER_READY,
    PrinterError,
)
from hal.printer.escpos import EscposPrinter, parse_printer_url
from hal.printer.fake import FakePrinter
from hal.printer.sim import SimPrinter
from tests.hal.hal_doubles import StatusDummy

ONLINE_QUERY, CAUSE_QUERY, PAPER_QUERY = b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x04"


def test_a_silent_printer_is_offline_after_a_single_query() -> None:
    dummy = StatusDummy()
    dummy.silent = True
    assert EscposPrinter(dummy).status() == PRINTER_OFFLINE
    assert dummy.queries == [ONLINE_QUERY]  # one read timeout on a serial line, not two


def test_a_ready_printer_is_asked_online_then_paper() -> None:
    dummy = StatusDummy()
    assert EscposPrinter(dummy).status() == PRINTER_READY
    assert dummy.queries == [ONLINE_QUERY, PAPER_QUERY]


def test_an_offline_printer_is_asked_why() -> None:
    dummy = StatusDummy()
    dummy.set_state(PRINTER_COVER_OPEN)
    assert EscposPrinter(dummy).status() == PRINTER_COVER_OPEN
    assert dummy.queries == [ONLINE_QUERY, CAUSE_QUERY]


def test_an_answering_offline_printer_without_cause_is_offline() -> None:
    dummy = StatusDummy()
    dummy.offline = True
    assert EscposPrinter(dummy).status() == PRINTER_OFFLINE


def test_paper_out_seen_by_the_paper_sensor_alone() -> None:
    dummy = StatusDummy()
    dummy.paper_out = True  # still online, as some printers answer
    assert EscposPrinter(dummy).status() == PRINTER_PAPER_OUT


def test_a_failed_write_is_a_printer_error_offline() -> None:
    dummy = StatusDummy()
    dummy.fail_writes = True
    with pytest.raises(PrinterError) as caught:
        EscposPrinter(dummy).print_bytes(b"RECEIPT")
    assert caught.value.code == PRINTER_OFFLINE


def test_a_query_that_raises_reads_offline() -> None:
    class Unplugged(StatusDummy):
        def query_status(self, mode: bytes) -> bytes:
            raise OSError("device disconnected")

    assert EscposPrinter(Unplugged()).status() == PRINTER_OFFLINE


def test_stale_serial_input_is_dropped_before_each_query() -> None:
    class Port:
        resets = 0

        def reset_input_buffer(self) -> None:
            self.resets += 1

    dummy = StatusDummy()
    dummy.device = Port()
    EscposPrinter(dummy).status()
    assert dummy.device.resets == 2  # before the online and the paper query


@pytest.mark.parametrize(
    ("url", "kind", "options"),
    [
        ("serial:/dev/ttyUSB0", "serial", {"devfile": "/dev/ttyUSB0"}),
        (
            "serial:///dev/ttyS0?baudrate=19200&timeout=0.5&dsrdtr=no",
            "serial",
            {"devfile": "/dev/ttyS0", "baudrate": 19200, "timeout": 0.5, "dsrdtr": False},
        ),
        ("usb:0x04b8:0x0202", "usb", {"idVendor": 0x04B8, "idProduct": 0x0202}),
        (
            "usb:04b8:0e15?out_ep=0x01",
            "usb",
            {"idVendor": 0x04B8, "idProduct": 0x0E15, "out_ep": 1},
        ),
        ("tcp:192.168.1.50:9100", "tcp", {"host": "192.168.1.50", "port": 9100}),
        ("tcp://printer.local", "tcp", {"host": "printer.local", "port": 9100}),
        ("tcp:[fe80::1]:9101?timeout=3", "tcp", {"host": "fe80::1", "port": 9101, "timeout": 3.0}),
    ],
)
def test_parse_printer_url(url: str, kind: str, options: dict) -> None:
    assert parse_printer_url(url) == (kind, options)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("lpt:1", "unknown kind"),
        ("/dev/ttyUSB0", "expected serial:"),
        ("serial:", "expected serial:"),
        ("usb:zz:0202", "not a number"),
        ("tcp:host:port", "not a number"),
        ("serial:/dev/ttyS0?speed=9600", "unknown option 'speed'"),
        ("serial:/dev/ttyS0?dsrdtr=maybe", "yes/no"),
    ],
)
def test_parse_printer_url_errors(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_printer_url(url)


def test_from_url_builds_a_serial_printer_without_opening_it() -> None:
    printer = EscposPrinter.from_url("serial:/dev/does-not-exist?baudrate=19200")
    device = printer._device
    assert isinstance(device, escpos.printer.Serial)
    assert (device.devfile, device.baudrate) == ("/dev/does-not-exist", 19200)
    assert printer.status() == PRINTER_OFFLINE  # opening fails: offline, no exception


def test_from_url_builds_a_network_printer() -> None:
    device = EscposPrinter.from_url("tcp:127.0.0.1:9")._device
    assert isinstance(device, escpos.printer.Network)
    assert (device.host, device.port) == ("127.0.0.1", 9)


def test_from_url_usb_names_pyusb_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(escpos.printer.usb, "is_usable", lambda: False)
    with pytest.raises(ImportError, match="pip install pyusb"):
        EscposPrinter.from_url("usb:0x04b8:0x0202")


def test_from_url_names_python_escpos_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "escpos.printer", None)
    with pytest.raises(ImportError, match="pip install python-escpos"):
        EscposPrinter.from_url("tcp:127.0.0.1")


def test_fake_printer_refuses_unknown_states_and_counts_status_queries() -> None:
    printer = FakePrinter()
    with pytest.raises(ValueError):
        printer.state = "on fire"
    printer.status()
    printer.status()
    assert printer.status_queries == 2
    printer.print_bytes(b"A")
    printer.print_bytes(b"BC")
    assert printer.jobs == [b"A", b"BC"]
    assert printer.output == bytearray(b"ABC")


def test_sim_printer_faults_take_precedence_offline_cover_paper() -> None:
    printer = SimPrinter()
    printer.set_paper_out(True)
    assert printer.status() == PRINTER_PAPER_OUT
    printer.set_cover_open(True)
    assert printer.status() == PRINTER_COVER_OPEN
    printer.set_offline(True)
    assert printer.status() == PRINTER_OFFLINE
    printer.set_offline(False)
    printer.set_cover_open(False)
    printer.set_paper_out(False)
    assert printer.status() == PRINTER_READY


def test_sim_printer_notifies_each_job_in_order_across_threads() -> None:
    printer = SimPrinter()
    heard: list[bytes] = []
    printer.add_listener(heard.append)

    def print_jobs(tag: int) -> None:
        for n in range(50):
            printer.print_bytes(b"%d-%d;" % (tag, n))

    threads = [threading.Thread(target=print_jobs, args=(t,)) for t in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert heard == printer.jobs  # listeners saw the jobs in the order they were kept
    assert len(heard) == 150
    assert bytes(printer.output) == b"".join(printer.jobs)
