"""Custom Prefect events: ``duban.item.red`` for each item that newly turned red.

The ``escalate`` deployment is triggered by these events (see prefect.yaml); its
work is idempotent, and ``render-documents`` issues any 督办单 whose event was lost.
"""

from __future__ import annotations

from prefect.events import emit_event

RED_EVENT = "duban.item.red"
RESOURCE_PREFIX = "duban.item."


def item_resource_id(no: str) -> str:
    return f"{RESOURCE_PREFIX}{no}"


def item_no(resource_or_no: str) -> str:
    """Accept ``duban.item.MS2015-0001`` (from the event) or ``MS2015-0001``."""
    return resource_or_no.removeprefix(RESOURCE_PREFIX)


def emit_red_events(campaign: str, numbers: list[str], as_of: str) -> list[str]:
    emitted = []
    for no in numbers:
        event = emit_event(
            event=RED_EVENT,
            resource={"prefect.resource.id": item_resource_id(no), "prefect.resource.name": no,
                      "duban.campaign": campaign},
            payload={"item": no, "campaign": campaign, "as_of": as_of},
        )
        if event is not None:
            emitted.append(item_resource_id(no))
    return emitted
