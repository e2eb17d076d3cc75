"""The quality bars `make bench` checks, and how a section of bench/RESULTS.md reports them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bar:
    """One bar of DESIGN.md / an issue: what must hold, what was measured, whether it held."""

    name: str
    target: str
    measured: str
    met: bool


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)

    def bar(self, name: str, target: str, measured: object, met: bool) -> None:
        self.bars.append(Bar(name, target, str(measured), met))

    def markdown(self) -> list[str]:
        out = [f"## {self.title}", ""]
        if self.bars:
            out += ["| bar | target | measured | met |", "|---|---|---|---|"]
            out += [
                f"| {b.name} | {b.target} | {b.measured} | {'yes' if b.met else '**NO**'} |"
                for b in self.bars
            ]
            out.append("")
        return out + self.lines + [""]


def summary(sections: list[Section]) -> list[str]:
    bars = [bar for section in sections for bar in section.bars]
    missed = [bar for bar in bars if not bar.met]
    lines = ["## Bars", ""]
    if not missed:
        lines.append(f"All {len(bars)} bars are met.")
    else:
        lines.append(f"**{len(missed)} of {len(bars)} bars are missed** (`make bench` exits 1):")
        lines += [f"- {bar.name}: {bar.target}; measured {bar.measured}" for bar in missed]
    return [*lines, ""]
