{{- define "app.loop" -}}{{ include "app.loop" . }}{{- end -}}
