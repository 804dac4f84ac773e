"""Rendering tests for helm/livetap: what each value set deploys.

Run by scripts/check-helm.sh (which provides LT_HELM, the helm binary, and
LT_KUBECHECK, the offline manifest validator). Every test renders the chart
with `helm template` and asserts on the parsed objects: which objects exist
for which values, the probes, replicas, rollout strategies, grace periods,
Secrets and the programs' configuration files, and that values which would
deploy something broken make rendering fail with a message saying why.
"""
import base64
import math
import os
import pathlib
import subprocess

import pytest
import yaml

ROOT = pathlib.Path(os.environ.get("LT_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
CHART = ROOT / "helm" / "livetap"
EXAMPLES = ROOT / "helm" / "values-examples"
HELM = os.environ.get("LT_HELM", "helm")
KUBECHECK = os.environ.get("LT_KUBECHECK", str(ROOT / "build" / "tools" / "lt-kubecheck"))
RELEASE = "livetap"
BASE = ["--set", "kafka.bootstrapServers=kafka:9092"]


def helm(*args, check=True):
    p = subprocess.run([HELM, "template", RELEASE, str(CHART), "--namespace", "livetap", *args],
                       capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"helm template {' '.join(args)} failed:\n{p.stderr}")
    return p


def render(*args):
    """Objects keyed by (kind, name)."""
    out = {}
    for doc in yaml.safe_load_all(helm(*args).stdout):
        if doc:
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in out, f"{key} rendered twice"
            out[key] = doc
    return out


def example(name, *extra):
    return render("-f", str(EXAMPLES / f"{name}.yaml"), *extra)


def values(name):
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())


def fails(*args):
    p = helm(*args, check=False)
    assert p.returncode != 0, "rendering should have failed"
    return p.stderr


def kinds(objs):
    return sorted(k for k in objs)


def dep(objs, component):
    return objs[("Deployment", f"{RELEASE}-{component}")]


def container(d):
    cs = d["spec"]["template"]["spec"]["containers"]
    assert len(cs) == 1
    return cs[0]


def env(c):
    return {e["name"]: e for e in c.get("env", [])}


def config(objs, component):
    cm = objs[("ConfigMap", f"{RELEASE}-{component}")]
    (text,) = cm["data"].values()
    return yaml.safe_load(text)


def secret_data(objs):
    s = objs[("Secret", RELEASE)]
    return {k: base64.b64decode(v).decode() for k, v in s["data"].items()}


ALL_SETS = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def test_every_value_set_is_covered():
    assert set(ALL_SETS) >= {"minimal", "production", "group-mode", "bigo"}


# --- which objects each value set renders ---

def test_minimal_renders_collector_and_sidecar_only():
    objs = example("minimal")
    assert kinds(objs) == sorted([
        ("ConfigMap", "livetap-collector"), ("ConfigMap", "livetap-sidecar"),
        ("Deployment", "livetap-collector"), ("Deployment", "livetap-sidecar"),
        ("PodDisruptionBudget", "livetap-collector"), ("PodDisruptionBudget", "livetap-sidecar"),
        ("Secret", "livetap"), ("Service", "livetap-collector"), ("Service", "livetap-sidecar"),
        ("ServiceAccount", "livetap"),
    ])
    assert secret_data(objs) == {"sign-api-key": "change-me-sign-api-key"}


def test_production_adds_ingress_hpa_servicemonitors_and_uses_existing_secret():
    objs = example("production")
    ks = {k for k, _ in objs}
    assert ("Ingress", "livetap-sidecar") in objs
    assert ("HorizontalPodAutoscaler", "livetap-sidecar") in objs
    assert {n for k, n in objs if k == "ServiceMonitor"} == {"livetap-collector", "livetap-sidecar"}
    assert "Secret" not in ks, "existingSecret: the chart must not create its own"
    ing = objs[("Ingress", "livetap-sidecar")]
    assert ing["spec"]["ingressClassName"] == "nginx"
    assert ing["spec"]["tls"] == [{"secretName": "livetap-sidecar-tls", "hosts": ["live.example.com"]}]
    backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "livetap-sidecar", "port": {"name": "http"}}
    sm = objs[("ServiceMonitor", "livetap-sidecar")]
    assert sm["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert sm["spec"]["endpoints"][0]["path"] == "/metrics"


def test_hpa_only_when_enabled_and_then_replicas_left_to_it():
    assert not [k for k in example("minimal") if k[0] == "HorizontalPodAutoscaler"]
    assert dep(example("minimal"), "sidecar")["spec"]["replicas"] == 2
    objs = example("production")
    hpa = objs[("HorizontalPodAutoscaler", "livetap-sidecar")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "livetap-sidecar"}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 20)
    assert hpa["metrics"][0]["resource"] == {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}
    assert "replicas" not in dep(objs, "sidecar")["spec"]


