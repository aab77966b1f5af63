"""The service: one method per FHIR interaction, talking to a Store, knowing nothing of HTTP."""
from fhirimaging.service.imaging_study import ImagingStudyService
from fhirimaging.service.requests import (
    CreateRequest,
    DeleteRequest,
    HistoryRequest,
    PatchRequest,
    ReadRequest,
    SearchRequest,
    UpdateRequest,
    VreadRequest,
)
from fhirimaging.service.results import DeleteResult, HistoryResult, JsonDocument, ResourceResult, SearchResult

__all__ = [
    "ImagingStudyService", "CreateRequest", "DeleteRequest", "HistoryRequest", "ReadRequest", "SearchRequest",
    "UpdateRequest", "VreadRequest", "PatchRequest", "DeleteResult", "HistoryResult", "JsonDocument",
    "ResourceResult", "SearchResult",
]
