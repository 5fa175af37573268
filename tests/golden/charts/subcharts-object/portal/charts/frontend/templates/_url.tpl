{{- define "frontend.url" -}}
http://{{ .Release.Name }}-{{ .Chart.Name }}{{ .Values.path }}
{{- end -}}
