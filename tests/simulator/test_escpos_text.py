"""The ESC/POS interpreter: each command, errors, and round trips through the receipt module."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.demo import DEMO_CONFIG
from firmware.receipt import text_slip
from simulator.escpos_text import EscposParseError, PaperLine, render_lines, render_text

ESC, GS = b"\x1b", b"\x1d"
CUT_MARK = "- " * 20 + "-"  # 42 columns

# Every character CP858 prints (0x20-0x7E and 0x80-0xFF): what a receipt can show.
CP858_CHARS = sorted((bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))).decode("cp858"))
printed_text = st.text(alphabet=st.sampled_from(CP858_CHARS), max_size=42)


def test_text_and_line_feeds() -> None:
    assert render_text(b"abc\n\nde\n") == ["abc", "", "de"]
    assert render_text(b"no line feed") == ["no line feed"]  # flushed at the end
    assert render_text(b"") == []


def test_alignment_pads_on_the_left_and_applies_from_the_start_of_a_line() -> None:
    data = ESC + b"a\x01abc\n" + ESC + b"a\x02abc\n" + ESC + b"a\x00abc\n"
    assert render_text(data, columns=10) == ["   abc", "       abc", "abc"]
    assert render_text(b"ab" + ESC + b"a\x01cd\nef\n", columns=10) == ["abcd", "    ef"]
    assert render_text(ESC + b"a\x31\n", columns=10) == [""]  # blank lines carry no padding


def test_bold_and_sizes_are_reported_per_line() -> None:
    data = (
        ESC + b"E\x01bold\n" + ESC + b"E\x00" + GS + b"!\x01tall\n"
        b"" + GS + b"!\x11large\n" + GS + b"!\x00" + ESC + b"!\x38mode\n" + ESC + b"!\x00plain\n"
    )
    lines = render_lines(data)
    styles = [(li.text, li.bold, li.double_height, li.double_width, li.columns) for li in lines]
    assert styles == [
        ("bold", True, False, False, 42),
        ("tall", False, True, False, 42),
        ("large", False, True, True, 21),
        ("mode", True, True, True, 21),
        ("plain", False, False, False, 42),
    ]


def test_a_full_line_wraps_before_the_next_character() -> None:
    assert render_text(b"x" * 42 + b"\n") == ["x" * 42]
    assert render_text(b"x" * 43 + b"\n") == ["x" * 42, "x"]
    assert render_text(GS + b"!\x11" + b"y" * 22 + b"\n") == ["y" * 21, "y"]


def test_feed_lines() -> None:
    assert render_text(ESC + b"d\x03") == ["", "", ""]
    assert render_text(b"ab" + ESC + b"d\x02") == ["ab", ""]
    assert render_text(b"ab" + ESC + b"d\x00" + b"cd\n") == ["ab", "cd"]


def test_reset_discards_the_buffer_and_styles() -> None:
    data = ESC + b"E\x01" + ESC + b"a\x02" + GS + b"!\x11" + ESC + b"t\x13lost" + ESC + b"@"
    assert render_lines(data + b"kept\x82\n") == [PaperLine("kept\u00e9")]  # CP437 again


def test_code_pages() -> None:
    assert render_text(b"\x82\xd5\n") == ["é╒"]  # CP437 after power-on
    assert render_text(ESC + b"t\x13\x82\xd5\xf8\n") == ["é€°"]  # CP858
    assert render_text(ESC + b"t\x00\xd5\n") == ["╒"]


def test_cut_and_drawer_kick() -> None:
    lines = render_lines(b"end" + GS + b"V\x01" + ESC + b"p\x00\x32\x32")
    assert [(li.text, li.cut) for li in lines] == [("end", False), (CUT_MARK, True)]
    assert render_text(GS + b"V\x42\x00" + GS + b"V\x00" + GS + b"V\x41\x10") == [CUT_MARK] * 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ok\n" + ESC + b"J\x10", "byte 3: unknown command ESC 0x4a"),
        (GS + b"k\x04", "byte 0: unknown command GS 0x6b"),
        (b"tab\there", "byte 3: unknown control byte 0x09"),
        (b"cr\r\n", "byte 2: unknown control byte 0x0d"),
        (b"\x7f", "unknown control byte 0x7f"),
        (ESC + b"t\x10", "unsupported argument 16 of ESC t"),
        (ESC + b"!\x01", "unsupported argument 1 of ESC !"),
        (ESC + b"M\x01", "unsupported argument 1 of ESC M"),
        (GS + b"V\x02", "unsupported argument 2 of GS V"),
        (ESC + b"a\x03", "unsupported argument 3 of ESC a"),
        (GS + b"!\x80", "unsupported argument 128 of GS !"),
        (b"x" + ESC, "byte 2: truncated command"),
        (ESC + b"p\x00\x32", "truncated command"),
        (GS + b"V\x41", "truncated command"),
    ],
)
def test_unknown_or_truncated_commands_raise(data: bytes, message: str) -> None:
    with pytest.raises(EscposParseError, match=message) as caught:
        render_lines(data)
    assert caught.value.code == "ESCPOS_PARSE"


def _slip_with_body(title: str, lines: list[str]) -> tuple[list[str], list[str]]:
    """Return (text of the slip, expected text: the empty slip with ``lines`` inserted)."""
    empty = render_lines(text_slip(title, [], DEMO_CONFIG))
    title_at = next(
        i for i, li in enumerate(empty) if li.bold and li.align == "center" and not li.double_height
    )
    body_at = title_at + 2  # after the title and its rule
    expected = [li.aligned() for li in empty[:body_at]] + lines
    expected += [li.aligned() for li in empty[body_at:]]
    return render_text(text_slip(title, lines, DEMO_CONFIG)), expected


@settings(derandomize=True, deadline=None, max_examples=150)
@given(title=printed_text.filter(lambda t: t.strip() != ""), lines=st.lists(printed_text))
def test_slip_lines_round_trip(title: str, lines: list[str]) -> None:
    rendered, expected = _slip_with_body(title, lines)
    assert rendered == expected


@settings(derandomize=True, deadline=None, max_examples=100)
@given(st.text(alphabet=st.sampled_from(CP858_CHARS), min_size=43, max_size=300))
def test_long_slip_lines_are_wrapped_without_losing_characters(line: str) -> None:
    rendered, _ = _slip_with_body("LONG", ["<", line, ">"])
    end = len(rendered) - 1 - rendered[::-1].index(">")  # the markers are the first and last
    body = rendered[rendered.index("<") + 1 : end]
    assert all(0 < len(piece) <= 42 for piece in body) or line.strip(" ") == ""
    assert "".join(body).replace(" ", "") == line.replace(" ", "")
