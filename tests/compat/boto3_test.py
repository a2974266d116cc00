"""Drives Trent with boto3, the AWS SDK for Python, as an application would.

Run by scripts/compat with TRENT_ENDPOINT set to a running Trent (default credentials:
access key `test`, secret `test`, account 111122223333). Prints one `ok - NAME` or
`not ok - NAME` line per check, then `N passed, M failed`; exits non-zero unless every check
passed and there was at least one.
"""

import os
import sys
import traceback
import uuid

import boto3
import botocore.config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["TRENT_ENDPOINT"]
REGION = "us-east-1"
ACCOUNT = "111122223333"
# Fail on the first error instead of retrying it away.
CONFIG = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})


def client(access_key="test", secret="test", region=REGION):
    return boto3.session.Session(
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        region_name=region,
    ).client("kms", endpoint_url=ENDPOINT, config=CONFIG)


kms = client()
CHECKS = []
state = {}


def check(fn):
    CHECKS.append(fn)
    return fn


def error_code(exc):
    return exc.response.get("Error", {}).get("Code")


def expect_error(code, call, *args, **kwargs):
    """Asserts that `call` fails with the KMS error `code` and returns the ClientError."""
    try:
        call(*args, **kwargs)
    except ClientError as exc:
        assert error_code(exc) == code, f"expected {code}, got {error_code(exc)}: {exc}"
        return exc
    raise AssertionError(f"expected {code}, the call succeeded")


def assert_client_fault(exc):
    # Clients map errors by `__type`; the status only has to say "your fault" (4xx).
    status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
    assert 400 <= status < 500, exc.response


def new_key(description):
    return kms.create_key(Description=description)["KeyMetadata"]


@check
def create_key():
    meta = new_key("boto3 compat key")
    assert meta["KeyState"] == "Enabled", meta
    assert meta["Enabled"] is True, meta
    assert meta["KeySpec"] == "SYMMETRIC_DEFAULT", meta
    assert meta["KeyUsage"] == "ENCRYPT_DECRYPT", meta
    assert meta["AWSAccountId"] == ACCOUNT, meta
    assert meta["Arn"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{meta['KeyId']}", meta
    assert meta["Description"] == "boto3 compat key", meta
    # botocore turns the epoch-seconds timestamp into an aware datetime.
    assert meta["CreationDate"].tzinfo is not None, meta
    state["key"] = meta
    state["other"] = new_key("boto3 compat second key")


@check
def describe_key():
    key = state["key"]
    for ref in (key["KeyId"], key["Arn"]):
        meta = kms.describe_key(KeyId=ref)["KeyMetadata"]
        assert meta["KeyId"] == key["KeyId"], meta
        assert meta["Arn"] == key["Arn"], meta
        assert meta["KeyState"] == "Enabled", meta


@check
def list_keys_paginator():
    wanted = {state["key"]["KeyId"], state["other"]["KeyId"]}
    pages = kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 1})
    seen = [k["KeyId"] for page in pages for k in page["Keys"]]
    assert len(seen) == len(set(seen)), f"a key was listed twice: {seen}"
    assert wanted <= set(seen), f"missing keys: {wanted - set(seen)}"


