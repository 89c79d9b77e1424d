"""The approved PDF's PAdES signature: what signing keeps of PDF/A, poppler's and pyHanko's view
of it, and how check_report / import_report treat signed, tampered, unsigned and foreign PDFs."""

import copy
import io
import json
import subprocess
from pathlib import Path

import pikepdf
import pytest
from django.test import override_settings
from django.urls import reverse

from annual.document import dumps
from annual.models import Agency, Report, ReportSnapshot, ReportState
from annual.pdf.archival import embedded_files
from annual.pdf.signing import check_signature, deployment_key_paths, outside_event_loop, own_certificate, sign_pdf
from annual.snapshots import freeze_report, render_final_pdf
from tests.cli_runner import run_command
from tests.documents import ARCHIVAL_MOMENT

# Every test here but the approval's reads the seed's real archival PDF (`pdfs`).

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "annual" / "demo_data" / "cangnan-2020.json"
MOMENT = ARCHIVAL_MOMENT


@pytest.fixture(scope="module")
def seed() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pdfs(archival_pdfs, state_dir):
    """The seed's archival PDF (rendered once a session), unsigned and signed with the session's
    deployment key."""
    _, unsigned = archival_pdfs["2019"]
    with override_settings(STATE_DIR=state_dir):
        return unsigned, sign_pdf(unsigned)


# check_report and import_report run in this process (tests/cli_runner.py), on the test's
# database and with the session's deployment key (settings.STATE_DIR), which signed `pdfs`.


def _altered(doc: dict) -> bytes:
    """`doc` with one more 予以公开 application by a natural person: every rule still adds up."""
    doc = copy.deepcopy(doc)
    apps = doc["applications"]
    for row in ("received", "granted", "handled_total"):
        for column in ("natural_person", "total"):
            apps[row][column] = (apps[row][column] or 0) + 1
    return dumps(doc).encode("utf-8")


# --- Signing keeps the file archival --------------------------------------------------------------


@pytest.mark.pdf
def test_signature_is_an_incremental_update_keeping_pdfa_items(pdfs, seed):
    unsigned, signed = pdfs
    assert signed.startswith(unsigned)  # the rendered bytes are untouched
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        meta = pdf.open_metadata()
        assert (meta.get("pdfaid:part"), meta.get("pdfaid:conformance")) == ("3", "A")
        assert meta.get("dc:title") == f"{seed['agency']}{seed['year']}年度政府信息公开工作年度报告"
        assert str(pdf.docinfo["/Producer"]) == meta.get("pdf:Producer")
        assert not pdf.is_encrypted and "/Encrypt" not in pdf.trailer
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                for descendant in font.get("/DescendantFonts", [font]):
                    assert any(k in descendant.FontDescriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        (field,) = pdf.Root.AcroForm.Fields
        flags = int(field.F)
        assert flags & 4  # Print
        assert not flags & (1 | 2 | 32)  # not Invisible, Hidden or NoView (PDF/A forbids them)
        assert [float(x) for x in field.Rect] == [0, 0, 0, 0]  # invisible by its size
        assert "/N" in field.AP
        assert "/NeedAppearances" not in pdf.Root.AcroForm
        signature = field.V
        assert signature.SubFilter == "/ETSI.CAdES.detached"
        start, first, second, rest = (int(x) for x in signature.ByteRange)
        assert start == 0 and second + rest == len(signed)  # the whole file but the signature


@pytest.mark.pdf
def test_the_seeds_approved_copy_as_stored_weighs_at_most_300_kb(seed):
    # As the final-PDF job stores it: PDF/A-3a with report.json and the workbook, signed.
    snapshot = ReportSnapshot(document=seed, last_year={}, created_at=MOMENT)
    pdf, _ = render_final_pdf(snapshot, title=f"{seed['agency']}{seed['year']}年度政府信息公开工作年度报告")
    assert set(embedded_files(pdf)) == {"report.json", "report.xlsx"}
    assert check_signature(pdf).state == "valid"
    assert len(pdf) <= 300_000


@pytest.mark.pdf
def test_pdfsig_lists_a_valid_signature_with_its_signer(pdfs, tmp_path, settings):
    _, signed = pdfs
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)
    assert "Signature is Valid." in result.stdout, result.stdout
    assert f"Signer Certificate Common Name: {settings.DEPLOYMENT_NAME}" in result.stdout


