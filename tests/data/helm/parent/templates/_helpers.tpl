{{- define "parent.name" -}}{{ .Chart.Name }}{{- end -}}
