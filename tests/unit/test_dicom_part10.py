"""The ingest's Part 10 header reader against pydicom, the reference: pydicom's own test files, every
transfer syntax, nested sequences, character sets, truncation at every byte, random corruption."""
from __future__ import annotations

import io
import os
import zlib
from pathlib import Path

import pydicom
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.data import get_charset_files, get_testdata_files
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.filereader import data_element_generator, read_preamble
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEGBaseline8Bit,
)

from fhirimaging.dicom import part10
from fhirimaging.dicom.header import read_header
from fhirimaging.dicom.mapping import InstanceHeader, map_header
from fhirimaging.dicom.part10 import WANTED, Header, read_part10
from fhirimaging.errors import NeedMore, NotIngestible
from tests.dicom_files import RangedObject

KEYWORDS = [keyword for keyword, _ in WANTED.values()]
FILES = sorted(f for f in get_testdata_files() + get_charset_files() if os.path.isfile(f))
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"


class _Reads(io.BytesIO):
    """Notes a read that came back short but not empty: pydicom met the end inside an element."""

    partial = False

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if size is not None and 0 < len(data) < size:
            self.partial = True
        return data


def pydicom_values(data: bytes) -> dict | None:
    """The wanted values pydicom reads from a whole object, as the ingest took them before it had its own
    reader (str of each value); None if that ingest refused the object (not DICOM, corrupt, truncated)."""
    stream = _Reads(data)
    try:
        ds = pydicom.dcmread(stream, stop_before_pixels=True)
        values = {keyword: ds[keyword].value for keyword in KEYWORDS if keyword in ds}
    except Exception:
        return None
    if stream.partial:
        return None
    return {k: [str(x) for x in v] if isinstance(v, MultiValue) else None if v is None else str(v)
            for k, v in values.items()}


def as_read(values: dict) -> Header:
    """pydicom's values as the reader gives them: an empty IS is None for pydicom, '' like any other here."""
    return {k: "" if v is None else v for k, v in values.items()}


def mapped(values: dict) -> InstanceHeader | str:
    try:
        return map_header(values)
    except NotIngestible as e:
        return f"NotIngestible: {e}"


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("path", FILES, ids=[f.rsplit("pydicom/data/", 1)[-1] for f in FILES])
def test_every_pydicom_test_file_reads_as_with_pydicom(path):
    data = Path(path).read_bytes()
    expected = pydicom_values(data)
    if expected is None:
        with pytest.raises(NotIngestible):
            read_part10(data, whole=True)
        return
    header = read_part10(data, whole=True)
    assert header == as_read(expected)
    assert mapped(header) == mapped(expected)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_pydicom_test_files_are_mostly_dicom_of_every_transfer_syntax():
    """The comparison above is not vacuous: 179 of the 194 files are read, in every syntax the reader tells
    apart; the other 15 are not Part 10 (text, JSON, ICC, no File Meta) or truncated."""
    read = [f for f in FILES if pydicom_values(Path(f).read_bytes()) is not None]
    syntaxes = {str(pydicom.dcmread(f, stop_before_pixels=True).file_meta.get("TransferSyntaxUID")) for f in read}
    assert (len(FILES), len(read)) == (194, 179)
    assert {ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian,
            JPEGBaseline8Bit, "None"} <= syntaxes


def _nested(depth: int, undefined: bool) -> Sequence:
    """Items holding a description of their own (not the study's) and a sequence one level deeper."""
    item = Dataset()
    item.CodeValue = "X\\Y"
    item.StudyDescription = f"nested {depth}"
    if depth > 1:
        item.ContentSequence = _nested(depth - 1, not undefined)
        item["ContentSequence"].is_undefined_length = not undefined
    item.is_undefined_length_sequence_item = undefined
    return Sequence([item, Dataset()])


