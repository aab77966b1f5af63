"""DICOM header -> R5 ImagingStudy: pydicom's own test files map field by field; merging is order-free."""
from __future__ import annotations

import itertools
import random

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

from fhirimaging.dicom.header import read_header
from fhirimaging.dicom.mapping import (
    DCM_SYSTEM,
    RFC3986,
    V2_0203,
    MappingConfig,
    map_header,
)
from fhirimaging.dicom.merge import merge
from fhirimaging.errors import NotIngestible
from fhirimaging.models import validate_imaging_study
from tests.dicom_files import RangedObject, header_of
from tests.oracle import assert_valid_r5


def _dataset(name: str) -> pydicom.Dataset:
    return pydicom.dcmread(get_testdata_file(name), stop_before_pixels=True)


def _dicom_datetime(da: str, tm: str, offset: str) -> str:
    time = tm.split(".")[0]
    return (f"{da[:4]}-{da[4:6]}-{da[6:]}T{time[:2]}:{time[2:4]}:{time[4:6]}"
            f"{offset[0]}{offset[1:3]}:{offset[3:]}")


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm"])
def test_pydicom_examples_map_field_by_field(name):
    ds = _dataset(name)
    study = merge(None, [map_header(header_of(ds))])
    validate_imaging_study(study)
    assert_valid_r5(study)

    assert study["status"] == "available"
    assert study["identifier"][0] == {"system": "urn:dicom:uid", "value": f"urn:oid:{ds.StudyInstanceUID}"}
    accession = [i for i in study["identifier"] if i.get("type")]
    if ds.get("AccessionNumber"):
        assert accession == [{"type": {"coding": [{"system": V2_0203, "code": "ACSN"}]},
                              "value": ds.AccessionNumber}]
    else:
        assert accession == []
    assert study["subject"] == {"type": "Patient", "identifier": {"value": ds.PatientID}}
    assert study["started"] == _dicom_datetime(ds.StudyDate, ds.StudyTime, ds.TimezoneOffsetFromUTC)
    assert study.get("description") == (ds.get("StudyDescription") or None)
    assert study["modality"] == [{"coding": [{"system": DCM_SYSTEM, "code": ds.Modality}]}]
    assert study["numberOfSeries"] == 1 and study["numberOfInstances"] == 1

    [series] = study["series"]
    assert series["uid"] == ds.SeriesInstanceUID
    assert series["number"] == int(ds.SeriesNumber)
    assert series["modality"] == {"coding": [{"system": DCM_SYSTEM, "code": ds.Modality}]}
    assert series.get("description") == (ds.get("SeriesDescription") or None)
    assert series.get("bodySite") == ({"concept": {"text": ds.BodyPartExamined}}
                                      if ds.get("BodyPartExamined") else None)
    assert "laterality" not in series  # both files have an empty Laterality
    if ds.get("SeriesDate"):
        assert series["started"] == _dicom_datetime(ds.SeriesDate, ds.SeriesTime, ds.TimezoneOffsetFromUTC)
    else:
        assert "started" not in series
    assert series["numberOfInstances"] == 1
    [instance] = series["instance"]
    assert instance == {"uid": ds.SOPInstanceUID, "sopClass": {"system": RFC3986, "code": f"urn:oid:{ds.SOPClassUID}"},
                        "number": int(ds.InstanceNumber)}


def _synthetic(study_uid, series_uid, series_number, instance_number, **extra) -> pydicom.Dataset:
    ds = _dataset("CT_small.dcm")
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = study_uid, series_uid, generate_uid()
    ds.SeriesNumber, ds.InstanceNumber = series_number, instance_number
    for keyword, value in extra.items():
        setattr(ds, keyword, value)
    return ds


def test_merge_is_order_independent_and_duplicates_add_nothing():
    study_uid = generate_uid()
    headers = [map_header(header_of(_synthetic(study_uid, series_uid, s, i)))
               for s, series_uid in enumerate([generate_uid(), generate_uid(), generate_uid()], start=1)
               for i in range(1, 6)]
    expected = merge(None, headers)
    validate_imaging_study(expected)
    assert expected["numberOfSeries"] == 3 and expected["numberOfInstances"] == 15
    assert [s["number"] for s in expected["series"]] == [1, 2, 3]
    rng = random.Random(5)
    for _ in range(10):
        shuffled = headers + rng.sample(headers, 7)
        rng.shuffle(shuffled)
        cut = rng.randrange(len(shuffled))
        assert merge(merge(None, shuffled[:cut]), shuffled[cut:]) == expected
    assert merge(expected, headers[:4]) == expected  # re-delivery: nothing changes
    for a, b, c in itertools.permutations([headers[:5], headers[5:10], headers[10:]]):
        assert merge(merge(merge(None, a), b), c) == expected


