"""`make bench` fails when a bar is missed (issues 9 and 14): the summary names every missed bar."""

from __future__ import annotations

from bench.bars import Section, summary


def test_a_missed_bar_is_named_in_the_summary_and_marked_in_its_section() -> None:
    section = Section("resolve")
    section.bar("round trips", "1", "2", False)
    section.bar("provider calls", "0", "0", True)

    lines = summary([section])

    assert "**1 of 2 bars are missed** (`make bench` exits 1):" in lines
    assert "- round trips: 1; measured 2" in lines
    assert "| round trips | 1 | 2 | **NO** |" in section.markdown()
    assert "| provider calls | 0 | 0 | yes |" in section.markdown()


def test_all_bars_met_says_so() -> None:
    section = Section("resolve")
    section.bar("provider calls", "0", "0", True)

    assert "All 1 bars are met." in summary([section])