def synthetic(syntax: str = ExplicitVRLittleEndian, pixels: bool = True, **values) -> bytes:
    """A small Part 10 file: undefined-length sequences nested 4 deep before the wanted elements, a
    private value of delimiter bytes among them, and 16 bytes of pixel data."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.LanguageCodeSequence = _nested(4, True)  # (0008,0006), before every wanted element
    ds["LanguageCodeSequence"].is_undefined_length = True
    ds.SOPClassUID, ds.SOPInstanceUID = CT_IMAGE, "1.2.3.4.5.6"
    ds.StudyDate, ds.SeriesDate, ds.StudyTime, ds.SeriesTime = "20240229", "20240301", "101500.25", "1016"
    ds.AccessionNumber, ds.Modality, ds.TimezoneOffsetFromUTC = "ACC 7", "CT", "+0100"
    ds.ReferencedStudySequence = _nested(2, False)  # (0008,1110), defined length
    ds.StudyDescription, ds.SeriesDescription = "Thorax", "Axial 1mm"
    ds.add_new(0x00090010, "LO", "PRIVATE")
    ds.add_new(0x00091010, "OB", b"\xfe\xff\x0d\xe0\x00\x00\x00\x00\xfe\xff\xdd\xe0\x00\x00\x00\x00")
    ds.PatientID, ds.IssuerOfPatientID = "P-1", "1.2.250.1"
    ds.BodyPartExamined = "CHEST"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.3.4", "1.2.3.4.5"
    ds.SeriesNumber, ds.InstanceNumber, ds.Laterality = "3", "12", "R"
    ds.Rows = ds.Columns = 4
    for keyword, value in values.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    if pixels and syntax == JPEGBaseline8Bit:
        ds.add_new(0x7FE00010, "OB", encapsulate([b"\xff\xd8\xff\xd9"]))
        ds["PixelData"].is_undefined_length = True
    elif pixels:
        ds.add_new(0x7FE00010, "OW", bytes(16))
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = CT_IMAGE, "1.2.3.4.5.6"
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


SYNTAXES = [ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian,
            JPEGBaseline8Bit]


@pytest.mark.parametrize("syntax", SYNTAXES)
def test_each_transfer_syntax_reads_as_with_pydicom(syntax):
    data = synthetic(syntax)
    header = read_part10(data, whole=True)
    assert header == as_read(pydicom_values(data))
    assert header["StudyDescription"] == "Thorax"  # not one of the nested ones
    assert header["SOPInstanceUID"] == "1.2.3.4.5.6"  # UI padded with a NUL to an even length
    mapped_header = map_header(header)
    assert mapped_header.series == {"uid": "1.2.3.4.5", "number": 3, "description": "Axial 1mm",
                                    "modality": {"coding": [{"system": "http://dicom.nema.org/resources/ontology/DCM",
                                                             "code": "CT"}]},
                                    "bodySite": {"concept": {"text": "CHEST"}},
                                    "laterality": {"coding": [{"system": "http://snomed.info/sct", "code": "24028007",
                                                               "display": "Right"}]},
                                    "started": "2024-03-01T10:16:00+01:00"}
    assert mapped_header.instance["number"] == 12


def test_an_unknown_transfer_syntax_is_read_as_explicit_vr_little_endian():
    explicit = synthetic(ExplicitVRLittleEndian)
    data = explicit.replace(b"1.2.840.10008.1.2.1\0", b"1.2.3.4.5.6.7.8.9.0\0", 1)
    assert data != explicit
    assert read_part10(data, whole=True) == read_part10(explicit, whole=True) == as_read(pydicom_values(data))


@pytest.mark.parametrize("syntax", SYNTAXES)
def test_a_header_without_pixel_data_is_whole_only_when_the_object_ends(syntax):
    data = synthetic(syntax, pixels=False)
    assert read_part10(data, whole=True) == read_part10(synthetic(syntax), whole=True)
    if syntax == DeflatedExplicitVRLittleEndian:  # there the end of the deflate stream is the dataset's
        assert read_part10(data, whole=False) == read_part10(data, whole=True)
    else:
        with pytest.raises(NeedMore):
            read_part10(data, whole=False)


@pytest.mark.parametrize("charset,text", [
    ("ISO_IR 100", "Müller Ærø"), ("ISO_IR 101", "Łódź"), ("ISO_IR 109", "Ħal Għargħur"), ("ISO_IR 110", "Šiauliai"),
    ("ISO_IR 126", "Ελληνικά"), ("ISO_IR 127", "عربي"), ("ISO_IR 138", "עברית"), ("ISO_IR 144", "Русский"),
    ("ISO_IR 148", "İstanbul Ğ"), ("ISO_IR 166", "ภาษาไทย"), ("ISO_IR 192", "Ünïcode 中文 ☃"), ("GB18030", "中文描述"),
    ("GBK", "中文"), ("ISO_IR 13", "ｶﾀｶﾅ"), (["", "ISO 2022 IR 87"], "Yamada=山田"),
    (["ISO 2022 IR 13", "ISO 2022 IR 87"], "ﾔﾏﾀﾞ=山田"), (["", "ISO 2022 IR 149"], "김희중"),
    (["", "ISO 2022 IR 100"], "Düsseldorf"), (["", "ISO 2022 IR 144", "ISO 2022 IR 126"], "Москва Αθήνα"),
])
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_text_in_each_character_set_reads_as_written(charset, text):
    # A line break ends a code extension: what follows one is read as pydicom reads it, whatever it wrote.
    data = synthetic(SpecificCharacterSet=charset, PatientID=text, StudyDescription=text, AccessionNumber=[text, "B "],
                     SeriesDescription=f"{text}\r\n{text}")
    header = read_part10(data, whole=True)
    assert header == as_read(pydicom_values(data))
    assert (header["PatientID"], header["StudyDescription"]) == (text, text)
    assert header["AccessionNumber"] == [text, "B"]  # multi-valued: split, each without its padding
    assert map_header(header).study["identifier"][1]["value"] == f"{text}\\B"


@pytest.mark.parametrize("charset,raw,text", [
    ("ISO_IR 999", b"caf\xe9", "café"),  # unknown: the default repertoire, read as latin-1
    ("ISO_IR 192", b"bad \xff utf-8", "bad \ufffd utf-8"),
    (["", "ISO 2022 IR 87"], b"\x1b$(Dundeclared", "\x1b$(Dundeclared"),  # an escape the header does not declare
    (["", "ISO 2022 IR 87"], b"\x1b$B\xff\xfe", "\x1b$B\xff\xfe"),  # not JIS X 0208: read in the first set
    (["ISO_IR 192", "ISO 2022 IR 87"], b"\xc3\xa9\x1b$B;3", "é\x1b$B;3"),  # UTF-8 takes no code extensions
])
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_unknown_or_broken_text_is_read_leniently_as_with_pydicom(charset, raw, text):
    data = synthetic(SpecificCharacterSet=charset, StudyDescription=raw)
    assert read_part10(data, whole=True)["StudyDescription"] == text == pydicom_values(data)["StudyDescription"]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_iso_ir_203_is_latin_9():
    data = synthetic(SpecificCharacterSet="ISO_IR 203", StudyDescription="10 €".encode("iso8859_15"))
    assert read_part10(data, whole=True)["StudyDescription"] == "10 €"  # pydicom 3.0 reads '10 ¤' (latin-1)


def _top_level_ends(data: bytes, implicit: bool, little: bool) -> tuple[set[int], int, int]:
    """Where pydicom finds top-level elements end (File Meta group included), where the wanted UIDs end,
    and where the pixel data's tag and length do."""
    stream = io.BytesIO(data)
    read_preamble(stream, False)
    ends = {stream.tell()}
    for _ in data_element_generator(stream, False, True, stop_when=lambda tag, vr, length: tag >> 16 != 2):
        ends.add(stream.tell())
    uids = 0
    for element in data_element_generator(stream, implicit, little):
        if element.tag == 0x7FE00010:
            return ends, uids, element.value_tell
        ends.add(stream.tell())
        if element.tag in (0x00080016, 0x00080018, 0x0020000D, 0x0020000E):
            uids = stream.tell()
    raise AssertionError("no pixel data")


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("syntax", [ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian])
def test_a_prefix_is_a_header_only_at_an_element_boundary_or_once_the_pixel_data_begins(syntax):
    data = synthetic(syntax)
    ends, uids, pixels = _top_level_ends(data, syntax == ImplicitVRLittleEndian, syntax != ExplicitVRBigEndian)
    full = read_part10(data, whole=True)
    for cut in range(len(data) + 1):
        prefix = data[:cut]
        try:
            header = read_part10(prefix, whole=True)
        except NotIngestible as e:
            assert cut not in ends and cut < pixels, cut
            assert str(e).startswith("truncated DICOM" if cut >= 132 else "not a DICOM file"), (cut, e)
        else:
            assert cut in ends or cut >= pixels, cut
            assert header == as_read(pydicom_values(prefix)), cut
            assert isinstance(mapped(header), InstanceHeader) == (cut >= uids), cut
        if cut < pixels:
            with pytest.raises(NeedMore) as need:
                read_part10(prefix, whole=False)
            assert need.value.needed > cut
        else:
            assert read_part10(prefix, whole=False) == full


