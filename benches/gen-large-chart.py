#!/usr/bin/env python3
"""gen-large-chart.py OUT_DIR: writes the benchmark chart `large` (a parent with
two subcharts and a library chart, 122 templates) into OUT_DIR/large.

The chart is generated rather than committed because it is 100+ near-identical
files; the generator is deterministic, so every run benchmarks the same bytes.
Templates use what real charts use: a library of named templates, `include`
with `nindent`, `toYaml`, `range` over lists and maps, `with`, `default`,
`required`, `tpl`, `quote`, `printf`, globals and subchart values."""
import os
import sys

HELPERS = """{{- define "common.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | default "0.0.0" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "common.fullname" -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "common.container" -}}
- name: {{ .name }}
  image: {{ printf "%s:%s" .image.repository (.image.tag | toString) }}
  imagePullPolicy: {{ .image.pullPolicy | default "IfNotPresent" }}
  {{- with .args }}
  args:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  env:
  {{- range $k, $v := .env }}
    - name: {{ $k | upper | replace "-" "_" }}
      value: {{ $v | quote }}
  {{- end }}
  ports:
  {{- range .ports }}
    - name: {{ .name }}
      containerPort: {{ .port }}
      protocol: {{ .protocol | default "TCP" }}
  {{- end }}
  resources:
    {{- toYaml .resources | nindent 4 }}
{{- end -}}
"""

DEPLOYMENT = """{{- $c := index .Values.components %(idx)d }}
{{- if $c.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "common.fullname" . }}-{{ $c.name }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
    component: {{ $c.name | quote }}
  annotations:
    checksum/config: {{ $c | toJson | sha256sum | trunc 16 }}
spec:
  replicas: {{ $c.replicas | default .Values.defaultReplicas }}
  selector:
    matchLabels:
      component: {{ $c.name | quote }}
  template:
    metadata:
      labels:
        {{- include "common.labels" . | nindent 8 }}
        component: {{ $c.name | quote }}
    spec:
      {{- with .Values.global.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        {{- include "common.container" $c | nindent 8 }}
      {{- if $c.sidecar }}
        - name: sidecar
          image: {{ .Values.global.sidecarImage }}
      {{- end }}
{{- end }}
"""

SERVICE = """{{- $c := index .Values.components %(idx)d }}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "common.fullname" . }}-{{ $c.name }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  type: {{ $c.serviceType | default "ClusterIP" }}
  selector:
    component: {{ $c.name | quote }}
  ports:
  {{- range $c.ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
  {{- end }}
"""

CONFIGMAP = """{{- $c := index .Values.components %(idx)d }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "common.fullname" . }}-{{ $c.name }}-config
  labels:
    {{- include "common.labels" . | nindent 4 }}
data:
  settings.yaml: |
    {{- toYaml $c.settings | nindent 4 }}
  greeting: {{ tpl .Values.greeting . | quote }}
  region: {{ .Values.global.region | quote }}
  {{- range $i, $f := $c.features }}
  feature-{{ $i }}: {{ $f | title | quote }}
  {{- end }}
"""


def component(name, i):
    return f"""  - name: {name}
    enabled: {str(i % 7 != 3).lower()}
    replicas: {i % 4 + 1}
    sidecar: {str(i % 3 == 0).lower()}
    serviceType: {"NodePort" if i % 5 == 0 else "ClusterIP"}
    image:
      repository: registry.example.com/{name}
      tag: "1.{i}.0"
    args: ["--port=8080", "--log-level=info", "--id={i}"]
    env:
      log-level: info
      component-id: "{i}"
      feature-flags: "a,b,c"
    ports:
      - name: http
        port: {8000 + i}
      - name: metrics
        port: {9000 + i}
    resources:
      limits: {{cpu: "{i % 4 + 1}", memory: "{(i % 8 + 1) * 128}Mi"}}
      requests: {{cpu: "{(i % 4 + 1) * 100}m", memory: "{(i % 8 + 1) * 64}Mi"}}
    settings:
      threads: {i % 16 + 1}
      cache: {{enabled: true, size: {i * 10}}}
      endpoints: [alpha, beta, gamma]
    features: [search, export, audit]
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


def app_chart(root, name, count, version, deps):
    deps_yaml = "".join(f"  - name: {d}\n    version: 1.x\n" for d in deps)
    write(f"{root}/Chart.yaml", f"apiVersion: v2\nname: {name}\nversion: {version}\n"
          f"appVersion: \"{version}\"\n" + (f"dependencies:\n{deps_yaml}" if deps else ""))
    comps = "".join(component(f"{name}-c{i:02d}", i) for i in range(count))
    write(f"{root}/values.yaml", "defaultReplicas: 2\ngreeting: \"hello {{ .Release.Name }}\"\n"
          "global:\n  region: eu-west\n  sidecarImage: proxy:1.0\n  imagePullSecrets:\n    - name: regcred\n"
          f"components:\n{comps}")
    kinds = [("deployment", DEPLOYMENT), ("service", SERVICE), ("configmap", CONFIGMAP)]
    n = 0
    for i in range(count):
        for kind, text in kinds:
            if n >= count * 3:
                break
            write(f"{root}/templates/{kind}-{i:02d}.yaml", text % {"idx": i})
            n += 1


def main(out):
    root = os.path.join(out, "large")
    app_chart(root, "large", 14, "1.0.0", ["common", "api", "worker"])
    write(f"{root}/templates/NOTES.txt", "Installed {{ .Release.Name }}.\n")
    app_chart(f"{root}/charts/api", "api", 13, "2.1.0", ["common"])
    app_chart(f"{root}/charts/worker", "worker", 13, "3.2.0", ["common"])
    for base in (root, f"{root}/charts/api", f"{root}/charts/worker"):
        write(f"{base}/charts/common/Chart.yaml",
              "apiVersion: v2\nname: common\nversion: 1.4.0\ntype: library\n")
        write(f"{base}/charts/common/templates/_helpers.tpl", HELPERS)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gen-large-chart.py OUT_DIR")
    main(sys.argv[1])
