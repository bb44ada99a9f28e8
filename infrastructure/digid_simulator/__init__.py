"""A DigiD look-alike SAML IdP for tests and the local stack, built on pysaml2. Never deployed.

from infrastructure.digid_simulator import DigidSimulator, generate_test_pki

pki = generate_test_pki(directory)                 # TEST ONLY keys and certificates
with DigidSimulator(sp_metadata_xml, pki=pki) as simulator:
    simulator.metadata_xml, simulator.ars_url      # configure the SP with these
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # pysaml2 7.5 still names a cipher mode that cryptography moved; only its encryption uses it, we sign.
    warnings.filterwarnings("ignore", message="CFB has been moved", category=Warning)
    import saml2.cryptography.symmetric  # noqa: F401

from .idp import LEVELS, SHAPES, ArtifactAnswer, DigidIdp, LoginRequest, RequestRefused, Shape, is_valid_bsn
from .pages import TEST_BSNS
from .pki import TestPki, generate_test_pki
from .simulator import ARS_PATH, LOGIN_PATH, METADATA_PATH, SSO_PATH, DigidSimulator

__all__ = [
    "ARS_PATH",
    "LEVELS",
    "LOGIN_PATH",
    "METADATA_PATH",
    "SHAPES",
    "SSO_PATH",
    "TEST_BSNS",
    "ArtifactAnswer",
    "DigidIdp",
    "DigidSimulator",
    "LoginRequest",
    "RequestRefused",
    "Shape",
    "TestPki",
    "generate_test_pki",
    "is_valid_bsn",
]
