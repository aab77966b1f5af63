"""The Store port and its adapters (DynamoDB for Lambda, in-memory for unit tests)."""
from fhirimaging.store.base import HistoryPage, Store, StoredVersion, WriteKind

__all__ = ["HistoryPage", "Store", "StoredVersion", "WriteKind"]
