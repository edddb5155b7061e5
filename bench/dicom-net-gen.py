#!/usr/bin/env python3
"""Writes a synthetic CT study for bench/dicom-net.sh: N slices of 512x512 16-bit pixels, explicit VR
little endian Part 10 files (about 0.5 MB each). Plain struct encoding, no pydicom needed."""
import os
import struct
import sys
import uuid


def uid():
    return "2.25." + str(uuid.uuid4().int)


def element(group, elem, vr, value):
    if isinstance(value, str):
        value = value.encode("ascii")
        if len(value) % 2:
            value += b"\0" if vr == "UI" else b" "
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2sHI", group, elem, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", group, elem, vr.encode(), len(value)) + value


def us(value):
    return struct.pack("<H", value)


def main():
    folder, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300
    os.makedirs(folder, exist_ok=True)
    study, series = uid(), uid()
    ct = "1.2.840.10008.5.1.4.1.1.2"
    explicit_le = "1.2.840.10008.1.2.1"
    for i in range(count):
        instance = uid()
        meta = b"".join([
            element(0x0002, 0x0001, "OB", b"\0\1"),
            element(0x0002, 0x0002, "UI", ct),
            element(0x0002, 0x0003, "UI", instance),
            element(0x0002, 0x0010, "UI", explicit_le),
            element(0x0002, 0x0012, "UI", "2.25.1"),
        ])
        data = b"".join([
            element(0x0008, 0x0016, "UI", ct),
            element(0x0008, 0x0018, "UI", instance),
            element(0x0008, 0x0020, "DA", "20240115"),
            element(0x0008, 0x0060, "CS", "CT"),
            element(0x0010, 0x0010, "PN", "Bench^Patient"),
            element(0x0010, 0x0020, "LO", "BENCH-1"),
            element(0x0020, 0x000D, "UI", study),
            element(0x0020, 0x000E, "UI", series),
            element(0x0020, 0x0013, "IS", str(i + 1)),
            element(0x0028, 0x0002, "US", us(1)),
            element(0x0028, 0x0004, "CS", "MONOCHROME2"),
            element(0x0028, 0x0010, "US", us(512)),
            element(0x0028, 0x0011, "US", us(512)),
            element(0x0028, 0x0100, "US", us(16)),
            element(0x0028, 0x0101, "US", us(12)),
            element(0x0028, 0x0102, "US", us(11)),
            element(0x0028, 0x0103, "US", us(0)),
            element(0x7FE0, 0x0010, "OW", os.urandom(512 * 512 * 2)),
        ])
        with open(os.path.join(folder, "ct%04d.dcm" % i), "wb") as f:
            f.write(b"\0" * 128 + b"DICM")
            f.write(element(0x0002, 0x0000, "UL", struct.pack("<I", len(meta))))
            f.write(meta)
            f.write(data)


if __name__ == "__main__":
    main()
