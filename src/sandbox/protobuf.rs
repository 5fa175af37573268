//! Kubernetes' protobuf wire format for the few kinds client-go's typed clients
//! send as protobuf in release management: Secret and ConfigMap (Helm's storage
//! drivers), Namespace (`--create-namespace`, `kubectl create namespace`),
//! Service (`kubectl create service`, `kubectl expose`), and DeleteOptions. Bodies are decoded into the JSON the rest of the server works
//! on; responses are always JSON, which client-go accepts.
//!
//! The envelope is the 4-byte magic `k8s\0` and a `runtime.Unknown` carrying
//! the TypeMeta and the object's bytes. Field numbers are those of the
//! Kubernetes API's `generated.proto` files.

use serde_json::{Map, Value, json};

/// The media type of Kubernetes protobuf bodies.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";
const MAGIC: &[u8] = b"k8s\0";
/// Nesting deeper than this is refused (the kinds decoded here nest 4 deep).
pub const MAX_DEPTH: usize = 16;

#[derive(Clone, Copy)]
enum Kind {
    Str,
    /// A `*bool`: present means set, even to false.
    Bool,
    /// A plain `bool`, which Go's JSON leaves out when false.
    Flag,
    Int,
    /// `intstr.IntOrString`: a number or a string.
    IntOrString,
    Time,
    Msg(&'static [Field]),
    RepStr,
    RepMsg(&'static [Field]),
    MapStrStr,
    MapStrBytes,
    /// FieldsV1: its one field holds raw JSON.
    RawJson,
}

struct Field {
    num: u64,
    name: &'static str,
    kind: Kind,
}

const fn f(num: u64, name: &'static str, kind: Kind) -> Field {
    Field { num, name, kind }
}

const OWNER_REFERENCE: &[Field] = &[
    f(5, "apiVersion", Kind::Str),
    f(1, "kind", Kind::Str),
    f(3, "name", Kind::Str),
    f(4, "uid", Kind::Str),
    f(6, "controller", Kind::Bool),
    f(7, "blockOwnerDeletion", Kind::Bool),
];

const MANAGED_FIELDS_ENTRY: &[Field] = &[
    f(1, "manager", Kind::Str),
    f(2, "operation", Kind::Str),
    f(3, "apiVersion", Kind::Str),
    f(4, "time", Kind::Time),
    f(6, "fieldsType", Kind::Str),
    f(7, "fieldsV1", Kind::RawJson),
    f(8, "subresource", Kind::Str),
];

const OBJECT_META: &[Field] = &[
    f(1, "name", Kind::Str),
    f(2, "generateName", Kind::Str),
    f(3, "namespace", Kind::Str),
    f(4, "selfLink", Kind::Str),
    f(5, "uid", Kind::Str),
    f(6, "resourceVersion", Kind::Str),
    f(7, "generation", Kind::Int),
    f(8, "creationTimestamp", Kind::Time),
    f(9, "deletionTimestamp", Kind::Time),
    f(10, "deletionGracePeriodSeconds", Kind::Int),
    f(11, "labels", Kind::MapStrStr),
    f(12, "annotations", Kind::MapStrStr),
    f(13, "ownerReferences", Kind::RepMsg(OWNER_REFERENCE)),
    f(14, "finalizers", Kind::RepStr),
    f(17, "managedFields", Kind::RepMsg(MANAGED_FIELDS_ENTRY)),
];

const SECRET: &[Field] = &[
    f(1, "metadata", Kind::Msg(OBJECT_META)),
    f(5, "immutable", Kind::Bool),
    f(2, "data", Kind::MapStrBytes),
    f(4, "stringData", Kind::MapStrStr),
    f(3, "type", Kind::Str),
];

const CONFIG_MAP: &[Field] = &[
    f(1, "metadata", Kind::Msg(OBJECT_META)),
    f(4, "immutable", Kind::Bool),
    f(2, "data", Kind::MapStrStr),
    f(3, "binaryData", Kind::MapStrBytes),
];

const NAMESPACE_SPEC: &[Field] = &[f(1, "finalizers", Kind::RepStr)];
const NAMESPACE_STATUS: &[Field] = &[f(1, "phase", Kind::Str)];
const NAMESPACE: &[Field] = &[
    f(1, "metadata", Kind::Msg(OBJECT_META)),
    f(2, "spec", Kind::Msg(NAMESPACE_SPEC)),
    f(3, "status", Kind::Msg(NAMESPACE_STATUS)),
];

const SERVICE_PORT: &[Field] = &[
    f(1, "name", Kind::Str),
    f(2, "protocol", Kind::Str),
    f(6, "appProtocol", Kind::Str),
    f(3, "port", Kind::Int),
    f(4, "targetPort", Kind::IntOrString),
    f(5, "nodePort", Kind::Int),
];
const SERVICE_SPEC: &[Field] = &[
    f(1, "ports", Kind::RepMsg(SERVICE_PORT)),
    f(2, "selector", Kind::MapStrStr),
    f(3, "clusterIP", Kind::Str),
    f(18, "clusterIPs", Kind::RepStr),
    f(4, "type", Kind::Str),
    f(5, "externalIPs", Kind::RepStr),
    f(7, "sessionAffinity", Kind::Str),
    f(8, "loadBalancerIP", Kind::Str),
    f(9, "loadBalancerSourceRanges", Kind::RepStr),
    f(10, "externalName", Kind::Str),
    f(11, "externalTrafficPolicy", Kind::Str),
    f(12, "healthCheckNodePort", Kind::Int),
    f(13, "publishNotReadyAddresses", Kind::Flag),
    f(19, "ipFamilies", Kind::RepStr),
    f(17, "ipFamilyPolicy", Kind::Str),
    f(20, "allocateLoadBalancerNodePorts", Kind::Bool),
    f(21, "loadBalancerClass", Kind::Str),
    f(22, "internalTrafficPolicy", Kind::Str),
    f(23, "trafficDistribution", Kind::Str),
];
const SERVICE: &[Field] = &[
    f(1, "metadata", Kind::Msg(OBJECT_META)),
    f(2, "spec", Kind::Msg(SERVICE_SPEC)),
];

const PRECONDITIONS: &[Field] = &[f(1, "uid", Kind::Str), f(2, "resourceVersion", Kind::Str)];
const DELETE_OPTIONS: &[Field] = &[
    f(1, "gracePeriodSeconds", Kind::Int),
    f(2, "preconditions", Kind::Msg(PRECONDITIONS)),
    f(3, "orphanDependents", Kind::Bool),
    f(4, "propagationPolicy", Kind::Str),
    f(5, "dryRun", Kind::RepStr),
];

const TYPE_META: &[Field] = &[f(1, "apiVersion", Kind::Str), f(2, "kind", Kind::Str)];
const UNKNOWN: &[Field] = &[f(1, "typeMeta", Kind::Msg(TYPE_META))];

fn schema(kind: &str) -> Option<&'static [Field]> {
    Some(match kind {
        "Secret" => SECRET,
        "ConfigMap" => CONFIG_MAP,
        "Namespace" => NAMESPACE,
        "Service" => SERVICE,
        "DeleteOptions" => DELETE_OPTIONS,
        _ => return None,
    })
}

/// Why a protobuf body was not decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtobufError {
    /// The kind has no protobuf decoder here; the caller answers 415.
    #[error("protobuf bodies of kind {0:?} are not supported")]
    Unsupported(String),
    #[error("{0}")]
    Malformed(String),
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, ProtobufError> {
        let mut out = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self
                .data
                .get(self.pos)
                .ok_or_else(|| ProtobufError::Malformed("unexpected EOF".into()))?;
            self.pos += 1;
            out |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(out);
            }
        }
        Err(ProtobufError::Malformed("proto: integer overflow".into()))
    }

    fn bytes(&mut self) -> Result<&'a [u8], ProtobufError> {
        let len = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
        let end = self
            .pos
            .checked_add(len)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| ProtobufError::Malformed("unexpected EOF".into()))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn skip(&mut self, wire: u64) -> Result<(), ProtobufError> {
        let n = match wire {
            0 => {
                self.varint()?;
                0
            }
            1 => 8,
            2 => {
                self.bytes()?;
                0
            }
            5 => 4,
            other => {
                return Err(ProtobufError::Malformed(format!(
                    "proto: illegal wireType {other}"
                )));
            }
        };
        self.pos += n;
        if self.pos > self.data.len() {
            return Err(ProtobufError::Malformed("unexpected EOF".into()));
        }
        Ok(())
    }
}

