"""OpenAPI pieces both APIs share: the error model, and components no route parameter mentions.

The routes read raw bytes for speed (see bodies.py), so the models of the request and response
bodies describe the contract to clients and to schemathesis without standing on the hot path.
"""

import functools
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from .responses import JSON

REF = "#/components/schemas/{model}"


class Error(BaseModel):
    error: str = Field(description="What is wrong with the request, or why the server cannot answer")


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Responses of these status codes with an Error body, by reference to the document's components.
    Not FastAPI's {"model": Error}: for each, every route builds a validator it never uses, at every start
    of the app (40 of them took half of create_app's time)."""
    return {code: {"content": {JSON: {"schema": {"$ref": REF.format(model="Error")}}}} for code in codes}


def body_schema(*names: str) -> dict[str, Any]:
    """An `openapi_extra` request body that accepts any of the named component schemas."""
    refs = [{"$ref": REF.format(model=name)} for name in names]
    schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
    return {"requestBody": {"required": True, "content": {JSON: {"schema": schema}}}}


def add_components(app: FastAPI, models: Callable[[], list[type[BaseModel]]]) -> None:
    """Put models that no route parameter mentions into the document's components.

    `models` is called on the first request for the document, not at start: their schemas take two
    thirds of the time create_app() takes, and only /openapi.json (or /docs) reads them.
    """
    generate = app.openapi

    @functools.cache
    def components() -> dict[str, Any]:
        _, document = models_json_schema([(model, "validation") for model in models()], ref_template=REF)
        return dict(document.get("$defs", {}))

    def openapi() -> dict[str, Any]:
        schema = generate()
        schema.setdefault("components", {}).setdefault("schemas", {}).update(components())
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
