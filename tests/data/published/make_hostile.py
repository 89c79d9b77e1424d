"""Writes the hostile PDFs of the corpus with nothing but the standard library (raw PDF syntax),
so how they are made is plain: `python tests/data/published/make_hostile.py`.

- bomb.pdf: one page whose content stream is 2 GiB of spaces deflated to about 2 MB.
- long-300.pdf: 300 pages, each with one line of text.
"""

import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def bomb() -> bytes:
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    body = b"".join(packer.compress(chunk) for _ in range(2048)) + packer.flush()
    return pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            stream(body, b"/Filter /FlateDecode "),
        ]
    )


def long(pages: int) -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    for n in range(pages):
        page_no = len(objects) + 1
        kids.append(b"%d 0 R" % page_no)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (page_no + 1, font)
        )
        objects.append(stream(b"BT /F1 12 Tf 72 770 Td (Page %d of a long document) Tj ET" % (n + 1)))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
    return pdf(objects)


if __name__ == "__main__":
    (HERE / "bomb.pdf").write_bytes(bomb())
    (HERE / "long-300.pdf").write_bytes(long(300))
