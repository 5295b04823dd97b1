"""Reader/writer for the bridgeface weights format (.bfw): writes version 2, reads 2 and 1; see docs/weights-format.md."""
from __future__ import annotations

import json
import struct
import zlib
from typing import Any, Dict, Tuple

import numpy as np

MAGIC = b"BRIDGEFW"
VERSION = 2
FIXED = 32
ALIGN = 16
CRC_FIELD = 24  # bytes 24-27 hold the CRC-32; version 2 computes it over every other byte of the file


def _file_crc(blob: bytes) -> int:
    return zlib.crc32(blob[CRC_FIELD + 4:], zlib.crc32(blob[:CRC_FIELD])) & 0xFFFFFFFF


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def write_bfw(path: str, header: Dict[str, Any], tensors: Dict[str, np.ndarray], dtype: str = "f32") -> bytes:
    """Write header (without "tensors") plus named tensors, in the given order, as version 2. Returns the file bytes.

    header["thresholds"], when present, must be the version 2 form { "calibration": str, "sizes": {...} }."""
    th = header.get("thresholds")
    if th is not None and not (isinstance(th, dict) and isinstance(th.get("calibration"), str) and isinstance(th.get("sizes"), dict)):
        raise ValueError('thresholds must be { "calibration": str, "sizes": { size: { far_key: { threshold, tar, far } } } }')
    np_dtype = {"f32": "<f4", "f16": "<f2"}[dtype]
    table = []
    chunks = []
    offset = 0
    for name, arr in tensors.items():
        a = np.ascontiguousarray(np.asarray(arr, dtype=np.float32).astype(np_dtype))
        if not np.all(np.isfinite(a)):
            raise ValueError(f"tensor {name} has non-finite values")
        table.append({"name": name, "dtype": dtype, "shape": list(a.shape), "offset": offset})
        raw = a.tobytes()
        pad = _align(offset + len(raw)) - (offset + len(raw))
        chunks.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    data = b"".join(chunks)
    hdr = dict(header)
    hdr["tensors"] = table
    js = json.dumps(hdr, separators=(",", ":")).encode("utf-8")
    data_offset = _align(FIXED + len(js))
    fixed = MAGIC + struct.pack("<IIIIII", VERSION, len(js), data_offset, len(data), 0, 0)
    blob = bytearray(fixed + js + b"\0" * (data_offset - FIXED - len(js)) + data)
    struct.pack_into("<I", blob, CRC_FIELD, _file_crc(blob))
    blob = bytes(blob)
    if path:
        with open(path, "wb") as f:
            f.write(blob)
    return blob


class BfwError(ValueError):
    pass


def read_bfw(src) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """Read a .bfw file (path or bytes), version 2 or 1. Returns (header, {name: float32 array}).

    Only the container is checked here (the TypeScript reader validates every header value); a version 1 header's
    thresholds are returned as stored (the flat { "far_1e-2": t } form)."""
    blob = open(src, "rb").read() if isinstance(src, str) else bytes(src)
    if len(blob) < FIXED:
        raise BfwError("truncated: shorter than the 32-byte fixed header")
    if blob[:8] != MAGIC:
        raise BfwError("bad magic")
    version, hlen, doff, dlen, crc, _ = struct.unpack("<IIIIII", blob[8:32])
    if version not in (1, VERSION):
        raise BfwError(f"unsupported version {version}")
    if doff % ALIGN or doff < FIXED + hlen:
        raise BfwError("misaligned or overlapping data offset")
    if len(blob) < doff + dlen:
        raise BfwError("truncated data section")
    if len(blob) > doff + dlen:
        raise BfwError("trailing bytes")
    data = blob[doff:doff + dlen]
    if (zlib.crc32(data) & 0xFFFFFFFF if version == 1 else _file_crc(blob)) != crc:
        raise BfwError("CRC mismatch")
    header = json.loads(blob[FIXED:FIXED + hlen].decode("utf-8"))
    out = {}
    for t in header["tensors"]:
        if t["name"] in out:
            raise BfwError(f"tensor {t['name']} appears twice")
        dt = {"f32": "<f4", "f16": "<f2"}.get(t["dtype"])
        if dt is None:
            raise BfwError(f"unknown dtype {t['dtype']}")
        n = int(np.prod(t["shape"])) if t["shape"] else 1
        size = n * np.dtype(dt).itemsize
        if t["offset"] % ALIGN or t["offset"] + size > dlen:
            raise BfwError(f"tensor {t['name']} misaligned or out of range")
        out[t["name"]] = np.frombuffer(data, dtype=dt, count=n, offset=t["offset"]).astype(np.float32).reshape(t["shape"])
    return header, out
