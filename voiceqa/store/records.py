"""What the batch hands the store about a call: identity and metadata (frozen, built in one place:
``voiceqa.batch.metadata.Metadata.for_file``)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CallMeta:
    call_id: str  # the stable identity: metadata call_id, else the path relative to the batch root
    agent_id: str | None = None
    agent_name: str | None = None
    team: str | None = None
    customer_number: str | None = None
    started_at: dt.datetime | None = None
    direction: str | None = None
    queue: str | None = None
