"""The Huey instance (SqliteHuey by default, RedisHuey with REDIS_URL; see settings.HUEY)."""

from __future__ import annotations

from huey.contrib.djhuey import HUEY as huey

__all__ = ["huey"]
