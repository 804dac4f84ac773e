{{/*
Names, labels and the pieces every Deployment shares.

Configuration reaches the programs in two halves: a ConfigMap holding the
program's YAML file (rendered here from values, then `<component>.config`
merged over it) and environment variables for what is per-cluster or secret
(LT_KAFKA_BOOTSTRAP, LT_REGISTRY_URL, SIGN_API_KEY, ...). The programs read
LT_KAFKA_BOOTSTRAP and LT_REGISTRY_URL as their defaults, and the
configuration refers to secrets as ${VAR}, so no secret is ever written into
a ConfigMap or a pod spec.
*/}}

{{- define "livetap.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "livetap.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<component>", component passed as .component */}}
{{- define "livetap.componentName" -}}
{{- printf "%s-%s" (include "livetap.fullname" .root | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "livetap.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "livetap.labels" -}}
helm.sh/chart: {{ include "livetap.chart" . }}
app.kubernetes.io/name: {{ include "livetap.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: livetap
{{- end -}}

{{/* Selector labels of one component: dict "root" $ "component" "collector" */}}
{{- define "livetap.selectorLabels" -}}
app.kubernetes.io/name: {{ include "livetap.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "livetap.componentLabels" -}}
{{ include "livetap.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "livetap.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "livetap.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "livetap.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret every secret env var comes from. */}}
{{- define "livetap.secretName" -}}
{{- default (include "livetap.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "livetap.kafkaBootstrap" -}}
{{- required "kafka.bootstrapServers is required: the bootstrap servers of your Kafka cluster, e.g. kafka:9092" .Values.kafka.bootstrapServers -}}
{{- end -}}

{{/* Environment variable holding the value of a secret librdkafka property. */}}
{{- define "livetap.kafkaSecretEnv" -}}
{{- printf "LT_KAFKA_SECRET_%s" (. | upper | replace "." "_" | replace "-" "_") -}}
{{- end -}}

{{/* librdkafka properties as a map, secret ones as ${VAR} references. */}}
{{- define "livetap.kafkaProperties" -}}
{{- $props := dict -}}
{{- range $k, $v := .Values.kafka.properties -}}
{{- $_ := set $props $k (toString $v) -}}
{{- end -}}
{{- range $k, $_v := .Values.kafka.secretProperties -}}
{{- $_ := set $props $k (printf "${%s}" (include "livetap.kafkaSecretEnv" $k)) -}}
{{- end -}}
{{- toYaml $props -}}
{{- end -}}

{{/* Shutdown budget: the pod gets SIGTERM, flushes Kafka within flushTimeoutMs, exits. */}}
{{- define "livetap.graceSeconds" -}}
{{- if kindIs "invalid" .c.terminationGracePeriodSeconds -}}
{{- add (div (add .flushMs 999) 1000) .c.shutdownMarginSeconds (default 0 .c.preStopSleepSeconds) (default 0 .handoverSeconds) -}}
{{- else -}}
{{- .c.terminationGracePeriodSeconds -}}
{{- end -}}
{{- end -}}

{{/* Environment shared by every program: dict "root" $ "component" name */}}
{{- define "livetap.commonEnv" -}}
{{- $root := .root -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: LT_KAFKA_BOOTSTRAP
  value: {{ include "livetap.kafkaBootstrap" $root | quote }}
{{- if $root.Values.registry.urlSecretKey }}
- name: LT_REGISTRY_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "livetap.secretName" $root }}
      key: {{ $root.Values.registry.urlSecretKey }}
{{- else }}
- name: LT_REGISTRY_URL
  value: {{ $root.Values.registry.url | quote }}
{{- end }}
{{- range $prop, $key := $root.Values.kafka.secretProperties }}
- name: {{ include "livetap.kafkaSecretEnv" $prop }}
  valueFrom:
    secretKeyRef:
      name: {{ include "livetap.secretName" $root }}
      key: {{ $key }}
{{- end }}
{{- end -}}

{{/* Prometheus scrape annotations: dict "root" $ "port" N */}}
{{- define "livetap.scrapeAnnotations" -}}
{{- if .root.Values.metrics.podAnnotations -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end -}}
{{- end -}}

{{/* HTTP probes on /healthz (liveness, startup) and /readyz (readiness): dict "probes" .c.probes "port" name */}}
{{- define "livetap.probes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
    {{- if .https }}
    scheme: HTTPS
    {{- end }}
  {{- toYaml .probes.startup | nindent 2 }}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
    {{- if .https }}
    scheme: HTTPS
    {{- end }}
  {{- toYaml .probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /readyz
    port: {{ .port }}
    {{- if .https }}
    scheme: HTTPS
    {{- end }}
  {{- toYaml .probes.readiness | nindent 2 }}
{{- end -}}

{{/* Pod and container security contexts: component's own keys over the chart-wide ones. */}}
{{- define "livetap.podSecurityContext" -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.podSecurityContext) (deepCopy .c.podSecurityContext)) -}}
{{- end -}}
{{- define "livetap.securityContext" -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.securityContext) (deepCopy .c.securityContext)) -}}
{{- end -}}

{{/* Scheduling keys shared by the Deployments: .c is the component's values. */}}
{{- define "livetap.scheduling" -}}
{{- with .c.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .c.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .c.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .c.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .c.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