def test_a_deflated_prefix_reads_on_once_it_holds_the_header():
    data = synthetic(DeflatedExplicitVRLittleEndian, PixelData=os.urandom(64 * 1024))  # incompressible
    whole = read_part10(data, whole=True)
    assert read_part10(data[:2048], whole=False) == whole
    with pytest.raises(NeedMore):
        read_part10(data[:300], whole=False)
    with pytest.raises(NotIngestible, match="truncated DICOM"):
        read_part10(data[:300], whole=True)


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydicom writes the long ST as UN
def test_one_long_element_is_fetched_to_its_end_at_once():
    data = synthetic(ReferringPhysicianAddress="x" * 300_000, PixelData=bytes(1 << 20))
    s3 = RangedObject(data)
    assert read_header(s3, "b", "k", first=1024) == read_part10(data, whole=True)
    end = data.index(b"x" * 300_000) + 300_000
    assert s3.calls == [1024, end, 2 * end]  # to its end, then twice as much for what follows


def test_a_header_longer_than_the_limit_is_refused_without_reading_it():
    data = synthetic(PixelData=bytes(4096))
    private = data.index(b"\x09\x00\x10\x10OB\x00\x00") + 8  # its length: make it claim 1 GiB
    assert private < 1024
    s3 = RangedObject(data[:private] + (1 << 30).to_bytes(4, "little") + data[private + 4:])
    with pytest.raises(NotIngestible, match="larger than 1048576 bytes"):
        read_header(s3, "b", "k", first=1024, limit=1 << 20)
    assert s3.calls == [1024]


