{{- define "spot-optimizer-agent.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "spot-optimizer-agent.labels" -}}
app.kubernetes.io/name: spot-optimizer-agent
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "spot-optimizer-agent.secretName" -}}
{{- if .Values.existingSecret -}}{{ .Values.existingSecret }}{{- else -}}{{ include "spot-optimizer-agent.name" . }}-token{{- end -}}
{{- end -}}
