"""duban doc preview: every page of real PDFs as a PNG of the page's size, showing what the page shows."""

from __future__ import annotations

import pytest
from PIL import Image

from duban.documents import DocumentRenderer, sample_context

try:
    from pdfcheck import read_pdf
except ImportError:
    from tests.pdfcheck import read_pdf

A4_AT_100_DPI = (827, 1169)


def ink(png) -> float:
    """Share of the page's pixels that are not (near) white."""
    image = Image.open(png).convert("L")
    histogram = image.histogram()
    return sum(histogram[:200]) / (image.width * image.height)


def red_pixels(png, box) -> int:
    image = Image.open(png).convert("RGB").crop(box)
    return sum(1 for r, g, b in image.getdata() if r > 180 and g < 90 and b < 90)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdfs")
    renderer = DocumentRenderer()
    (folder / "sheets").mkdir()
    paths = {"admonition_notice": folder / "admonition_notice.pdf",
             "rectification_notice": folder / "rectification_notice.pdf",
             "reminder_sheet": folder / "sheets" / "reminder_sheet.pdf"}
    for kind, path in paths.items():
        path.write_bytes(renderer.render(kind, sample_context(kind)))
    return folder, paths


def test_each_page_becomes_a_png_of_the_page_that_shows_its_text(cli, pdfs, tmp_path):
    _folder, paths = pdfs
    pdf = paths["admonition_notice"]
    pages = len(read_pdf(pdf.read_bytes()).pages)
    assert pages >= 2  # the notice and its 谈话记录
    r = cli("doc", "preview", pdf, "--out", tmp_path / "png", json=True)
    assert r.code == 0, r
    [result] = r.json()
    assert result["pages"] == pages
    assert [p.rsplit("/", 1)[-1] for p in result["pngs"]] == [f"admonition_notice-{n}.png" for n in range(1, pages + 1)]
    for png in result["pngs"]:
        with Image.open(png) as image:
            assert image.format == "PNG" and abs(image.width - A4_AT_100_DPI[0]) <= 1 \
                and abs(image.height - A4_AT_100_DPI[1]) <= 1
        assert ink(png) > 0.002, png  # text, not a blank page
    # The 版头 is printed red at the top of the first page, and nowhere on the last (the 版记 page).
    assert red_pixels(result["pngs"][0], (0, 0, 827, 420)) > 500
    assert red_pixels(result["pngs"][-1], (0, 0, 827, 1169)) == 0


def test_a_whole_folder_names_pages_after_their_path_and_dpi_scales_them(cli, pdfs, tmp_path):
    folder, paths = pdfs
    r = cli("doc", "preview", "--dir", folder, "--out", tmp_path / "png", "--dpi", "50", json=True)
    assert r.code == 0, r
    by_pdf = {row["pdf"]: row for row in r.json()}
    assert set(by_pdf) == {str(path) for path in paths.values()}
    sheet = by_pdf[str(paths["reminder_sheet"])]
    assert sheet["pages"] == 1 and sheet["pngs"][0].endswith("sheets-reminder_sheet-1.png")
    with Image.open(sheet["pngs"][0]) as image:
        assert abs(image.width - 413) <= 1
    assert sorted(p.name for p in (tmp_path / "png").iterdir()) == sorted(
        png.rsplit("/", 1)[-1] for row in by_pdf.values() for png in row["pngs"])


def test_a_bad_file_among_good_ones_writes_nothing(cli, pdfs, tmp_path):
    _folder, paths = pdfs
    r = cli("doc", "preview", paths["rectification_notice"], tmp_path / "missing.pdf", "--out", tmp_path / "png")
    assert r.code == 2 and "不存在" in r.stderr
    assert not (tmp_path / "png").exists()
    (tmp_path / "empty").mkdir()
    r = cli("doc", "preview", "--dir", tmp_path / "empty", "--out", tmp_path / "png")
    assert r.code == 2 and "没有 PDF" in r.stderr