fn text(b: &[u8]) -> Result<String, ProtobufError> {
    String::from_utf8(b.to_vec())
        .map_err(|_| ProtobufError::Malformed("proto: invalid UTF-8 string".into()))
}

fn map_entry(b: &[u8], bytes_value: bool) -> Result<(String, Value), ProtobufError> {
    let mut r = Reader { data: b, pos: 0 };
    let (mut key, mut value) = (String::new(), Value::String(String::new()));
    while r.pos < r.data.len() {
        let tag = r.varint()?;
        match (tag >> 3, tag & 7) {
            (1, 2) => key = text(r.bytes()?)?,
            (2, 2) => {
                let v = r.bytes()?;
                value = if bytes_value {
                    json!(super::registry::base64_encode(v))
                } else {
                    json!(text(v)?)
                };
            }
            (_, wire) => r.skip(wire)?,
        }
    }
    Ok((key, value))
}

fn time(b: &[u8]) -> Result<Value, ProtobufError> {
    let mut r = Reader { data: b, pos: 0 };
    let mut seconds = 0i64;
    while r.pos < r.data.len() {
        let tag = r.varint()?;
        match (tag >> 3, tag & 7) {
            (1, 0) => seconds = r.varint()? as i64,
            (_, wire) => r.skip(wire)?,
        }
    }
    if seconds == 0 {
        return Ok(Value::Null);
    }
    Ok(chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| json!(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()))
        .unwrap_or(Value::Null))
}

