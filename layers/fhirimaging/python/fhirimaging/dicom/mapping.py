"""One DICOM header -> the parts of an R5 ImagingStudy it contributes (study, series, instance).

DICOM values may break FHIR rules (padding, empty strings, control characters, over-long or malformed
UIDs, impossible dates): each is cleaned or dropped here, so that every study built from these parts is
valid R5. A header without a usable Study, Series or SOP Instance UID or SOP Class UID is refused.
"""
from __future__ import annotations

import os
import re
from datetime import date
from typing import Any, NamedTuple

from fhirimaging.dicom.part10 import Header, Value
from fhirimaging.errors import NotIngestible
from fhirimaging.identifiers import DICOM_UID_SYSTEM
from fhirimaging.resource import FHIR_ID

DCM_SYSTEM = "http://dicom.nema.org/resources/ontology/DCM"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
RFC3986 = "urn:ietf:rfc:3986"
SNOMED = "http://snomed.info/sct"
# Laterality (0020,0060) -> the R5 laterality binding (SNOMED CT).
LATERALITY = {"L": ("7771000", "Left"), "R": ("24028007", "Right"), "B": ("51440002", "Bilateral")}

_UID = re.compile(r"[0-9](?:[0-9.]{0,63})")  # a DICOM UID that is also a FHIR id (<= 64 chars)
_CONTROL = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]")
_TIME = re.compile(r"([01][0-9]|2[0-3])(?:([0-5][0-9])(?:([0-5][0-9])(?:\.([0-9]{1,6}))?)?)?")
_OFFSET = re.compile(r"([+-])(0[0-9]|1[0-4])([0-5][0-9])")
_ZONE = re.compile(r"Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00")


class MappingConfig(NamedTuple):
    """Optional deployment choices (environment variables of the ingest function)."""

    # e.g. "Patient/{patient_id}": subject becomes that literal reference instead of a logical one.
    patient_reference_template: str | None = None
    # Identifier.system of the Patient ID when the header has no (URI) Issuer of Patient ID.
    patient_identifier_system: str | None = None
    # Time zone ("Z", "+01:00") of StudyTime/SeriesTime when the header has no TimezoneOffsetFromUTC;
    # unset: `started` is the date only (FHIR requires a zone on a time).
    default_timezone: str | None = None
    # e.g. "Endpoint/wado": the study's WADO-RS endpoint.
    endpoint_reference: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "MappingConfig":
        env = os.environ if env is None else env
        zone = env.get("DICOM_DEFAULT_TIMEZONE") or None
        if zone is not None and not _ZONE.fullmatch(zone):
            raise ValueError(f"DICOM_DEFAULT_TIMEZONE must be Z or +hh:mm, not {zone!r}")
        return cls(patient_reference_template=env.get("PATIENT_REFERENCE_TEMPLATE") or None,
                   patient_identifier_system=env.get("PATIENT_IDENTIFIER_SYSTEM") or None,
                   default_timezone=zone,
                   endpoint_reference=env.get("WADO_ENDPOINT_REFERENCE") or None)


DEFAULT_CONFIG = MappingConfig()


class InstanceHeader(NamedTuple):
    """What one DICOM object contributes: study-level elements, its series' elements, its instance."""

    study_uid: str
    study: dict[str, Any]
    series: dict[str, Any]
    instance: dict[str, Any]


def study_identifier(study_uid: str) -> dict[str, str]:
    return {"system": DICOM_UID_SYSTEM, "value": f"urn:oid:{study_uid}"}


