"""The keyed hashes' keys (disclosure/keys.py): one rule for the blind index and the tracking codes."""

import hashlib
import hmac

from django.test import override_settings

from disclosure import blindindex, keys
from disclosure.services import intake


@override_settings(SECRET_KEY="s3cret", GONGKAI_BLIND_INDEX_KEY="", GONGKAI_TRACKING_KEY="")
def test_unset_keys_derive_from_secret_key_and_purpose_as_before():
    # the derivation existing hashes were made with: changing it would orphan every stored hash
    assert blindindex.key() == hashlib.sha256(b"gongkai-blind-index:s3cret").digest()
    assert keys.key_for("gongkai-tracking-code", "GONGKAI_TRACKING_KEY") == hashlib.sha256(
        b"gongkai-tracking-code:s3cret").digest()
    expected = hmac.new(hashlib.sha256(b"gongkai-tracking-code:s3cret").digest(), b"ABCD2345EFGH", hashlib.sha256)
    assert intake.tracking_hash("abcd-2345-efgh") == expected.hexdigest()


@override_settings(SECRET_KEY="s3cret", GONGKAI_BLIND_INDEX_KEY="index-key", GONGKAI_TRACKING_KEY="tracking-key")
def test_a_configured_key_is_the_key_and_purposes_never_share_one():
    assert blindindex.key() == b"index-key"
    expected = hmac.new(b"index-key", b"110101199003077777", hashlib.sha256).hexdigest()[:blindindex.HASH_LENGTH]
    assert blindindex.applicant_id_hash(" 110101199003077777 ") == expected
    assert intake.tracking_hash("ABCD2345EFGH") == hmac.new(b"tracking-key", b"ABCD2345EFGH", hashlib.sha256).hexdigest()


@override_settings(SECRET_KEY="s3cret", GONGKAI_BLIND_INDEX_KEY="", GONGKAI_TRACKING_KEY="")
def test_derived_keys_differ_by_purpose_and_follow_secret_key():
    first = keys.key_for("gongkai-blind-index", "GONGKAI_BLIND_INDEX_KEY")
    assert first != keys.key_for("gongkai-tracking-code", "GONGKAI_TRACKING_KEY")
    with override_settings(SECRET_KEY="other"):
        assert keys.key_for("gongkai-blind-index", "GONGKAI_BLIND_INDEX_KEY") != first