def test_ingress_and_servicemonitor_off_by_default():
    objs = render(*BASE)
    assert not [k for k in objs if k[0] in ("Ingress", "ServiceMonitor", "HorizontalPodAutoscaler")]
    assert not [k for k in objs if "bigo" in k[1]]


def test_components_can_be_disabled():
    objs = render(*BASE, "--set", "sidecar.enabled=false")
    assert not [k for k in objs if k[1].endswith("-sidecar")]
    objs = render(*BASE, "--set", "collector.enabled=false")
    assert not [k for k in objs if k[1].endswith("-collector")]


# --- probes, ports, security, scrape annotations: every Deployment of every set ---

@pytest.mark.parametrize("name", ALL_SETS)
def test_probes_on_healthz_and_readyz_at_a_declared_port(name):
    for (kind, _n), d in example(name).items():
        if kind != "Deployment":
            continue
        c = container(d)
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert c["startupProbe"]["httpGet"]["path"] == "/healthz"
        assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            assert c[probe]["httpGet"]["port"] in ports
        ann = d["spec"]["template"]["metadata"]["annotations"]
        assert ann["prometheus.io/scrape"] == "true"
        assert ann["prometheus.io/path"] == "/metrics"
        probe_port = ports[c["readinessProbe"]["httpGet"]["port"]]
        assert int(ann["prometheus.io/port"]) == probe_port, "metrics are served next to the probes"


@pytest.mark.parametrize("name", ALL_SETS)
def test_non_root_read_only_no_privileges(name):
    for (kind, _n), d in example(name).items():
        if kind != "Deployment":
            continue
        pod = d["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["automountServiceAccountToken"] is False
        sc = container(d)["securityContext"]
        assert sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"] for m in container(d)["volumeMounts"]}
        assert "/tmp" in mounts, "a read-only root needs a writable /tmp"


@pytest.mark.parametrize("name", ALL_SETS)
def test_kafka_bootstrap_from_values_in_every_program(name):
    want = values(name)["kafka"]["bootstrapServers"]
    for (kind, _n), d in example(name).items():
        if kind == "Deployment":
            assert env(container(d))["LT_KAFKA_BOOTSTRAP"]["value"] == want


# --- replicas, modes, rollout ---

def test_standalone_collector_is_one_replica_recreated():
    d = dep(example("minimal"), "collector")
    assert d["spec"]["replicas"] == 1
    assert d["spec"]["strategy"] == {"type": "Recreate"}


def test_group_mode_collectors_scale_and_roll():
    objs = example("group-mode")
    d = dep(objs, "collector")
    assert d["spec"]["replicas"] == 3
    assert d["spec"]["strategy"]["type"] == "RollingUpdate"
    assert d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    cfg = config(objs, "collector")
    assert cfg["group"] == {"enabled": True, "control_topic": "livetap.rooms", "group_id": "livetap-collectors"}
    assert "rooms" not in cfg
    assert objs[("PodDisruptionBudget", "livetap-collector")]["spec"]["maxUnavailable"] == 1


def test_group_defaults_follow_prefix_and_release():
    cfg = config(render(*BASE, "--set", "collector.mode=group", "--set", "collector.replicas=2",
                        "--set", "kafka.topicPrefix=acme"), "collector")
    assert cfg["group"]["control_topic"] == "acme.rooms"
    assert cfg["group"]["group_id"] == "livetap-collectors"
    assert cfg["kafka"]["topic_prefix"] == "acme"


def test_standalone_with_several_replicas_is_refused():
    err = fails(*BASE, "--set", "collector.replicas=3")
    assert "mode: group" in err and "duplicates" in err


def test_group_mode_with_rooms_is_refused():
    err = fails(*BASE, "--set", "collector.mode=group", "--set", "collector.rooms={@a}")
    assert "control topic" in err


def test_unknown_mode_is_refused():
    assert "standalone or group" in fails(*BASE, "--set", "collector.mode=cluster")


def test_missing_kafka_is_refused():
    assert "kafka.bootstrapServers is required" in fails()


def test_unquoted_numeric_room_is_refused():
    # YAML/JSON turns 7340691647148018438 into a float (7.340691647148018e+18).
    err = fails(*BASE, "--set", "collector.rooms={7340691647148018438}")
    assert "quote numeric room ids" in err


def test_bigo_is_one_replica():
    d = dep(example("bigo"), "bigo")
    assert d["spec"]["replicas"] == 1
    assert d["spec"]["strategy"] == {"type": "Recreate"}


# --- grace periods ---

def grace(d):
    return d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]


