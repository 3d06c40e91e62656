"""The Korean fonts an exported page carries, so that its Hangul shows on a machine without a
Korean font: each face is subset to the characters the page uses and embedded as a WOFF2
data: URL. The fonts come from the installed npm packages @fontsource/noto-sans-kr (prose and
charts) and @fontsource/nanum-gothic-coding (code and printed output), both under the SIL Open
Font License 1.1 (environment.md, "Offline HTML")."""
import base64
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from fontTools import subset
from fontTools.ttLib import TTFont

FONTSOURCE = Path(__file__).resolve().parent.parent.parent / "node_modules" / "@fontsource"

# Unicode blocks of Korean script: Hangul syllables and jamo, and the CJK punctuation and
# full-width forms Korean text uses (『』, 、). A page's other characters keep the page's fonts.
KOREAN_BLOCKS = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x3200, 0x32FF),  # Enclosed CJK Letters and Months
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xD7B0, 0xD7FF),  # Hangul Jamo Extended-B
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
)
REGULAR = 400
BOLD = 700


def is_korean(character: str) -> bool:
    code = ord(character)
    return any(first <= code <= last for first, last in KOREAN_BLOCKS)


def korean_characters(text: str) -> set[str]:
    return {character for character in text if is_korean(character)}


class MissingFontPackage(Exception):
    """The npm package a page's font is subset from is not installed."""


@dataclass(frozen=True)
class Family:
    name: str
    package: str
    # The theme's stack the embedded family goes in front of.
    fallback: str

    def file(self, subset_name: str, weight: int) -> Path:
        """One of the package's files. WOFF, not WOFF2: fontTools decodes a WOFF2 font's glyphs all
        at once, which takes seconds for a Korean font."""
        path = FONTSOURCE / self.package / "files" / f"{self.package}-{subset_name}-{weight}-normal.woff"
        if not path.is_file():
            raise MissingFontPackage(f"{path} is missing: the HTML export subsets its Korean fonts from it; run `npm run setup`")
        return path


# The theme's own stacks (JupyterLab's --jp-content-font-family and --jp-code-font-family-default),
# with the embedded face in front.
PROSE = Family("Noto Sans KR", "noto-sans-kr", "system-ui, -apple-system, blinkmacsystemfont, 'Segoe UI', helvetica, arial, sans-serif")
CODE = Family("Nanum Gothic Coding", "nanum-gothic-coding", "var(--jp-code-font-family-default)")


@lru_cache(maxsize=None)
def _slices(family: Family) -> dict[str, frozenset[str]]:
    """The package's numbered slices of the font (the way Google Fonts serves it), each with the
    characters it has, from the package's unicode.json."""
    path = FONTSOURCE / family.package / "unicode.json"
    if not path.is_file():
        raise MissingFontPackage(f"{path} is missing: the HTML export subsets its Korean fonts from the package; run `npm run setup`")
    slices = {}
    for name, ranges in json.loads(path.read_text()).items():
        characters = set()
        for part in ranges.split(","):
            first, _, last = part.strip().removeprefix("U+").partition("-")
            characters.update(chr(code) for code in range(int(first, 16), int(last or first, 16) + 1))
        slices[name.strip("[]")] = frozenset(characters)
    return slices


@lru_cache(maxsize=None)
def _characters_of(path: Path) -> frozenset[str]:
    return frozenset(chr(code) for code in TTFont(path).getBestCmap())


def _sources(family: Family, weight: int, characters: frozenset[str]) -> list[tuple[Path, frozenset[str]]]:
    """The files to take `characters` from, each with its share: the package's file of the Korean
    subset (Hangul with Latin and punctuation) first, then the slices holding what it lacks (CJK
    punctuation such as 『』). Characters the font does not have are left out."""
    korean = family.file("korean", weight)
    main = characters & _characters_of(korean)
    sources = [(korean, main)] if main else []
    rest = characters - main
    for name, declared in _slices(family).items():
        if not rest & declared:
            continue
        # unicode.json declares a slice's range; the file may lack some of it (U+2212 in Nanum's).
        path = family.file(name, weight)
        share = rest & declared & _characters_of(path)
        if share:
            sources.append((path, share))
            rest -= share
    return sources


