"""Read only the header of a DICOM object in S3: ranged GETs that grow until the header is whole.

The first GET asks for 64 KiB; while the reader finds the prefix ends before the pixel data, the next
asks for twice as much (or, if one element is longer, up to its end). A prefix that is the whole object
ends either at an element boundary (a header without pixel data, accepted) or inside an element
(truncated, refused).
"""
from __future__ import annotations

from typing import Any

from fhirimaging.dicom.part10 import Header, read_part10
from fhirimaging.errors import NeedMore, NotIngestible

FIRST_RANGE = 64 * 1024
MAX_HEADER_BYTES = 64 * 1024 * 1024


def read_header(s3: Any, bucket: str, key: str, first: int = FIRST_RANGE,
                limit: int = MAX_HEADER_BYTES) -> Header:
    """The object's DICOM header (no pixel data); NotIngestible if it is not a whole DICOM header."""
    size = first
    while True:
        data, total = _get_range(s3, bucket, key, size)
        try:
            return read_part10(data, whole=len(data) >= total)
        except NeedMore as e:
            if size >= limit or e.needed > limit:
                raise NotIngestible(f"the DICOM header is larger than {limit} bytes") from None
            size = min(max(size * 2, e.needed), limit)


def _get_range(s3: Any, bucket: str, key: str, size: int) -> tuple[bytes, int]:
    """Up to `size` leading bytes of the object and the object's total size."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{size - 1}")
    except Exception as e:
        code = (getattr(e, "response", None) or {}).get("Error", {}).get("Code")
        if code == "InvalidRange":  # an empty object has no byte 0
            raise NotIngestible("not a DICOM file: the object is empty") from None
        raise
    data = response["Body"].read()
    content_range = response.get("ContentRange") or ""
    total = int(content_range.rsplit("/", 1)[1]) if "/" in content_range else len(data)
    return data, total
