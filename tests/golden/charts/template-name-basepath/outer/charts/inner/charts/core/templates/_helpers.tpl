{{- define "core.where" -}}{{ .Chart.Name }}:{{ .Template.Name }}{{- end -}}
