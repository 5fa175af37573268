#!/usr/bin/env python3
"""Regenerates src/patch/schema_data.rs: the patch metadata (patchStrategy,
patchMergeKey, listType, listMapKey, mapType, structType) of the built-in
Kubernetes types wheelhouse serves, read from the Go type definitions.

Reads bare git mirrors (fetched with the `fetch` tool):
  /work/.mirror/kubernetes+api/repo
  /work/.mirror/kubernetes+apimachinery/repo
  /work/.mirror/kubernetes+apiextensions-apiserver/repo

Only facts are extracted (field names, JSON names, type shapes, tags and
markers); the output is our own Rust data. `--check` compares instead of
writing and exits 1 when the committed file is stale.
"""

import re
import subprocess
import sys
from pathlib import Path

MIRRORS = Path("/work/.mirror")
OUT = Path(__file__).resolve().parent.parent / "src/patch/schema_data.rs"

# (package id, mirror, path in repo, group, version)
SOURCES = [
    ("meta/v1", "kubernetes+apimachinery", ["pkg/apis/meta/v1/types.go"], None, "v1"),
    ("core/v1", "kubernetes+api", ["core/v1/types.go"], "", "v1"),
    ("apps/v1", "kubernetes+api", ["apps/v1/types.go"], "apps", "v1"),
    ("batch/v1", "kubernetes+api", ["batch/v1/types.go"], "batch", "v1"),
    ("networking/v1", "kubernetes+api", ["networking/v1/types.go"], "networking.k8s.io", "v1"),
    ("rbac/v1", "kubernetes+api", ["rbac/v1/types.go"], "rbac.authorization.k8s.io", "v1"),
    ("policy/v1", "kubernetes+api", ["policy/v1/types.go"], "policy", "v1"),
    ("autoscaling/v2", "kubernetes+api", ["autoscaling/v2/types.go"], "autoscaling", "v2"),
    ("storage/v1", "kubernetes+api", ["storage/v1/types.go"], "storage.k8s.io", "v1"),
    ("coordination/v1", "kubernetes+api", ["coordination/v1/types.go"], "coordination.k8s.io", "v1"),
    (
        "apiextensions/v1",
        "kubernetes+apiextensions-apiserver",
        ["pkg/apis/apiextensions/v1/types.go", "pkg/apis/apiextensions/v1/types_jsonschema.go"],
        "apiextensions.k8s.io",
        "v1",
    ),
]

# Import paths of the packages above, to resolve `alias.Type` references.
IMPORT_PATHS = {
    "k8s.io/apimachinery/pkg/apis/meta/v1": "meta/v1",
    "k8s.io/api/core/v1": "core/v1",
    "k8s.io/api/apps/v1": "apps/v1",
    "k8s.io/api/batch/v1": "batch/v1",
    "k8s.io/api/networking/v1": "networking/v1",
    "k8s.io/api/rbac/v1": "rbac/v1",
    "k8s.io/api/policy/v1": "policy/v1",
    "k8s.io/api/autoscaling/v2": "autoscaling/v2",
    "k8s.io/api/storage/v1": "storage/v1",
    "k8s.io/api/coordination/v1": "coordination/v1",
}

# Go structs whose JSON form is decided by custom marshalling: free-form
# values to the patch algorithms, never field-by-field structs.
OPAQUE = {
    "runtime.RawExtension": "RawExtension",
    "meta/v1.FieldsV1": "FieldsV1",
    "apiextensions/v1.JSON": "JSON",
    "apiextensions/v1.JSONSchemaPropsOrArray": "JSONSchemaPropsOrArray",
    "apiextensions/v1.JSONSchemaPropsOrBool": "JSONSchemaPropsOrBool",
    "apiextensions/v1.JSONSchemaPropsOrStringArray": "JSONSchemaPropsOrStringArray",
}

SCALARS = {
    "string", "bool", "byte", "int", "int32", "int64", "uint64", "float32", "float64",
    "[]byte",
}


def git_show(mirror, path):
    return subprocess.run(
        ["git", "-C", str(MIRRORS / mirror / "repo"), "show", f"HEAD:{path}"],
        check=True, capture_output=True, text=True,
    ).stdout


def parse_imports(src):
    aliases = {}
    block = re.search(r"^import \((.*?)^\)", src, re.S | re.M)
    lines = block.group(1).splitlines() if block else re.findall(r"^import (.*)$", src, re.M)
    for line in lines:
        m = re.match(r'\s*(\w+)?\s*"([^"]+)"', line)
        if m:
            path = m.group(2)
            aliases[m.group(1) or path.rsplit("/", 1)[-1]] = path
    return aliases


