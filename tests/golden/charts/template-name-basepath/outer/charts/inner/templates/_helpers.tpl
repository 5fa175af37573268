{{- define "inner.where" -}}{{ .Template.BasePath }}{{- end -}}
