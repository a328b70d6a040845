"""`make screenshots`: the real ntc-tui under tmux; each screen read with `tmux capture-pane -e`,
replayed into pyte (a terminal emulator library) and drawn cell by cell in its colours with Pillow.

python -m tests.screenshots DIR  writes DIR/live.png, import.png, history.png, help.png.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyte
from PIL import Image, ImageDraw, ImageFont

from tests.ui.tmux import NTC_TUI, TmuxRun
from tests.ui.traffic import HOST, START, write_demo_pcap

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")
FONT_SIZE = 15
COLS, ROWS = 120, 40
DAY = 86400
LIVE_SECONDS = 62  # the graph holds a minute: let a realtime replay fill it

# The 16 terminal colours (a dark theme close to common terminal defaults), pyte's names.
COLOURS = {
    "black": (14, 14, 14),
    "red": (205, 49, 49),
    "green": (13, 160, 80),
    "brown": (196, 160, 0),
    "yellow": (196, 160, 0),
    "blue": (36, 84, 170),
    "magenta": (170, 60, 170),
    "cyan": (17, 150, 170),
    "white": (204, 204, 204),
    "brightblack": (102, 102, 102),
    "brightred": (241, 76, 76),
    "brightgreen": (35, 209, 139),
    "brightbrown": (245, 245, 67),
    "brightyellow": (245, 245, 67),
    "brightblue": (59, 142, 234),
    "brightmagenta": (214, 112, 214),
    "brightcyan": (41, 184, 219),
    "brightwhite": (255, 255, 255),
}
DEFAULT_FG, DEFAULT_BG = COLOURS["white"], COLOURS["black"]
LOWER_BLOCKS = " ▁▂▃▄▅▆▇█"


def colour(name: str, default: tuple[int, int, int], bold: bool = False) -> tuple[int, int, int]:
    """A pyte colour (a name, or six hex digits) as RGB; bold brightens the 8 base colours."""
    if name == "default":
        return default
    if len(name) == 6 and all(c in "0123456789abcdef" for c in name):
        return (int(name[0:2], 16), int(name[2:4], 16), int(name[4:6], 16))
    if bold and f"bright{name}" in COLOURS:
        name = f"bright{name}"
    return COLOURS.get(name, default)


def render_png(screen: pyte.Screen, path: Path) -> None:
    """Draw a terminal screen's characters in their colours as a PNG."""
    cols, rows = screen.columns, screen.lines
    regular = ImageFont.truetype(str(FONT), FONT_SIZE)
    bold = ImageFont.truetype(str(FONT_BOLD), FONT_SIZE) if FONT_BOLD.exists() else regular
    ascent, descent = regular.getmetrics()
    width, height = round(regular.getlength("M")), ascent + descent + 1
    image = Image.new("RGB", (cols * width, rows * height), DEFAULT_BG)
    draw = ImageDraw.Draw(image)
    for y in range(rows):
        line = screen.buffer[y]
        for x in range(cols):
            char = line[x]
            fg = colour(char.fg, DEFAULT_FG, char.bold)
            bg = colour(char.bg, DEFAULT_BG)
            if char.reverse:
                fg, bg = bg, fg
            left, top = x * width, y * height
            draw.rectangle([left, top, left + width - 1, top + height - 1], fill=bg)
            _glyph(
                draw,
                char.data or " ",
                (left, top, width, height),
                fg,
                bold if char.bold else regular,
            )
    image.save(path)


def _glyph(
    draw: ImageDraw.ImageDraw,
    data: str,
    cell: tuple[int, int, int, int],
    fg: tuple[int, int, int],
    font: ImageFont.FreeTypeFont,
) -> None:
    """One character; block and line drawing characters drawn as shapes so they join up."""
    left, top, width, height = cell
    right, bottom = left + width - 1, top + height - 1
    middle_x, middle_y = left + width // 2, top + height // 2
    if data in LOWER_BLOCKS[1:]:
        filled = round(height * LOWER_BLOCKS.index(data) / 8)
        draw.rectangle([left, bottom - filled + 1, right, bottom], fill=fg)
    elif data in "─━":
        draw.line([left, middle_y, right, middle_y], fill=fg)
    elif data == "│":
        draw.line([middle_x, top, middle_x, bottom], fill=fg)
    elif data in "┌┐└┘":
        horizontal = (middle_x, right) if data in "┌└" else (left, middle_x)
        vertical = (middle_y, bottom) if data in "┌┐" else (top, middle_y)
        draw.line([horizontal[0], middle_y, horizontal[1], middle_y], fill=fg)
        draw.line([middle_x, vertical[0], middle_x, vertical[1]], fill=fg)
    elif data != " ":
        draw.text((left, top), data, font=font, fill=fg)


