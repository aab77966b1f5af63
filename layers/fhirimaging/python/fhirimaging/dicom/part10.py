"""Read the elements the ingest maps from the bytes of a DICOM Part 10 header, as pydicom reads them."""
from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable

from fhirimaging.errors import NeedMore, NotIngestible

# Tag -> (keyword, decoded with the Specific Character Set); other values are ASCII, read as latin-1.
WANTED: dict[int, tuple[str, bool]] = {
    0x00080016: ("SOPClassUID", False),
    0x00080018: ("SOPInstanceUID", False),
    0x00080020: ("StudyDate", False),
    0x00080021: ("SeriesDate", False),
    0x00080030: ("StudyTime", False),
    0x00080031: ("SeriesTime", False),
    0x00080050: ("AccessionNumber", True),
    0x00080060: ("Modality", False),
    0x00080201: ("TimezoneOffsetFromUTC", True),
    0x00081030: ("StudyDescription", True),
    0x0008103E: ("SeriesDescription", True),
    0x00100020: ("PatientID", True),
    0x00100021: ("IssuerOfPatientID", True),
    0x00180015: ("BodyPartExamined", False),
    0x0020000D: ("StudyInstanceUID", False),
    0x0020000E: ("SeriesInstanceUID", False),
    0x00200011: ("SeriesNumber", False),
    0x00200013: ("InstanceNumber", False),
    0x00200060: ("Laterality", False),
}
CHARSET = 0x00080005
TRANSFER_SYNTAX = 0x00020010
PIXELS = 0x7FE00008  # Float Pixel Data: it, Double Float and Pixel Data, or any later tag ends the header
ITEM, ITEM_END, SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
KEPT = frozenset({*WANTED, CHARSET, TRANSFER_SYNTAX})
UNDEFINED = 0xFFFFFFFF
MAX_INFLATED = 64 * 1024 * 1024  # a deflated header that inflates beyond this is refused (a zip bomb)

EXPLICIT_BE = "1.2.840.10008.1.2.2"
# Deflated Explicit VR Little Endian, JPIP Referenced Deflate, JPIP HTJ2K Referenced Deflate (PS3.5 A.5, A.7, A.12)
DEFLATED = frozenset({"1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.4.95", "1.2.840.10008.1.2.4.205"})
# Explicit VRs whose length takes 4 bytes after 2 reserved ones (PS3.5 7.1.2)
LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"})

# Specific Character Set -> Python codec. "iso8859" (latin-1) stands for the default repertoire, read
# leniently, and is kept apart from ISO_IR 100's "latin_1" because code extensions tell them apart.
DEFAULT = "iso8859"
CODECS = {
    "": DEFAULT, "ISO_IR 6": DEFAULT, "ISO 2022 IR 6": DEFAULT,
    "ISO_IR 13": "shift_jis", "ISO 2022 IR 13": "shift_jis", "ISO 2022 IR 87": "iso2022_jp",
    "ISO 2022 IR 159": "iso2022_jp_2", "ISO 2022 IR 149": "euc_kr", "ISO 2022 IR 58": "iso_ir_58",
    "ISO_IR 192": "utf_8", "GB18030": "gb18030", "GBK": "gbk", "ISO 2022 GBK": "gbk", "ISO 2022 58": "gb2312",
    **{f"{prefix} {number}": codec for number, codec in (
        ("100", "latin_1"), ("101", "iso8859_2"), ("109", "iso8859_3"), ("110", "iso8859_4"),
        ("126", "iso8859_7"), ("127", "iso8859_6"), ("138", "iso8859_8"), ("144", "iso8859_5"),
        ("148", "iso8859_9"), ("166", "tis_620"), ("203", "iso8859_15"))
       for prefix in ("ISO_IR", "ISO 2022 IR")},
}
STAND_ALONE = ("ISO_IR 192", "GBK", "GB18030")  # cannot be combined with code extensions (PS3.3 C.12.1.1.2)
ESCAPES = {  # ISO 2022 escape sequence -> the codec of the characters after it (PS3.3 Tables C.12-3, C.12-4)
    b"\x1b(B": DEFAULT, b"\x1b-A": "latin_1", b"\x1b)I": "shift_jis", b"\x1b(J": "shift_jis",
    b"\x1b$B": "iso2022_jp", b"\x1b-B": "iso8859_2", b"\x1b-C": "iso8859_3", b"\x1b-D": "iso8859_4",
    b"\x1b-F": "iso8859_7", b"\x1b-G": "iso8859_6", b"\x1b-H": "iso8859_8", b"\x1b-L": "iso8859_5",
    b"\x1b-M": "iso8859_9", b"\x1b-T": "tis_620", b"\x1b$)C": "euc_kr", b"\x1b$(D": "iso2022_jp_2",
    b"\x1b$)A": "iso_ir_58",
}
KEEP_ESCAPES = ("iso2022_jp", "iso2022_jp_2", "iso_ir_58")  # codecs that read their escape sequences themselves
TEXT_DELIMITERS = re.compile(rb"[\r\n\t\f]")  # each resets a single-byte code extension to the first set
FRAGMENTS = re.compile(rb"^[^\x1b]+|\x1b[^\x1b]*")