@pytest.mark.parametrize("name", ALL_SETS)
def test_grace_period_outlasts_the_flush(name):
    v = values(name)
    objs = example(name)
    for component in ("collector", "bigo"):
        if ("Deployment", f"{RELEASE}-{component}") not in objs:
            continue
        flush_ms = v.get(component, {}).get("flushTimeoutMs", 10000)
        cfg = config(objs, component)
        assert cfg["kafka"]["flush_timeout_ms"] == flush_ms, "the program flushes within what the grace assumes"
        assert grace(dep(objs, component)) > flush_ms / 1000
    if ("Deployment", f"{RELEASE}-sidecar") in objs:
        d = dep(objs, "sidecar")
        assert grace(d) > 5 + 5  # preStop sleep + shutdown_grace_ms 5000


def test_grace_period_follows_flush_timeout():
    objs = render(*BASE, "--set", "collector.flushTimeoutMs=120500", "--set", "sidecar.shutdownGraceMs=30000")
    assert grace(dep(objs, "collector")) == math.ceil(120.5) + 20
    assert config(objs, "collector")["kafka"]["flush_timeout_ms"] == 120500
    assert grace(dep(objs, "sidecar")) == 5 + 30 + 10
    assert config(objs, "sidecar")["shutdown_grace_ms"] == 30000
    objs = render(*BASE, "--set", "collector.terminationGracePeriodSeconds=300")
    assert grace(dep(objs, "collector")) == 300


def test_group_mode_grace_period_covers_the_handover():
    """SIGTERM in group mode hands the live rooms over first (at most
    group.handover_timeout_s + 15 s), then flushes: a kill before the end
    costs what a crash costs."""
    group = [*BASE, "--set", "collector.mode=group"]
    assert grace(dep(render(*group), "collector")) == 10 + 20 + (20 + 15)
    objs = render(*group, "--set", "collector.config.group.handover_timeout_s=60")
    assert grace(dep(objs, "collector")) == 10 + 20 + (60 + 15)
    assert config(objs, "collector")["group"]["handover_timeout_s"] == 60
    assert grace(dep(render(*BASE, "--set", "collector.rooms={@a}"), "collector")) == 10 + 20


# --- configuration files and secrets ---

