{{- define "outer.where" -}}{{ .Template.Name }}{{- end -}}
