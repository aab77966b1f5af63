"""A large CT study as a modality would send it: 3 series, N instances, DICOM UIDs made by pydicom's
generate_uid from a seed, so every run stores the same bytes."""
from __future__ import annotations

from typing import Any

from pydicom.uid import generate_uid

DCM = "http://dicom.nema.org/resources/ontology/DCM"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


def large_study(instances: int, series: int = 3, patient: str = "bench-large") -> dict[str, Any]:
    def uid(*parts: object) -> str:
        return generate_uid(entropy_srcs=["bench", str(instances), *map(str, parts)])

    ct = {"coding": [{"system": DCM, "code": "CT"}]}
    sizes = [instances // series + (k < instances % series) for k in range(series)]
    return {
        "resourceType": "ImagingStudy",
        "identifier": [{"system": "urn:dicom:uid", "value": f"urn:oid:{uid('study')}"}],
        "status": "available",
        "modality": [ct],
        "subject": {"reference": f"Patient/{patient}"},
        "started": "2026-11-28T09:30:00Z",
        "numberOfSeries": series,
        "numberOfInstances": instances,
        "description": f"CT chest abdomen pelvis, {instances} images",
        "series": [{
            "uid": uid("series", k),
            "number": k + 1,
            "modality": ct,
            "numberOfInstances": size,
            "instance": [{"uid": uid("instance", k, i), "number": i + 1,
                          "sopClass": {"system": "urn:ietf:rfc:3986", "code": f"urn:oid:{CT_IMAGE_STORAGE}"}}
                         for i in range(size)],
        } for k, size in enumerate(sizes)],
    }