fn message(b: &[u8], fields: &[Field], depth: usize) -> Result<Map<String, Value>, ProtobufError> {
    if depth > MAX_DEPTH {
        return Err(ProtobufError::Malformed("proto: nesting too deep".into()));
    }
    let mut out = Map::new();
    let mut r = Reader { data: b, pos: 0 };
    while r.pos < r.data.len() {
        let tag = r.varint()?;
        let (num, wire) = (tag >> 3, tag & 7);
        let Some(field) = fields.iter().find(|f| f.num == num) else {
            r.skip(wire)?;
            continue;
        };
        let wrong = || {
            ProtobufError::Malformed(format!(
                "proto: wrong wireType = {wire} for field {}",
                field.name
            ))
        };
        match field.kind {
            Kind::Bool | Kind::Flag | Kind::Int if wire != 0 => return Err(wrong()),
            Kind::Bool => {
                let v = r.varint()? != 0;
                out.insert(field.name.into(), json!(v));
            }
            Kind::Flag => {
                if r.varint()? != 0 {
                    out.insert(field.name.into(), json!(true));
                }
            }
            Kind::Int => {
                let v = r.varint()? as i64;
                if v != 0 {
                    out.insert(field.name.into(), json!(v));
                }
            }
            _ if wire != 2 => return Err(wrong()),
            Kind::Str => {
                let v = text(r.bytes()?)?;
                if !v.is_empty() {
                    out.insert(field.name.into(), json!(v));
                }
            }
            Kind::Time => {
                let v = time(r.bytes()?)?;
                if !v.is_null() {
                    out.insert(field.name.into(), v);
                }
            }
            Kind::Msg(sub) => {
                let v = message(r.bytes()?, sub, depth + 1)?;
                out.insert(field.name.into(), Value::Object(v));
            }
            Kind::IntOrString => {
                const INT_OR_STRING: &[Field] = &[
                    f(1, "type", Kind::Int),
                    f(2, "intVal", Kind::Int),
                    f(3, "strVal", Kind::Str),
                ];
                let v = message(r.bytes()?, INT_OR_STRING, depth + 1)?;
                let value = if v.get("type").and_then(Value::as_i64) == Some(1) {
                    v.get("strVal").cloned().unwrap_or_else(|| json!(""))
                } else {
                    v.get("intVal").cloned().unwrap_or_else(|| json!(0))
                };
                out.insert(field.name.into(), value);
            }
            Kind::RepStr => {
                let v = text(r.bytes()?)?;
                push(&mut out, field.name, json!(v));
            }
            Kind::RepMsg(sub) => {
                let v = message(r.bytes()?, sub, depth + 1)?;
                push(&mut out, field.name, Value::Object(v));
            }
            Kind::MapStrStr | Kind::MapStrBytes => {
                let (k, v) = map_entry(r.bytes()?, matches!(field.kind, Kind::MapStrBytes))?;
                let entry = out.entry(field.name).or_insert_with(|| json!({}));
                if let Some(m) = entry.as_object_mut() {
                    m.insert(k, v);
                }
            }
            Kind::RawJson => {
                let mut inner = Reader {
                    data: r.bytes()?,
                    pos: 0,
                };
                while inner.pos < inner.data.len() {
                    let tag = inner.varint()?;
                    if tag == (1 << 3) | 2 {
                        let raw: Value = serde_json::from_slice(inner.bytes()?)
                            .map_err(|e| ProtobufError::Malformed(e.to_string()))?;
                        out.insert(field.name.into(), raw);
                    } else {
                        inner.skip(tag & 7)?;
                    }
                }
            }
        }
    }
    Ok(out)
}

fn push(out: &mut Map<String, Value>, name: &str, v: Value) {
    let entry = out.entry(name).or_insert_with(|| json!([]));
    if let Some(a) = entry.as_array_mut() {
        a.push(v);
    }
}

