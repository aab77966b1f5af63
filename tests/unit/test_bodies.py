"""store/bodies.py against a fake S3 client: hashes are checked, a busy S3 is a retryable 503."""
from __future__ import annotations

import io

import pytest
from botocore.exceptions import ClientError

from fhirimaging.errors import BodyMissing, Throttled
from fhirimaging.store.bodies import BodyBucket, BodyRef


class FakeS3:
    def __init__(self, error: str | None = None):
        self.objects: dict[str, bytes] = {}
        self.error = error

    def _fail(self, operation: str) -> None:
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "injected"}}, operation)

    def put_object(self, Bucket, Key, Body, **kwargs):  # noqa: N803 (boto3's names)
        self._fail("PutObject")
        self.objects[Key] = Body

    def get_object(self, Bucket, Key):  # noqa: N803
        self._fail("GetObject")
        if Key not in self.objects:
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "gone"}}, "GetObject")
        return {"Body": io.BytesIO(self.objects[Key])}


def test_a_body_comes_back_only_while_it_matches_its_hash():
    s3 = FakeS3()
    bodies = BodyBucket(lambda: s3, "b")
    refs = [bodies.put("a", 1, b"one"), bodies.put("a", 2, b"two"), bodies.put("b", 1, b"three")]
    assert [r.key.rsplit("/", 1)[0] for r in refs] == ["ImagingStudy/a/1", "ImagingStudy/a/2", "ImagingStudy/b/1"]
    assert bodies.get_all(refs) == [b"one", b"two", b"three"]  # in order, fetched side by side
    s3.objects[refs[1].key] = b"altered"
    with pytest.raises(BodyMissing, match="does not match its hash"):
        bodies.get_all(refs[1:2])
    with pytest.raises(BodyMissing, match="is missing"):
        bodies.get_all([BodyRef("ImagingStudy/c/1/x", refs[0].sha256)])


@pytest.mark.parametrize("code", ["SlowDown", "ServiceUnavailable", "InternalError"])
def test_a_busy_s3_is_a_retryable_503(code):
    bodies = BodyBucket(lambda: FakeS3(code), "b")
    with pytest.raises(Throttled) as put:
        bodies.put("a", 1, b"x")
    with pytest.raises(Throttled):
        bodies.get_all([BodyRef("ImagingStudy/a/1/x", "0" * 64)])
    assert put.value.status == 503 and put.value.headers == {"Retry-After": "1"}


def test_other_s3_errors_are_not_hidden():
    with pytest.raises(ClientError, match="AccessDenied"):
        BodyBucket(lambda: FakeS3("AccessDenied"), "b").put("a", 1, b"x")
