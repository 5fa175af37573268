{{- /* Helpers write their own indentation: Sprig's nindent is not in the engine yet. */ -}}
{{- define "heavy.labels" }}
    app.kubernetes.io/name: {{ .name }}
{{- range $k, $v := .labels }}
    {{ $k }}: {{ $v | printf "%q" }}
{{- end }}
{{- end -}}

{{- define "heavy.env" }}
{{- range $i, $e := . }}
            - name: {{ $e.name }}
              value: {{ printf "%q" $e.value }}
{{- end }}
{{- end -}}

{{- define "heavy.probe" }}
            httpGet:
              path: {{ .path }}
              port: http
            initialDelaySeconds: {{ .initialDelaySeconds }}
{{- end -}}
