"""Imported key material (bring your own key) with boto3, wrapped outside Trent exactly as AWS's
"Importing key material" guide does it: with the OpenSSL command line (`openssl pkeyutl` with
RSAES-OAEP, `openssl enc -id-aes256-wrap-pad` for RSA_AES_KEY_WRAP) and with the Python
`cryptography` package. Symmetric material (both OAEP hashes), HMAC material, and RSA and ECC
private keys; what the imported keys encrypt, MAC and sign is then checked with the material
or the original public key, outside Trent.

Run by scripts/compat with TRENT_ENDPOINT set to a running Trent. Prints one `ok - NAME` or
`not ok - NAME` line per check, then `N passed, M failed`; exits non-zero unless every check
passed and there was at least one. A check that needs the `openssl` command prints
`skip - NAME` without it.
"""

import hashlib
import hmac
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import traceback

import boto3
import botocore.config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_der_private_key,
    load_der_public_key,
)

ENDPOINT = os.environ["TRENT_ENDPOINT"]
REGION = "us-east-1"
CONFIG = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})
kms = boto3.session.Session(
    aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
).client("kms", endpoint_url=ENDPOINT, config=CONFIG)

CHECKS = []
OPENSSL = shutil.which("openssl")


class Skip(Exception):
    """A check that cannot run on this machine."""


def check(fn):
    CHECKS.append(fn)
    return fn


def openssl(*args, cwd):
    if OPENSSL is None:
        raise Skip("no openssl command")
    subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, check=True, timeout=60)


def external_key(spec="SYMMETRIC_DEFAULT", usage="ENCRYPT_DECRYPT"):
    meta = kms.create_key(Origin="EXTERNAL", KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    assert meta["KeyState"] == "PendingImport", meta
    assert meta["Origin"] == "EXTERNAL", meta
    return meta["KeyId"]


def parameters(key_id, algorithm, spec="RSA_2048"):
    out = kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=spec
    )
    return out["PublicKey"], out["ImportToken"]