MARKER = re.compile(r"^\s*//\s*\+(listType|listMapKey|mapType|structType)=(\S+)")
FIELD = re.compile(r"^\s+(?:(\w+)\s+)?([\w.\[\]*]+(?:\[[\w.]+\][\w.*\[\]]+)?)\s+`([^`]*)`")


def parse_package(pkg, sources):
    """Returns (structs, aliases): structs maps a type name to its markers and fields."""
    structs, aliases = {}, {}
    for mirror, path in sources:
        src = git_show(mirror, path)
        imports = parse_imports(src)
        lines = src.splitlines()
        markers = {}
        i = 0
        while i < len(lines):
            line = lines[i]
            m = MARKER.match(line)
            if m and not line.startswith("\t"):
                markers.setdefault(m.group(1), []).append(m.group(2))
            start = re.match(r"^type (\w+) struct \{\s*$", line)
            alias = re.match(r"^type (\w+) (\S.*?)\s*(//.*)?$", line)
            if start:
                name = start.group(1)
                fields, field_markers = [], {}
                i += 1
                while not lines[i].startswith("}"):
                    fl = lines[i]
                    fm = MARKER.match(fl)
                    if fm:
                        field_markers.setdefault(fm.group(1), []).append(fm.group(2))
                    elif fl.strip().startswith("//") or not fl.strip():
                        pass
                    else:
                        f = FIELD.match(fl)
                        if f:
                            fields.append(field_of(f, field_markers, imports, pkg))
                        field_markers = {}
                    i += 1
                structs[name] = {"atomic": "atomic" in markers.get("structType", []), "fields": fields}
                markers = {}
            elif alias and not line.rstrip().endswith("{") and alias.group(2) not in ("struct{}",):
                aliases[alias.group(1)] = resolve_type(alias.group(2), imports, pkg)
                markers = {}
            elif not line.strip().startswith("//"):
                markers = {}
            i += 1
    return structs, aliases


def field_of(match, markers, imports, pkg):
    go_name, go_type, tags = match.groups()
    tag = dict(re.findall(r'(\w+):"([^"]*)"', tags))
    json_name = tag.get("json", "").split(",")[0]
    inline = "inline" in tag.get("json", "").split(",")[1:] or go_name is None
    return {
        "json": json_name,
        "inline": inline and json_name == "",
        "type": resolve_type(go_type, imports, pkg),
        "strategy": tag.get("patchStrategy", ""),
        "merge_key": tag.get("patchMergeKey", ""),
        "list_type": (markers.get("listType") or [""])[0],
        "list_map_keys": markers.get("listMapKey", []),
        "map_atomic": "atomic" in markers.get("mapType", []),
        "skip": json_name == "-",
    }


def resolve_type(t, imports, pkg):
    """A type expression as a tuple: ('scalar',) ('list', e) ('map', v) ('ref', id)."""
    t = t.strip()
    if t.startswith("*"):
        return resolve_type(t[1:], imports, pkg)
    if t in SCALARS:
        return ("scalar",)
    if t.startswith("[]"):
        return ("list", resolve_type(t[2:], imports, pkg))
    m = re.match(r"map\[[\w.]+\](.+)$", t)
    if m:
        return ("map", resolve_type(m.group(1), imports, pkg))
    if "." in t:
        alias, name = t.split(".", 1)
        path = imports.get(alias, alias)
        target = IMPORT_PATHS.get(path)
        if target is None:
            return ("ref", f"{alias}.{name}")
        return ("ref", f"{target}.{name}")
    return ("ref", f"{pkg}.{t}")


