{{- define "common.labels" -}}
defined-by: app parent
{{- end -}}
