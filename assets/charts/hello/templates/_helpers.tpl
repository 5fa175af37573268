{{/*
The name of every object: RELEASE-CHART, or just RELEASE when the release
already carries the chart's name.
*/}}
{{- define "hello.fullname" -}}
{{- if eq .Release.Name .Chart.Name -}}
{{ .Release.Name }}
{{- else -}}
{{ printf "%s-%s" .Release.Name .Chart.Name }}
{{- end -}}
{{- end }}

{{/*
Labels that select the server's pods. A flow mapping, so that it fits at any
indentation without Sprig's nindent.
*/}}
{{- define "hello.selectorLabels" -}}
{app.kubernetes.io/name: {{ .Chart.Name }}, app.kubernetes.io/instance: {{ .Release.Name }}}
{{- end }}

{{/*
Labels for `metadata.labels`, indented for that place.
*/}}
{{- define "hello.labels" }}
    app.kubernetes.io/name: {{ .Chart.Name }}
    app.kubernetes.io/instance: {{ .Release.Name }}
    app.kubernetes.io/version: {{ printf "%q" .Chart.AppVersion }}
    app.kubernetes.io/managed-by: {{ .Release.Service }}
    helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}
