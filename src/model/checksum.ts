/**
 * The checksum of bridgeface's files (`.bfw` weights and `.bfg` galleries): CRC-32 (IEEE 802.3, as zlib's crc32).
 * Version 2 of both formats keeps it in bytes 24–27 and computes it over every other byte of the file, so the
 * headers are covered too.
 */
import CRC32 from 'crc-32';

export const CRC_FIELD = 24;

/** CRC-32 of `bytes`, unsigned. */
export const crc32 = (bytes: Uint8Array): number => CRC32.buf(bytes) >>> 0;

/** CRC-32 of the whole file except the 4 bytes at `CRC_FIELD` that hold it. */
export function fileCrc(bytes: Uint8Array): number {
  return CRC32.buf(bytes.subarray(CRC_FIELD + 4), CRC32.buf(bytes.subarray(0, CRC_FIELD))) >>> 0;
}
