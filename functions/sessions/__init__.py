"""Sessions function (SessionsFunction): officials create, list and read sessions and look up flow A's case
numbers; residents read their start page and their result (code, more time, stop); it serves /api/openapi.json.
``wiring`` builds the adapters and binds them to the services that take more than one; the response bodies are
``legitimatie.runtime.views``, the OpenAPI file is served by ``views``."""