def test_collector_config_from_values():
    objs = example("minimal")
    cfg = config(objs, "collector")
    assert cfg["rooms"] == ["@some_creator", "7340691647148018438"]
    assert cfg["collector_id"] == "${POD_NAME}"
    assert cfg["sign"]["api_key"] == "${SIGN_API_KEY:-}"
    assert cfg["sign"]["url"] == "https://api.eulerstream.com"
    assert cfg["admin"] == {"listen": "0.0.0.0", "port": 8080}
    c = container(dep(objs, "collector"))
    assert c["args"][:2] == ["--config", "/etc/livetap/collector.yaml"]
    assert {"name": "config", "mountPath": "/etc/livetap", "readOnly": True} in c["volumeMounts"]
    key = env(c)["SIGN_API_KEY"]["valueFrom"]["secretKeyRef"]
    assert key["name"] == "livetap" and key["key"] == "sign-api-key"
    assert c["ports"][0]["containerPort"] == cfg["admin"]["port"]
    pod_name = env(c)["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"]
    assert pod_name == "metadata.name"


def test_admin_token_reaches_the_collector_from_the_secret():
    objs = render(*BASE, "--set", "collector.adminToken=s3cret")
    assert secret_data(objs)["collector-admin-token"] == "s3cret"
    c = container(dep(objs, "collector"))
    key = env(c)["LT_ADMIN_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert key["name"] == "livetap" and key["key"] == "collector-admin-token"
    # the collector's admin.token defaults to ${LT_ADMIN_TOKEN:-}; the chart must not override it
    assert "token" not in config(objs, "collector")["admin"]
    assert "collector-admin-token" not in secret_data(example("minimal"))


def test_component_config_merges_over_rendered_keys():
    objs = render(*BASE, "--set", "collector.rooms={@a}",
                  "--set", "collector.config.behaviour.backoff_cap_s=10",
                  "--set", "collector.config.kafka.topic_prefix=override",
                  "--set", "sidecar.config.limits.max_clients=50")
    cfg = config(objs, "collector")
    assert cfg["behaviour"] == {"backoff_cap_s": 10}
    assert cfg["kafka"]["topic_prefix"] == "override"
    assert cfg["kafka"]["flush_timeout_ms"] == 10000, "merge keeps the sibling keys"
    assert config(objs, "sidecar")["limits"] == {"max_clients": 50}


def test_sidecar_config_from_values():
    objs = example("production")
    cfg = config(objs, "sidecar")
    assert cfg["listen"] == "0.0.0.0" and cfg["port"] == 8090
    assert cfg["kafka"]["types"] == ["chat", "gift", "like", "member", "social", "viewers", "room_status"]
    # The sidecar's file takes librdkafka properties as a list of name=value.
    assert sorted(cfg["kafka"]["properties"]) == [
        "sasl.mechanism=SCRAM-SHA-512", "sasl.password=${LT_KAFKA_SECRET_SASL_PASSWORD}",
        "sasl.username=livetap", "security.protocol=SASL_SSL"]
    assert container(dep(objs, "sidecar"))["ports"][0]["containerPort"] == 8090


def test_secret_kafka_properties_and_registry_url_come_from_the_secret():
    objs = example("production")
    cfg = config(objs, "collector")
    assert cfg["kafka"]["properties"]["sasl.password"] == "${LT_KAFKA_SECRET_SASL_PASSWORD}"
    assert cfg["kafka"]["properties"]["security.protocol"] == "SASL_SSL"
    for component in ("collector", "sidecar"):
        e = env(container(dep(objs, component)))
        assert e["LT_KAFKA_SECRET_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": "livetap-credentials", "key": "kafka-sasl-password"}
        assert e["LT_REGISTRY_URL"]["valueFrom"]["secretKeyRef"] == {
            "name": "livetap-credentials", "key": "registry-url"}


def test_secret_property_without_a_value_is_refused():
    err = fails(*BASE, "--set", "kafka.secretProperties.sasl\\.password=kafka-pw")
    assert "kafka-pw" in err
    objs = render(*BASE, "--set", "kafka.secretProperties.sasl\\.password=kafka-pw",
                  "--set", "secrets.extra.kafka-pw=s3cret")
    assert secret_data(objs)["kafka-pw"] == "s3cret"


def test_registry_url_plain():
    objs = example("group-mode")
    for component in ("collector", "sidecar"):
        assert env(container(dep(objs, component)))["LT_REGISTRY_URL"]["value"] == \
            "http://schema-registry.kafka.svc:8081"


@pytest.mark.parametrize("name", ALL_SETS)
def test_no_secret_value_outside_the_secret(name):
    """Every value a set marks as secret appears base64'd in the Secret and nowhere else."""
    v = values(name)
    secrets = [v.get("collector", {}).get("sign", {}).get("apiKey"),
               v.get("sidecar", {}).get("auth", {}).get("jwtSecret"),
               v.get("bigo", {}).get("pull", {}).get("privateKey")]
    secrets += [t.get("token") for t in v.get("bigo", {}).get("pull", {}).get("tokens", [])]
    secrets += [a.get("password") for a in v.get("bigo", {}).get("accounts", [])]
    secrets = [s for s in secrets if s]
    text = helm("-f", str(EXAMPLES / f"{name}.yaml")).stdout
    for doc in yaml.safe_load_all(text):
        if doc and doc["kind"] != "Secret":
            dumped = yaml.safe_dump(doc)
            for s in secrets:
                assert s.strip() not in dumped, f"a secret leaked into {doc['kind']}/{doc['metadata']['name']}"


def test_sidecar_auth_flags_reference_the_secret():
    objs = render(*BASE, "--set", "sidecar.auth.jwtSecret=jwtkey", "--set", "sidecar.auth.tokens={t0,t1}")
    c = container(dep(objs, "sidecar"))
    assert "--jwt-secret=$(LT_SIDECAR_JWT_SECRET)" in c["args"]
    assert "--token=$(LT_SIDECAR_TOKEN_0)" in c["args"] and "--token=$(LT_SIDECAR_TOKEN_1)" in c["args"]
    e = env(c)
    assert e["LT_SIDECAR_JWT_SECRET"]["valueFrom"]["secretKeyRef"] == {"name": "livetap", "key": "sidecar-jwt-secret"}
    assert e["LT_SIDECAR_TOKEN_1"]["valueFrom"]["secretKeyRef"] == {"name": "livetap", "key": "sidecar-token-1"}
    assert secret_data(objs) == {"sidecar-jwt-secret": "jwtkey", "sidecar-token-0": "t0", "sidecar-token-1": "t1"}
    assert "jwtkey" not in yaml.safe_dump(dep(objs, "sidecar"))


def test_sidecar_auth_off_means_no_flags():
    c = container(dep(render(*BASE), "sidecar"))
    assert not [a for a in c["args"] if a.startswith(("--jwt-secret", "--token"))]
    # An existing Secret alone does not turn auth on: the flags would otherwise carry
    # the literal "$(VAR)" of a missing key as the secret.
    c = container(dep(render(*BASE, "--set", "secrets.existingSecret=mine"), "sidecar"))
    assert not [a for a in c["args"] if a.startswith(("--jwt-secret", "--token"))]
    c = container(dep(render(*BASE, "--set", "secrets.existingSecret=mine",
                             "--set", "sidecar.auth.existingSecretJwt=true"), "sidecar"))
    assert "--jwt-secret=$(LT_SIDECAR_JWT_SECRET)" in c["args"]
    assert env(c)["LT_SIDECAR_JWT_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "mine"
    assert "optional" not in env(c)["LT_SIDECAR_JWT_SECRET"]["valueFrom"]["secretKeyRef"]


def test_no_secret_object_without_secret_values():
    objs = render(*BASE)
    assert ("Secret", RELEASE) not in objs
    # the collector's key reference is optional, so the pod still starts
    ref = env(container(dep(objs, "collector")))["SIGN_API_KEY"]["valueFrom"]["secretKeyRef"]
    assert ref["optional"] is True


def test_bigo_credentials():
    objs = example("bigo")
    data = secret_data(objs)
    assert data["bigo-password-0"] == "change-me-bigo-password"
    assert data["bigo-token-0"] == "change-me-access-token change-me-refresh-token"
    assert data["bigo-private-key"].startswith("-----BEGIN PRIVATE KEY-----")
    cfg = config(objs, "bigo")
    assert cfg["push"]["accounts"] == "bigoUser1:${BIGO_PASSWORD_0}"
    assert cfg["push"]["abbr"] == "lvtp"
    assert cfg["pull"]["private_key_file"] == "/var/run/livetap/bigo/private-key.pem"
    assert cfg["pull"]["tokens"] == {"anchorOpenId1": "${BIGO_TOKEN_0}"}
    assert cfg["listen"]["path"] == "/bigo/push" and "tls_cert" not in cfg["listen"]
    assert cfg["admin"] == {"enabled": True, "listen": "0.0.0.0", "port": 8080}
    d = dep(objs, "bigo")
    c = container(d)
    assert env(c)["BIGO_PASSWORD_0"]["valueFrom"]["secretKeyRef"] == {"name": "livetap", "key": "bigo-password-0"}
    assert env(c)["BIGO_TOKEN_0"]["valueFrom"]["secretKeyRef"] == {"name": "livetap", "key": "bigo-token-0"}
    vols = {v["name"]: v for v in d["spec"]["template"]["spec"]["volumes"]}
    assert vols["bigo-key"]["secret"]["items"] == [{"key": "bigo-private-key", "path": "private-key.pem"}]
    assert {p["name"] for p in c["ports"]} == {"push", "admin"}
    assert objs[("Service", "livetap-bigo")]["spec"]["ports"] == [
        {"name": "push", "port": 443, "targetPort": "push", "protocol": "TCP"}]
    assert objs[("Service", "livetap-bigo-admin")]["spec"]["ports"][0]["targetPort"] == "admin"
    path = objs[("Ingress", "livetap-bigo")]["spec"]["rules"][0]["http"]["paths"][0]
    assert path["path"] == "/bigo/push" and path["backend"]["service"]["port"]["name"] == "push"


def test_bigo_tls_in_pod():
    objs = render("-f", str(EXAMPLES / "bigo.yaml"), "--set", "bigo.push.tlsSecretName=push-tls")
    cfg = config(objs, "bigo")
    assert cfg["listen"]["tls_cert"] == "/var/run/livetap/tls/tls.crt"
    vols = {v["name"]: v for v in dep(objs, "bigo")["spec"]["template"]["spec"]["volumes"]}
    assert vols["tls"]["secret"]["secretName"] == "push-tls"


def test_sidecar_tls_in_pod():
    plain = example("production")
    assert "tls_cert" not in config(plain, "sidecar")
    assert container(dep(plain, "sidecar"))["readinessProbe"]["httpGet"].get("scheme", "HTTP") == "HTTP"
    objs = example("production", "--set", "sidecar.tlsSecretName=ws-tls")
    cfg = config(objs, "sidecar")
    assert (cfg["tls_cert"], cfg["tls_key"]) == ("/var/run/livetap/tls/tls.crt", "/var/run/livetap/tls/tls.key")
    spec = dep(objs, "sidecar")["spec"]["template"]["spec"]
    assert {v["name"]: v for v in spec["volumes"]}["tls"]["secret"]["secretName"] == "ws-tls"
    c = container(dep(objs, "sidecar"))
    assert any(m["name"] == "tls" and m["mountPath"] == "/var/run/livetap/tls" for m in c["volumeMounts"])
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert c[probe]["httpGet"]["scheme"] == "HTTPS", probe


def test_bigo_needs_accounts_and_abbreviation():
    assert "bigo.accounts" in fails(*BASE, "--set", "bigo.enabled=true", "--set", "bigo.pull.enabled=false")
    assert "platformAbbr" in fails(*BASE, "--set", "bigo.enabled=true", "--set", "bigo.pull.enabled=false",
                                   "--set", "bigo.accounts[0].account=a", "--set", "bigo.accounts[0].password=p")


def test_config_change_restarts_only_its_component():
    def sums(*extra):
        objs = render(*BASE, *extra)
        return {c: dep(objs, c)["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
                for c in ("collector", "sidecar")}
    a = sums()
    b = sums("--set", "collector.config.behaviour.backoff_cap_s=10")
    assert a["collector"] != b["collector"]
    assert a["sidecar"] == b["sidecar"]


# --- the validator itself must catch mistakes (it is not a no-op) ---

def kubecheck(tmp_path, text, *args):
    f = tmp_path / "m.yaml"
    f.write_text(text)
    return subprocess.run([KUBECHECK, *args, str(f)], capture_output=True, text=True)


@pytest.mark.parametrize("name", ALL_SETS)
def test_rendered_sets_pass_kubecheck(tmp_path, name):
    p = kubecheck(tmp_path, helm("-f", str(EXAMPLES / f"{name}.yaml")).stdout,
                  "-external", "livetap-credentials,livetap-sidecar-tls,bigo-push-tls")
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("mutation, message", [
    (("replicas: 2", "replica: 2"), 'unknown field "replica"'),
    (("memory: 256Mi", "memory: 256MB-ish"), "quantities must match"),
    (("targetPort: http", "targetPort: htp"), 'targetPort "htp"'),
    (("path: /readyz\n              port: http", "path: /readyz\n              port: web"), 'names port "web"'),
    (("runAsNonRoot: true", "runAsNonRoot: yes-please"), "cannot unmarshal string"),
])
def test_kubecheck_catches(tmp_path, mutation, message):
    text = helm(*BASE).stdout
    old, new = mutation
    assert old in text
    p = kubecheck(tmp_path, text.replace(old, new, 1))
    assert p.returncode != 0
    assert message in p.stderr, p.stderr


def test_kubecheck_catches_missing_references(tmp_path):
    # With an existing Secret that the validator is not told about, the env refs dangle.
    text = helm(*BASE, "--set", "secrets.existingSecret=mine", "--set", "sidecar.auth.existingSecretJwt=true").stdout
    p = kubecheck(tmp_path, text)
    assert p.returncode != 0 and "Secret mine is not rendered" in p.stderr
    assert kubecheck(tmp_path, text, "-external", "mine").returncode == 0


def test_recorder_off_by_default_and_rendered_from_values():
    assert not [k for k in example("minimal") if k[1].endswith("-recorder")]
    objs = example("recorder")
    d = dep(objs, "recorder")
    assert d["spec"]["replicas"] == 2
    c = container(d)
    assert c["command"] == ["livetap-recorder"]
    vols = {v["name"]: v for v in d["spec"]["template"]["spec"]["volumes"]}
    assert vols["recordings"]["persistentVolumeClaim"]["claimName"] == "livetap-recordings"
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    cfg = config(objs, "recorder")
    assert cfg["storage"]["dir"] == mounts["recordings"]
    assert cfg["storage"]["max_bytes"] == 500000000000
    assert cfg["storage"]["max_age_s"] == 604800
    assert cfg["qualities"] == "SD1,HD1"
    assert cfg["admin"]["port"] == {p["name"]: p["containerPort"] for p in c["ports"]}["admin"]
    # without a claim: an emptyDir sized over the quota
    d = dep(render(*BASE, "--set", "recorder.enabled=true", "--set", "recorder.storage.maxBytes=1073741824"),
            "recorder")
    vols = {v["name"]: v for v in d["spec"]["template"]["spec"]["volumes"]}
    assert vols["recordings"]["emptyDir"]["sizeLimit"] == "1088Mi"
