"""`python tests/dicom2fhir_bundle.py FILE...`: for each DICOM file, the transaction Bundle that dicom2fhir (PyPI,
an independent DICOM-to-FHIR producer) writes for it; a JSON list on stdout.

Run in its own environment (.venv-dicom2fhir, Makefile): dicom2fhir needs fhir.resources 8.1 (8.3 refuses the
Extension it builds) and pandas, neither of which the test environment holds.
"""
import asyncio
import json
import shutil
import sys
import tempfile

from dicom2fhir import dicom2fhir

# dicom2fhir's settings: DICOM dates and times are local to this zone; list every instance.
CONFIG = {"dicom_timezone": "Europe/Berlin", "generator": {"imaging_study": {"add_instances": True}}}


def bundle(path: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:  # it reads a folder: the study's files
        shutil.copy(path, folder)
        return json.loads(asyncio.run(dicom2fhir.from_directory(folder, dict(CONFIG))).model_dump_json())


json.dump([bundle(path) for path in sys.argv[1:]], sys.stdout)
