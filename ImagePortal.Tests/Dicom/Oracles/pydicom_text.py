"""Prints, as JSON, every text value that depends on Specific Character Set, as pydicom decodes it.

Used by DicomCharacterSetTests as an independent oracle: {"00100010": [...], "00321064[0]/00100010": [...]}.
"""
import json
import sys

import pydicom
from pydicom.multival import MultiValue

TEXT_VRS = ("SH", "LO", "ST", "LT", "PN", "UC", "UT")


def walk(dataset, prefix, out):
    for element in dataset:
        key = f"{prefix}{element.tag:08X}"
        if element.VR == "SQ":
            for index, item in enumerate(element.value):
                walk(item, f"{key}[{index}]/", out)
        elif element.VR in TEXT_VRS:
            value = element.value
            if value is None or value == "":
                out[key] = []
            elif isinstance(value, (list, MultiValue)):
                out[key] = [str(v) for v in value]
            else:
                out[key] = [str(value)]


def main():
    dataset = pydicom.dcmread(sys.argv[1])
    out = {}
    walk(dataset, "", out)
    print(json.dumps(out, ensure_ascii=True))


if __name__ == "__main__":
    main()
