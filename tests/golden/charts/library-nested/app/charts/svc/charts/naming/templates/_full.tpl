{{- define "naming.full" -}}
{{ .Release.Name }}-{{ .Chart.Name }}
{{- end -}}
