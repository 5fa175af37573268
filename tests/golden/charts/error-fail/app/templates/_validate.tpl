{{- define "app.validate" -}}
{{- if not (has .Values.service.type (list "ClusterIP" "NodePort")) -}}
{{- fail (printf "service.type %q is not supported; use ClusterIP or NodePort" .Values.service.type) -}}
{{- end -}}
{{- end -}}