@pytest.mark.pdf
def test_pyhanko_validates_the_signature_against_the_deployment_key(pdfs, settings):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    _, signed = pdfs
    (embedded,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    status = outside_event_loop(
        lambda e: validate_pdf_signature(e, ValidationContext(trust_roots=[own_certificate()])), embedded
    )
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    check = check_signature(signed)
    assert (check.state, check.own, check.signer) == ("valid", True, settings.DEPLOYMENT_NAME)
    assert check.signed_at is not None


@pytest.mark.pdf
def test_deployment_key_lives_in_the_state_directory_named_after_the_deployment(pdfs, state_dir):
    key, cert = deployment_key_paths()
    assert key.parent == Path(state_dir) / "signing"
    assert key.exists() and cert.exists()
    assert key.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert "xin-xi-gong-kai" in key.name  # 政府信息公开工作年度报告系统, in pinyin
    assert not str(key).startswith(str(ROOT / "annual"))


# --- Tampering ------------------------------------------------------------------------------------


def _flip_content_byte(signed: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        number, generation = pdf.pages[0].Contents.objgen
    start = signed.index(b"stream", signed.index(f"\n{number} {generation} obj".encode())) + len(b"stream\n")
    i = start + 40
    return signed[:i] + bytes([signed[i] ^ 0x01]) + signed[i + 1 :]


def _replace_json(signed: bytes, seed: dict) -> bytes:
    """report.json swapped for other, consistent figures, the file saved anew (pikepdf)."""
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        (spec,) = [f for f in pdf.Root.AF if str(f.UF) == "report.json"]
        spec.EF.F.write(_altered(seed))
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _append_update(signed: bytes, seed: dict) -> bytes:
    """An incremental update after the signature pointing report.json at other figures."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec_ref = next(names.raw_get(i + 1) for i in range(0, len(names), 2) if names[i] == "report.json")
    spec = spec_ref.get_object()
    old = spec["/EF"]["/F"]
    stream = generic.StreamObject(
        {generic.pdf_name("/Type"): old["/Type"], generic.pdf_name("/Subtype"): old["/Subtype"]},
        stream_data=_altered(seed),
    )
    spec["/EF"] = generic.DictionaryObject({generic.pdf_name("/F"): writer.add_object(stream)})
    writer.mark_update(spec_ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


TAMPERINGS = {"flipped_byte": _flip_content_byte, "replaced_json": _replace_json, "appended_update": _append_update}


def _tampered(name: str, signed: bytes, seed: dict) -> bytes:
    fn = TAMPERINGS[name]
    return fn(signed) if name == "flipped_byte" else fn(signed, seed)


@pytest.mark.pdf
@pytest.mark.parametrize("name", TAMPERINGS)
def test_pyhanko_validator_detects_tampering(pdfs, seed, name):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    tampered = _tampered(name, pdfs[1], seed)
    embedded = PdfFileReader(io.BytesIO(tampered), strict=False).embedded_signatures[0]
    status = outside_event_loop(
        lambda e: validate_pdf_signature(e, ValidationContext(trust_roots=[own_certificate()])), embedded
    )
    assert not (status.intact and status.valid) or status.modification_level == ModificationLevel.OTHER
    assert check_signature(tampered).state == "broken"


@pytest.mark.pdf
@pytest.mark.parametrize("name", TAMPERINGS)
def test_check_and_import_refuse_a_tampered_pdf_with_exit_2(pdfs, seed, name, tmp_path, db):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(_tampered(name, pdfs[1], seed))
    for args in (
        ["check_report", str(path)],
        ["import_report", str(path), "--agency", "某机关", "--accept-unsigned-or-foreign"],
    ):
        result = run_command(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "电子签名无效" in result.stderr and "拒绝读取" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not Agency.objects.exists()


# --- Whose signature ------------------------------------------------------------------------------


@pytest.mark.pdf
def test_check_report_names_the_deployment_key(pdfs, tmp_path, db, settings):
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdfs[1])
    result = run_command("check_report", path, "--json")
    assert result.returncode == 1  # the seed's own four errors, read from the signed data
    assert json.loads(result.stdout)  # stdout stays the JSON array
    assert f"由「{settings.DEPLOYMENT_NAME}」签名，使用本系统的签名密钥" in result.stderr


@pytest.mark.pdf
def test_unsigned_pdf_with_data_is_read_only_with_the_flag(pdfs, tmp_path, db):
    path = tmp_path / "unsigned.pdf"
    path.write_bytes(pdfs[0])
    refused = run_command("check_report", path)
    assert refused.returncode == 2 and "没有电子签名" in refused.stderr, refused.stderr
    assert "--accept-unsigned-or-foreign" in refused.stderr
    accepted = run_command("check_report", path, "--accept-unsigned-or-foreign")
    assert accepted.returncode == 1, accepted.stderr
    assert "警告：该 PDF 没有电子签名" in accepted.stderr


@pytest.mark.pdf
def test_foreign_signed_pdf_is_read_only_with_the_flag(pdfs, seed, tmp_path, db):
    with override_settings(STATE_DIR=tmp_path / "elsewhere", DEPLOYMENT_NAME="外地年报系统"):
        foreign = sign_pdf(pdfs[0])
    path = tmp_path / "foreign.pdf"
    path.write_bytes(foreign)
    assert check_signature(foreign).state == "valid" and not check_signature(foreign).own
    refused = run_command("import_report", path, "--agency", "某机关")
    assert refused.returncode == 2, refused.stderr
    assert "「外地年报系统」" in refused.stderr and "不是本系统" in refused.stderr
    assert not Agency.objects.exists()
    accepted = run_command("import_report", path, "--agency", "某机关", "--accept-unsigned-or-foreign")
    assert accepted.returncode == 0, accepted.stderr
    assert Report.objects.filter(agency__name="某机关", year=seed["year"]).exists()
    assert "警告" in accepted.stderr and "外地年报系统" in accepted.stderr


# --- The approval signs, /verify/ shows it --------------------------------------------------------


@pytest.mark.django_db
def test_approval_signs_the_final_pdf_and_verify_shows_signer_and_time(personas, client, settings):
    report = personas.report_a
    snapshot = freeze_report(report, user=personas.approver_a)
    Report.objects.filter(pk=report.pk).update(state=ReportState.APPROVED)
    check = check_signature(bytes(snapshot.pdf))
    assert check.state == "valid" and check.own
    page = client.get(reverse("verify", args=[snapshot.sha256])).content.decode()
    assert 'data-testid="verify-signature"' in page
    assert settings.DEPLOYMENT_NAME in page
    assert check.summary.split("签名时间 ")[1] in page
