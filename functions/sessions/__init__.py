"""Sessions function (SessionsFunction): officials create, list and read sessions and look up flow A's case
numbers; residents read their start page and their result (code, more time, stop); it serves /api/openapi.json.
``wiring`` builds the adapters; the response bodies are ``legitimatie.runtime.views``."""
