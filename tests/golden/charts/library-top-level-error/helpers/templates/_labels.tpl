{{- define "helpers.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
{{- end -}}
