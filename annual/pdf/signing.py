"""The approved PDF's signature (PAdES baseline B-B, pyHanko) and checking it.

`sign_pdf` signs the final PDF/A-3a in an incremental update: the rendered bytes stay as they
were, followed by one revision that adds an invisible signature field (zero-size widget with the
Print flag and without Hidden, as PDF/A requires) and the signature itself (ETSI.CAdES.detached,
the claimed time in /M, no encryption). pyHanko updates the XMP metadata and the document
information together, so PDF/A's metadata rules hold in the signed revision too.

The key is chosen by the environment (settings.PDF_SIGNING, see README 「定稿 PDF 的电子签名」):
a PKCS#12 file, a PEM key and certificate, or a PKCS#11 token (the USB keys offices use for
电子印章). Without any, the deployment signs with its own key and self-signed certificate, made
on first use in the state directory (never in the repository) and named after the deployment.

`check_signature` is what `check_report` and `import_report` ask of a PDF that carries
`report.json`: is it signed, is the signature intact, does it cover everything that follows
(only later signatures may be appended), and whose key signed it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import io
import os
import tempfile
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from django.conf import settings

from .render import PdfRenderError

# pyHanko imports cryptography's DSA key class, deprecated there, so every command that checks a
# PDF would print that warning; we sign with RSA and never make DSA keys.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="pyhanko")

SIGNATURE_FIELD = "ApprovalSignature"
_KEY_SIZE = 3072
_CERT_YEARS = 30
_creating = threading.Lock()


class SigningError(PdfRenderError):
    """The configured key cannot sign (missing file, wrong passphrase, token absent); in Chinese,
    shown on the final-PDF job like any other reason the PDF could not be made."""


# --- The key ---------------------------------------------------------------------------------------


def deployment_key_paths() -> tuple[Path, Path]:
    """Where the deployment's own key and certificate live: the state directory, named after the
    deployment (its name in pinyin, so the file name is plain ASCII)."""
    from django.utils.text import slugify
    from pypinyin import lazy_pinyin

    slug = slugify("-".join(lazy_pinyin(settings.DEPLOYMENT_NAME))) or "deployment"
    folder = Path(settings.STATE_DIR) / "signing"
    return folder / f"{slug}.key.pem", folder / f"{slug}.cert.pem"


def ensure_deployment_key() -> Path:
    """Create the deployment's key and self-signed certificate unless they exist; the certificate's
    path. Safe when two processes start at once: each file appears whole or not at all, and the
    first pair written wins."""
    key_path, cert_path = deployment_key_paths()
    if key_path.exists() and cert_path.exists():
        return cert_path
    with _creating:
        if key_path.exists() and cert_path.exists():
            return cert_path
        key_pem, cert_pem = _new_self_signed(settings.DEPLOYMENT_NAME)
        key_path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(key_path.parent, 0o700)
        # The key first: a certificate without its key would never be replaced.
        for path, data, mode in ((key_path, key_pem, 0o600), (cert_path, cert_pem, 0o644)):
            if path.exists():
                continue
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
                tmp.write(data)
            os.chmod(tmp.name, mode)
            try:
                os.link(tmp.name, path)  # fails if another process got there first
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp.name)
    return cert_path


def _new_self_signed(name: str) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_SIZE)
    short = name.encode("utf-8")[:64].decode("utf-8", "ignore")  # X.520 caps names at 64
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, short),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "年度报告定稿签名"),
            x509.NameAttribute(NameOID.COMMON_NAME, short),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * _CERT_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def _signer():
    """The pyHanko signer of settings.PDF_SIGNING (the deployment's own key by default)."""
    from pyhanko.sign import signers

    config = settings.PDF_SIGNING
    kind = config.get("kind", "deployment")
    passphrase = config.get("passphrase", "").encode() or None
    if kind == "pkcs11":
        return _pkcs11_signer(config)
    if kind == "pkcs12":
        signer = signers.SimpleSigner.load_pkcs12(config["pkcs12"], passphrase=passphrase)
        what = f"PKCS#12 文件 {config['pkcs12']}"
    else:
        if kind == "pem":
            key_file, cert_file = config["key"], config["cert"]
        else:
            ensure_deployment_key()
            key_file, cert_file = (str(p) for p in deployment_key_paths())
        signer = signers.SimpleSigner.load(key_file, cert_file, key_passphrase=passphrase)
        what = f"密钥文件 {key_file} 和证书 {cert_file}"
    if signer is None:  # pyHanko logs the reason and returns None
        raise SigningError(f"无法读取签名密钥：{what}（文件不存在、格式不对或口令错误）")
    return signer


def _pkcs11_signer(config: dict):
    try:
        from pyhanko.sign import pkcs11
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
    except ImportError:
        raise SigningError("使用 PKCS#11 硬件密钥需要安装 python-pkcs11（pyHanko 的 pkcs11 扩展）") from None
    try:
        session = open_pkcs11_session(
            config["module"],
            token_criteria=pkcs11.TokenCriteria(label=config["token"]) if config.get("token") else None,
            user_pin=config.get("pin") or None,
        )
    except Exception as exc:  # the driver's own errors; the token may simply be unplugged
        raise SigningError(f"无法打开 PKCS#11 硬件密钥（{config['module']}）：{exc}") from None
    return PKCS11Signer(session, cert_label=config.get("cert_label") or None, key_label=config.get("key_label") or None)


def own_certificate():
    """This deployment's signing certificate (asn1crypto), or None when it has none yet (the
    default key is made by ./dev or the first approval, never by a check)."""
    from pyhanko.keys import load_cert_from_pemder

    config = settings.PDF_SIGNING
    kind = config.get("kind", "deployment")
    if kind == "deployment":
        cert_path = deployment_key_paths()[1]
        return load_cert_from_pemder(str(cert_path)) if cert_path.exists() else None
    if config.get("cert"):
        return load_cert_from_pemder(config["cert"])
    try:
        return _signer().signing_cert
    except SigningError:
        return None


T = TypeVar("T")

# --- Signing ---------------------------------------------------------------------------------------


def sign_pdf(pdf: bytes) -> bytes:
    """`pdf` (the rendered PDF/A-3a) signed by this deployment in one incremental update.

    pyHanko signs through `asyncio.run`, which refuses to run in a thread that already runs an
    event loop (an ASGI server's, or a test driving a browser). There the signing runs in a
    thread of its own; elsewhere it runs here."""
    return outside_event_loop(_sign, pdf)


def outside_event_loop(work: Callable[[bytes], T], raw: bytes) -> T:
    """`work(raw)` in this thread, or in a thread of its own when this one runs an event loop
    (pyHanko's synchronous calls use `asyncio.run`, which an event loop's thread refuses)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work(raw)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work, raw).result()


def _sign(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import VENDOR
    from pyhanko.sign import fields, signers

    signer = _signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    spec = fields.SigFieldSpec(
        SIGNATURE_FIELD,
        readable_field_name="定稿签名",
        # PDF/A: the widget prints and is not hidden; it is invisible by its zero-size box.
        invis_sig_settings=fields.InvisSigSettings(set_print_flag=True, set_hidden_flag=False),
    )
    fields.append_signature_field(writer, spec)
    _give_widget_an_empty_appearance(writer, generic)
    # pyHanko writes its name as the XMP pdf:Producer and appends it to the Info /Producer;
    # PDF/A wants the two equal, so Info says the same.
    info_ref = writer.trailer.raw_get("/Info") if "/Info" in writer.trailer else None
    if info_ref is not None:
        info_ref.get_object()["/Producer"] = generic.TextStringObject(VENDOR)
        writer.mark_update(info_ref)
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="审核通过的年度报告定稿",
        location=settings.DEPLOYMENT_NAME,
    )
    return signers.PdfSigner(meta, signer=signer).sign_pdf(writer).getvalue()


def _give_widget_an_empty_appearance(writer, generic) -> None:
    """An empty normal appearance on the signature widget: PDF/A wants one on every widget, and
    readers then draw nothing for the invisible signature."""
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == SIGNATURE_FIELD:
            appearance = generic.StreamObject(
                {
                    generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
                    generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
                    generic.pdf_name("/BBox"): generic.ArrayObject([generic.NumberObject(0)] * 4),
                },
                stream_data=b"",
            )
            field["/AP"] = generic.DictionaryObject({generic.pdf_name("/N"): writer.add_object(appearance)})
            writer.mark_update(ref)


# --- Checking --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    """What a PDF's signature says. `state`: "unsigned", "valid" or "broken"."""

    state: str
    signer: str = ""
    signed_at: datetime.datetime | None = None
    own: bool = False
    problem: str = ""

    @property
    def signed_at_text(self) -> str:
        return _local(self.signed_at) if self.signed_at else ""

    @property
    def summary(self) -> str:
        """One Chinese line for the command line and the verify page."""
        if self.state == "unsigned":
            return "该 PDF 没有电子签名"
        if self.state == "broken":
            return f"电子签名无效：{self.problem}"
        whose = "本系统的签名密钥" if self.own else "其他系统或单位的密钥（不是本系统的签名密钥）"
        when = f"，签名时间 {self.signed_at_text}" if self.signed_at else ""
        return f"电子签名有效：由「{self.signer}」签名，使用{whose}{when}"


def _local(moment: datetime.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _subject(cert) -> str:
    attrs = cert.subject.native
    return attrs.get("common_name") or attrs.get("organization_name") or cert.subject.human_friendly


def check_signature(raw: bytes) -> SignatureCheck:
    """Validate every signature of `raw` (pyHanko) and say what the first one, the approval's, proves.

    (Run outside any event loop of this thread, as `sign_pdf` is.)
    """
    return outside_event_loop(_check_signature, raw)


def _check_signature(raw: bytes) -> SignatureCheck:
    """`check_signature`'s work.

    Broken when any signature's digest or cryptography fails (a changed byte anywhere in the
    signed range, a replaced attachment in a rewritten file), or when a revision appended after
    the first signature changes more than signatures and their validation data (pyHanko's
    difference analysis: a replaced `report.json`, an edited page).
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(raw), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # a damaged file: pyHanko raises many kinds
        return SignatureCheck("broken", problem=f"无法读取签名（{type(exc).__name__}）")
    if not signatures:
        return SignatureCheck("unsigned")
    own = own_certificate()
    context = ValidationContext(trust_roots=[own] if own is not None else [], allow_fetching=False)
    statuses = []
    for embedded in signatures:
        try:
            statuses.append(validate_pdf_signature(embedded, context))
        except Exception as exc:  # a signature pyHanko cannot even evaluate proves nothing
            return SignatureCheck("broken", problem=f"签名数据无法解析（{type(exc).__name__}）")
    first = statuses[0]
    signer = _subject(first.signing_cert)
    signed_at = first.signer_reported_dt
    is_own = own is not None and first.signing_cert.sha256 == own.sha256
    for status in statuses:
        if not (status.intact and status.valid):
            return SignatureCheck(
                "broken", signer, signed_at, is_own, "签名后文件内容被改动（签名所覆盖的字节与签名不符）"
            )
    level = first.modification_level
    if level is not None and level > ModificationLevel.FORM_FILLING:
        return SignatureCheck(
            "broken", signer, signed_at, is_own, "签名之后又追加了修改文件内容的增量更新（例如替换了内嵌数据或页面）"
        )
    return SignatureCheck("valid", signer, signed_at, is_own)
