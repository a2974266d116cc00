"""What Trent signs, encrypts, derives and generates, checked by independent implementations.

Run by scripts/compat with TRENT_ENDPOINT set to a running Trent. Uses only what a client gets
from Trent (public keys from GetPublicKey, data key pairs) and checks it with the Python
`cryptography` package (RSA, ECDSA, Ed25519, ML-DSA, ML-KEM-768/1024, ECDH on the NIST curves),
the OpenSSL command line (SM2DSA, SM2PKE, SM2 private keys), and, where neither has the
algorithm, a few lines of textbook arithmetic here (Ed25519ph from RFC 8032's reference code,
ECDH on the SM2 curve). Prints one `ok - NAME` or `not ok - NAME` line per check, then
`N passed, M failed`; exits non-zero unless every check passed and there was at least one.
A check that cannot run here (no `openssl` command) prints `skip - NAME` and counts neither
way.
"""

import hashlib
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
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, mlkem, padding, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
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
# AWS KMS's SM2 distinguishing ID (GB/T 32918's default); OpenSSL 3 has no default.
SM2_ID = b"1234567812345678"


class Skip(Exception):
    """A check that cannot run on this machine."""


def check(fn):
    CHECKS.append(fn)
    return fn


def new_key(spec, usage):
    meta = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    return meta["KeyId"]


def public_key_der(key_id):
    return kms.get_public_key(KeyId=key_id)["PublicKey"]


def sign(key_id, alg, message, message_type="RAW"):
    out = kms.sign(KeyId=key_id, SigningAlgorithm=alg, Message=message, MessageType=message_type)
    assert out["SigningAlgorithm"] == alg, out
    return out["Signature"]


def expect_error(code, call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as exc:
        got = exc.response.get("Error", {}).get("Code")
        assert got == code, f"expected {code}, got {got}: {exc}"
        return
    raise AssertionError(f"expected {code}, the call succeeded")


def openssl(*args, stdin=None):
    if OPENSSL is None:
        raise Skip("no openssl command")
    return subprocess.run(
        [OPENSSL, *args], input=stdin, capture_output=True, check=True, timeout=60
    ).stdout


HASHES = {"SHA_256": hashes.SHA256, "SHA_384": hashes.SHA384, "SHA_512": hashes.SHA512}


def digest(hash_cls, message):
    h = hashes.Hash(hash_cls())
    h.update(message)
    return h.finalize()


# ---- signatures ------------------------------------------------------------------------


@check
def rsa_signatures_verify_in_cryptography():
    message = secrets.token_bytes(300)
    for spec in ("RSA_2048", "RSA_3072", "RSA_4096"):
        key_id = new_key(spec, "SIGN_VERIFY")
        public = load_der_public_key(public_key_der(key_id))
        assert isinstance(public, rsa.RSAPublicKey), public
        assert public.key_size == int(spec[4:]), public.key_size
        assert public.public_numbers().e == 65537
        for scheme in ("PKCS1_V1_5", "PSS"):
            for name, hash_cls in HASHES.items():
                alg = f"RSASSA_{scheme}_{name}"
                if scheme == "PSS":
                    # AWS KMS: MGF1 with the same hash, salt as long as the hash (checked).
                    pad = padding.PSS(mgf=padding.MGF1(hash_cls()), salt_length=hash_cls.digest_size)
                else:
                    pad = padding.PKCS1v15()
                for message_type, signed in (("RAW", message), ("DIGEST", digest(hash_cls, message))):
                    signature = sign(key_id, alg, signed, message_type)
                    public.verify(signature, message, pad, hash_cls())
                    try:
                        public.verify(signature, message + b"!", pad, hash_cls())
                    except InvalidSignature:
                        pass
                    else:
                        raise AssertionError(f"{spec} {alg}: a changed message verified")


@check
def ecdsa_signatures_verify_in_cryptography():
    message = b"ecdsa interop"
    for spec, curve, alg, hash_cls in (
        ("ECC_NIST_P256", ec.SECP256R1, "ECDSA_SHA_256", hashes.SHA256),
        ("ECC_NIST_P384", ec.SECP384R1, "ECDSA_SHA_384", hashes.SHA384),
        ("ECC_NIST_P521", ec.SECP521R1, "ECDSA_SHA_512", hashes.SHA512),
        ("ECC_SECG_P256K1", ec.SECP256K1, "ECDSA_SHA_256", hashes.SHA256),
    ):
        key_id = new_key(spec, "SIGN_VERIFY")
        public = load_der_public_key(public_key_der(key_id))
        assert isinstance(public, ec.EllipticCurvePublicKey), public
        assert isinstance(public.curve, curve), (spec, public.curve.name)
        for message_type, signed in (("RAW", message), ("DIGEST", digest(hash_cls, message))):
            signature = sign(key_id, alg, signed, message_type)
            public.verify(signature, message, ec.ECDSA(hash_cls()))


# RFC 8032, section 6: the reference Ed25519 arithmetic, for Ed25519ph, which `cryptography`
# does not offer. Checked against `cryptography` on pure Ed25519 signatures before use.
ED_P = 2**255 - 19
ED_L = 2**252 + 27742317777372353535851937790883648493
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P


def _ed_add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % ED_P
    b = (p[1] + p[0]) * (q[1] + q[0]) % ED_P
    c = 2 * p[3] * q[3] * ED_D % ED_P
    d = 2 * p[2] * q[2] % ED_P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f, g * h, f * g, e * h)