/// Decodes a protobuf body into the object's JSON, with apiVersion and kind
/// from its envelope.
pub fn decode(body: &[u8]) -> Result<Value, ProtobufError> {
    let rest = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| ProtobufError::Malformed("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]".into()))?;
    let envelope = message(rest, UNKNOWN, 0)?;
    let type_meta = envelope
        .get("typeMeta")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let kind = type_meta
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let fields = schema(&kind).ok_or_else(|| ProtobufError::Unsupported(kind.clone()))?;
    // The object's bytes are field 2 of the envelope.
    let mut r = Reader { data: rest, pos: 0 };
    let mut raw: &[u8] = &[];
    while r.pos < r.data.len() {
        let tag = r.varint()?;
        if tag == (2 << 3) | 2 {
            raw = r.bytes()?;
        } else {
            r.skip(tag & 7)?;
        }
    }
    let mut obj = message(raw, fields, 1)?;
    if let Some(v) = type_meta.get("apiVersion") {
        obj.insert("apiVersion".into(), v.clone());
    }
    obj.insert("kind".into(), json!(kind));
    Ok(Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn field(num: u64, payload: &[u8], out: &mut Vec<u8>) {
        varint((num << 3) | 2, out);
        varint(payload.len() as u64, out);
        out.extend_from_slice(payload);
    }

    fn entry(k: &str, v: &[u8]) -> Vec<u8> {
        let mut e = Vec::new();
        field(1, k.as_bytes(), &mut e);
        field(2, v, &mut e);
        e
    }

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let mut tm = Vec::new();
        field(1, api_version.as_bytes(), &mut tm);
        field(2, kind.as_bytes(), &mut tm);
        let mut body = MAGIC.to_vec();
        field(1, &tm, &mut body);
        field(2, raw, &mut body);
        body
    }

    #[test]
    fn secrets_decode_like_helm_sends_them() {
        let mut meta = Vec::new();
        field(1, b"sh.helm.release.v1.r.v1", &mut meta);
        field(3, b"", &mut meta);
        field(11, &entry("owner", b"helm"), &mut meta);
        field(11, &entry("status", b"deployed"), &mut meta);
        let mut time = Vec::new();
        field(8, &time, &mut meta);
        time.clear();
        let mut secret = Vec::new();
        field(1, &meta, &mut secret);
        field(2, &entry("release", b"hello"), &mut secret);
        field(3, b"helm.sh/release.v1", &mut secret);
        let v = decode(&envelope("v1", "Secret", &secret)).unwrap();
        assert_eq!(
            v,
            json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "sh.helm.release.v1.r.v1", "labels": {"owner": "helm", "status": "deployed"}},
                "data": {"release": "aGVsbG8="},
                "type": "helm.sh/release.v1",
            })
        );
    }

    fn varint_field(num: u64, v: u64, out: &mut Vec<u8>) {
        varint(num << 3, out);
        varint(v, out);
    }

    #[test]
    fn services_decode_with_int_or_string_ports() {
        let mut meta = Vec::new();
        field(1, b"web", &mut meta);
        let mut by_number = Vec::new();
        varint_field(2, 8080, &mut by_number);
        let mut by_name = Vec::new();
        varint_field(1, 1, &mut by_name);
        field(3, b"http", &mut by_name);
        let mut p1 = Vec::new();
        field(2, b"TCP", &mut p1);
        varint_field(3, 80, &mut p1);
        field(4, &by_number, &mut p1);
        let mut p2 = Vec::new();
        varint_field(3, 443, &mut p2);
        field(4, &by_name, &mut p2);
        let mut spec = Vec::new();
        field(1, &p1, &mut spec);
        field(1, &p2, &mut spec);
        field(4, b"NodePort", &mut spec);
        varint_field(13, 0, &mut spec);
        let mut svc = Vec::new();
        field(1, &meta, &mut svc);
        field(2, &spec, &mut svc);
        let v = decode(&envelope("v1", "Service", &svc)).unwrap();
        assert_eq!(
            v["spec"],
            json!({"ports": [{"protocol": "TCP", "port": 80, "targetPort": 8080}, {"port": 443, "targetPort": "http"}], "type": "NodePort"})
        );
    }

    #[test]
    fn delete_options_and_unsupported_kinds() {
        let mut opts = Vec::new();
        field(4, b"Foreground", &mut opts);
        let mut pre = Vec::new();
        field(1, b"u-1", &mut pre);
        field(2, &pre, &mut opts);
        let v = decode(&envelope("meta.k8s.io/v1", "DeleteOptions", &opts)).unwrap();
        assert_eq!(v["propagationPolicy"], "Foreground");
        assert_eq!(v["preconditions"]["uid"], "u-1");
        assert_eq!(
            decode(&envelope("apps/v1", "Deployment", &[])).unwrap_err(),
            ProtobufError::Unsupported("Deployment".into())
        );
    }

    #[test]
    fn malformed_bodies_are_errors() {
        assert!(matches!(decode(b"{}"), Err(ProtobufError::Malformed(_))));
        let mut body = MAGIC.to_vec();
        body.extend_from_slice(&[0x0a, 0x05, 0x01]);
        assert!(matches!(decode(&body), Err(ProtobufError::Malformed(_))));
    }
}
