"""DICOM ingest: the headers of one study's objects become (part of) its ImagingStudy, in one upsert.

The study is found by its Study Instance UID (identifier `urn:dicom:uid|urn:oid:<uid>`, a guarded
identifier, so concurrent batches of one study never make two studies); the headers are merged into it and
the result is written with the version it was built on; a lost race re-reads and re-merges. Headers that
add nothing (a re-delivered object) write nothing.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from fhirimaging.dicom.mapping import DEFAULT_CONFIG, InstanceHeader, MappingConfig
from fhirimaging.dicom.merge import merge
from fhirimaging.identifiers import DICOM_UID_SYSTEM
from fhirimaging.search.query import parse_query
from fhirimaging.service.imaging_study import ImagingStudyService


class IngestOutcome(NamedTuple):
    study_uid: str
    id: str | None  # None when nothing was written
    version: int | None
    instances: int  # headers merged (duplicates included)


class StudyIngest:
    def __init__(self, service: ImagingStudyService, config: MappingConfig = DEFAULT_CONFIG) -> None:
        self._service = service
        self._config = config

    def ingest(self, study_uid: str, headers: Iterable[InstanceHeader]) -> IngestOutcome:
        """Merge the headers (all of study `study_uid`) into its ImagingStudy: one write, or none."""
        headers = list(headers)
        if any(h.study_uid != study_uid for h in headers):
            raise ValueError("every header must belong to the study being ingested")
        query = parse_query([("identifier", f"{DICOM_UID_SYSTEM}|urn:oid:{study_uid}")], strict=True, base_url="")
        result = self._service.upsert(query, lambda current: merge(current, headers, self._config))
        if result is None:
            return IngestOutcome(study_uid, None, None, len(headers))
        return IngestOutcome(study_uid, result.version.id, result.version.version, len(headers))