Value = str | list[str]  # several values: a list
Header = dict[str, Value]  # keyword -> value, of the elements present


class _Short(Exception):
    """The walk reached the end of the bytes inside an element; `needed` is where the element would end."""

    def __init__(self, needed: int):
        super().__init__(needed)
        self.needed = needed


def read_part10(data: bytes, whole: bool) -> Header:
    """The wanted elements of the header in `data`, a prefix of the object (`whole`: the object itself).

    Only top-level elements before the pixel data are read; sequences are skipped whatever their nesting
    and length encoding. NeedMore if the prefix ends before the header does; NotIngestible if the object
    is not a DICOM Part 10 file, is corrupt, or (whole) ends inside an element: a whole object that ends
    at an element boundary before any pixel data is a header without pixel data. Where files stray from
    the standard (a VR that contradicts the transfer syntax, an unknown character set) this reads as
    pydicom 3 does, so that the values are those the ingest got from pydicom.
    """
    if len(data) < 132:
        if not whole:
            raise NeedMore(132)
        raise NotIngestible(f"not a DICOM file: {len(data)} bytes, fewer than a Part 10 preamble and prefix")
    if data[128:132] != b"DICM":
        raise NotIngestible("not a DICOM file: no 'DICM' prefix after the 128-byte preamble")
    try:
        meta, start, _ = _walk(data, 132, True, lambda tag: tag >> 16 != 2)
        raw = meta.get(TRANSFER_SYNTAX)
        syntax = None if raw is None else raw.decode("latin-1").rstrip("\0 ")
        if syntax in DEFLATED:
            return _read_deflated(data, start, whole)
        # Unknown syntaxes (all the compressed ones) are little endian; whether VRs are explicit, _walk sees.
        little = syntax != EXPLICIT_BE if syntax is not None else _guess_little(data, start)
        found, end, stopped = _walk(data, start, little, _at_pixels)
    except _Short as e:
        if whole:
            raise NotIngestible(f"truncated DICOM: the object ends inside an element ({len(data)} bytes)") from None
        raise NeedMore(e.needed) from None
    if not stopped and not whole:
        raise NeedMore(end + 8)  # at least the next element's tag and length
    return _values(found)


def _read_deflated(data: bytes, start: int, whole: bool) -> Header:
    """The dataset after the File Meta group is a raw deflate stream: inflate what there is, then walk it."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        dataset = inflater.decompress(data[start:], MAX_INFLATED)
    except zlib.error as e:
        raise NotIngestible(f"corrupt DICOM: the deflated dataset: {e}") from None
    try:
        found, _, stopped = _walk(dataset, 0, True, _at_pixels)
        if stopped or inflater.eof:
            return _values(found)
    except _Short:
        pass
    if inflater.unconsumed_tail:
        raise NotIngestible(f"the DICOM header inflates to more than {MAX_INFLATED} bytes")
    if whole or inflater.eof:
        raise NotIngestible(f"truncated DICOM: the deflated dataset ends inside an element ({len(data)} bytes)")
    raise NeedMore()


def _at_pixels(tag: int) -> bool:
    return tag >= PIXELS


def _guess_little(data: bytes, start: int) -> bool:
    """No transfer syntax: as pydicom, big endian only if the first element has a VR and a group >= 0x0400."""
    head = data[start:start + 6]
    return not (len(head) == 6 and 0x40 < head[4] < 0x5B and 0x40 < head[5] < 0x5B
                and struct.unpack_from("<H", head)[0] >= 0x0400)


def _looks_explicit(data: bytes, pos: int) -> bool:
    """Whether the dataset at `pos` has VRs: its first element's bytes 4-5 are capitals (a length rarely is)."""
    if len(data) < pos + 6:
        raise _Short(pos + 6)
    return 0x40 < data[pos + 4] < 0x5B and 0x40 < data[pos + 5] < 0x5B


