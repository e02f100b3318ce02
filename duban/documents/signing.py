"""PAdES signatures of the issuing office (pyHanko): sign an issued PDF, read a file's signatures.

The office's key and certificate stay outside the database, as PEM files named by
DUBAN_SIGN_KEY and DUBAN_SIGN_CERT (DUBAN_SIGN_PASSPHRASE when the key is encrypted), or
else ``<files>/keys/office-key.pem`` and ``office-cert.pem``, which ``duban keys init``
writes (a self-signed certificate, for trying it out). With neither, documents are issued
unsigned. The certificate configured is also what ``duban doc verify`` trusts.

pyHanko loads only when a document is signed or verified.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from duban.errors import BadInput

KEY_FILE, CERT_FILE = "office-key.pem", "office-cert.pem"
FIELD = "Signature1"
# A file whose signature can no longer be read (bytes changed inside the signed structure).
BROKEN = {"field": None, "signer": None, "intact": False, "covers_whole_file": False, "trusted": False,
          "signed_at": None}


@dataclass(frozen=True)
class SigningConfig:
    """Where the office's key and certificate are (picklable: batch workers sign too)."""

    key: str
    cert: str
    passphrase: str | None = None


def keys_dir(files_root: Path) -> Path:
    return files_root / "keys"


def configured(files_root: Path) -> SigningConfig | None:
    """The office's signing key, if one is configured (environment first, then ``duban keys init``'s)."""
    key, cert = os.environ.get("DUBAN_SIGN_KEY"), os.environ.get("DUBAN_SIGN_CERT")
    if bool(key) != bool(cert):
        raise BadInput("DUBAN_SIGN_KEY 与 DUBAN_SIGN_CERT 须同时设置（签名私钥与证书的 PEM 文件）")
    if not key:
        key, cert = str(keys_dir(files_root) / KEY_FILE), str(keys_dir(files_root) / CERT_FILE)
        if not (os.path.exists(key) and os.path.exists(cert)):
            return None
    return SigningConfig(key, cert, os.environ.get("DUBAN_SIGN_PASSPHRASE") or None)


def _quiet() -> None:
    """pyHanko logs what it finds (with tracebacks); duban reports it in one line instead."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


@functools.lru_cache(maxsize=2)
def _signer(config: SigningConfig):
    from pyhanko.sign import signers

    _quiet()
    for path in (config.key, config.cert):
        if not os.path.isfile(path):
            raise BadInput(f"签名密钥或证书文件不存在：{path}")
    passphrase = config.passphrase.encode() if config.passphrase else None
    signer = signers.SimpleSigner.load(config.key, config.cert, key_passphrase=passphrase)
    if signer is None:
        raise BadInput(f"无法读取签名私钥或证书（{config.key}、{config.cert}）：应为 PEM 文件，私钥加密时设置 DUBAN_SIGN_PASSPHRASE")
    return signer


def sign(pdf: bytes, config: SigningConfig | None) -> bytes:
    """The PDF with the office's PAdES signature added (unchanged when no key is configured)."""
    if config is None:
        return pdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _signer(config)
    meta = signers.PdfSignatureMetadata(field_name=FIELD, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    out = outside_event_loop(
        lambda: signers.PdfSigner(meta, signer=signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))))
    return out.getvalue()


def signatures(data: bytes, trusted_cert: str | None) -> list[dict]:
    """Each signature in the file: who signed, whether the signed bytes are intact and cover the
    whole file, and whether the signer is the configured office certificate (offline, no fetching)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _quiet()
    try:
        embedded = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception:  # noqa: BLE001 - the file no longer parses: a signature it had is broken
        return [BROKEN] if b"/ByteRange" in data else []
    roots = [_load_cert(trusted_cert)] if trusted_cert else []
    results = []
    for sig in embedded:
        context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
        try:
            status = outside_event_loop(lambda: validate_pdf_signature(sig, context))
            intact, trusted = bool(status.intact and status.valid), bool(status.trusted)
            whole = status.coverage.name == "ENTIRE_FILE"
        except Exception:  # noqa: BLE001 - a damaged signature is reported as not intact
            intact = trusted = whole = False
        signed_at = sig.self_reported_timestamp
        results.append({
            "field": sig.field_name, "signer": _name(sig.signer_cert),
            "intact": intact, "covers_whole_file": whole, "trusted": trusted,
            "signed_at": signed_at.astimezone(dt.timezone.utc).isoformat() if signed_at else None,
        })
    return results


def outside_event_loop(call):
    """``call()``, in a thread of its own when this thread runs an event loop: pyHanko's synchronous
    API starts one with asyncio.run, which fails inside a running loop (an async web handler, a
    browser driven from the same thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(call).result()


def _name(cert) -> str:
    """The signer as people name it: 通用名 (单位)."""
    subject = cert.subject.native
    name, organisation = subject.get("common_name", ""), subject.get("organization_name", "")
    return f"{name}（{organisation}）" if organisation and organisation != name else name or cert.subject.human_friendly


def _load_cert(path: str):
    from pyhanko.keys import load_cert_from_pemder

    return load_cert_from_pemder(path)


def make_self_signed(out_dir: Path, name: str, organisation: str, *, force: bool = False,
                     years: int = 3) -> dict:
    """A key and a self-signed certificate for ``name`` (the office), to try signing out."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key_path, cert_path = out_dir / KEY_FILE, out_dir / CERT_FILE
    existing = [str(path) for path in (key_path, cert_path) if path.exists()]
    if existing and not force:
        raise BadInput(f"签名密钥已存在：{'、'.join(existing)}（如需替换请加 --replace）")
    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"输出位置不是目录：{out_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                         x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key_bytes)
    os.chmod(key_path, 0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _signer.cache_clear()
    return {"key": str(key_path), "cert": str(cert_path), "subject": cert.subject.rfc4514_string(),
            "not_after": cert.not_valid_after_utc.date().isoformat()}
