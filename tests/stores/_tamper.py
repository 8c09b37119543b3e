"""Hand edits of a stored log, the same on every SQL store: each must show up in ``verify()``."""

from __future__ import annotations

from typing import Any

from payfold import SCHEMA_VERSION, encode, event_id
from payfold._store import EventStore, Problem
from payfold.adapters.stores._chain import link
from payfold.testing._store_streams import created, sent, unknown


class TamperCases:
    """Subclasses provide a ``store`` fixture and ``run(store, sql, *args)`` with ``{}`` for each parameter."""

    async def run(self, store: EventStore, sql: str, *args: Any) -> None:
        raise NotImplementedError

    async def _seed(self, store: EventStore) -> None:
        await store.append("a", [created("a"), sent(1), unknown(2), sent(3)], expected_version=0)
        await store.append("b", [created("b"), sent(1)], expected_version=0)
        assert (await store.verify()).ok

    async def _only_problem(self, store: EventStore) -> Problem:
        report = await store.verify()
        assert not report.ok
        assert len(report.problems) == 1, report.problems
        return report.problems[0]

    async def test_edited_bytes_are_detected(self, store: EventStore) -> None:
        await self._seed(store)
        record = (await store.read_records("a"))[0]
        data = record.data.replace(b'"amount":1000', b'"amount":9000')
        await self.run(store, "UPDATE payfold_events SET data = {} WHERE stream = 'a' AND version = 1", data)
        problem = await self._only_problem(store)
        assert (problem.stream, problem.version, problem.kind) == ("a", 1, "id")

    async def test_edited_bytes_with_a_matching_id_are_detected(self, store: EventStore) -> None:
        await self._seed(store)
        record = (await store.read_records("a"))[1]
        data = record.data.replace(b'"operation":"charge"', b'"operation":"requery"')
        sql = "UPDATE payfold_events SET data = {}, id = {} WHERE stream = 'a' AND version = 2"
        await self.run(store, sql, data, event_id(data))
        problem = await self._only_problem(store)
        assert (problem.stream, problem.version, problem.kind) == ("a", 2, "hash")

    async def test_edited_tag_is_detected(self, store: EventStore) -> None:
        await self._seed(store)
        await self.run(store, "UPDATE payfold_events SET tag = 'settled' WHERE stream = 'b' AND version = 2")
        problem = await self._only_problem(store)
        assert (problem.stream, problem.version, problem.kind) == ("b", 2, "hash")

    async def test_deleted_row_is_detected(self, store: EventStore) -> None:
        await self._seed(store)
        await self.run(store, "DELETE FROM payfold_events WHERE stream = 'a' AND version = 2")
        problem = await self._only_problem(store)
        assert (problem.stream, problem.kind) == ("a", "gap")
        assert "expected version 2, found 3" in problem.detail

    async def test_deleted_last_row_breaks_nothing_but_changes_the_head(self, store: EventStore) -> None:
        await self._seed(store)
        before = (await store.read_records("a"))[-1].hash
        await self.run(store, "DELETE FROM payfold_events WHERE stream = 'a' AND version = 4")
        assert (await store.verify()).ok  # truncation is only visible against a head hash kept elsewhere
        assert (await store.read_records("a"))[-1].hash != before

    async def test_reordered_rows_are_detected(self, store: EventStore) -> None:
        await self._seed(store)
        records = await store.read_records("a")
        two, three = records[1], records[2]
        sql = "UPDATE payfold_events SET tag = {}, id = {}, hash = {}, data = {} WHERE stream = 'a' AND version = {}"
        await self.run(store, sql, three.tag, "x", "x", three.data, 2)
        await self.run(store, sql, two.tag, two.id, two.hash, two.data, 3)
        await self.run(store, sql, three.tag, three.id, three.hash, three.data, 2)
        problem = await self._only_problem(store)
        assert (problem.stream, problem.version, problem.kind) == ("a", 2, "hash")

    async def test_swapped_positions_are_detected(self, store: EventStore) -> None:
        await self._seed(store)
        records = await store.read_records("a")
        sql = "UPDATE payfold_events SET position = {} WHERE stream = 'a' AND version = {}"
        await self.run(store, sql, 1000, 2)
        await self.run(store, sql, records[1].position, 3)
        await self.run(store, sql, records[2].position, 2)
        problem = await self._only_problem(store)
        assert (problem.stream, problem.version, problem.kind) == ("a", 3, "order")

    async def test_inserted_row_is_detected(self, store: EventStore) -> None:
        await self._seed(store)
        records = await store.read_records("b")
        await self.run(store, "UPDATE payfold_events SET version = 3 WHERE stream = 'b' AND version = 2")
        data = encode(sent(99))
        chained = link(records[0].hash, "b", 2, "request_sent", SCHEMA_VERSION, data)  # a well-forged link
        sql = (
            "INSERT INTO payfold_events (position, stream, version, tag, schema_version, id, hash, data)"
            " VALUES ({}, 'b', 2, 'request_sent', {}, {}, {}, {})"
        )
        await self.run(store, sql, 5000, SCHEMA_VERSION, event_id(data), chained, data)
        problem = await self._only_problem(store)
        assert (problem.stream, problem.version, problem.kind) == ("b", 3, "order")
