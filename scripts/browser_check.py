#!/usr/bin/env python3
"""Renders samsa's HTML reports in headless Chromium and fails if one is blank or broken.

Called by ctest (tests/reports/CMakeLists.txt, test ReportsRenderInAHeadlessBrowser) with
the samsa binary, the chromium binary and a scratch directory. It writes the reports a
user gets — a failing run (violations, replay and shrink commands, every chart), a passing
run, an exploration with failures, and the acknowledgement matrix when `samsa report
--acks-matrix` exists — then, for each report.html:

1. the file is self-contained: no src/href/url()/@import that reaches a network;
2. Chromium renders it to a PNG with no console message (a script error, a bad SVG the
   parser reports, a blocked load);
3. the PNG is not blank: enough non-white pixels, and enough distinct colours that the
   charts' series and lanes were drawn, not only black text.

The PNG is decoded here (zlib and the five row filters) so the check needs nothing but
Python's standard library. `--self-test` proves each check can fail: a blank page, a
page that logs a script error, a page with no chart and a page that loads from the
network must each be rejected, and a small page with a coloured SVG accepted.
"""

import argparse
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import zlib

WIDTH_PX, HEIGHT_PX = 1280, 2400
SCALE = 0.5  # the PNG is drawn at half size: a quarter of the pixels to decode
MIN_INK_SHARE = 0.01  # of the pixels: a blank page is all white
MIN_COLOURS = 2  # quantised colours besides white, greys and black: a chart drew in colour


class CheckFailed(Exception):
    pass


def fail(message):
    raise CheckFailed(message)


def run(cmd, ok_codes=(0,)):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode not in ok_codes:
        fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return proc


def write_reports(samsa, fixtures, work):
    """The reports to render, as (name, path of report.html)."""
    reports = []
    failing = fixtures / "crash-random.toml"
    run([samsa, "run", failing, "--seed", "6", "--bug", "truncate-to-high-watermark",
         "--report", work / "run-fail"], ok_codes=(1,))
    reports.append(("failing run", work / "run-fail" / "report.html"))
    run([samsa, "run", fixtures / "crash-pass.toml", "--seed", "1", "--report",
         work / "run-pass"])
    reports.append(("passing run", work / "run-pass" / "report.html"))
    run([samsa, "explore", failing, "--seeds", "8", "--jobs", "1", "--bug",
         "truncate-to-high-watermark", "--out", work / "explore", "--report",
         work / "explore"], ok_codes=(1,))
    reports.append(("exploration", work / "explore" / "report.html"))
    help_text = run([samsa, "report", "--help"]).stdout
    if "--acks-matrix" in help_text:
        run([samsa, "report", "--acks-matrix", "--seeds", "1", "--out", work / "acks"])
        reports.append(("acknowledgement matrix", work / "acks" / "report.html"))
    return reports


NETWORK_REF = re.compile(
    r"""(?:\bsrc|\bhref)\s*=\s*["']?\s*(?:https?:|//)|url\(\s*["']?\s*(?:https?:|//)|@import""",
    re.IGNORECASE)


def check_self_contained(name, html_path):
    text = html_path.read_text(encoding="utf-8")
    found = NETWORK_REF.search(text)
    if found:
        fail(f"{name}: {html_path} reaches the network: ...{text[found.start():found.end() + 40]}")
    if "<svg" not in text:
        fail(f"{name}: {html_path} has no inline SVG chart")


def screenshot(chromium, name, html_path, png_path, profile):
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--no-first-run", "--disable-extensions", "--disable-background-networking",
           "--disable-dev-shm-usage",
           f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND",
           f"--window-size={WIDTH_PX},{HEIGHT_PX}", f"--screenshot={png_path}",
           f"--force-device-scale-factor={SCALE}", "--enable-logging=stderr", "--v=0", html_path.resolve().as_uri()]
    proc = run(cmd)
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    if console:
        fail(f"{name}: the page logged to the console:\n" + "\n".join(console[:10]))
    if not png_path.exists():
        fail(f"{name}: chromium wrote no screenshot:\n{proc.stderr[-2000:]}")


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode_png(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type = header[:4]
    if depth != 8 or colour_type not in (2, 6):
        fail(f"{path}: unexpected PNG format (depth {depth}, colour type {colour_type})")
    channels = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * channels
    previous, rows, at = bytearray(stride), [], 0
    for _ in range(height):
        kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, up_left = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + paeth(left, up, up_left)) & 0xFF
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, channels)])
        previous = line
    return width, height, rows


def check_not_blank(name, png_path):
    width, height, rows = decode_png(png_path)
    ink, colours = 0, set()
    for row in rows:
        for r, g, b in row:
            if min(r, g, b) < 235:
                ink += 1
            if max(r, g, b) - min(r, g, b) > 40:  # a colour, not white, grey or black
                colours.add((r // 32, g // 32, b // 32))
    share = ink / (width * height)
    if share < MIN_INK_SHARE:
        fail(f"{name}: the page is blank ({share:.2%} of pixels not white)")
    if len(colours) < MIN_COLOURS:
        fail(f"{name}: no charts drawn ({len(colours)} colours on the page)")
    print(f"browser_check: {name}: ok ({share:.1%} ink, {len(colours)} colours)")


def check_page(chromium, name, html_path, profile):
    check_self_contained(name, html_path)
    png_path = html_path.with_suffix(".png")
    screenshot(chromium, name, html_path, png_path, profile)
    check_not_blank(name, png_path)


SVG_CHART = ('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300">'
             '<rect x="0" y="0" width="300" height="300" fill="#4e79a7"/>'
             '<rect x="300" y="0" width="300" height="300" fill="#f28e2b"/></svg>')
SELF_TEST_PAGES = {
    "chart": (f"<html><body><h1>chart</h1>{SVG_CHART}</body></html>", None),
    "blank": ("<html><body></body></html>", "blank"),
    "script-error": (f"<html><body>{SVG_CHART}<script>undefined_function()</script></body></html>",
                     "console"),
    "no-chart": ("<html><body><h1>" + "text " * 400 + "</h1><svg></svg></body></html>", "colours"),
    "network": (f'<html><body>{SVG_CHART}<img src="https://example.com/x.png"></body></html>',
                "network"),
}


def self_test(chromium, work):
    for name, (html, expected) in SELF_TEST_PAGES.items():
        html_path = work / f"{name}.html"
        html_path.write_text(html, encoding="utf-8")
        try:
            check_page(chromium, name, html_path, work / "profile")
            outcome = None
        except CheckFailed as e:
            outcome = str(e)
        if expected is None and outcome is not None:
            fail(f"self-test: the good page was rejected: {outcome}")
        if expected is not None and (outcome is None or expected not in outcome):
            fail(f"self-test: the {name} page was not rejected for {expected!r}: {outcome}")
        print(f"browser_check: self-test {name}: {'accepted' if outcome is None else 'rejected'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--samsa", type=pathlib.Path)
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--fixtures", type=pathlib.Path)
    parser.add_argument("--work", required=True, type=pathlib.Path)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    try:
        if args.self_test:
            self_test(args.chromium, args.work)
            return
        if args.samsa is None or args.fixtures is None:
            parser.error("--samsa and --fixtures are required")
        for name, html_path in write_reports(args.samsa, args.fixtures, args.work):
            check_page(args.chromium, name, html_path, args.work / "profile")
    except CheckFailed as e:
        print(f"browser_check: FAIL: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
