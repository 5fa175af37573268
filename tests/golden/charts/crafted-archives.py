#!/usr/bin/env python3
"""crafted-archives.py: (re)write the subchart archives that `helm package` could never
produce, for the golden cases about archive hygiene and limits (entries outside the chart,
sizes past Helm's limits, UTF-8 BOMs, duplicate entries). scripts/pack-chart.py packs
ordinary directories; these need hand-made tar entries. Deterministic: zero mtimes and
owners, so rerunning gives the same bytes.

Usage: tests/golden/charts/crafted-archives.py   (from anywhere)"""
import gzip
import io
import os
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
MIB = 1024 * 1024
CHART = b"apiVersion: v2\nname: child\nversion: 1.0.0\n"
TEMPLATE = (b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-child\n"
            b"data:\n  values: {{ omit .Values \"global\" | toJson | quote }}\n")
BOM = b"\xef\xbb\xbf"
BASE = [("child/Chart.yaml", CHART), ("child/templates/cm.yaml", TEMPLATE)]

CASES = {
    "error-archive-parent-reference": BASE + [("child/../../escape.yaml", b"x: 1\n")],
    "error-archive-absolute-path": BASE + [("child//etc/evil.yaml", b"x: 1\n")],
    # Helm's limits: 5 MiB per file, 100 MiB for the whole archive once decompressed.
    "error-archive-file-too-large": BASE + [("child/files/big.bin", bytes(5 * MIB + 1))],
    "error-archive-too-large": BASE + [(f"child/files/part{i:02d}.bin", bytes(5 * MIB))
                                       for i in range(20)],
    "error-archive-no-files": [],
    "error-archive-entry-outside-base": [("Chart.yaml", CHART), ("templates/cm.yaml", TEMPLATE)],
    "archive-utf8-bom": [("child/Chart.yaml", BOM + CHART),
                         ("child/values.yaml", BOM + b"greeting: hello\n"),
                         ("child/templates/cm.yaml", BOM + TEMPLATE)],
    "archive-duplicate-entries": BASE + [("child/values.yaml", b"copy: first\n"),
                                         ("child/values.yaml", b"copy: second\n")],
}


def write(dest: str, entries) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name=name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    with open(dest, "wb") as out:
        out.write(gzip.compress(buf.getvalue(), mtime=0))


if __name__ == "__main__":
    for case, entries in CASES.items():
        write(os.path.join(HERE, case, "app", "charts", "child-1.0.0.tgz"), entries)
