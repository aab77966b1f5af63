"""Read only the header of a DICOM object in S3: ranged GETs that grow until pydicom has the whole header.

pydicom does not raise on a prefix that ends mid-header: it returns the elements read so far. So the
prefix is read through a file object that notes short reads: no short read means pydicom stopped at
the pixel data (the header is whole); a short read means the prefix ended first, so fetch twice as
much, unless the prefix was the whole object: then it ended at an element boundary (a header without
pixel data, accepted) or in the middle of an element (truncated, refused).
"""
from __future__ import annotations

import io
from typing import Any

import pydicom
from pydicom.errors import InvalidDicomError

from fhirimaging.dicom.part10 import NotIngestible

FIRST_RANGE = 64 * 1024
MAX_HEADER_BYTES = 64 * 1024 * 1024


class _Prefix(io.BytesIO):
    """A byte prefix that remembers whether a read came back shorter than asked (and whether non-empty)."""

    short = False
    partial = False

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if size is not None and size >= 0 and len(data) < size:
            self.short = True
            self.partial = self.partial or bool(data)
        return data


def read_header(s3: Any, bucket: str, key: str, first: int = FIRST_RANGE,
                limit: int = MAX_HEADER_BYTES) -> pydicom.Dataset:
    """The object's DICOM header (no pixel data); NotIngestible if it is not a whole DICOM header."""
    size = first
    while True:
        data, total = _get_range(s3, bucket, key, size)
        exhausted = len(data) >= total
        prefix = _Prefix(data)
        try:
            dataset = pydicom.dcmread(prefix, stop_before_pixels=True)
        except InvalidDicomError as e:
            raise NotIngestible(f"not a DICOM file: {e}") from None
        except Exception as e:  # a corrupt element; a prefix cut mid-element may also raise here
            if exhausted:
                raise NotIngestible(f"corrupt DICOM: {type(e).__name__}: {e}") from None
            dataset = None
        if dataset is not None and not prefix.short:
            return dataset  # stopped at the pixel data: the header is whole
        if exhausted:
            if dataset is None or prefix.partial:
                raise NotIngestible(f"truncated DICOM: the object ends inside an element ({total} bytes)")
            return dataset
        if size >= limit:
            raise NotIngestible(f"the DICOM header is larger than {limit} bytes")
        size = min(size * 2, limit)


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