def prepare(work: Path) -> tuple[Path, Path, Path]:
    """A data directory holding three earlier days, a folder of captures to import, and the
    capture replayed live; returns (data directory, import folder, live capture)."""
    data, folder = work / "data", work / "captures"
    folder.mkdir()
    for back in (3, 2, 1):
        day = write_demo_pcap(
            work / f"day-{back}.pcap", 30, 30, seed=back, start=START - back * DAY
        )
        subprocess.run(
            [str(NTC_TUI), "--read", str(day), "--host", HOST.ip4, "--headless", "--db",
             "--db-dir", str(data), "--no-report", "--utc"],
            check=True,
            capture_output=True,
        )  # fmt: skip
    for part in range(1, 4):
        write_demo_pcap(
            folder / f"part{part}.pcap", 40, 50, seed=20 + part, start=START - 7200 * part
        )
    shutil.copy(folder / "part1.pcap", folder / "part5-copy.pcap")  # already imported
    elsewhere = write_demo_pcap(work / "elsewhere.pcap", 20, 20, seed=4, start=START - 9000)
    text = subprocess.run(
        ["tcpdump", "-n", "-tt", "-e", "-r", str(elsewhere)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout  # what tcpdump printed on another machine, with two lines damaged on the way
    lines = text.splitlines(keepends=True)
    lines[5] = lines[5][:40] + "\n"
    lines[9] = "\x00\x01 line noise\n"
    with gzip.open(folder / "part4.txt.gz", "wt") as compressed:
        compressed.writelines(lines)
    live = write_demo_pcap(work / "live.pcap", 120, 40, seed=7)
    return data, folder, live


def pane_screen(run: TmuxRun) -> pyte.Screen:
    """The pane as a pyte screen: its lines and colours as tmux reports them. tmux leaves out
    a line's trailing blanks; the program cleared them in the colour its line ended with, so
    each line is cleared to its end (ESC [ K) in that colour, as the terminal did."""
    screen = pyte.Screen(run.cols, run.rows)
    lines = run.ansi().split("\n")[: run.rows]
    pyte.Stream(screen).feed("\x1b[K\x1b[0m\r\n".join(lines) + "\x1b[K")
    return screen


def shoot(run: TmuxRun, path: Path) -> None:
    """The pane as a PNG."""
    render_png(pane_screen(run), path)
    print(f"wrote {path}")


def main(argv: list[str]) -> int:
    """Run the program under tmux and write the four screenshots into the directory given."""
    out = Path(argv[0] if argv else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    if not FONT.exists():
        print(f"{FONT} is missing: install the Debian package fonts-dejavu-core", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="ntc-shots", ignore_cleanup_errors=True) as name:
        work = Path(name)
        data, folder, live = prepare(work)
        args = ["--read", str(live), "--realtime", "--host", HOST.ip4, "--db",
                "--db-dir", str(data), "--report-dir", str(work), "--utc"]  # fmt: skip
        with TmuxRun(args, COLS, ROWS) as run:
            run.wait_for("running")
            time.sleep(LIVE_SECONDS)
            shoot(run, out / "live.png")
            run.press("?")
            run.wait_for("ntc-tui keys")
            shoot(run, out / "help.png")
            run.press("Escape")
            run.wait_for(lambda text: "ntc-tui keys" not in text)
            run.press("r")
            run.wait_for("History")
            run.press(*["BSpace"] * 10, time.strftime("%Y-%m-%d", time.gmtime(START - 3 * DAY)))
            run.press("Enter")
            run.wait_for("all days")
            run.wait_for(lambda text: "s per column" in text)
            shoot(run, out / "history.png")
            run.press("Escape")
            run.wait_for("▼volume")
            run.press("i")
            run.wait_for("Import traffic files")
            run.press(str(folder), "Enter")
            run.wait_for(lambda text: "part5-copy.pcap" in text and "files imported" in text, 120)
            shoot(run, out / "import.png")
            run.press("q")
            run.wait_for("EXIT=")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
