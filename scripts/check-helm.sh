#!/usr/bin/env bash
# check-helm.sh - lint, render and validate the Helm chart (helm/livetap).
#
# 1. helm: from PATH, else built once from the Go module proxy (go install;
#    needs Go and access to the proxy) into a cache kept across builds and
#    clones: $LT_TOOL_CACHE/helm-<version>/ (default /var/cache/livetap when
#    writable, else build/tools).
# 2. `helm lint --strict` with the chart's defaults and with every value set
#    in helm/values-examples/.
# 3. `helm template` of the defaults and of every value set into
#    build/helm/<set>.yaml.
# 4. Schema validation: kubeconform needs the Kubernetes JSON schemas from
#    GitHub, which is not reachable from CI machines here, so instead
#    tests/helm/kubecheck (Go, k8s.io/api from the module proxy) decodes every
#    rendered object strictly into the Kubernetes API types and checks the
#    references between objects. LT_KUBECONFORM=1 also runs kubeconform (on
#    PATH, able to reach its schemas).
# 5. The rendering tests (tests/helm/test_render.py, pytest + PyYAML): each value
#    set renders the objects it should, with the right probes, replicas, grace
#    periods, Secrets and configuration, and bad values fail with a message.
#
# Options (environment):
#   LT_HELM_VERSION   helm to build when none is on PATH (default v3.21.4)
#   LT_TOOL_CACHE     where built tools are kept (default /var/cache/livetap)
#   LT_HELM_PYTHON    Python with pytest and PyYAML (default build/venv/bin/python)
#   LT_BUILD_DIR      where livetap-collector is built, for the configuration-key test
#                     (default build; the test is skipped without it)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TOOLS="$ROOT/build/tools"
OUT="$ROOT/build/helm"
CHART="$ROOT/helm/livetap"
HELM_VERSION="${LT_HELM_VERSION:-v3.21.4}"
say() { printf 'check-helm: %s\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }
mkdir -p "$TOOLS" "$OUT"

# --- 1. helm ---
CACHE="${LT_TOOL_CACHE:-/var/cache/livetap}"
mkdir -p "$CACHE" 2>/dev/null && [[ -w "$CACHE" ]] || CACHE="$TOOLS"
HELM_DIR="$CACHE/helm-$HELM_VERSION"
if command -v helm >/dev/null 2>&1; then
    HELM="$(command -v helm)"
elif [[ -x "$HELM_DIR/helm" ]]; then
    HELM="$HELM_DIR/helm"
else
    command -v go >/dev/null 2>&1 || die "no helm on PATH and no Go to build it (apt-get install golang, or install helm)"
    say "building helm $HELM_VERSION from the Go module proxy into $HELM_DIR (about a minute with a warm Go cache, once)"
    mkdir -p "$HELM_DIR"
    GOBIN="$HELM_DIR" GOFLAGS="-mod=mod -buildvcs=false" \
        go install -ldflags "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
        "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" || die "could not build helm $HELM_VERSION"
    HELM="$HELM_DIR/helm"
fi
say "using helm $("$HELM" version --short) ($HELM)"

# --- 2. lint ---
sets=("$ROOT"/helm/values-examples/*.yaml)
((${#sets[@]})) || die "no value sets in helm/values-examples"
for f in "" "${sets[@]}"; do
    what="${f:+-f ${f#"$ROOT"/}}"
    out="$("$HELM" lint --strict "$CHART" ${f:+-f "$f"} 2>/dev/null)" || { "$HELM" lint --strict "$CHART" ${f:+-f "$f"} >&2; die "helm lint --strict ${what:-(defaults)}"; }
    say "lint --strict ${what:-(defaults)}: $(tail -1 <<<"$out"); $(grep '^\[' <<<"$out" | paste -sd ';' - || true)"
done

# --- 3. render ---
# the defaults need only the one value without a default
"$HELM" template livetap "$CHART" --namespace livetap --set kafka.bootstrapServers=kafka:9092 >"$OUT/defaults.yaml" \
    || die "helm template (defaults)"
rendered=("$OUT/defaults.yaml")
for f in "${sets[@]}"; do
    name="$(basename "$f" .yaml)"
    "$HELM" template livetap "$CHART" --namespace livetap -f "$f" >"$OUT/$name.yaml" || die "helm template -f $f"
    rendered+=("$OUT/$name.yaml")
done
say "rendered: ${rendered[*]#"$ROOT"/}"

# --- 4. schema validation ---
# Objects the value sets refer to but that live outside the chart.
EXTERNAL="livetap-credentials,livetap-sidecar-tls,bigo-push-tls"
KUBECHECK="$TOOLS/lt-kubecheck"
if [[ ! -x "$KUBECHECK" || -n "$(find "$ROOT/tests/helm/kubecheck" -newer "$KUBECHECK" -type f)" ]]; then
    command -v go >/dev/null 2>&1 || die "Go is needed to build tests/helm/kubecheck"
    say "building tests/helm/kubecheck (k8s.io/api from the Go module proxy)"
    (cd "$ROOT/tests/helm/kubecheck" && GOFLAGS=-buildvcs=false go build -o "$KUBECHECK" .)
fi
for r in "${rendered[@]}"; do
    "$KUBECHECK" -external "$EXTERNAL" "$r" || die "kubecheck $r"
done
if [[ "${LT_KUBECONFORM:-0}" == 1 ]]; then
    command -v kubeconform >/dev/null 2>&1 || die "LT_KUBECONFORM=1 but no kubeconform on PATH"
    kubeconform -strict -summary -ignore-missing-schemas "${rendered[@]}" || die "kubeconform"
fi

# --- 5. rendering tests ---
PY="${LT_HELM_PYTHON:-$ROOT/build/venv/bin/python}"
[[ -x "$PY" ]] || die "no Python at $PY (run scripts/setup.sh, or set LT_HELM_PYTHON)"
"$PY" -c 'import yaml, pytest' 2>/dev/null ||
    die "$PY lacks PyYAML or pytest (PyYAML belongs in tests/requirements.txt; or set LT_HELM_PYTHON)"
LT_HELM="$HELM" LT_KUBECHECK="$KUBECHECK" LT_SOURCE_DIR="$ROOT" LT_BUILD_DIR="${LT_BUILD_DIR:-$ROOT/build}" \
    "$PY" -m pytest -q -p no:cacheprovider "$ROOT/tests/helm" || die "tests/helm"
say "OK"
