"""A flash image of the former layout (littlefs over the whole chip) is read and verified alike.

The journal is written as the terminal writes it today, then laid out as
terminals provisioned before the journal log kept it: one littlefs from
block 0 holding the identity, the segments as files and the archives.
"""

from __future__ import annotations

from pathlib import Path

from littlefs import LittleFS

from tests.inspect.journals import write_journal
from tools.inspect.image import read_image
from tools.inspect.verify import verify

BLOCK = 4096


def former_layout(data: bytes) -> bytes:
    """Return the fiscal memory of image ``data`` laid out in the former layout."""
    contents = read_image(data)
    fs = LittleFS(block_size=BLOCK, block_count=256, read_size=16, prog_size=16)
    fs.makedirs("/fiscal/journal", exist_ok=True)
    fs.makedirs("/fiscal/archives", exist_ok=True)
    with fs.open("/fiscal/identity.cbor", "wb") as f:
        f.write(contents.identity)
    for segment in contents.segments:
        with fs.open(f"/fiscal/journal/{segment.name}", "wb") as f:
            f.write(segment.data)
    for archive in contents.archives or ():
        with fs.open(f"/fiscal/archives/{archive.name}", "wb") as f:
            f.write(archive.data or b"")
    return bytes(fs.context.buffer)


def test_a_former_layout_image_gives_the_same_contents_and_findings(tmp_path: Path) -> None:
    image = tmp_path / "flash.img"
    write_journal(image)
    data = image.read_bytes()
    former = former_layout(data)
    assert former[:8] != data[:8]  # no partition table: littlefs from block 0
    now, before = read_image(data), read_image(former)
    assert before.identity == now.identity
    assert [(s.name, s.data) for s in before.segments] == [(s.name, s.data) for s in now.segments]
    assert before.archives == now.archives and before.archives
    assert verify(before).findings == verify(now).findings == ()


def test_a_former_layout_image_with_a_segment_altered_is_caught(tmp_path: Path) -> None:
    image = tmp_path / "flash.img"
    write_journal(image)
    contents = read_image(image.read_bytes())
    former = bytearray(former_layout(image.read_bytes()))
    second = contents.segments[0].data[40:80]  # bytes inside a record of the first segment
    at = bytes(former).index(second)
    former[at + 10] ^= 0x01
    assert verify(read_image(bytes(former))).findings
