"""Numbers in the lessons' prose are bound to what the lessons computed.

Every number that a lesson's text reports (a decimal such as 0.253, a percentage such as 98.6 %, a
ratio such as 1.29x) must appear in that lesson's stored outputs, to the precision the text gives
(the text may round: 0.2531 printed can be quoted as 0.253 or 0.25), or be written in its code (a
setting, such as a learning rate of 0.05), or be listed in `tests/numbers_allowed.json` with the
reason it need not (a published figure with its citation, a value fixed by construction, a
measurement of a benchmark run by hand). A range "a–b" is bound when a printed value lies within
it (timings are quoted so). Section numbers and mathematics are not read.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ALLOWED = json.loads((ROOT / "tests" / "numbers_allowed.json").read_text(encoding="utf-8"))

# a decimal, a percentage or a ratio written with x or ×; a range of two of them
NUMBER = r"\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?"
REPORTED = re.compile(rf"(?<![\w.])({NUMBER})(?:\s?[–-]\s?({NUMBER}))?(\s?%|\s?[x×](?!\w))?")
NOT_READ = [
    r"```.*?```", r"`[^`]*`",                       # code
    r"\$\$.*?\$\$", r"\$[^$\n]*\$",                   # mathematics
    r"\]\([^)]*\)", r"<[^>]*>",                        # link targets, HTML tags
    r"^#+ [^\n]*$",                                   # headings
    r"(?:[Ss]ections?|§|[Ll]essons?|[Ee]xercises?|[Cc]ells?|[Ff]igures?|[Tt]ables?|"
    r"[Ee]quations?|[Ss]teps?|[Aa]lgorithm|[Vv]ol\.|[Vv]olume|pp\.|[Pp]ages?|[Cc]hapters?)"
    r"\s+\d[\d.,–-]*(?:\s*(?:and|or|to)\s+\d[\d.]*)?",  # references
    r"§\s*\d[\d.]*",
    r"\b(?:CC BY(?:-SA)?|Attribution) \d\.\d",            # licences: CC BY 4.0
    r"\b(?:19|20)\d\d[a-z]?\b",                        # years
    r"\b\d+\.\d+\.\d+\b",                               # versions: NumPy 2.4.6
    r"\b[A-Z][A-Za-z]*-\d\w*",                          # names with numbers: LeNet-5, MNIST-1D
]


def markdown_and_outputs(path):
    """(the lesson's prose, the text of its outputs, the text of its code)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    prose = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    outputs = []
    for cell in cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                outputs.append("".join(output["text"]))
            else:
                outputs.append("".join(output.get("data", {}).get("text/plain", "")))
    return prose, "\n".join(outputs), code


def printed_values(text):
    """Every number in printed text, with how many decimals it was printed to."""
    values = []
    for match in re.finditer(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?", text):
        literal = match.group().replace(",", "")
        decimals = len(literal.split(".")[1].split("e")[0]) if "." in literal else 0
        values.append((float(literal), decimals))
    return values


def decimals_of(literal):
    return len(literal.split(".")[1]) if "." in literal else 0


def half_unit(literal):
    """Half a unit in the last place the prose gives: 0.253 -> 0.0005, 2.8e-04 -> 0.05e-04."""
    mantissa, _, exponent = literal.replace(",", "").partition("e")
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals_of(mantissa)) * (1 + 1e-9)


def is_bound(literal, percent, printed, code):
    """True if the prose number `literal` is a printed value (rounded to the decimals the prose
    gives; for a percentage, also a printed fraction) or a setting written in the code."""
    if re.search(rf"(?<![\w.]){re.escape(literal)}(?!\w)", code):
        return True
    value, d, half = float(literal.replace(",", "")), decimals_of(literal), half_unit(literal)
    if "e" in literal:  # scientific notation: compared at the precision the prose gives
        return any(abs(abs(number) - value) <= half for number, _ in printed)
    for number, decimals in printed:
        if decimals >= d and abs(abs(number) - value) <= half:
            return True
        if percent and decimals - 2 >= d and abs(100 * abs(number) - value) <= half:
            return True
    return False


def unbound_numbers(path):
    prose, outputs, code = markdown_and_outputs(path)
    for pattern in NOT_READ:
        prose = re.sub(pattern, " ", prose, flags=re.M | re.S)
    printed = printed_values(outputs)
    found = []
    for match in REPORTED.finditer(prose):
        low, high, unit = match.group(1), match.group(2), match.group(3)
        if high is None and unit is None and "." not in low:
            continue  # a whole number alone: a count or a setting, too often not a result
        literal = low if high is None else f"{low}–{high}"
        if high is not None:
            a, b = float(low.replace(",", "")), float(high.replace(",", ""))
            scale = [1, 100] if unit and "%" in unit else [1]
            if any(a <= s * number <= b for number, _ in printed for s in scale) or (
                    is_bound(low, unit, printed, code) and is_bound(high, unit, printed, code)):
                continue
        elif is_bound(low, bool(unit and "%" in unit), printed, code):
            continue
        found.append(literal + (unit.strip() if unit else ""))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_every_reported_number_comes_from_the_lessons_outputs(path):
    allowed = ALLOWED.get(path.name, {})
    unbound = [n for n in unbound_numbers(path) if n not in allowed]
    assert unbound == [], (f"{path.name}: numbers in the text that no output prints (fix the "
                           f"text, or list them in tests/numbers_allowed.json with a reason)")


def test_every_allowed_number_is_still_in_its_lesson():
    for name, numbers in ALLOWED.items():
        prose = markdown_and_outputs(ROOT / "notebooks" / name)[0]
        gone = [n for n in numbers if n.rstrip("%×x").split("–")[0] not in prose]
        assert gone == [], f"{name}: allowed numbers no longer in the text: {gone}"
        assert all(reason.strip() for reason in numbers.values()), name


def test_the_reader_binds_rounded_and_scientific_numbers_and_skips_references(tmp_path):
    def lesson(prose, printed):
        cells = [{"cell_type": "markdown", "source": prose},
                 {"cell_type": "code", "source": "lr = 0.05",
                  "outputs": [{"output_type": "stream", "text": printed}]}]
        path = tmp_path / "lesson.ipynb"
        path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
        return unbound_numbers(path)

    assert lesson("loss 0.253, rate 0.05, §4.3, ratio 2.8e-04", "0.2531 2.8e-04") == []
    assert lesson("loss 0.254 and 98.6 %", "0.2531 0.98612") == ["0.254"]
    assert lesson("ratio 2.8e-04 and 3.1e-04", "2.8e-04") == ["3.1e-04"]
    assert lesson("took 8.8–11.0 s", "9.3 s") == []
