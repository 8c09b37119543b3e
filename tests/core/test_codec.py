"""The stored format: golden files decode forever; the codec refuses what it cannot read, saying why."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from payfold import SCHEMA_VERSION, UPCASTERS, PaymentEvent, UnreadableEvent, decode, encode, event_id, tag_of
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

    monkeypatch.setattr(codec, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(UPCASTERS, SCHEMA_VERSION, rename_reason)
    event = codec.decode(b'{"type":"failed","at":"2026-01-01T00:00:00Z","why":"old name"}', SCHEMA_VERSION)
    assert event.reason == "old name"  # type: ignore[union-attr]


def test_events_encode_without_their_defaults() -> None:
    event = decode((GOLDEN / "request_sent.v1.json").read_bytes().rstrip(b"\n"), 1)
    data = encode(event)
    assert b'"attempt"' not in data or event.attempt != 1  # type: ignore[union-attr]
    assert b'"sender"' not in data
    assert b"null" not in encode(decode((GOLDEN / "outcome_unknown.v1.json").read_bytes().rstrip(b"\n"), 1))


def _with_a_new_defaulted_field(cls: type[PaymentEvent]) -> type[PaymentEvent]:
    """``cls`` as a later payfold might declare it: the same tag, one more field with a default."""
    tag = cls.__struct_config__.tag
    added: type[PaymentEvent] = msgspec.defstruct(  # type: ignore[assignment]
        cls.__name__, [("added_later", str, "")], bases=(cls,), tag=tag, frozen=True, kw_only=True
    )
    return added


@pytest.mark.parametrize("path", sorted(GOLDEN.glob(f"*.v{SCHEMA_VERSION}.json")), ids=lambda p: p.name)
def test_a_new_defaulted_field_leaves_old_events_bytes_and_ids_unchanged(path: Path) -> None:
    data = path.read_bytes().rstrip(b"\n")
    later = _with_a_new_defaulted_field(type(decode(data)))
    reread = msgspec.json.decode(data, type=later)
    assert msgspec.json.encode(reread) == data
    assert event_id(msgspec.json.encode(reread)) == event_id(data)


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.v1.json")), ids=lambda p: p.name)
def test_version_1_events_read_as_version_2(path: Path) -> None:
    data = path.read_bytes().rstrip(b"\n")
    newer = GOLDEN / path.name.replace(".v1.", ".v2.")
    assert decode(data, 1) == decode(newer.read_bytes().rstrip(b"\n"), 2)