def _walk(data: bytes, pos: int, little: bool, until: Callable[[int], bool]) -> tuple[dict[int, bytes], int, bool]:
    """Walk the dataset at `pos` up to the first top-level element whose tag `until` accepts.

    Returns the raw values of the kept top-level elements, where the walk ended, and whether `until`
    (or a stray item delimiter, as for pydicom) ended it rather than the end of `data` at an element
    boundary; _Short if `data` ends inside an element. As for pydicom, a dataset's first element says
    whether it has VRs (an item's only if its sequence's dataset has them), and an element whose VR is
    not two capitals in an explicit dataset is read as implicit.
    """
    end = len(data)
    order = "<" if little else ">"
    tag_and_length = struct.Struct(order + "HHL").unpack_from
    length16 = struct.Struct(order + "H").unpack_from
    length32 = struct.Struct(order + "L").unpack_from
    found: dict[int, bytes] = {}
    if pos == end:
        return found, pos, False
    explicit = _looks_explicit(data, pos)
    # Open undefined lengths, outermost first: a sequence (holding its dataset's `explicit`), in it an
    # item (holding its own), and so on; an odd count means the walk is between the items of a sequence.
    open_: list[bool] = []
    while True:
        if end < pos + 8:
            if pos == end and not open_:
                return found, pos, False
            raise _Short(pos + 8)
        group, element, length = tag_and_length(data, pos)
        tag = group << 16 | element
        if len(open_) % 2:
            pos += 8
            if tag == SEQUENCE_END:
                explicit = open_.pop()
            elif tag != ITEM:
                raise NotIngestible(f"corrupt DICOM: ({group:04X},{element:04X}) where a sequence item belongs")
            elif length == UNDEFINED:
                explicit = open_[-1] and _looks_explicit(data, pos)
                open_.append(explicit)
            elif end < pos + length:
                raise _Short(pos + length)
            else:
                pos += length
            continue

        vr = data[pos + 4:pos + 6]
        header = 8
        if explicit and group != 0xFFFE and b"AA" <= vr <= b"ZZ":  # items and delimiters never have a VR
            if vr in LONG_VRS:
                header = 12
                if end < pos + header:
                    raise _Short(pos + header)
                length = length32(data, pos + 8)[0]
            else:
                length = length16(data, pos + 6)[0]
        if not open_ and until(tag):  # once its tag and length are there, as for pydicom
            return found, pos, True
        pos += header
        if tag == ITEM_END:
            if not open_:
                return found, pos, True
            open_.pop()
        elif length == UNDEFINED:  # a sequence, or UN holding one: items up to a sequence delimiter
            open_.append(explicit)
        elif end < pos + length:
            raise _Short(pos + length)
        else:
            if not open_ and tag in KEPT:
                found[tag] = data[pos:pos + length]
            pos += length


def _values(found: dict[int, bytes]) -> Header:
    """The wanted values as pydicom gives them: trailing padding removed, several split on backslashes."""
    charset = found.get(CHARSET)
    codecs = _codecs(charset.decode("latin-1").rstrip(" \0").split("\\") if charset is not None else [""])
    values: Header = {}
    for tag, (keyword, text) in WANTED.items():
        raw = found.get(tag)
        if raw is None:
            continue
        if text:  # decoded before the split: in GBK or Shift JIS a 0x5C byte may be half a character
            parts = [v.rstrip("\0 ") for v in _decode_text(raw, codecs).split("\\")]
        else:
            parts = raw.decode("latin-1").rstrip(" \0").split("\\")
        values[keyword] = parts[0] if len(parts) == 1 else parts
    return values


def _codecs(names: list[str]) -> list[str]:
    """Specific Character Set values -> Python codecs; an unknown one is the default repertoire."""
    codecs = [CODECS.get(name) or CODECS.get(_respelled(name), DEFAULT) for name in names]
    if len(names) > 1:  # a stand-alone set first ignores the others; elsewhere it is ignored
        if names[0] in STAND_ALONE:
            return codecs[:1]
        return codecs[:1] + [c for name, c in zip(names[1:], codecs[1:]) if name not in STAND_ALONE]
    return codecs


def _respelled(name: str) -> str:
    """The misspellings pydicom accepts: 'ISO IR 100', 'ISO-IR 100', 'ISO 2022-IR 6'."""
    if re.match("ISO[^_]IR", name):
        return "ISO_IR" + name[6:]
    if re.match("ISO.2022.IR.", name):
        return "ISO 2022 IR " + name[12:]
    return name


def _decode_text(raw: bytes, codecs: list[str]) -> str:
    """Decode with the first character set, switching at ISO 2022 escape sequences; never raises."""
    if b"\x1b" not in raw:
        return raw.decode(codecs[0], errors="replace")
    return "".join(_decode_fragment(fragment, codecs) for fragment in FRAGMENTS.findall(raw))


def _decode_fragment(fragment: bytes, codecs: list[str]) -> str:
    """In the set its escape sequence designates if the header declares that set, else in the first set."""
    if fragment.startswith(b"\x1b"):
        size = 4 if fragment.startswith((b"\x1b$(", b"\x1b$)")) else 3
        codec = ESCAPES.get(fragment[:size])
        if codec is not None and (codec in codecs or codec == DEFAULT):  # only the sets the header declares
            try:
                if codec in KEEP_ESCAPES:
                    return fragment.decode(codec)
                text = fragment[size:]
                delimiter = TEXT_DELIMITERS.search(text)
                if delimiter is None:
                    return text.decode(codec)
                return text[:delimiter.start()].decode(codec) + text[delimiter.start():].decode(codecs[0])
            except UnicodeError:
                pass
    return fragment.decode(codecs[0], errors="replace")
