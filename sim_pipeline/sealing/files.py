"""Originals kept under processed/ and rejected/ are sealed: an MNO file holds KI, OPC, PIN and PUK in
clear, and a copy kept for audit must not be where a secret leaks. `sim-pipeline unseal` gives it back.

Format: MAGIC, then chunks of (4-byte big-endian ciphertext length, 12-byte nonce, ciphertext), each
chunk AES-256-GCM with associated data binding its index and whether it is the last one (so chunks
cannot be reordered, dropped or the file cut short without the open failing).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from sim_pipeline.errors import SimPipelineError
from sim_pipeline.sealing.key import SecretKey

MAGIC = b"SIM-PIPELINE-SEALED-FILE-1\n"
SUFFIX = ".sealed"
CHUNK = 16 * 1024 * 1024  # AES-GCM takes at most 2 GiB a call; chunks also bound memory


def _aad(index: int, last: bool) -> bytes:
    return MAGIC + struct.pack(">Q?", index, last)


def seal_file(src: Path, dst: Path, key: SecretKey) -> Path:
    """Write `src` sealed to `dst` (tmp, fsync, rename). `src` is left in place."""
    tmp = dst.with_name(f".{dst.name}.tmp")
    dst.parent.mkdir(parents=True, exist_ok=True)
    size = src.stat().st_size
    with open(src, "rb") as fin, open(tmp, "wb") as fout:
        fout.write(MAGIC)
        index, done = 0, 0
        while True:
            block = fin.read(CHUNK)
            done += len(block)
            last = done >= size
            nonce, ct = key.seal(block, _aad(index, last))
            fout.write(struct.pack(">I", len(ct)) + nonce + ct)
            if last:
                break
            index += 1
        fout.flush()
        os.fsync(fout.fileno())
    os.replace(tmp, dst)
    return dst


def unseal_file(src: Path, dst: Path, key: SecretKey) -> Path:
    """Write the original of a sealed file to `dst`."""
    with open(src, "rb") as fin:
        if fin.read(len(MAGIC)) != MAGIC:
            raise SimPipelineError(f"{src}: not a sealed sim-pipeline file")
        tmp = dst.with_name(f".{dst.name}.tmp")
        with open(tmp, "wb") as fout:
            index = 0
            while True:
                head = fin.read(16)
                if len(head) < 16:
                    raise SimPipelineError(f"{src}: the sealed file is cut short")
                (length,) = struct.unpack(">I", head[:4])
                ct = fin.read(length)
                last = fin.peek(1)[:1] == b""
                fout.write(key.open(head[4:], ct, _aad(index, last)))
                if last:
                    break
                index += 1
    os.replace(tmp, dst)
    return dst