def import_material(key_id, token, wrapped):
    out = kms.import_key_material(
        KeyId=key_id,
        ImportToken=token,
        EncryptedKeyMaterial=wrapped,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "Enabled", meta
    assert meta["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE", meta
    return out["KeyMaterialId"]


def expect_error(code, call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as exc:
        got = exc.response.get("Error", {}).get("Code")
        assert got == code, f"expected {code}, got {got}: {exc}"
        return
    raise AssertionError(f"expected {code}, the call succeeded")


def open_outside(material, blob):
    """Opens Trent's symmetric ciphertext with the raw material (AES-256-GCM, the header as AAD)."""
    header = 2 + blob[1] + 32
    nonce = blob[header : header + 12]
    return AESGCM(material).decrypt(nonce, blob[header + 12 :], blob[: header + 12])


def openssl_oaep_wrap(tmp, public_key, plaintext_file, out_file, md):
    """The guide's `openssl pkeyutl` step: RSAES-OAEP with `md` for both OAEP and MGF1."""
    with open(os.path.join(tmp, "WrappingPublicKey.bin"), "wb") as f:
        f.write(public_key)
    openssl(
        "pkeyutl", "-encrypt", "-in", plaintext_file, "-out", out_file,
        "-inkey", "WrappingPublicKey.bin", "-keyform", "DER", "-pubin",
        "-pkeyopt", "rsa_padding_mode:oaep",
        "-pkeyopt", f"rsa_oaep_md:{md}", "-pkeyopt", f"rsa_mgf1_md:{md}",
        cwd=tmp,
    )


def openssl_private_key(tmp, algorithm, option):
    """A private key as the guide prepares one: generated, then PKCS #8 DER
    (`openssl pkcs8 -topk8 -outform DER -nocrypt`), in PrivateKeyOfImportedKeyMaterial.bin."""
    openssl("genpkey", "-algorithm", algorithm, "-pkeyopt", option, "-out", "PrivateKey.pem", cwd=tmp)
    openssl(
        "pkcs8", "-topk8", "-inform", "PEM", "-outform", "DER", "-in", "PrivateKey.pem",
        "-out", "PrivateKeyOfImportedKeyMaterial.bin", "-nocrypt", cwd=tmp,
    )


def read(tmp, name):
    with open(os.path.join(tmp, name), "rb") as f:
        return f.read()


@check
def symmetric_material_wrapped_by_openssl_oaep_sha256():
    key_id = external_key()
    public_key, token = parameters(key_id, "RSAES_OAEP_SHA_256")
    with tempfile.TemporaryDirectory() as tmp:
        openssl("rand", "-out", "PlaintextKeyMaterial.bin", "32", cwd=tmp)
        openssl_oaep_wrap(tmp, public_key, "PlaintextKeyMaterial.bin", "EncryptedKeyMaterial.bin", "sha256")
        material = read(tmp, "PlaintextKeyMaterial.bin")
        wrapped = read(tmp, "EncryptedKeyMaterial.bin")
    material_id = import_material(key_id, token, wrapped)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"imported")["CiphertextBlob"]
    assert open_outside(material, blob) == b"imported"
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"
    # Deleted, then the same material back: the same id, and old ciphertexts decrypt again.
    kms.delete_imported_key_material(KeyId=key_id)
    expect_error("KMSInvalidStateException", kms.decrypt, CiphertextBlob=blob)
    public_key, token = parameters(key_id, "RSAES_OAEP_SHA_256")
    other = load_der_public_key(public_key).encrypt(
        secrets.token_bytes(32),
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    expect_error(
        "IncorrectKeyMaterialException", kms.import_key_material,
        KeyId=key_id, ImportToken=token, EncryptedKeyMaterial=other,
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    same = load_der_public_key(public_key).encrypt(
        material,
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    assert import_material(key_id, token, same) == material_id
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"


@check
def symmetric_material_wrapped_by_openssl_oaep_sha1():
    key_id = external_key()
    public_key, token = parameters(key_id, "RSAES_OAEP_SHA_1", "RSA_3072")
    with tempfile.TemporaryDirectory() as tmp:
        openssl("rand", "-out", "PlaintextKeyMaterial.bin", "32", cwd=tmp)
        openssl_oaep_wrap(tmp, public_key, "PlaintextKeyMaterial.bin", "EncryptedKeyMaterial.bin", "sha1")
        material = read(tmp, "PlaintextKeyMaterial.bin")
        wrapped = read(tmp, "EncryptedKeyMaterial.bin")
    import_material(key_id, token, wrapped)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"sha-1 wrapped")["CiphertextBlob"]
    assert open_outside(material, blob) == b"sha-1 wrapped"


@check
def symmetric_material_wrapped_by_cryptography_both_hashes():
    for algorithm, hash_cls in (("RSAES_OAEP_SHA_1", hashes.SHA1), ("RSAES_OAEP_SHA_256", hashes.SHA256)):
        key_id = external_key()
        public_key, token = parameters(key_id, algorithm, "RSA_4096")
        material = secrets.token_bytes(32)
        wrapped = load_der_public_key(public_key).encrypt(
            material, padding.OAEP(mgf=padding.MGF1(hash_cls()), algorithm=hash_cls(), label=None)
        )
        import_material(key_id, token, wrapped)
        blob = kms.encrypt(KeyId=key_id, Plaintext=algorithm.encode())["CiphertextBlob"]
        assert open_outside(material, blob) == algorithm.encode(), algorithm


@check
def hmac_material_makes_the_macs_anyone_with_it_makes():
    key_id = external_key("HMAC_384", "GENERATE_VERIFY_MAC")
    public_key, token = parameters(key_id, "RSAES_OAEP_SHA_256")
    material = secrets.token_bytes(48)
    wrapped = load_der_public_key(public_key).encrypt(
        material, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    )
    import_material(key_id, token, wrapped)
    mac = kms.generate_mac(KeyId=key_id, MacAlgorithm="HMAC_SHA_384", Message=b"message")["Mac"]
    assert mac == hmac.new(material, b"message", hashlib.sha384).digest()


@check
def rsa_private_key_wrapped_by_openssl_with_rsa_aes_key_wrap():
    key_id = external_key("RSA_2048", "SIGN_VERIFY")
    public_key, token = parameters(key_id, "RSA_AES_KEY_WRAP_SHA_256", "RSA_4096")
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "WrappingPublicKey.bin"), "wb") as f:
            f.write(public_key)
        openssl_private_key(tmp, "RSA", "rsa_keygen_bits:2048")
        openssl("rand", "-out", "aes-key.bin", "32", cwd=tmp)
        aes_hex = read(tmp, "aes-key.bin").hex()
        openssl(
            "enc", "-id-aes256-wrap-pad", "-K", aes_hex, "-iv", "A65959A6",
            "-in", "PrivateKeyOfImportedKeyMaterial.bin", "-out", "key-material-wrapped.bin",
            cwd=tmp,
        )
        openssl_oaep_wrap(tmp, public_key, "aes-key.bin", "aes-key-wrapped.bin", "sha256")
        wrapped = read(tmp, "aes-key-wrapped.bin") + read(tmp, "key-material-wrapped.bin")
        private = load_der_private_key(read(tmp, "PrivateKeyOfImportedKeyMaterial.bin"), password=None)
    import_material(key_id, token, wrapped)
    spki = private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert kms.get_public_key(KeyId=key_id)["PublicKey"] == spki
    for algorithm, pad in (
        ("RSASSA_PSS_SHA_256", padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)),
        ("RSASSA_PKCS1_V1_5_SHA_256", padding.PKCS1v15()),
    ):
        signature = kms.sign(
            KeyId=key_id, SigningAlgorithm=algorithm, Message=b"signed", MessageType="RAW"
        )["Signature"]
        private.public_key().verify(signature, b"signed", pad, hashes.SHA256())


@check
def ecc_private_key_wrapped_by_cryptography_with_rsa_aes_key_wrap():
    key_id = external_key("ECC_NIST_P384", "SIGN_VERIFY")
    public_key, token = parameters(key_id, "RSA_AES_KEY_WRAP_SHA_1", "RSA_3072")
    private = ec.generate_private_key(ec.SECP384R1())
    pkcs8 = private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    aes_key = secrets.token_bytes(32)
    wrapped = load_der_public_key(public_key).encrypt(
        aes_key, padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    ) + aes_key_wrap_with_padding(aes_key, pkcs8)
    import_material(key_id, token, wrapped)
    signature = kms.sign(
        KeyId=key_id, SigningAlgorithm="ECDSA_SHA_384", Message=b"signed", MessageType="RAW"
    )["Signature"]
    private.public_key().verify(signature, b"signed", ec.ECDSA(hashes.SHA384()))


@check
def ecc_private_key_from_openssl_imports():
    key_id = external_key("ECC_NIST_P256", "SIGN_VERIFY")
    public_key, token = parameters(key_id, "RSA_AES_KEY_WRAP_SHA_256")
    with tempfile.TemporaryDirectory() as tmp:
        openssl_private_key(tmp, "EC", "ec_paramgen_curve:P-256")
        pkcs8 = read(tmp, "PrivateKeyOfImportedKeyMaterial.bin")
    private = load_der_private_key(pkcs8, password=None)
    aes_key = secrets.token_bytes(32)
    wrapped = load_der_public_key(public_key).encrypt(
        aes_key, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    ) + aes_key_wrap_with_padding(aes_key, pkcs8)
    import_material(key_id, token, wrapped)
    signature = kms.sign(
        KeyId=key_id, SigningAlgorithm="ECDSA_SHA_256", Message=b"signed", MessageType="RAW"
    )["Signature"]
    private.public_key().verify(signature, b"signed", ec.ECDSA(hashes.SHA256()))


def main():
    passed = failed = 0
    for fn in CHECKS:
        name = fn.__name__
        try:
            fn()
        except Skip as reason:
            print(f"skip - import {name}: {reason}")
        except Exception:  # noqa: BLE001 - every failure is reported the same way
            failed += 1
            print(f"not ok - import {name}")
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print(f"ok - import {name}")
        sys.stdout.flush()
    print(f"import: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
