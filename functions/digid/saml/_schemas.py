"""python3-saml's XML schemas, compiled once per process instead of on every message.

python3-saml's ``OneLogin_Saml2_XML.validate_xml`` reads and compiles the bundled XSD files on every call
(about a millisecond for the protocol schema), and its strict mode has no switch to leave schema validation
out. Importing this module puts in, once per process, a drop-in replacement with the same contract that compiles
each schema on first use, from the same bundled files, without network access (the schemas import each other by
relative path). ``response.py`` imports it; nothing is patched per call.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Final

import onelogin.saml2
from lxml import etree
from onelogin.saml2.xml_utils import OneLogin_Saml2_XML

__all__ = ["compiled_schema", "validate_xml"]

_SCHEMA_DIRECTORY: Final = Path(onelogin.saml2.__file__).parent / "schemas"


@functools.cache
def compiled_schema(name: str) -> etree.XMLSchema:
    """The bundled schema ``name`` (e.g. ``saml-schema-protocol-2.0.xsd``), compiled on first use."""
    path = _SCHEMA_DIRECTORY / name
    if path.parent != _SCHEMA_DIRECTORY or not path.is_file():
        raise ValueError(f"python3-saml has no bundled schema {name!r}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(path), parser=parser))


def validate_xml(xml: Any, schema: str, debug: bool = False) -> Any:
    """python3-saml's ``validate_xml`` with a compiled schema: the element, ``"unloaded_xml"`` or ``"invalid_xml"``."""
    try:
        element = OneLogin_Saml2_XML.to_etree(xml)
    except Exception:  # python3-saml's contract: any parse failure is "unloaded_xml"
        return "unloaded_xml"
    return element if compiled_schema(schema).validate(element) else "invalid_xml"


# The one patch, applied at import (a function assignment; the schemas compile on first use, not at cold start).
OneLogin_Saml2_XML.validate_xml = staticmethod(validate_xml)