def main():
    check = "--check" in sys.argv
    structs, aliases, kinds = {}, {}, []
    for pkg, mirror, paths, group, version in SOURCES:
        s, a = parse_package(pkg, [(mirror, p) for p in paths])
        for name, body in s.items():
            structs[f"{pkg}.{name}"] = body
        for name, ty in a.items():
            aliases[f"{pkg}.{name}"] = ty
        if group is None:
            continue
        for name, body in s.items():
            embeds_type_meta = any(
                f["inline"] and f["type"] == ("ref", "meta/v1.TypeMeta") for f in body["fields"]
            )
            if embeds_type_meta and not name.endswith("List"):
                kinds.append((group, version, name, f"{pkg}.{name}"))

    def shape(ty, depth=0):
        """Follows named non-struct types to their shape."""
        if ty[0] == "ref":
            if ty[1] in OPAQUE:
                return ("opaque", OPAQUE[ty[1]])
            if ty[1] in structs:
                return ty
            if ty[1] in aliases and depth < 10:
                return shape(aliases[ty[1]], depth + 1)
            return ("scalar",)
        if ty[0] in ("list", "map"):
            return (ty[0], shape(ty[1], depth))
        return ty

    def flat_fields(sid, seen=()):
        out = []
        for f in structs[sid]["fields"]:
            if f["skip"]:
                continue
            if f["inline"]:
                target = shape(f["type"])
                if target[0] == "ref" and target[1] not in seen:
                    out.extend(flat_fields(target[1], seen + (sid,)))
                continue
            if f["json"]:
                out.append(f)
        return out

    # Only types reachable from the served kinds.
    reachable, todo = set(), [k[3] for k in kinds] + ["meta/v1.ObjectMeta"]
    while todo:
        sid = todo.pop()
        if sid in reachable or sid not in structs or sid in OPAQUE:
            continue
        reachable.add(sid)
        for f in flat_fields(sid):
            ty = shape(f["type"])
            while ty[0] in ("list", "map"):
                ty = ty[1]
            if ty[0] == "ref":
                todo.append(ty[1])

    def rust_ty(ty):
        ty = shape(ty)
        if ty[0] == "scalar":
            return "SC"
        if ty[0] == "opaque":
            return f'Ty::Opaque("{ty[1]}")'
        if ty[0] == "ref":
            return f'Ty::Struct("{ty[1]}")'
        inner = rust_ty(ty[1])
        return f"Ty::{'List' if ty[0] == 'list' else 'Map'}(&{inner})"

    def rust_str_list(items):
        return "&[" + ", ".join(f'"{x}"' for x in items) + "]"

    out = [
        "//! Generated by scripts/gen_patch_schema.py from the Kubernetes Go types'",
        "//! tags and markers; do not edit by hand.",
        "",
        "use super::schema::{ListType, StructDef, Ty, field as f};",
        "",
        "const SC: Ty = Ty::Scalar;",
        "",
        "/// Every struct type reachable from a served kind, sorted by id.",
        "#[rustfmt::skip]",
        "pub(super) static STRUCTS: &[StructDef] = &[",
    ]
    for sid in sorted(reachable):
        body = structs[sid]
        name = sid.split(".", 1)[1]
        out.append(f'    StructDef {{ id: "{sid}", name: "{name}", atomic: {str(body["atomic"]).lower()}, fields: &[')
        for fd in sorted(flat_fields(sid), key=lambda x: x["json"]):
            ty = shape(fd["type"])
            list_type = "None"
            keys = []
            if ty[0] == "list":
                lt = fd["list_type"]
                if lt == "map":
                    list_type, keys = "Map", fd["list_map_keys"]
                elif lt == "set":
                    list_type = "Set"
                elif lt == "atomic":
                    list_type = "Atomic"
                elif "merge" in fd["strategy"].split(","):
                    # kube-openapi's rule when a list has no listType marker.
                    if fd["merge_key"]:
                        list_type, keys = "Map", [fd["merge_key"]]
                    else:
                        list_type = "Set"
                else:
                    list_type = "Atomic"
            out.append(
                f'        f("{fd["json"]}", {rust_ty(fd["type"])}, "{fd["strategy"]}", "{fd["merge_key"]}", '
                f"ListType::{list_type}, {rust_str_list(keys)}, {str(fd['map_atomic']).lower()}),"
            )
        out.append("    ]},")
    out.append("];")
    out.append("")
    out.append("/// Served kinds: (group, version, kind, struct id), sorted.")
    out.append("#[rustfmt::skip]")
    out.append("pub(super) static KINDS: &[(&str, &str, &str, &str)] = &[")
    for group, version, kind, sid in sorted(kinds):
        out.append(f'    ("{group}", "{version}", "{kind}", "{sid}"),')
    out.append("];")
    text = "\n".join(out) + "\n"
    if check:
        if OUT.read_text() != text:
            print(f"{OUT} is stale; run {sys.argv[0]}", file=sys.stderr)
            sys.exit(1)
        return
    OUT.write_text(text)
    print(f"wrote {OUT}: {len(reachable)} types, {len(kinds)} kinds")


if __name__ == "__main__":
    main()
