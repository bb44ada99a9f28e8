"""KMS adapters: the control code MAC key (HMAC_256, GenerateMac) and BSN sealing (Encrypt/Decrypt)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .aws_errors import error_code, translated

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
else:
    KMSClient = Any

__all__ = ["KmsBsnCipher", "KmsMacKey", "SealedDataRejected"]


class SealedDataRejected(Exception):
    """KMS refused a ciphertext: tampered, or sealed for another record (encryption context mismatch)."""


class KmsMacKey:
    """``MacKey`` on a KMS HMAC_256 key: the key material never leaves KMS."""

    def __init__(self, client: KMSClient, key_id: str) -> None:
        self._client = client
        self._key_id = key_id

    def generate_mac(self, message: bytes) -> bytes:
        with translated("KMS"):
            answer = self._client.generate_mac(KeyId=self._key_id, Message=message, MacAlgorithm="HMAC_SHA_256")
        return bytes(answer["Mac"])


class KmsBsnCipher:
    """``BsnCipher`` with KMS Encrypt/Decrypt under an encryption context bound to the record."""

    def __init__(self, client: KMSClient, key_id: str) -> None:
        self._client = client
        self._key_id = key_id

    def seal(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        with translated("KMS"):
            answer = self._client.encrypt(KeyId=self._key_id, Plaintext=plaintext, EncryptionContext=dict(context))
        return bytes(answer["CiphertextBlob"])

    def open(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        with translated("KMS"):
            try:
                answer = self._client.decrypt(
                    KeyId=self._key_id, CiphertextBlob=ciphertext, EncryptionContext=dict(context)
                )
            except ClientError as exc:
                if error_code(exc) in ("InvalidCiphertextException", "IncorrectKeyException"):
                    raise SealedDataRejected("KMS refused the sealed data for this record") from exc
                raise
        return bytes(answer["Plaintext"])