def map_header(ds: Header, config: MappingConfig = DEFAULT_CONFIG) -> InstanceHeader:
    """The ImagingStudy parts of one header; NotIngestible if it lacks a UID that identifies it."""
    study_uid = _required_uid(ds, "StudyInstanceUID")
    series_uid = _required_uid(ds, "SeriesInstanceUID")
    sop_uid = _required_uid(ds, "SOPInstanceUID")
    sop_class = _required_uid(ds, "SOPClassUID")

    identifiers = [study_identifier(study_uid)]
    accession = _text(ds.get("AccessionNumber"))
    if accession:
        identifiers.append({"type": {"coding": [{"system": V2_0203, "code": "ACSN"}]}, "value": accession})
    offset = _offset(ds.get("TimezoneOffsetFromUTC")) or config.default_timezone
    study = _compact({
        "identifier": identifiers,
        "subject": _subject(ds, config),
        "started": _started(ds.get("StudyDate"), ds.get("StudyTime"), offset),
        "description": _text(ds.get("StudyDescription")),
    })
    modality = _text(ds.get("Modality"))
    laterality = (_text(ds.get("Laterality")) or "").upper()
    body_part = _text(ds.get("BodyPartExamined"))
    series = _compact({
        "uid": series_uid,
        "number": _unsigned(ds.get("SeriesNumber")),
        # series.modality is required in R5: an absent Modality is said so in text.
        "modality": {"coding": [{"system": DCM_SYSTEM, "code": modality}]} if modality else {"text": "unknown"},
        "description": _text(ds.get("SeriesDescription")),
        "bodySite": {"concept": {"text": body_part}} if body_part else None,
        "laterality": ({"coding": [{"system": SNOMED, "code": LATERALITY[laterality][0],
                                    "display": LATERALITY[laterality][1]}]}
                       if laterality in LATERALITY else None),
        "started": _started(ds.get("SeriesDate"), ds.get("SeriesTime"), offset),
    })
    instance = _compact({
        "uid": sop_uid,
        "sopClass": {"system": RFC3986, "code": f"urn:oid:{sop_class}"},
        "number": _unsigned(ds.get("InstanceNumber")),
    })
    return InstanceHeader(study_uid, study, series, instance)


def _required_uid(ds: Header, keyword: str) -> str:
    text = _text(ds.get(keyword))
    if not text:
        raise NotIngestible(f"no {keyword} in the DICOM header")
    if not _UID.fullmatch(text):
        raise NotIngestible(f"{keyword} {text[:80]!r} is not a UID of at most 64 digits and dots")
    return text


def _text(value: Value | None) -> str | None:
    """A DICOM value as a FHIR string: multi-values joined with '\\', padding and controls removed."""
    if value is None:
        return None
    if isinstance(value, list):
        value = "\\".join(value)
    text = _CONTROL.sub("", value).strip()
    return text or None


def _unsigned(value: Value | None) -> int | None:
    text = _text(value)
    try:
        number = int(text) if text else None
    except ValueError:
        return None
    return number if number is not None and 0 <= number <= 2_147_483_647 else None


def _offset(value: Value | None) -> str | None:
    match = _OFFSET.fullmatch(_text(value) or "")
    if not match or (match.group(2) == "14" and match.group(3) != "00"):
        return None
    return f"{match.group(1)}{match.group(2)}:{match.group(3)}"


def _started(da: Value | None, tm: Value | None, zone: str | None) -> str | None:
    """DA (+ TM + zone) as a FHIR dateTime at the precision the header gives; a time needs a zone."""
    text = (_text(da) or "").replace(".", "").replace("-", "")  # old ACR-NEMA dates use dots
    if not re.fullmatch(r"[0-9]{8}", text):
        return None
    try:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
    if day.year < 1:
        return None
    result = day.isoformat()
    match = _TIME.fullmatch((_text(tm) or "").replace(":", ""))
    if match is None or zone is None:
        return result
    hours, minutes, seconds, fraction = match.groups()
    result += f"T{hours}:{minutes or '00'}:{seconds or '00'}"
    if fraction:
        result += f".{fraction}"
    return result + zone


def _subject(ds: Header, config: MappingConfig) -> dict[str, Any]:
    patient_id = _text(ds.get("PatientID"))
    if patient_id is None:
        return {"display": "unknown patient (no Patient ID in the DICOM header)"}  # subject is required
    if config.patient_reference_template and FHIR_ID.fullmatch(patient_id):
        return {"reference": config.patient_reference_template.format(patient_id=patient_id)}
    identifier: dict[str, Any] = {"value": patient_id}
    issuer = _text(ds.get("IssuerOfPatientID"))
    if issuer and re.fullmatch(r"[0-2](\.(0|[1-9][0-9]*))+", issuer):
        identifier["system"] = f"urn:oid:{issuer}"
    elif issuer and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+", issuer):
        identifier["system"] = issuer
    else:
        if config.patient_identifier_system:
            identifier["system"] = config.patient_identifier_system
        if issuer:
            identifier["assigner"] = {"display": issuer}
    return {"type": "Patient", "identifier": dict(sorted(identifier.items()))}


def _compact(parts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in parts.items() if v is not None}
