"""Large responses travel gzip-compressed to clients that accept it (API Gateway HTTP APIs do not compress)."""
from __future__ import annotations

import base64
import gzip
import json

import pytest

from fhirimaging.http.render import COMPRESS_FROM, encoded, response

LARGE = json.dumps({"resourceType": "ImagingStudy", "description": "x" * COMPRESS_FROM})


@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate, br", "br;q=1, *;q=0.1", "x-gzip", "GZIP;q=0.5"])
def test_a_large_body_is_gzipped_when_accepted(accept):
    out = encoded(response(200, LARGE, {"ETag": 'W/"1"'}), accept)
    assert out["isBase64Encoded"] is True and out["statusCode"] == 200
    assert out["headers"]["content-encoding"] == "gzip" and out["headers"]["vary"] == "accept-encoding"
    assert out["headers"]["etag"] == 'W/"1"' and out["headers"]["content-type"].startswith("application/fhir+json")
    assert gzip.decompress(base64.b64decode(out["body"])).decode() == LARGE
    assert len(out["body"]) < len(LARGE) // 10


@pytest.mark.parametrize("accept", [None, "", "identity", "deflate", "gzip;q=0", "gzip;q=0, *", "gzip;q=x"])
def test_a_large_body_stays_plain_unless_gzip_is_accepted(accept):
    out = encoded(response(200, LARGE), accept)
    assert out["body"] == LARGE and out["isBase64Encoded"] is False
    assert "content-encoding" not in out["headers"] and out["headers"]["vary"] == "accept-encoding"


def test_a_small_body_is_never_compressed():
    small = response(404, '{"resourceType":"OperationOutcome"}')
    assert encoded(small, "gzip") is small