def _ed_mul(s, p):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _ed_add(q, p)
        p = _ed_add(p, p)
        s >>= 1
    return q


def _ed_equal(p, q):
    return (p[0] * q[2] - q[0] * p[2]) % ED_P == 0 and (p[1] * q[2] - q[1] * p[2]) % ED_P == 0


def _ed_recover_x(y, sign_bit):
    if y >= ED_P:
        return None
    x2 = (y * y - 1) * pow(ED_D * y * y + 1, ED_P - 2, ED_P)
    if x2 % ED_P == 0:
        return None if sign_bit else 0
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P != 0:
        x = x * pow(2, (ED_P - 1) // 4, ED_P) % ED_P
    if (x * x - x2) % ED_P != 0:
        return None
    if (x & 1) != sign_bit:
        x = ED_P - x
    return x


def _ed_decompress(s):
    y = int.from_bytes(s, "little")
    sign_bit, y = y >> 255, y & ((1 << 255) - 1)
    x = _ed_recover_x(y, sign_bit)
    return None if x is None else (x, y, 1, x * y % ED_P)


_ED_GY = 4 * pow(5, ED_P - 2, ED_P) % ED_P
_ED_GX = _ed_recover_x(_ED_GY, 0)
ED_G = (_ED_GX, _ED_GY, 1, _ED_GX * _ED_GY % ED_P)


def ed25519_verify(public, message, signature, prehash):
    """RFC 8032 verification of Ed25519, or of Ed25519ph (empty context) if `prehash`."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r = _ed_decompress(public), _ed_decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= ED_L:
        return False
    if prehash:
        dom2 = b"SigEd25519 no Ed25519 collisions" + bytes([1, 0])
        message = dom2, hashlib.sha512(message).digest()
    else:
        message = b"", message
    k = int.from_bytes(hashlib.sha512(message[0] + signature[:32] + public + message[1]).digest(), "little")
    return _ed_equal(_ed_mul(s, ED_G), _ed_add(r, _ed_mul(k % ED_L, a)))


@check
def ed25519_signatures_verify_outside():
    key_id = new_key("ECC_NIST_EDWARDS25519", "SIGN_VERIFY")
    public = load_der_public_key(public_key_der(key_id))
    assert isinstance(public, ed25519.Ed25519PublicKey), public
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    # First, the reference code agrees with `cryptography` on a key of its own.
    mine = ed25519.Ed25519PrivateKey.generate()
    mine_public = mine.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert ed25519_verify(mine_public, b"self-test", mine.sign(b"self-test"), prehash=False)
    assert not ed25519_verify(mine_public, b"self-tesT", mine.sign(b"self-test"), prehash=False)

    for message in (b"ed25519 interop", secrets.token_bytes(4096)):
        pure = sign(key_id, "ED25519_SHA_512", message)
        public.verify(pure, message)
        assert ed25519_verify(raw, message, pure, prehash=False)
        ph = sign(key_id, "ED25519_PH_SHA_512", hashlib.sha512(message).digest(), "DIGEST")
        assert ed25519_verify(raw, message, ph, prehash=True), "Ed25519ph (RFC 8032) rejects it"
        assert not ed25519_verify(raw, message, ph, prehash=False)
        assert not ed25519_verify(raw, message + b"!", ph, prehash=True)


@check
def ml_dsa_signatures_verify_in_cryptography():
    message = b"ml-dsa interop"
    for spec, cls in (
        ("ML_DSA_44", mldsa.MLDSA44PublicKey),
        ("ML_DSA_65", mldsa.MLDSA65PublicKey),
        ("ML_DSA_87", mldsa.MLDSA87PublicKey),
    ):
        key_id = new_key(spec, "SIGN_VERIFY")
        public = load_der_public_key(public_key_der(key_id))
        assert isinstance(public, cls), (spec, public)
        signature = sign(key_id, "ML_DSA_SHAKE_256", message)
        public.verify(signature, message)  # pure ML-DSA, empty context
        # EXTERNAL_MU: μ = SHAKE256(tr ‖ 0 ‖ 0 ‖ M), tr = SHAKE256(pk), as FIPS 204 computes it.
        tr = hashlib.shake_256(public.public_bytes_raw()).digest(64)
        mu = hashlib.shake_256(tr + b"\x00\x00" + message).digest(64)
        public.verify_mu(signature, mu)
        over_mu = sign(key_id, "ML_DSA_SHAKE_256", mu, "EXTERNAL_MU")
        public.verify(over_mu, message)
        try:
            public.verify(over_mu, message + b"!")
        except InvalidSignature:
            pass
        else:
            raise AssertionError(f"{spec}: a changed message verified")


def sm2_z(public_point):
    """Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2)."""
    data = (
        (len(SM2_ID) * 8).to_bytes(2, "big")
        + SM2_ID
        + b"".join(v.to_bytes(32, "big") for v in (SM2_A, SM2_B, SM2_GX, SM2_GY))
        + public_point[1:]
    )
    return digest(hashes.SM3, data)


@check
def sm2_signatures_verify_in_openssl():
    key_id = new_key("SM2", "SIGN_VERIFY")
    spki = public_key_der(key_id)
    message = b"sm2 interop"
    point = spki[-65:]
    assert point[0] == 4, spki.hex()
    e = digest(hashes.SM3, sm2_z(point) + message)
    with tempfile.TemporaryDirectory() as tmp:
        files = {n: os.path.join(tmp, n) for n in ("pub.der", "msg", "raw.sig", "digest.sig")}
        with open(files["pub.der"], "wb") as f:
            f.write(spki)
        with open(files["msg"], "wb") as f:
            f.write(message)
        with open(files["raw.sig"], "wb") as f:
            f.write(sign(key_id, "SM2DSA", message))
        with open(files["digest.sig"], "wb") as f:
            f.write(sign(key_id, "SM2DSA", e, "DIGEST"))
        for sig in ("raw.sig", "digest.sig"):
            out = openssl(
                "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", files["pub.der"],
                "-rawin", "-digest", "sm3", "-pkeyopt", "distid:" + SM2_ID.decode(),
                "-in", files["msg"], "-sigfile", files[sig],
            )
            assert b"Verified Successfully" in out, (sig, out)


# ---- encryption ------------------------------------------------------------------------


@check
def rsa_oaep_from_cryptography_decrypts_in_trent():
    for spec in ("RSA_2048", "RSA_3072", "RSA_4096"):
        key_id = new_key(spec, "ENCRYPT_DECRYPT")
        public = load_der_public_key(public_key_der(key_id))
        k = public.key_size // 8
        for alg, hash_cls in (("RSAES_OAEP_SHA_1", hashes.SHA1), ("RSAES_OAEP_SHA_256", hashes.SHA256)):
            pad = padding.OAEP(mgf=padding.MGF1(hash_cls()), algorithm=hash_cls(), label=None)
            for size in (1, k - 2 * hash_cls.digest_size - 2):
                plaintext = secrets.token_bytes(size)
                ciphertext = public.encrypt(plaintext, pad)
                out = kms.decrypt(KeyId=key_id, CiphertextBlob=ciphertext, EncryptionAlgorithm=alg)
                assert out["Plaintext"] == plaintext, (spec, alg, size)
                assert out["EncryptionAlgorithm"] == alg, out


@check
def sm2pke_from_openssl_decrypts_in_trent():
    key_id = new_key("SM2", "ENCRYPT_DECRYPT")
    plaintext = secrets.token_bytes(100)
    with tempfile.TemporaryDirectory() as tmp:
        pub = os.path.join(tmp, "pub.der")
        with open(pub, "wb") as f:
            f.write(public_key_der(key_id))
        ciphertext = openssl("pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", pub, stdin=plaintext)
    out = kms.decrypt(KeyId=key_id, CiphertextBlob=ciphertext, EncryptionAlgorithm="SM2PKE")
    assert out["Plaintext"] == plaintext


# ---- key agreement and KEM -------------------------------------------------------------


@check
def ecdh_secrets_match_cryptography():
    for spec, curve in (
        ("ECC_NIST_P256", ec.SECP256R1),
        ("ECC_NIST_P384", ec.SECP384R1),
        ("ECC_NIST_P521", ec.SECP521R1),
    ):
        key_id = new_key(spec, "KEY_AGREEMENT")
        trent_public = load_der_public_key(public_key_der(key_id))
        mine = ec.generate_private_key(curve())
        mine_spki = mine.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        out = kms.derive_shared_secret(KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=mine_spki)
        assert out["SharedSecret"] == mine.exchange(ec.ECDH(), trent_public), spec
        other = ec.generate_private_key(ec.SECP384R1() if spec == "ECC_NIST_P256" else ec.SECP256R1())
        expect_error(
            "ValidationException",
            kms.derive_shared_secret,
            KeyId=key_id,
            KeyAgreementAlgorithm="ECDH",
            PublicKey=other.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
        )


# The SM2 curve (GB/T 32918.5), for ECDH, which neither `cryptography` nor OpenSSL 3.0 offer
# on it.
SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
SM2_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
SM2_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
SM2_GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
SM2_GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0


def _sm2_add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % SM2_P == 0:
        return None
    if p == q:
        m = (3 * p[0] * p[0] + SM2_A) * pow(2 * p[1], -1, SM2_P)
    else:
        m = (q[1] - p[1]) * pow(q[0] - p[0], -1, SM2_P)
    x = (m * m - p[0] - q[0]) % SM2_P
    return (x, (m * (p[0] - x) - p[1]) % SM2_P)


def _sm2_mul(k, p):
    out = None
    while k:
        if k & 1:
            out = _sm2_add(out, p)
        p = _sm2_add(p, p)
        k >>= 1
    return out


def _sm2_spki(point):
    # SEQUENCE { SEQUENCE { id-ecPublicKey, sm2 }, BIT STRING 04 ‖ x ‖ y }
    algorithm = bytes.fromhex("301306072a8648ce3d020106082a811ccf5501822d")
    key = b"\x03\x42\x00\x04" + point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")
    body = algorithm + key
    return b"\x30" + bytes([len(body)]) + body


@check
def sm2_ecdh_secret_matches_textbook_arithmetic():
    g = (SM2_GX, SM2_GY)
    assert (g[1] ** 2 - g[0] ** 3 - SM2_A * g[0] - SM2_B) % SM2_P == 0, "G is on the curve"
    key_id = new_key("SM2", "KEY_AGREEMENT")
    spki = public_key_der(key_id)
    trent = (int.from_bytes(spki[-64:-32], "big"), int.from_bytes(spki[-32:], "big"))
    d = secrets.randbelow(SM2_N - 1) + 1
    out = kms.derive_shared_secret(KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=_sm2_spki(_sm2_mul(d, g)))
    assert out["SharedSecret"] == _sm2_mul(d, trent)[0].to_bytes(32, "big")


@check
def ml_kem_encapsulated_by_cryptography_decapsulates_in_trent():
    # `cryptography` has ML-KEM-768 and -1024 only; the Rust end-to-end tests encapsulate
    # with aws-lc-rs for ML-KEM-512.
    for spec, cls in (("ML_KEM_768", mlkem.MLKEM768PublicKey), ("ML_KEM_1024", mlkem.MLKEM1024PublicKey)):
        key_id = new_key(spec, "ENCAPSULATE_DECAPSULATE")
        public = load_der_public_key(public_key_der(key_id))
        assert isinstance(public, cls), (spec, public)
        shared_secret, ciphertext = public.encapsulate()
        out = kms.decapsulate(KeyId=key_id, SharedSecretCiphertextBlob=ciphertext, EncapsulationAlgorithm="ML_KEM")
        assert out["SharedSecret"] == shared_secret, spec


# ---- data key pairs --------------------------------------------------------------------


@check
def data_key_pairs_load_and_match():
    wrapping = kms.create_key()["KeyMetadata"]["KeyId"]
    context = {"purpose": "interop"}
    for spec in (
        "RSA_2048", "RSA_3072", "RSA_4096",
        "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
        "ECC_NIST_EDWARDS25519", "ML_KEM_768", "ML_KEM_1024", "SM2",
    ):
        out = kms.generate_data_key_pair(KeyId=wrapping, KeyPairSpec=spec, EncryptionContext=context)
        private_der = out["PrivateKeyPlaintext"]
        opened = kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"], EncryptionContext=context)
        assert opened["Plaintext"] == private_der, spec
        if spec == "SM2":
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "private.der")
                with open(path, "wb") as f:
                    f.write(private_der)
                derived = openssl("pkey", "-inform", "DER", "-in", path, "-pubout", "-outform", "DER")
        else:
            private = load_der_private_key(private_der, password=None)
            derived = private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        assert derived == out["PublicKey"], f"{spec}: the private key's public key differs"


def main():
    passed = failed = 0
    for fn in CHECKS:
        name = fn.__name__
        try:
            fn()
        except Skip as reason:
            print(f"skip - interop {name}: {reason}")
        except Exception:  # noqa: BLE001 - every failure is reported the same way
            failed += 1
            print(f"not ok - interop {name}")
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print(f"ok - interop {name}")
        sys.stdout.flush()
    print(f"interop: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
