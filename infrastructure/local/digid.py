"""The DigiD side of the local stack: a test PKI, the pysaml2 DigiD simulator, and our SP's secrets in moto.

Deployed, DigiD's IdP metadata sits in an SSM parameter and our SP's keys in two Secrets Manager secrets
(template parameters DigidIdpMetadataParameter, DigidSigningSecretArn, DigidTlsClientSecretArn). Locally this
component puts test material in exactly those places, so the DigiD function reads its configuration the same
way in both. The keys are generated under ``.local/digid-pki`` (TEST ONLY, git-ignored) and reused.
"""

from __future__ import annotations

import json
import os
from urllib.request import urlopen

from infrastructure.digid_simulator import SHAPES, DigidSimulator, Shape, generate_test_pki

from .components import StackContext

__all__ = ["DigidSimulatorComponent"]

METADATA_PARAMETER = "/legitimatie-beeldbellen/digid/idp-metadata"
SHAPE_VARIABLE = "DIGID_SIMULATOR_SHAPE"  # logius (default) or broker: how the simulator's answers look


class DigidSimulatorComponent:
    """Starts the DigiD simulator and gives the DigiD function its configuration through SSM and Secrets Manager."""

    name = "digid-simulator"

    def __init__(
        self,
        port: int = 0,
        ars_port: int = 0,
        name_prefix: str = "legitimatie-local/digid",
        shape: Shape | None = None,
    ) -> None:
        chosen = shape or os.environ.get(SHAPE_VARIABLE) or "logius"
        if chosen not in SHAPES:
            raise ValueError(f"{SHAPE_VARIABLE}: {chosen!r} is not one of {', '.join(SHAPES)}")
        self.shape = chosen
        self._port = port
        self._ars_port = ars_port
        self._prefix = name_prefix
        self.simulator: DigidSimulator | None = None

    def start(self, context: StackContext) -> None:
        pki = generate_test_pki(context.repo_root / ".local" / "digid-pki")
        metadata_url = f"{context.site_url}/digid/metadata"

        def sp_metadata() -> str:  # fetched at the first login: the gateway serves once every component runs
            with urlopen(metadata_url, timeout=10) as answer:  # noqa: S310 - our own loopback gateway  # nosec B310
                return str(answer.read().decode("utf-8"))

        self.simulator = DigidSimulator(
            sp_metadata, pki=pki, port=self._port, ars_port=self._ars_port, shape=self.shape
        ).start()
        secrets, ssm = context.client("secretsmanager"), context.client("ssm")
        for parameter, suffix, value in (
            (
                "DigidSigningSecretArn",
                "signing",
                {
                    "private_key": pki.read("sp_signing_key"),
                    "certificate": pki.read("sp_signing_cert"),
                    "next_certificate": pki.read("sp_next_signing_cert"),
                },
            ),
            (
                "DigidTlsClientSecretArn",
                "tls-client",
                {
                    "private_key": pki.read("sp_tls_key"),
                    "certificate": pki.read("sp_tls_cert"),
                    "ca_bundle": pki.read("ca_cert"),
                },
            ),
        ):
            secret = secrets.create_secret(Name=f"{self._prefix}/{suffix}", SecretString=json.dumps(value))
            context.parameters[parameter] = secret["ARN"]
        ssm.put_parameter(
            Name=METADATA_PARAMETER, Value=self.simulator.metadata_xml, Type="String", Tier="Advanced", Overwrite=True
        )
        context.parameters["DigidIdpMetadataParameter"] = METADATA_PARAMETER
        context.info["digid_simulator_url"] = self.simulator.base_url

    def stop(self) -> None:
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
