"""Reader/writer for the bridgeface weights format (.bfw, version 1); see docs/weights-format.md."""
from __future__ import annotations

import json
import struct
import zlib
from typing import Any, Dict, Tuple

import numpy as np

MAGIC = b"BRIDGEFW"
VERSION = 1
FIXED = 32
ALIGN = 16


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def write_bfw(path: str, header: Dict[str, Any], tensors: Dict[str, np.ndarray], dtype: str = "f32") -> bytes:
    """Write header (without "tensors") plus named tensors, in the given order. Returns the file bytes."""
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
    fixed = MAGIC + struct.pack("<IIIIII", VERSION, len(js), data_offset, len(data), zlib.crc32(data) & 0xFFFFFFFF, 0)
    blob = fixed + js + b"\0" * (data_offset - FIXED - len(js)) + data
    if path:
        with open(path, "wb") as f:
            f.write(blob)
    return blob


class BfwError(ValueError):
    pass


def read_bfw(src) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """Read a .bfw file (path or bytes). Returns (header, {name: float32 array})."""
    blob = open(src, "rb").read() if isinstance(src, str) else bytes(src)
    if len(blob) < FIXED:
        raise BfwError("truncated: shorter than the 32-byte fixed header")
    if blob[:8] != MAGIC:
        raise BfwError("bad magic")
    version, hlen, doff, dlen, crc, _ = struct.unpack("<IIIIII", blob[8:32])
    if version != VERSION:
        raise BfwError(f"unsupported version {version}")
    if doff % ALIGN or doff < FIXED + hlen:
        raise BfwError("misaligned or overlapping data offset")
    if len(blob) < doff + dlen:
        raise BfwError("truncated data section")
    if len(blob) > doff + dlen:
        raise BfwError("trailing bytes")
    header = json.loads(blob[FIXED:FIXED + hlen].decode("utf-8"))
    data = blob[doff:doff + dlen]
    if zlib.crc32(data) & 0xFFFFFFFF != crc:
        raise BfwError("CRC mismatch")
    out = {}
    for t in header["tensors"]:
        dt = {"f32": "<f4", "f16": "<f2"}.get(t["dtype"])
        if dt is None:
            raise BfwError(f"unknown dtype {t['dtype']}")
        n = int(np.prod(t["shape"])) if t["shape"] else 1
        size = n * np.dtype(dt).itemsize
        if t["offset"] % ALIGN or t["offset"] + size > dlen:
            raise BfwError(f"tensor {t['name']} misaligned or out of range")
        out[t["name"]] = np.frombuffer(data, dtype=dt, count=n, offset=t["offset"]).astype(np.float32).reshape(t["shape"])
    return header, out
