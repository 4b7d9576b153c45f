"""Any single byte changed in any frame of the journal is found at that frame, with no cascade."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.inspect.attack import flip, frame_offsets, read_segment, rewrite_segment, split
from tools.inspect.image import read_image
from tools.inspect.verify import verify

MAX_FINDINGS = 3  # a change can also displace a number: the record and its neighbours


def check_detected(pristine: bytes, index: int, change: object) -> None:
    offsets = frame_offsets(read_segment(pristine))

    def tamper(frames: list[bytes]) -> list[bytes]:
        frames[index] = change(frames[index])  # type: ignore[operator]
        return frames

    report = verify(read_image(rewrite_segment(pristine, tamper)))
    assert not report.intact
    assert any(f.offset == offsets[index] for f in report.findings), report.findings
    assert len(report.findings) <= MAX_FINDINGS, report.findings


@settings(
    max_examples=200,  # ~6 per frame of the 33-record journal (every document type)
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), mask=st.integers(1, 255), fix_crc=st.booleans())
def test_any_record_byte_flip_is_detected(
    pristine: bytes, data: st.DataObject, mask: int, fix_crc: bool
) -> None:
    frames = split(read_segment(pristine))
    index = data.draw(st.integers(0, len(frames) - 1), label="frame")
    position = data.draw(st.integers(0, len(frames[index]) - 7), label="record byte")
    check_detected(pristine, index, lambda frame: flip(frame, position, mask, fix_crc))


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), mask=st.integers(1, 255))
def test_any_length_or_crc_byte_flip_is_detected(
    pristine: bytes, data: st.DataObject, mask: int
) -> None:
    frames = split(read_segment(pristine))
    index = data.draw(st.integers(0, len(frames) - 1), label="frame")
    position = data.draw(st.sampled_from([0, 1, -4, -3, -2, -1]), label="frame byte")

    def change(frame: bytes) -> bytes:
        altered = bytearray(frame)
        altered[position] ^= mask
        return bytes(altered)

    check_detected(pristine, index, change)
