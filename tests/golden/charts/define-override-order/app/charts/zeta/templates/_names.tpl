{{- define "shared.name" -}}zeta{{- end -}}
