"""The explanation items are typed (DESIGN.md's four shapes) and still read and write the
JSON every earlier schedule holds: the same keys in the same order, plain objects loaded
back, a broken item refused with a sentence, and each shape documented in the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.core.domain import Schedule
from scheduler.core.errors import BadRequest
from scheduler.core.explanation import ConflictItem, DroppedItem, FixItem, WhyItem
from scheduler.core.io import load_schedule
from web.app import create_app
from web.settings import WebSettings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# As plans stored before the items were typed hold them: plain objects, DESIGN.md's keys.
STORED = [
    {"type": "conflict", "rules": ["plyo_gap"], "sessions": ["ana-plyo-1", "ana-plyo-2"],
     "text": "Two plyo sessions need 48 h between them."},
    {"type": "fix", "change": "drop ana-plyo-2", "text": "Drop the plyo session."},
    {"type": "why", "session": "ana-easy-1", "rules": ["availability"],
     "penalty": {"time_of_day": 2}, "text": "Mon 06:00 easy run (40 min): ..."},
    {"type": "dropped", "session": "ana-plyo-2", "kind": "plyo", "rules": ["plyo_gap"],
     "text": "Dropped the plyo session (20 min, ana-plyo-2) so the rest of the week fits."},
]


def test_each_item_writes_designs_keys_in_their_order_with_its_type_first():
    items = [ConflictItem(rules=["plyo_gap"], sessions=["a", "b"], text="t"),
             FixItem(change="drop b", text="t"),
             WhyItem(session="a", rules=[], penalty={}, text="t"),
             DroppedItem(session="b", kind="plyo", rules=[], text="t")]
    assert [list(item.model_dump()) for item in items] == [
        ["type", "rules", "sessions", "text"], ["type", "change", "text"],
        ["type", "session", "rules", "penalty", "text"],
        ["type", "session", "kind", "rules", "text"]]
    assert [item.type for item in items] == ["conflict", "fix", "why", "dropped"]


def test_plain_objects_as_stored_before_load_as_typed_items_and_dump_back_the_same():
    schedule = Schedule.model_validate({"week_start": "2026-11-30", "timezone": "UTC",
                                        "status": "infeasible", "explanation": STORED})
    assert [type(item) for item in schedule.explanation] == [
        ConflictItem, FixItem, WhyItem, DroppedItem]
    assert schedule.model_dump(mode="json")["explanation"] == STORED
    assert json.dumps(schedule.model_dump(mode="json")["explanation"]) == json.dumps(STORED)


def test_a_written_week_that_cannot_fit_reads_back_byte_for_byte(tmp_path):
    out = tmp_path / "week.json"
    assert main(["plan", str(EXAMPLES / "infeasible_week.json"), "--json", str(out)]) == 3
    written = out.read_text(encoding="utf-8")
    schedule = load_schedule(out)
    assert isinstance(schedule.explanation[0], ConflictItem)
    assert {type(item) for item in schedule.explanation[1:]} == {FixItem}
    assert schedule.model_dump_json(indent=2) + "\n" == written


@pytest.mark.parametrize(("item", "sentence"), [
    ({**STORED[0], "type": "conflicts"},
     "Field 'explanation[0].type' must be one of 'conflict', 'fix', 'why', 'dropped' "
     "(got \"conflicts\")."),
    ({k: v for k, v in STORED[1].items() if k != "type"},
     "Field 'explanation[0].type' is required."),
])
def test_an_item_of_no_known_type_is_refused_with_a_sentence(tmp_path, item, sentence):
    path = tmp_path / "week.json"
    path.write_text(json.dumps({"week_start": "2026-11-30", "timezone": "UTC",
                                "status": "infeasible", "explanation": [item]}))
    with pytest.raises(BadRequest) as refused:
        load_schedule(path)
    assert str(refused.value) == f"{path}: {sentence}"


def test_the_api_documents_each_item_shape_and_every_field():
    schemas = create_app(WebSettings(database_url="sqlite://")).openapi()["components"][
        "schemas"]
    items = schemas["Schedule"]["properties"]["explanation"]["items"]
    assert items["discriminator"]["propertyName"] == "type"
    assert set(items["discriminator"]["mapping"]) == {"conflict", "fix", "why", "dropped"}
    for model in (ConflictItem, FixItem, WhyItem, DroppedItem):
        shape = schemas[model.__name__]
        assert list(shape["properties"]) == list(model.model_fields)
        assert shape["required"] == list(model.model_fields)  # `type` is always written
        assert shape["additionalProperties"] is False
        assert all(field.get("description") for field in shape["properties"].values())
