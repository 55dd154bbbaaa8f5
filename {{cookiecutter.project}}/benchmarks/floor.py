"""The floor: a FastAPI app that only parses the body with pydantic and returns a constant.

It has the model's feature schema, so it does the validation a plain FastAPI server would do and
nothing else. It lives here, never in the served package. BENCH_MANIFEST names the manifest.
"""

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import create_model


def create_app() -> FastAPI:
    manifest = json.loads(Path(os.environ["BENCH_MANIFEST"]).read_text())
    fields: dict[str, Any] = {feature["name"]: (float | None, ...) for feature in manifest["features"]}
    fields.update({feature["name"]: (str | None, ...) for feature in manifest.get("categorical", [])})
    row = create_model("Row", **fields)
    rows = create_model("Rows", rows=(list[row], ...))
    app = FastAPI()

    @app.post("/predict")
    async def predict(body: row) -> dict[str, str]:
        return {"label": "constant"}

    @app.post("/predict_batch")
    async def predict_batch(body: rows) -> dict[str, str]:
        return {"label": "constant"}

    return app
