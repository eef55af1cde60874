"""The keyed audit chain and its checkpoints, pure."""
from hypothesis import given
from hypothesis import strategies as st

from clinic.domain.chain import GENESIS, ChainLink, Checkpoint, against_checkpoint, event_hash, verify_chain

KEY = b"k" * 32


def _chain(n, key=KEY):
    links, prev = [], GENESIS
    for i in range(1, n + 1):
        content = {"action": "x", "n": i}
        digest = event_hash(prev, content, key)
        links.append(ChainLink(i, prev, digest, content))
        prev = digest
    return links


def test_intact_chain_verifies():
    result = verify_chain(_chain(5), KEY)
    assert result.ok and result.checked == 5 and result.last_id == 5 and result.head == _chain(5)[-1].hash


def test_edited_content_names_that_event():
    links = _chain(5)
    links[2] = ChainLink(3, links[2].prev_hash, links[2].hash, {"action": "tampered", "n": 3})
    result = verify_chain(links, KEY)
    assert not result.ok and result.first_broken_id == 3 and result.checked == 2


def test_removed_event_names_the_one_after_the_gap():
    links = _chain(5)
    del links[1]
    result = verify_chain(links, KEY)
    assert not result.ok and result.first_broken_id == 3


def test_a_chain_rehashed_without_the_key_does_not_verify():
    """Whoever can write the table but has not the key cannot rewrite the chain into one that verifies."""
    assert not verify_chain(_chain(5, key=b"a guess at the key"), KEY).ok


def test_empty_chain_is_intact():
    assert verify_chain([], KEY).ok


def _checkpoint_of(links, key=KEY):
    result = verify_chain(links, KEY)
    return result, Checkpoint("2026-12-05T12:00:00+00:00", result.checked, result.last_id, result.head).signed(key)


def test_the_checkpoint_finds_each_loss():
    links = _chain(6)
    _, kept = _checkpoint_of(links)
    hashes = {link.id: link.hash for link in links}
    assert against_checkpoint(verify_chain(links, KEY), hashes.get, kept, KEY) is None
    grown = _chain(8)
    assert against_checkpoint(verify_chain(grown, KEY), {link.id: link.hash for link in grown}.get, kept, KEY) is None
    tail_removed = links[:4]
    lost = against_checkpoint(verify_chain(tail_removed, KEY), hashes.get, kept, KEY)
    assert "removed from the end" in lost and "6" in lost
    assert "emptied" in against_checkpoint(verify_chain([], KEY), {}.get, kept, KEY)
    rewritten = _chain(6, key=KEY)[:5] + [ChainLink(6, links[4].hash, "f" * 64, {"action": "y"})]
    assert "rewritten" in against_checkpoint(verify_chain(links, KEY), {6: rewritten[5].hash}.get, kept, KEY)


def test_a_checkpoint_changed_or_made_with_another_key_is_refused():
    links = _chain(3)
    result, kept = _checkpoint_of(links)
    forged = Checkpoint(kept.taken_at, 1, 1, links[0].hash, kept.signature)
    assert "not signed with this key" in against_checkpoint(result, {}.get, forged, KEY)
    _, other = _checkpoint_of(links, key=b"another key entirely, 32 bytes!")
    assert "not signed with this key" in against_checkpoint(result, {}.get, other, KEY)
    assert Checkpoint.from_json(kept.to_json()) == kept


@given(n=st.integers(1, 30), cut=st.integers(0, 29))
def test_any_shortened_chain_is_caught_by_its_checkpoint(n, cut):
    links = _chain(n)
    _, kept = _checkpoint_of(links)
    shorter = links[:min(cut, n - 1)]
    assert against_checkpoint(verify_chain(shorter, KEY), {link.id: link.hash for link in shorter}.get, kept, KEY)
