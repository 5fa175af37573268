{{- define "common.labels" -}}
defined-by: common library
{{- end -}}
{{- define "shared.name" -}}common{{- end -}}
