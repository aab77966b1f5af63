"""Synthetic DICOM files for the ingest tests: pydicom's CT_small with new UIDs and a 4x4 image."""
from __future__ import annotations

import io
from functools import cache

import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

from fhirimaging.dicom.part10 import Header, read_part10


@cache
def template_dataset() -> bytes:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    ds.Rows = ds.Columns = 4  # small files: 16 pixels
    ds.PixelData = bytes(4 * 4 * 2)
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return buffer.getvalue()


def dicom_bytes(template: bytes | None = None, **values) -> bytes:
    """The template with these attributes set (None deletes one)."""
    ds = pydicom.dcmread(io.BytesIO(template or template_dataset()))
    for keyword, value in values.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    if "SOPInstanceUID" in ds:
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return buffer.getvalue()


def header_of(ds: pydicom.Dataset) -> Header:
    """What the ingest reads from this dataset written as a Part 10 file."""
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return read_part10(buffer.getvalue(), whole=True)


def synthetic_study(series: int = 3, instances: int = 20) -> tuple[str, dict[str, dict], list[tuple[str, bytes]]]:
    """(Study Instance UID, {series uid: {"number", "instances": {sop uid: number}}}, [(key, file bytes)])."""
    study_uid = generate_uid()
    layout: dict[str, dict] = {}
    files = []
    for s in range(1, series + 1):
        series_uid = generate_uid()
        layout[series_uid] = {"number": s, "instances": {}}
        for i in range(1, instances + 1):
            sop_uid = generate_uid()
            layout[series_uid]["instances"][sop_uid] = i
            files.append((f"{study_uid}/{series_uid}/{sop_uid}.dcm",
                          dicom_bytes(StudyInstanceUID=study_uid, SeriesInstanceUID=series_uid, SeriesNumber=s,
                                      SOPInstanceUID=sop_uid, InstanceNumber=i)))
    return study_uid, layout, files


class RangedObject:
    """An S3 client's get_object with Range over bytes in memory, counting the calls (the bytes they asked up to)."""

    def __init__(self, data: bytes):
        self.data, self.calls = data, []

    def get_object(self, Bucket, Key, Range):
        first, last = (int(x) for x in Range.removeprefix("bytes=").split("-"))
        self.calls.append(last + 1)
        chunk = self.data[first:last + 1]
        return {"Body": io.BytesIO(chunk), "ContentRange": f"bytes {first}-{first + len(chunk) - 1}/{len(self.data)}"}
