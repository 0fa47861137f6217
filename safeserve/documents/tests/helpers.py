"""Reading signed PDFs as a reader would: poppler's pdfsig against the county CA (through an
NSS database that trusts it), pdffonts, a page rendered by pdftoppm, a QR code decoded."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from safeserve.documents.models import SignedDocument


def content(document: SignedDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def pdfsig(data: bytes, ca_pem: str, *others: str) -> str:
    """pdfsig's report, with the county CA (and any ``others``) the only trusted roots."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "doc.pdf").write_bytes(data)
        nss = f"sql:{root / 'nss'}"
        (root / "nss").mkdir()
        subprocess.run(["certutil", "-N", "-d", nss, "--empty-password"], check=True)
        for index, pem in enumerate((ca_pem, *others)):
            path = root / f"ca{index}.pem"
            path.write_text(pem)
            subprocess.run(
                ["certutil", "-A", "-d", nss, "-n", f"ca-{index}", "-t", "C,C,C", "-i", path],
                check=True,
            )
        done = subprocess.run(
            ["pdfsig", "-nssdir", nss, root / "doc.pdf"], capture_output=True, text=True
        )
        return done.stdout + done.stderr


def pdffonts(data: bytes) -> list[list[str]]:
    """Each font row: name, type, encoding, emb, sub, uni, ..."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        out = subprocess.run(["pdffonts", handle.name], capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def page_image(data: bytes, page: int, dpi: int = 150) -> object:
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "doc.pdf").write_bytes(data)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(dpi),
                "-png",
                "-f",
                str(page),
                "-l",
                str(page),
                Path(tmp) / "doc.pdf",
                Path(tmp) / "page",
            ],
            check=True,
        )
        image_path = next(Path(tmp).glob("page*.png"))
        return Image.open(io.BytesIO(image_path.read_bytes())).convert("RGB")


def qr_texts(image: object) -> list[str]:
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(image)]
