#!/usr/bin/env python3
"""pack-chart.py DIR ARCHIVE: pack a chart directory as `helm package` lays it out
(one top directory named after the chart directory, gzip'd tar), deterministically:
sorted names, zero mtimes and owners, so packing twice gives the same bytes."""
import gzip
import io
import os
import sys
import tarfile


def pack(src: str, dest: str) -> None:
    top = os.path.basename(os.path.normpath(src))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames.sort()
            for fname in sorted(filenames):
                path = os.path.join(dirpath, fname)
                rel = os.path.relpath(path, src)
                info = tarfile.TarInfo(name=f"{top}/{rel}")
                with open(path, "rb") as fh:
                    data = fh.read()
                info.size = len(data)
                info.mode = 0o644
                info.mtime = 0
                tar.addfile(info, io.BytesIO(data))
    with open(dest, "wb") as out:
        out.write(gzip.compress(buf.getvalue(), mtime=0))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: pack-chart.py DIR ARCHIVE")
    pack(sys.argv[1], sys.argv[2])
