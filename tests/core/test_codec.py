"""The stored format: golden files decode forever; the codec refuses what it cannot read, saying why."""

from __future__ import annotations

from pathlib import Path

import pytest

from payfold import SCHEMA_VERSION, UPCASTERS, UnreadableEvent, decode, encode, event_id, tag_of
from payfold._events import TAG_OF

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def golden_files() -> list[Path]:
    return sorted(GOLDEN.glob("*.v*.json"))


def test_every_tag_has_a_golden_file() -> None:
    tags = {path.name.split(".")[0] for path in golden_files()}
    assert tags == set(TAG_OF.values())


@pytest.mark.parametrize("path", golden_files(), ids=lambda p: p.name)
def test_golden_file_decodes_forever(path: Path) -> None:
    tag, version = path.name.split(".")[0], int(path.name.split(".")[1][1:])
    data = path.read_bytes().rstrip(b"\n")
    event = decode(data, version)
    assert tag_of(event) == tag
    if version == SCHEMA_VERSION:
        assert encode(event) == data  # canonical bytes are stable: event ids do not change


def test_event_id_is_sha256_of_the_canonical_bytes() -> None:
    data = (GOLDEN / "created.v1.json").read_bytes().rstrip(b"\n")
    assert event_id(data) == event_id(encode(decode(data)))
    assert len(event_id(data)) == 64


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "truncated"),
        (b'{"type":"nope","at":"2026-01-01T00:00:00Z"}', "Invalid value 'nope'"),
        (b'{"type":"failed","at":"2026-01-01T00:00:00"}', "timezone"),
        (b'{"type":"failed","at":"2026-01-01T00:00:00+02:00","reason":"x"}', "offset"),
        (
            b'{"type":"created","at":"2026-01-01T00:00:00Z","payment_id":"p","provider":"t","amount":-5,'
            b'"currency":"UAH","reference":"r"}',
            "positive integer",
        ),
        (
            b'{"type":"created","at":"2026-01-01T00:00:00Z","payment_id":"p","provider":"t","amount":5,'
            b'"currency":"ZZZ","reference":"r"}',
            "ZZZ",
        ),
    ],
)
def test_unreadable_bytes_raise_a_clear_error(data: bytes, needle: str) -> None:
    with pytest.raises(UnreadableEvent, match=needle):
        decode(data)


def test_a_newer_schema_version_is_refused() -> None:
    with pytest.raises(UnreadableEvent, match=f"reads schema versions 1 to {SCHEMA_VERSION}"):
        decode(b"{}", SCHEMA_VERSION + 1)


def test_upcasters_run_from_the_stored_version(monkeypatch: pytest.MonkeyPatch) -> None:
    import payfold._codec as codec

    def rename_reason(obj: dict[str, object]) -> dict[str, object]:
        if obj.get("type") == "failed" and "why" in obj:
            obj["reason"] = obj.pop("why")
        return obj

    monkeypatch.setattr(codec, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(UPCASTERS, 1, rename_reason)
    event = codec.decode(b'{"type":"failed","at":"2026-01-01T00:00:00Z","why":"old name"}', 1)
    assert event.reason == "old name"  # type: ignore[union-attr]
