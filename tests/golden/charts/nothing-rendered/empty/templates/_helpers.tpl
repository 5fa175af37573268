{{- define "empty.unused" }}never{{ end }}