@check
def encrypt_decrypt_with_context():
    key = state["key"]
    ctx = {"purpose": "compat", "tenant": "boto3"}
    plaintext = os.urandom(100)
    enc = kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext, EncryptionContext=ctx)
    assert enc["KeyId"] == key["Arn"], enc
    assert enc["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT", enc
    assert isinstance(enc["CiphertextBlob"], bytes) and plaintext not in enc["CiphertextBlob"]
    # Without KeyId the key comes from the ciphertext; with it, it must match.
    for extra in ({}, {"KeyId": key["Arn"]}):
        dec = kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx, **extra)
        assert dec["Plaintext"] == plaintext
        assert dec["KeyId"] == key["Arn"], dec
        assert dec["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT", dec
    state["ciphertext"], state["context"] = enc["CiphertextBlob"], ctx


@check
def decrypt_with_wrong_context_fails():
    blob = state["ciphertext"]
    wrong = dict(state["context"], tenant="someone-else")
    expect_error("InvalidCiphertextException", kms.decrypt, CiphertextBlob=blob, EncryptionContext=wrong)
    expect_error("InvalidCiphertextException", kms.decrypt, CiphertextBlob=blob)
    try:
        kms.decrypt(CiphertextBlob=blob, EncryptionContext=wrong)
    except kms.exceptions.InvalidCiphertextException:
        pass  # botocore maps `__type` to the modeled exception class
    else:
        raise AssertionError("decrypt with the wrong context succeeded")


@check
def decrypt_with_another_key_id_fails():
    expect_error(
        "IncorrectKeyException",
        kms.decrypt,
        CiphertextBlob=state["ciphertext"],
        EncryptionContext=state["context"],
        KeyId=state["other"]["KeyId"],
    )


@check
def tampered_ciphertext_fails():
    blob = bytearray(state["ciphertext"])
    blob[-1] ^= 0x01
    expect_error(
        "InvalidCiphertextException",
        kms.decrypt,
        CiphertextBlob=bytes(blob),
        EncryptionContext=state["context"],
    )


@check
def generate_data_key():
    key = state["key"]
    ctx = {"purpose": "envelope"}
    for kwargs, size in (
        ({"KeySpec": "AES_256"}, 32),
        ({"KeySpec": "AES_128"}, 16),
        ({"NumberOfBytes": 64}, 64),
    ):
        dk = kms.generate_data_key(KeyId=key["KeyId"], EncryptionContext=ctx, **kwargs)
        assert len(dk["Plaintext"]) == size, (kwargs, len(dk["Plaintext"]))
        assert dk["KeyId"] == key["Arn"], dk
        dec = kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext=ctx)
        assert dec["Plaintext"] == dk["Plaintext"]
    wp = kms.generate_data_key_without_plaintext(KeyId=key["KeyId"], KeySpec="AES_256")
    assert "Plaintext" not in wp, wp
    assert len(kms.decrypt(CiphertextBlob=wp["CiphertextBlob"])["Plaintext"]) == 32


@check
def re_encrypt():
    key, other = state["key"], state["other"]
    new_ctx = {"purpose": "moved"}
    out = kms.re_encrypt(
        CiphertextBlob=state["ciphertext"],
        SourceEncryptionContext=state["context"],
        DestinationKeyId=other["KeyId"],
        DestinationEncryptionContext=new_ctx,
    )
    assert out["SourceKeyId"] == key["Arn"], out
    assert out["KeyId"] == other["Arn"], out
    original = kms.decrypt(CiphertextBlob=state["ciphertext"], EncryptionContext=state["context"])
    moved = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext=new_ctx)
    assert moved["KeyId"] == other["Arn"], moved
    assert moved["Plaintext"] == original["Plaintext"]


