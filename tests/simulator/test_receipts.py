"""The receipts folder: numbering continues after what is there, nothing is overwritten."""

from __future__ import annotations

from pathlib import Path

from simulator.receipts import ReceiptStore

JOB = b"\x1b@\x1bt\x13HELLO\n\x1dV\x01"


def test_first_receipt_is_number_one_and_has_both_files(tmp_path: Path) -> None:
    store = ReceiptStore(tmp_path / "receipts")
    saved = store.save(JOB)
    assert saved.number == 1
    assert saved.bin_path.name == "000001.bin"
    assert saved.bin_path.read_bytes() == JOB
    assert saved.txt_path.read_text(encoding="utf-8") == saved.text
    assert "HELLO" in saved.lines


def test_numbering_continues_after_the_highest_file(tmp_path: Path) -> None:
    folder = tmp_path / "receipts"
    folder.mkdir()
    (folder / "000007.txt").write_text("old")
    (folder / "000003.bin").write_bytes(b"old")
    (folder / "notes.txt").write_text("not a receipt")
    (folder / "99.bin").write_bytes(b"not a receipt name")
    saved = ReceiptStore(folder).save(JOB)
    assert saved.number == 8
    assert (folder / "000007.txt").read_text() == "old"