def test_conflicting_study_values_resolve_the_same_whatever_the_order():
    study_uid, series_uid = generate_uid(), generate_uid()
    a = map_header(header_of(_synthetic(study_uid, series_uid, 1, 1, StudyDescription="Alpha")))
    b = map_header(header_of(_synthetic(study_uid, series_uid, 1, 2, StudyDescription="Beta")))
    assert merge(merge(None, [a]), [b]) == merge(merge(None, [b]), [a])


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydicom warns of the invalid values we set
def test_dirty_dicom_values_are_cleaned_or_dropped():
    ds = _synthetic(generate_uid(), generate_uid(), 1, 1, StudyDescription="  ", SeriesDescription="Head \x01",
                    BodyPartExamined="HEAD ", Laterality="L", AccessionNumber="A12 ", PatientID=" P1 ",
                    IssuerOfPatientID="Big Hospital", StudyDate="20041399", SeriesTime="1230")
    del ds.TimezoneOffsetFromUTC
    header = map_header(header_of(ds))
    study = merge(None, [header])
    validate_imaging_study(study)
    assert "description" not in study and "started" not in study
    assert study["identifier"][1]["value"] == "A12"
    assert study["subject"]["identifier"] == {"value": "P1", "assigner": {"display": "Big Hospital"}}
    series = study["series"][0]
    assert series["description"] == "Head"
    assert series["bodySite"] == {"concept": {"text": "HEAD"}}
    assert series["laterality"]["coding"][0]["code"] == "7771000"
    assert series["started"] == "1997-04-30"  # a time without a zone: the date only
    config = MappingConfig(default_timezone="Z", endpoint_reference="Endpoint/wado",
                           patient_reference_template="Patient/{patient_id}")
    zoned = merge(None, [map_header(header_of(ds), config)], MappingConfig(endpoint_reference="Endpoint/wado"))
    validate_imaging_study(zoned)
    assert zoned["series"][0]["started"] == "1997-04-30T12:30:00Z"
    assert zoned["subject"] == {"reference": "Patient/P1"}
    assert zoned["endpoint"] == [{"reference": "Endpoint/wado"}]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("keyword,value", [("StudyInstanceUID", ""), ("SeriesInstanceUID", "1." + "2" * 70),
                                           ("SOPInstanceUID", "abc"), ("SOPClassUID", None)])
def test_a_header_without_usable_uids_is_refused(keyword, value):
    ds = _synthetic(generate_uid(), generate_uid(), 1, 1)
    if value is None:
        delattr(ds, keyword)
    else:
        setattr(ds, keyword, value)
    with pytest.raises(NotIngestible, match=keyword):
        map_header(header_of(ds))


def test_header_reads_grow_only_until_the_header_is_whole():
    data = open(get_testdata_file("CT_small.dcm"), "rb").read()
    s3 = RangedObject(data)
    header = read_header(s3, "b", "k", first=1024)
    assert header["SOPInstanceUID"] == _dataset("CT_small.dcm").SOPInstanceUID
    assert header == header_of(_dataset("CT_small.dcm"))  # the same as from the whole file
    assert s3.calls == [1024, 2048, 4096, 8192]  # the header ends at byte ~6,300
    assert read_header(RangedObject(data), "b", "k")["StudyInstanceUID"]  # one 64 KiB read


@pytest.mark.parametrize("data,reason", [(b"\x89PNG\r\n\x1a\n" + bytes(300), "not a DICOM"),
                                         (b"hello", "not a DICOM"),
                                         (open(get_testdata_file("CT_small.dcm"), "rb").read()[:2001], "truncated")])
def test_non_dicom_and_truncated_objects_are_refused(data, reason):
    with pytest.raises(NotIngestible, match=reason):
        read_header(RangedObject(data), "b", "k", first=512)