@lru_cache(maxsize=256)
def _subset(path: Path, characters: frozenset[str]) -> bytes:
    # recalcTimestamp off: the same page exports to the same bytes (no churn in committed HTML).
    font = TTFont(path, recalcTimestamp=False)
    options = subset.Options()
    options.hinting = False  # most of a subset's size; browsers draw these glyphs well without it
    # Layout and vertical tables: precomposed Hangul set horizontally needs none of them.
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "STAT", "vhea", "vmtx"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(character) for character in characters])
    subsetter.subset(font)
    font.flavor = "woff2"
    data = io.BytesIO()
    font.save(data)
    return data.getvalue()


def _unicode_range(characters: Iterable[str]) -> str:
    codes = sorted(ord(character) for character in characters)
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return ", ".join(f"U+{first:X}" if first == last else f"U+{first:X}-{last:X}" for first, last in ranges)


def font_faces(family: Family, weight: int, characters: Iterable[str]) -> list[str]:
    """@font-face rules for `family` at `weight` holding only `characters` (those the font has).
    The first rule, from the Korean subset, serves every character the later ones do not: a
    browser tries the last rule first, and each later rule names its few characters."""
    rules = []
    for index, (path, share) in enumerate(_sources(family, weight, frozenset(characters))):
        data = base64.b64encode(_subset(path, share)).decode("ascii")
        unicode_range = f" unicode-range: {_unicode_range(share)};" if index > 0 else ""
        rules.append(
            f'@font-face {{ font-family: "{family.name}"; font-weight: {weight};{unicode_range}'
            f' src: url(data:font/woff2;base64,{data}) format("woff2"); }}'
        )
    return rules


def page_style(prose: set[str], bold_prose: set[str], code: set[str]) -> str:
    """The page's <style> content: the faces for its prose (regular and bold characters) and its
    code, and the theme's font variables with each embedded family in front; "" if it needs none."""
    prose_faces = font_faces(PROSE, REGULAR, prose) + font_faces(PROSE, BOLD, bold_prose)
    code_faces = font_faces(CODE, REGULAR, code)
    variables = []
    if prose_faces:
        stack = f'"{PROSE.name}", {PROSE.fallback}'
        variables += [f"  --jp-content-font-family: {stack};", f"  --jp-ui-font-family: {stack};"]
    if code_faces:
        variables.append(f'  --jp-code-font-family: "{CODE.name}", {CODE.fallback};')
    if not variables:
        return ""
    return "\n".join(prose_faces + code_faces + [":root {", *variables, "}"])


# A font-family presentation attribute (what vega and the package's image grids write) and its quote.
FONT_FAMILY_ATTRIBUTE = re.compile(r"""(\bfont-family\s*=\s*)(["'])""")
SVG_OPENING_TAG = re.compile(r"<svg\b[^>]*>")


def svg_text_by_weight(svg: str) -> dict[int, set[str]]:
    """The Korean characters of the SVG's text, by the face weight (400 or 700) they render in."""
    found: dict[int, set[str]] = {REGULAR: set(), BOLD: set()}

    def walk(element: ElementTree.Element, weight: str) -> None:
        weight = element.get("font-weight", weight)
        face = BOLD if weight in ("bold", "bolder") or (weight.isdigit() and int(weight) > 500) else REGULAR
        found[face] |= korean_characters(element.text or "")
        for child in element:
            walk(child, weight)
            found[face] |= korean_characters(child.tail or "")

    try:
        walk(ElementTree.fromstring(svg), "normal")
    except ElementTree.ParseError:
        # Not well-formed XML: give both faces every Korean character.
        found = {REGULAR: korean_characters(svg), BOLD: korean_characters(svg)}
    return found


def embed_in_svg(svg: str) -> str:
    """`svg` with the faces its Korean text needs, and their family in front of each font-family
    attribute. An SVG shown through <img> takes no fonts from the page, so it carries its own."""
    faces = [face for weight, characters in svg_text_by_weight(svg).items() for face in font_faces(PROSE, weight, characters)]
    opening = SVG_OPENING_TAG.search(svg)
    if not faces or opening is None:
        return svg

    def in_front(match: re.Match) -> str:
        inner = '"' if match.group(2) == "'" else "'"
        return f"{match.group(1)}{match.group(2)}{inner}{PROSE.name}{inner}, "

    svg = FONT_FAMILY_ATTRIBUTE.sub(in_front, svg)
    return svg[: opening.end()] + "<style>" + " ".join(faces) + "</style>" + svg[opening.end() :]