def test_sequences_nested_100_000_deep_are_skipped_without_recursion():
    data = synthetic(pixels=False)
    head = data.index(b"\x08\x00\x16\x00UI")
    depth = 100_000
    nested = (b"\x09\x00\x10\x10SQ\x00\x00\xff\xff\xff\xff" + b"\xfe\xff\x00\xe0\xff\xff\xff\xff") * depth
    closed = (b"\xfe\xff\x0d\xe0\x00\x00\x00\x00" + b"\xfe\xff\xdd\xe0\x00\x00\x00\x00") * depth
    assert read_part10(data[:head] + nested + closed + data[head:], whole=True) == read_part10(data, whole=True)
    with pytest.raises(NotIngestible, match="truncated"):
        read_part10(data[:head] + nested + closed[:-8], whole=True)


def test_a_deflated_dataset_that_inflates_beyond_the_limit_is_refused(monkeypatch):
    data = synthetic(DeflatedExplicitVRLittleEndian)
    monkeypatch.setattr(part10, "MAX_INFLATED", 100)
    with pytest.raises(NotIngestible, match="inflates to more than 100 bytes"):
        read_part10(data, whole=True)


def test_a_corrupt_deflate_stream_or_a_stray_element_in_a_sequence_is_corrupt():
    data = synthetic(DeflatedExplicitVRLittleEndian)
    meta_end = 132 + 12 + int.from_bytes(data[140:144], "little")
    with pytest.raises(NotIngestible, match="corrupt DICOM: the deflated dataset"):
        read_part10(data[:meta_end] + b"\xff" * 64 + data[meta_end + 64:], whole=True)
    data = synthetic()
    item = data.index(b"\xfe\xff\x00\xe0")
    with pytest.raises(NotIngestible, match=r"corrupt DICOM: \(0008,0100\) where a sequence item belongs"):
        read_part10(data[:item] + b"\x08\x00\x00\x01" + data[item + 4:], whole=True)


def test_not_part10_is_refused():
    data = synthetic()
    for bad in (b"", b"DICM", data[:131], b"\x89PNG\r\n\x1a\n" + bytes(300), data[:128] + b"DICN" + data[132:],
                data[132:]):
        with pytest.raises(NotIngestible, match="not a DICOM file"):
            read_part10(bad, whole=True)
    with pytest.raises(NeedMore):
        read_part10(data[:100], whole=False)


SMALL = synthetic(ImplicitVRLittleEndian), synthetic(ExplicitVRBigEndian), synthetic(DeflatedExplicitVRLittleEndian)


def _check(data: bytes, whole: bool) -> None:
    """The only outcomes: a header (which maps or is refused), NotIngestible, or NeedMore of a prefix."""
    try:
        header = read_part10(data, whole)
    except NotIngestible:
        return
    except NeedMore:
        assert not whole
        return
    assert all(isinstance(v, str) or all(isinstance(x, str) for x in v) for v in header.values())
    mapped(header)


@FUZZ
@given(st.sampled_from(SMALL), st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=8)),
                                        min_size=1, max_size=6), st.integers(0, 10**6), st.booleans())
def test_corrupted_files_raise_only_not_ingestible(original, patches, cut, whole):
    data = bytearray(original)
    for at, replacement in patches:
        at = 128 + at % (len(data) - 128)
        data[at:at + len(replacement)] = replacement
    _check(bytes(data[:len(data) - cut % 64]), whole)
    _check(bytes(data), whole)


def _meta(syntax: str) -> bytes:
    value = syntax.encode() + b"\0" * (len(syntax) % 2)
    return b"\x02\x00\x10\x00UI" + len(value).to_bytes(2, "little") + value


@FUZZ
@given(st.binary(max_size=2048), st.sampled_from([b"", _meta(ExplicitVRBigEndian)]), st.booleans())
def test_random_bytes_after_the_prefix_raise_only_not_ingestible(tail, meta, whole):
    _check(bytes(128) + b"DICM" + meta + tail, whole)
    _check(bytes(128) + b"DICM" + _meta(DeflatedExplicitVRLittleEndian) + zlib.compress(tail)[2:-4], whole)
