"""The baseline batch scorer: pandas reads the whole file, the scikit-learn pipeline predicts, pandas
writes. `python -m benchmarks.sklearn_batch ARTIFACTS INPUT OUTPUT`; benchmarks/batch.py times it."""

import json
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd


def main(artifacts: Path, source: Path, target: Path) -> None:
    manifest = json.loads((artifacts / "manifest.json").read_text())
    numeric = [feature["name"] for feature in manifest["features"]]
    categorical = [feature["name"] for feature in manifest.get("categorical", [])]
    frame = pd.read_parquet(source)
    # The frame the pipeline was fitted on: float32 numbers, then categories with "" for missing.
    features = frame[numeric].astype(np.float32)
    for name in categorical:
        features[name] = frame[name].astype(object).where(frame[name].notna(), "")
    pipeline = joblib.load(artifacts / "model.joblib")
    if manifest["classes"]:
        probabilities = pipeline.predict_proba(features)
        out = pd.DataFrame(probabilities, columns=[f"probability_{c}" for c in manifest["classes"]])
        out.insert(0, "label", np.asarray(manifest["classes"], dtype=object)[probabilities.argmax(axis=1)])
    else:
        out = pd.DataFrame({"value": pipeline.predict(features)})
    out.to_parquet(target)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
