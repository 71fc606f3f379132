{{- define "lib.labels" -}}app: x{{- end -}}
