"""Our SAML service provider's keys for the local stack: self-signed, made fresh at every start, never deployed.

Deployed, DigiD's SAML signing key and the PKIoverheid TLS client certificate live in Secrets Manager and the
template takes the two secret ARNs as parameters (DigidSigningSecretArn, DigidTlsClientSecretArn). Locally this
component creates both secrets in moto, in the documented JSON shape ``{private_key, certificate}`` (PEM), and
passes their ARNs as those parameters. The DigiD simulator trusts ``signing_certificate_pem`` and
``tls_client_certificate_pem``.
"""

from __future__ import annotations

import datetime
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .components import StackContext

__all__ = ["DigidServiceProviderKeys", "self_signed"]


def self_signed(common_name: str, days: int = 365) -> tuple[str, str]:
    """A fresh RSA-2048 key and a self-signed certificate for it, both PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Gemeente Voorbeeld (lokaal)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


class DigidServiceProviderKeys:
    """Creates the SP signing secret and the TLS client secret in moto and sets the two template parameters."""

    name = "digid-sp-keys"

    def __init__(self, name_prefix: str = "legitimatie-local/digid") -> None:
        self._prefix = name_prefix
        self.signing_certificate_pem = ""
        self.tls_client_certificate_pem = ""

    def start(self, context: StackContext) -> None:
        secrets = context.client("secretsmanager")
        signing_key, self.signing_certificate_pem = self_signed("legitimatie-local SAML signing")
        tls_key, self.tls_client_certificate_pem = self_signed("legitimatie-local TLS client")
        for parameter, suffix, key, certificate in (
            ("DigidSigningSecretArn", "signing", signing_key, self.signing_certificate_pem),
            ("DigidTlsClientSecretArn", "tls-client", tls_key, self.tls_client_certificate_pem),
        ):
            secret = secrets.create_secret(
                Name=f"{self._prefix}/{suffix}",
                SecretString=json.dumps({"private_key": key, "certificate": certificate}),
            )
            context.parameters[parameter] = secret["ARN"]

    def stop(self) -> None:
        """Nothing runs; the secrets go with moto's state."""
