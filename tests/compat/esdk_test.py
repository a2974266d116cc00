"""Drives Trent with the AWS Encryption SDK for Python, unchanged: its KMS master key provider
calls GenerateDataKey, Encrypt and Decrypt on Trent for every message.

Run by scripts/compat with TRENT_ENDPOINT set to a running Trent. The SDK builds its own KMS
clients from a botocore session, so the endpoint reaches them the way it reaches any botocore
client: through `AWS_ENDPOINT_URL_KMS`. Prints one `ok - NAME` or `not ok - NAME` line per
check, then `N passed, M failed`; exits non-zero unless every check passed and there was at
least one.
"""

import logging
import os
import sys
import tempfile
import traceback

ENDPOINT = os.environ["TRENT_ENDPOINT"]
# Before botocore is imported anywhere: every KMS client it builds goes to Trent.
os.environ["AWS_ENDPOINT_URL_KMS"] = ENDPOINT

import aws_encryption_sdk  # noqa: E402
import boto3  # noqa: E402
import botocore.session  # noqa: E402
from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy  # noqa: E402
from aws_encryption_sdk.key_providers.kms import DiscoveryFilter  # noqa: E402
from cryptography.exceptions import InvalidTag  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "111122223333"
CONTEXT = {"purpose": "compat", "file": "payload.bin"}
# The SDK logs every failed KMS call at ERROR before raising; the checks report failures.
logging.getLogger("aws_encryption_sdk").addHandler(logging.NullHandler())

esdk = aws_encryption_sdk.EncryptionSDKClient(
    commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
)
CHECKS = []
state = {}
# Every KMS call the SDK makes, as (operation, error code or None), recorded by botocore.
calls = []


def record_call(model, parsed, **_):
    calls.append((model.name, parsed.get("Error", {}).get("Code")))


def check(fn):
    CHECKS.append(fn)
    return fn


def session():
    s = botocore.session.Session()
    s.set_credentials("test", "test")
    s.set_config_variable("region", REGION)
    s.register("after-call.kms", record_call)
    return s


def strict(*arns):
    return aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=list(arns), botocore_session=session())


def expect_failure(what, call):
    # A bad frame surfaces as the cryptography library's InvalidTag, unwrapped.
    try:
        call()
    except (aws_encryption_sdk.exceptions.AWSEncryptionSDKClientError, InvalidTag) as exc:
        return exc
    raise AssertionError(f"{what} succeeded")


@check
def setup_keys():
    kms = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
    ).client("kms")
    assert kms.meta.endpoint_url == ENDPOINT, f"AWS_ENDPOINT_URL_KMS ignored: {kms.meta.endpoint_url}"
    state["arns"] = [
        kms.create_key(Description=f"esdk compat key {i}")["KeyMetadata"]["Arn"] for i in range(2)
    ]
    state["data"] = os.urandom(300 * 1024 + 17)


@check
def encrypt_decrypt_message():
    arn = state["arns"][0]
    del calls[:]
    ciphertext, header = esdk.encrypt(
        source=state["data"], key_provider=strict(arn), encryption_context=CONTEXT
    )
    assert calls == [("GenerateDataKey", None)], calls
    assert header.algorithm == Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, header.algorithm
    (edk,) = header.encrypted_data_keys
    assert edk.key_provider.provider_id == "aws-kms", edk
    assert edk.key_provider.key_info.decode() == arn, edk
    # The data key was encrypted by Trent: its blob is Trent's (version 1, then the key id).
    key_id = arn.rsplit("/", 1)[1].encode()
    assert edk.encrypted_data_key[0] == 1 and key_id in edk.encrypted_data_key[:64], edk
    plaintext, dheader = esdk.decrypt(source=ciphertext, key_provider=strict(arn))
    assert calls == [("GenerateDataKey", None), ("Decrypt", None)], calls
    assert plaintext == state["data"]
    for k, v in CONTEXT.items():
        assert dheader.encryption_context.get(k) == v, dheader.encryption_context
    # The signing suite adds its public key to the context that KMS sees.
    assert "aws-crypto-public-key" in dheader.encryption_context, dheader.encryption_context
    state["ciphertext"], state["edk"] = ciphertext, edk.encrypted_data_key


