"""``PdfStore`` on the proof bucket: SSE-KMS with the data key, short-lived presigned downloads."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .aws_errors import error_code, translated

__all__ = ["S3PdfStore"]


class S3PdfStore:
    def __init__(self, client: Any, bucket: str, kms_key_id: str, download_ttl_seconds: int = 300) -> None:
        self._client = client
        self._bucket = bucket
        self._kms_key_id = kms_key_id
        self._ttl = download_ttl_seconds

    def put(self, key: str, pdf: bytes) -> None:
        with translated("S3"):
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=pdf,
                ContentType="application/pdf",
                ServerSideEncryption="aws:kms",
                SSEKMSKeyId=self._kms_key_id,
            )

    def get(self, key: str) -> bytes | None:
        with translated("S3"):
            try:
                answer = self._client.get_object(Bucket=self._bucket, Key=key)
            except ClientError as exc:
                if error_code(exc) in ("NoSuchKey", "404"):
                    return None
                raise
        return bytes(answer["Body"].read())

    def download_url(self, key: str) -> str:
        """A GET URL valid for a few minutes, opened as an attachment."""
        return str(
            self._client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": "attachment; filename=bewijs-van-authenticatie.pdf",
                },
                ExpiresIn=self._ttl,
            )
        )
