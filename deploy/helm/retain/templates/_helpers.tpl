{{/* The chart's name, and the release's full name (the prefix of every object). */}}
{{- define "retain.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "retain.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "retain.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "retain.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of a component (api, worker, migrate): call with (list $ "api"). */}}
{{- define "retain.selectorLabels" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: {{ include "retain.name" $ }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "retain.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "retain.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "retain.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "retain.secretName" -}}
{{- default (printf "%s-secrets" (include "retain.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{/* Where RETAIN_POLICY_FILE points when a policy is set. */}}
{{- define "retain.policyFile" -}}
{{- printf "%s/policy.yaml" (trimSuffix "/" .Values.policyMountPath) }}
{{- end }}

{{/*
The configuration every process gets (the config ConfigMap's data; the migration Job's env, since it runs as a
hook before the ConfigMap exists): Temporal's address, namespace and task queue, `config`, and the policy file.
*/}}
{{- define "retain.commonConfig" -}}
TEMPORAL_ADDRESS: {{ required "temporal.address is required (host:port of the Temporal frontend)" .Values.temporal.address | quote }}
TEMPORAL_NAMESPACE: {{ .Values.temporal.namespace | quote }}
TEMPORAL_TASK_QUEUE: {{ .Values.temporal.taskQueue | quote }}
{{- range $key, $value := .Values.config }}
{{ $key }}: {{ $value | toString | quote }}
{{- end }}
{{- if .Values.policy }}
RETAIN_POLICY_FILE: {{ include "retain.policyFile" . | quote }}
{{- end }}
{{- if .Values.connectors }}
CONNECTORS_MAPPING_DIR: {{ .Values.connectorsMountPath | quote }}
{{- end }}
{{- end }}

{{/* The keys read from the Secret: DATABASE_URL, which must be there, and the optional ones. */}}
{{- define "retain.secretKeys" -}}
{{- list "NOTIFY_WEBHOOK_URL" "NOTIFY_WEBHOOK_SECRET" "SMTP_URL" "SLACK_BOT_TOKEN" "SMS_AUTH_TOKEN" "CRM_ACCESS_TOKEN" "CRM_CLIENT_SECRET" | toJson }}
{{- end }}

{{- define "retain.secretEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "retain.secretName" . }}
      key: DATABASE_URL
{{- range (include "retain.secretKeys" . | fromJsonArray) }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ include "retain.secretName" $ }}
      key: {{ . }}
      optional: true
{{- end }}
{{- end }}

{{/* Checksums that roll the pods when their configuration changes. */}}
{{- define "retain.checksums" -}}
checksum/config: {{ include "retain.commonConfig" . | sha256sum }}
{{- if .Values.policy }}
checksum/policy: {{ toYaml .Values.policy | sha256sum }}
{{- end }}
{{- if .Values.connectors }}
checksum/connectors: {{ toYaml .Values.connectors | sha256sum }}
{{- end }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ toJson .Values.secrets.values | sha256sum }}
{{- end }}
{{- end }}

{{/* The writable /tmp of a read-only root file system, and the policy file. */}}
{{- define "retain.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if .Values.policy }}
- name: policy
  configMap:
    name: {{ include "retain.fullname" . }}-policy
{{- end }}
{{- if .Values.connectors }}
- name: connectors
  configMap:
    name: {{ include "retain.fullname" . }}-connectors
{{- end }}
{{- end }}

{{- define "retain.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.policy }}
- name: policy
  mountPath: {{ .Values.policyMountPath }}
  readOnly: true
{{- end }}
{{- if .Values.connectors }}
- name: connectors
  mountPath: {{ .Values.connectorsMountPath }}
  readOnly: true
{{- end }}
{{- end }}

{{/* A disruption budget's minAvailable when set (not null), else its maxUnavailable. */}}
{{- define "retain.pdbBudget" -}}
{{- if not (kindIs "invalid" .minAvailable) -}}
minAvailable: {{ .minAvailable }}
{{- else -}}
maxUnavailable: {{ required "a pdb needs minAvailable or maxUnavailable" .maxUnavailable }}
{{- end }}
{{- end }}