@check
def stream_files():
    arn = state["arns"][0]
    with tempfile.TemporaryDirectory() as tmp:
        src, enc, dec = (
            os.path.join(tmp, n) for n in ("payload.bin", "payload.bin.encrypted", "payload.out")
        )
        with open(src, "wb") as f:
            f.write(state["data"])
        with open(src, "rb") as fin, open(enc, "wb") as fout:
            with esdk.stream(
                mode="e", source=fin, key_provider=strict(arn), encryption_context=CONTEXT, frame_length=4096
            ) as encryptor:
                for chunk in encryptor:
                    fout.write(chunk)
        with open(enc, "rb") as fin, open(dec, "wb") as fout:
            with esdk.stream(mode="d", source=fin, key_provider=strict(arn)) as decryptor:
                for chunk in decryptor:
                    fout.write(chunk)
                context = decryptor.header.encryption_context
        with open(dec, "rb") as f:
            assert f.read() == state["data"]
        for k, v in CONTEXT.items():
            assert context.get(k) == v, context


@check
def two_keys_either_decrypts():
    # The first key generates the data key (GenerateDataKey); the second wraps it (Encrypt).
    a, b = state["arns"]
    del calls[:]
    ciphertext, header = esdk.encrypt(
        source=b"two keys", key_provider=strict(a, b), encryption_context=CONTEXT
    )
    assert calls == [("GenerateDataKey", None), ("Encrypt", None)], calls
    infos = {edk.key_provider.key_info.decode() for edk in header.encrypted_data_keys}
    assert infos == {a, b}, infos
    for arn in (a, b):
        plaintext, _ = esdk.decrypt(source=ciphertext, key_provider=strict(arn))
        assert plaintext == b"two keys"


@check
def discovery_decrypts():
    provider = aws_encryption_sdk.DiscoveryAwsKmsMasterKeyProvider(
        discovery_filter=DiscoveryFilter(account_ids=[ACCOUNT], partition="aws"), botocore_session=session()
    )
    plaintext, _ = esdk.decrypt(source=state["ciphertext"], key_provider=provider)
    assert plaintext == state["data"]


@check
def tampered_body_fails():
    tampered = bytearray(state["ciphertext"])
    tampered[len(tampered) // 2] ^= 0x01
    expect_failure(
        "decrypting a tampered message",
        lambda: esdk.decrypt(source=bytes(tampered), key_provider=strict(state["arns"][0])),
    )


@check
def tampered_data_key_fails():
    # Flip a bit inside the encrypted data key: Trent must refuse to decrypt it.
    ciphertext, edk = state["ciphertext"], state["edk"]
    at = ciphertext.find(edk)
    assert at > 0, "encrypted data key not found in the message"
    tampered = bytearray(ciphertext)
    tampered[at + len(edk) - 8] ^= 0x01
    del calls[:]
    expect_failure(
        "decrypting a message with a tampered data key",
        lambda: esdk.decrypt(source=bytes(tampered), key_provider=strict(state["arns"][0])),
    )
    # The SDK only says "Unable to decrypt any data key"; what Trent answered is the point.
    assert calls == [("Decrypt", "InvalidCiphertextException")], calls


@check
def other_key_cannot_decrypt():
    # Strict mode only asks KMS about its own keys: the second key's provider finds nothing.
    ciphertext, _ = esdk.encrypt(source=b"only a", key_provider=strict(state["arns"][0]))
    del calls[:]
    expect_failure(
        "decrypting with a provider for another key",
        lambda: esdk.decrypt(source=ciphertext, key_provider=strict(state["arns"][1])),
    )
    assert calls == [], calls


def main():
    passed = failed = 0
    for fn in CHECKS:
        name = fn.__name__
        try:
            fn()
        except Exception:  # noqa: BLE001 - every failure is reported the same way
            failed += 1
            print(f"not ok - esdk {name}")
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print(f"ok - esdk {name}")
        sys.stdout.flush()
    print(f"esdk: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
