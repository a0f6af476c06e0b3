#!/usr/bin/env python3
"""Lets TorchSharp 0.107's libLibTorchSharp.so load on Debian 12 (libstdc++ up to GLIBCXX_3.4.30).

The library needs GLIBCXX_3.4.32 for one symbol only, std::ios_base_library_init(), which GCC 13's <iostream>
references (with no relocation: nothing calls it) to pull the iostream initialiser into a static link. The
dynamic loader refuses the whole library for that version need. This script marks that need VER_FLG_WEAK in
.gnu.version_r (the loader then only warns under LD_DEBUG) and the symbol STB_WEAK in .dynsym, in place.

Idempotent: a file already patched, or one that does not ask for the version, is left as it is. It refuses any
other use of the version (another symbol, or a relocation against the symbol) rather than break a real need.

    python3 weaken-glibcxx.py path/to/libLibTorchSharp.so [...]
"""
import struct
import sys

VERSION = b"GLIBCXX_3.4.32"
SYMBOL = b"_ZSt21ios_base_library_initv"
VER_FLG_WEAK = 0x2
STB_WEAK = 2
SHT_DYNSYM, SHT_RELA, SHT_REL, SHT_GNU_VERNEED, SHT_GNU_VERSYM = 11, 4, 9, 0x6FFFFFFE, 0x6FFFFFFF


def fail(path, why):
    sys.exit(f"error: {path}: {why}")


def patch(path):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        fail(path, "not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for i in range(shnum):
        name, stype, flags, addr, off, size, link, info, align, entsize = struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
        sections.append(dict(type=stype, off=off, size=size, link=link, entsize=entsize))

    def cstr(sec, at):
        start = sections[sec]["off"] + at
        return bytes(data[start:data.index(0, start)])

    verneed = next((s for s in sections if s["type"] == SHT_GNU_VERNEED), None)
    dynsym_index = next((i for i, s in enumerate(sections) if s["type"] == SHT_DYNSYM), None)
    versym = next((s for s in sections if s["type"] == SHT_GNU_VERSYM), None)
    if verneed is None or dynsym_index is None or versym is None:
        fail(path, "no .gnu.version_r, .dynsym or .gnu.version section")

    # The Vernaux entry naming the version, and the version index it gives symbols.
    aux_at, index, aux_flags = None, None, 0
    at = verneed["off"]
    while True:
        vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, at)
        a = at + vn_aux
        for _ in range(vn_cnt):
            vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, a)
            if cstr(verneed["link"], vna_name) == VERSION:
                aux_at, index, aux_flags = a, vna_other, vna_flags
            a += vna_next
        if vn_next == 0:
            break
        at += vn_next
    if aux_at is None:
        print(f"{path}: does not need {VERSION.decode()}, left as it is")
        return

    dynsym = sections[dynsym_index]
    count = dynsym["size"] // dynsym["entsize"]
    users = []
    for i in range(count):
        if struct.unpack_from("<H", data, versym["off"] + 2 * i)[0] & 0x7FFF == index:
            users.append(i)
    names = [cstr(dynsym["link"], struct.unpack_from("<I", data, dynsym["off"] + i * dynsym["entsize"])[0]) for i in users]
    if names != [SYMBOL]:
        fail(path, f"{VERSION.decode()} is needed by {[n.decode() for n in names]}, not by {SYMBOL.decode()} alone: not patched")
    sym = users[0]
    for s in sections:
        if s["type"] in (SHT_RELA, SHT_REL) and s["link"] == dynsym_index and s["entsize"]:
            for r in range(s["size"] // s["entsize"]):
                info, = struct.unpack_from("<Q", data, s["off"] + r * s["entsize"] + 8)
                if info >> 32 == sym:
                    fail(path, f"a relocation uses {SYMBOL.decode()}: the symbol is really called, not patched")

    st_info_at = dynsym["off"] + sym * dynsym["entsize"] + 4
    weak_info = (STB_WEAK << 4) | (data[st_info_at] & 0xF)
    if aux_flags & VER_FLG_WEAK and data[st_info_at] == weak_info:
        print(f"{path}: {VERSION.decode()} already weak")
        return
    struct.pack_into("<H", data, aux_at + 4, aux_flags | VER_FLG_WEAK)
    data[st_info_at] = weak_info
    with open(path, "r+b") as f:
        f.write(data)
    print(f"{path}: {VERSION.decode()} ({SYMBOL.decode()}) marked weak")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for p in sys.argv[1:]:
        patch(p)
