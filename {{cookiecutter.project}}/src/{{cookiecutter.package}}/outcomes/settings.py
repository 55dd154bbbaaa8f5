"""The prediction id keys from `APP_PREDICTION_ID_*`: the key ids are signed with, and the one a rotation
still accepts. In a cluster they come from the Secret `<project>-prediction-ids` (docs/deploy.md)."""

import os

from pydantic import Field, SecretStr, field_validator, model_validator

from ..settings import AppSettings
from .ids import IdKeys, SigningKey

KEY_VARIABLE = "APP_PREDICTION_ID_KEY"


class PredictionIdSettings(AppSettings):
    """Unset, `serve` makes a key at start and shares it with its workers (serving/ids.py)."""

    prediction_id_key: SecretStr | None = Field(
        None, description="Signs prediction ids: base64 of 32 random bytes (openssl rand -base64 32)"
    )
    prediction_id_key_id: int = Field(0, ge=0, le=255, description="Carried in each id, names its key")
    prediction_id_previous_key: SecretStr | None = Field(
        None, description="Also accepted during a rotation (docs/deploy.md); never signs"
    )
    prediction_id_previous_key_id: int | None = Field(None, ge=0, le=255)
    prediction_id_max_age: int = Field(
        30 * 86400, ge=60, description="Seconds an id stays valid: longer than outcomes take to arrive"
    )

    @field_validator("prediction_id_key", "prediction_id_previous_key")
    @classmethod
    def _is_a_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None:
            SigningKey.from_base64(key.get_secret_value(), 0)
        return key

    @model_validator(mode="after")
    def _previous_is_whole(self) -> "PredictionIdSettings":
        previous = self.prediction_id_previous_key, self.prediction_id_previous_key_id
        if (previous[0] is None) != (previous[1] is None):
            raise ValueError(
                "APP_PREDICTION_ID_PREVIOUS_KEY and APP_PREDICTION_ID_PREVIOUS_KEY_ID go together"
            )
        if self.prediction_id_key is None and previous[0] is not None:
            raise ValueError("APP_PREDICTION_ID_PREVIOUS_KEY needs APP_PREDICTION_ID_KEY")
        if previous[1] is not None and previous[1] == self.prediction_id_key_id:
            raise ValueError("APP_PREDICTION_ID_PREVIOUS_KEY_ID must differ from APP_PREDICTION_ID_KEY_ID")
        return self

    def id_keys(self) -> IdKeys | None:
        """The configured keys, or None when no key is set."""
        if self.prediction_id_key is None:
            return None
        current = SigningKey.from_base64(self.prediction_id_key.get_secret_value(), self.prediction_id_key_id)
        previous = None
        if self.prediction_id_previous_key is not None and self.prediction_id_previous_key_id is not None:
            secret = self.prediction_id_previous_key.get_secret_value()
            previous = SigningKey.from_base64(secret, self.prediction_id_previous_key_id)
        return IdKeys(current, previous, self.prediction_id_max_age)


def export_key(key: str) -> None:
    """Hand a key made at start to the worker processes, which uvicorn spawns with this environment."""
    os.environ[KEY_VARIABLE] = key
