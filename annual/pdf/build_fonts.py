"""Build the print fonts in annual/pdf/assets/fonts/ from the Debian-installed Noto CJK and LXGW WenKai fonts.

    python -m annual.pdf.build_fonts            # the committed faces (OFL)
    python -m annual.pdf.build_fonts --local    # the 仿宋 face, built on each machine by ./dev

Why: WeasyPrint subsets embedded fonts but keeps every glyph id up to the highest one used;
Noto CJK has 65 000 glyphs, so each embedded face carried some 140 KB of empty slots and the
seed's PDF weighed 440 KB. These copies hold GB 2312 (6 763 characters), ASCII, Latin-1 and the
CJK and full-width punctuation, renumbered densely, so an embedded face costs only its glyphs
(seed PDF: about 200 KB). A character outside the set falls through the CSS chain to the
installed Noto face, so nothing prints as a missing glyph.

The 楷体 of the （一） headings, LXGW WenKai, is a 15 MB face of 29 000 glyphs: its GB 2312 copy
(3.5 MB) also spares each render reading and subsetting the whole installed file (seed report:
about 10 ms of a 0.4 s warm render).

Noto CJK and LXGW WenKai are under the SIL Open Font License 1.1; a subset is a Modified Version,
so it carries new names (Report Serif SC, …; no Reserved Font Name) and the licence
(annual/pdf/assets/fonts/OFL.txt).

The body's 仿宋, FandolFang, is GPL with the font exception: its copy (Report Fang SC) is not
committed but built by `./dev` on each machine from the FandolFang it installs, and ignored by git.
The print stylesheet uses it only where the file exists (render.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

FONT_DIR = Path(__file__).resolve().parent / "assets" / "fonts"  # = html.ASSET_DIR / "fonts"
NOTO = Path("/usr/share/fonts/opentype/noto")
WENKAI = Path("/usr/share/fonts/truetype/lxgw-wenkai")
FANDOL = Path("/usr/local/share/fonts/opentype/fandol")  # where ./dev installs FandolFang

NOTO_FEATURES = ("kern", "palt", "halt")
# WenKai's Latin letters have ligatures and contextual forms, on by default when shaping: kept,
# so that the copy sets text exactly as the installed face does.
WENKAI_FEATURES = ("calt", "liga")

# (source collection or font file, face to take from it, output file, the Modified Version's name,
#  OpenType layout features kept)
FACES = (
    (NOTO / "NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC", "report-serif-sc.otf", "Report Serif SC", NOTO_FEATURES),
    (
        NOTO / "NotoSerifCJK-SemiBold.ttc",
        "Noto Serif CJK SC SemiBold",
        "report-title-sc.otf",
        "Report Title SC",
        NOTO_FEATURES,
    ),
    (NOTO / "NotoSansCJK-Medium.ttc", "Noto Sans CJK SC Medium", "report-sans-sc.otf", "Report Sans SC", NOTO_FEATURES),
    (WENKAI / "LXGWWenKai-Regular.ttf", "LXGW WenKai", "report-kai-sc.ttf", "Report Kai SC", WENKAI_FEATURES),
)

LOCAL_FACES = (
    (FANDOL / "FandolFang-Regular.otf", "FandolFang", "report-fang-sc.otf", "Report Fang SC", NOTO_FEATURES),
)
LOCAL_FACE_FILES = tuple(FONT_DIR / filename for _, _, filename, _, _ in LOCAL_FACES)


def charset() -> set[int]:
    """GB 2312, ASCII, Latin-1, general and CJK punctuation, full-width forms, circled digits."""
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    chars |= set(range(0x2000, 0x2070)) | set(range(0x2460, 0x2474)) | set(range(0x3000, 0x3040))
    chars |= set(range(0xFF00, 0xFFF0))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def face_index(path: Path, family: str) -> int:
    if path.suffix.lower() != ".ttc":
        return -1  # a single-face file
    for index, font in enumerate(TTCollection(str(path)).fonts):
        if family in {n.toUnicode() for n in font["name"].names if n.nameID in (1, 16)}:
            return index
    raise SystemExit(f"{path} has no face named {family!r}")


def build(source: Path, family: str, out: Path, name: str, features: tuple[str, ...]) -> None:
    font = TTFont(str(source), fontNumber=face_index(source, family))
    options = subset.Options(
        retain_gids=False, hinting=False, notdef_outline=True, name_IDs=["*"], layout_features=list(features)
    )
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "GPOS"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=charset())
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 3, 4, 16, 21):
            record.string = name
        elif record.nameID == 6:
            record.string = name.replace(" ", "-")
    font.save(str(out))


def main(argv: list[str]) -> None:
    FONT_DIR.mkdir(parents=True, exist_ok=True)
    local = "--local" in argv
    for source, family, filename, name, features in LOCAL_FACES if local else FACES:
        out = FONT_DIR / filename
        if local and not source.exists():
            sys.stdout.write(f"{source} is not installed: {filename} not built\n")
            continue
        build(source, family, out, name, features)
        sys.stdout.write(f"{out} ({out.stat().st_size} bytes)\n")


if __name__ == "__main__":
    main(sys.argv[1:])
