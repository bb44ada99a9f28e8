"""The local stack: template.yaml running on this machine without AWS and without Docker.

``python -m infrastructure.local`` (``make run``) for a developer; ``LocalStack`` for tests::

    from infrastructure.local import LocalStack

    with LocalStack(port=0) as stack:
        ...  # stack.site_url, stack.login(), stack.client("dynamodb"), stack.info

Never deployable: fake credentials, moto instead of AWS, self-signed DigiD keys, a published test password.
"""

from .components import Component, StackContext, default_components
from .gateway import PortInUse
from .provision import Official
from .stack import LocalStack, StackError
from .template import TemplateError

__all__ = [
    "Component",
    "LocalStack",
    "Official",
    "PortInUse",
    "StackContext",
    "StackError",
    "TemplateError",
    "default_components",
]
