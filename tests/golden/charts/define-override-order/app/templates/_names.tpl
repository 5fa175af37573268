{{- define "shared.name" -}}app{{- end -}}
