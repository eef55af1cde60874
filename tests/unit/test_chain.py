"""The audit chain's pure verification."""
from clinic.domain.chain import GENESIS, ChainLink, event_hash, verify_chain


def _chain(n):
    links, prev = [], GENESIS
    for i in range(1, n + 1):
        content = {"action": "x", "n": i}
        digest = event_hash(prev, content)
        links.append(ChainLink(i, prev, digest, content))
        prev = digest
    return links


def test_intact_chain_verifies():
    result = verify_chain(_chain(5))
    assert result.ok and result.checked == 5


def test_edited_content_names_that_event():
    links = _chain(5)
    links[2] = ChainLink(3, links[2].prev_hash, links[2].hash, {"action": "tampered", "n": 3})
    result = verify_chain(links)
    assert not result.ok and result.first_broken_id == 3 and result.checked == 2


def test_removed_event_names_the_one_after_the_gap():
    links = _chain(5)
    del links[1]
    result = verify_chain(links)
    assert not result.ok and result.first_broken_id == 3


def test_empty_chain_is_intact():
    assert verify_chain([]).ok