@check
def aliases_and_paginator():
    key = state["key"]
    suffix = uuid.uuid4().hex[:8]
    names = [f"alias/boto3-{suffix}-{i}" for i in range(3)]
    for name in names:
        kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
    expect_error("AlreadyExistsException", kms.create_alias, AliasName=names[0], TargetKeyId=key["KeyId"])
    pages = list(kms.get_paginator("list_aliases").paginate(PaginationConfig={"PageSize": 1}))
    assert len(pages) >= 3, f"PageSize 1 gave {len(pages)} pages"
    listed = {a["AliasName"]: a for page in pages for a in page["Aliases"]}
    for name in names:
        assert name in listed, f"{name} not listed"
        assert listed[name]["TargetKeyId"] == key["KeyId"], listed[name]
        assert listed[name]["AliasArn"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:{name}", listed[name]
    by_key = kms.list_aliases(KeyId=key["KeyId"])["Aliases"]
    assert {a["AliasName"] for a in by_key} == set(names), by_key
    # An alias works wherever a key id does.
    assert kms.describe_key(KeyId=names[0])["KeyMetadata"]["KeyId"] == key["KeyId"]
    enc = kms.encrypt(KeyId=names[1], Plaintext=b"via alias")
    assert enc["KeyId"] == key["Arn"], enc
    alias_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:{names[2]}"
    assert kms.describe_key(KeyId=alias_arn)["KeyMetadata"]["KeyId"] == key["KeyId"]
    kms.delete_alias(AliasName=names[2])
    remaining = {a["AliasName"] for a in kms.list_aliases(KeyId=key["KeyId"])["Aliases"]}
    assert remaining == set(names[:2]), remaining


@check
def tags():
    key = state["key"]
    kms.tag_resource(
        KeyId=key["KeyId"],
        Tags=[{"TagKey": "team", "TagValue": "crypto"}, {"TagKey": "env", "TagValue": "test"}],
    )
    tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]}
    assert tags == {"team": "crypto", "env": "test"}, tags
    kms.untag_resource(KeyId=key["KeyId"], TagKeys=["env"])
    tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]}
    assert tags == {"team": "crypto"}, tags


@check
def disabled_key_refuses_encrypt():
    key = state["other"]
    kms.disable_key(KeyId=key["KeyId"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    try:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"nope")
    except kms.exceptions.DisabledException as exc:
        assert_client_fault(exc)
    else:
        raise AssertionError("encrypt with a disabled key succeeded")
    kms.enable_key(KeyId=key["KeyId"])
    kms.encrypt(KeyId=key["KeyId"], Plaintext=b"yes")


@check
def missing_key_is_not_found():
    missing = str(uuid.uuid4())
    try:
        kms.describe_key(KeyId=missing)
    except kms.exceptions.NotFoundException as exc:
        assert_client_fault(exc)
    else:
        raise AssertionError("describe_key of a missing key succeeded")
    expect_error("NotFoundException", kms.describe_key, KeyId="alias/no-such-alias")


@check
def keys_are_regional():
    elsewhere = client(region="eu-west-1")
    expect_error("NotFoundException", elsewhere.describe_key, KeyId=state["key"]["KeyId"])


@check
def wrong_secret_is_refused():
    bad = client(secret="not-the-secret")
    assert_client_fault(expect_error("InvalidSignatureException", bad.list_keys))


@check
def unknown_access_key_is_refused():
    expect_error("UnrecognizedClientException", client(access_key="AKIANOBODY").list_keys)


@check
def request_id_header():
    meta = kms.list_keys(Limit=1)["ResponseMetadata"]
    request_id = meta["RequestId"]
    assert str(uuid.UUID(request_id)) == request_id, meta


@check
def generate_random():
    a = kms.generate_random(NumberOfBytes=32)["Plaintext"]
    b = kms.generate_random(NumberOfBytes=32)["Plaintext"]
    assert len(a) == 32 and a != b


@check
def schedule_and_cancel_key_deletion():
    key = new_key("boto3 compat doomed key")
    out = kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert out["KeyId"] == key["Arn"], out
    assert out["KeyState"] == "PendingDeletion", out
    assert out["PendingWindowInDays"] == 7, out
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion", meta
    assert meta["DeletionDate"] > meta["CreationDate"], meta
    expect_error("KMSInvalidStateException", kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x")
    out = kms.cancel_key_deletion(KeyId=key["KeyId"])
    assert out["KeyId"] == key["Arn"], out
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["KeyState"] == "Disabled", meta
    assert "DeletionDate" not in meta, meta


def main():
    passed = failed = 0
    for fn in CHECKS:
        name = fn.__name__
        try:
            fn()
        except Exception:  # noqa: BLE001 - every failure is reported the same way
            failed += 1
            print(f"not ok - boto3 {name}")
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print(f"ok - boto3 {name}")
        sys.stdout.flush()
    print(f"boto3: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
