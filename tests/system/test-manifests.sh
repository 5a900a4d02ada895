#!/bin/bash
# The Kubernetes manifests (contrib/kubernetes/), offline: every object valid for
# the Kubernetes API schema (npm kubernetes-models) and no field unknown to it
# (validate-manifests.js), the kustomization complete, the settings the DaemonSet
# must have, the ConfigMap's drop-ins accepted by rpfguard -t, and the validator
# itself catching misspelt fields. Rendered with kubectl kustomize where kubectl
# is installed. Needs no root.
set -euo pipefail

TEST_NAME=test-manifests
SRC=${RPFGUARD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
RPFGUARD=${RPFGUARD:?set RPFGUARD to the rpfguard binary}
# .ci/install-deps installs kubernetes-models and js-yaml here.
export NODE_PATH=${RPFGUARD_NODE_MODULES:-/opt/rpfguard-ci/node/node_modules}
K8S=$SRC/contrib/kubernetes
VALIDATE=$SRC/tests/system/validate-manifests.js

fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS - $*"; }

command -v node >/dev/null || fail "node is not installed (.ci/install-deps)"
for m in kubernetes-models js-yaml; do
        [ -d "$NODE_PATH/$m" ] || fail "npm package $m is not in $NODE_PATH (.ci/install-deps)"
done
WORK=$(mktemp -d /tmp/rpfguard-manifests.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

MANIFESTS=("$K8S/namespace.yaml" "$K8S/configmap.yaml" "$K8S/daemonset.yaml")

# --- 1. Schema validation, strict ----------------------------------------------
echo "--- validate-manifests.js"
node "$VALIDATE" "${MANIFESTS[@]}" | tee "$WORK/validate.out" || fail "the manifests are not valid"
[ "$(grep -c ': valid, every field known$' "$WORK/validate.out")" = 3 ] || fail "expected 3 valid objects"
ok "Namespace, ConfigMap, DaemonSet: valid (kubernetes-models), every field known to the schema"

# --- 2. The validator catches what kubernetes-models alone lets through ---------
sed -e 's/^      hostNetwork: true$/      hostNetwork: true\n      hostNetwrok: true/' \
    -e 's/readOnlyRootFilesystem: true/readOnlyRootFileSystem: true/' \
    -e 's/^  name: rpfguard$/  name: rpfguard\n  lables: {a: b}/' "$K8S/daemonset.yaml" > "$WORK/typos.yaml"
rc=0
node "$VALIDATE" "$WORK/typos.yaml" > "$WORK/typos.out" || rc=$?
cat "$WORK/typos.out"
[ $rc = 1 ] || fail "misspelt fields accepted"
for path in /spec/template/spec/hostNetwrok /spec/template/spec/containers/0/securityContext/readOnlyRootFileSystem \
            /metadata/lables; do
        grep -qF "unknown field $path" "$WORK/typos.out" || fail "misspelt field $path not reported"
done
ok "unknown fields reported by path, at three depths"
node -e 'const M = require("kubernetes-models/apps/v1").DaemonSet;
         const o = require("js-yaml").load(require("fs").readFileSync(process.argv[1], "utf8"));
         new M(o).validate();' "$WORK/typos.yaml" ||
        fail "kubernetes-models rejects unknown fields by itself now: the strict check may be redundant"
ok "(kubernetes-models alone accepts them: the strict check is needed)"
sed 's/maxUnavailable: 1/maxUnavailable: [1]/' "$K8S/daemonset.yaml" > "$WORK/type.yaml"
! node "$VALIDATE" "$WORK/type.yaml" > "$WORK/type.out" || fail "a wrong type accepted"
grep -q 'maxUnavailable must' "$WORK/type.out" || { cat "$WORK/type.out" >&2; fail "wrong type not reported"; }
ok "a wrongly typed field rejected by the schema"

# --- 3. Kustomization and the settings that matter --------------------------------
python3 - "$K8S" <<'EOF' || fail "kustomization or DaemonSet settings"
import glob, os, sys, yaml
d = sys.argv[1]
k = yaml.safe_load(open(f"{d}/kustomization.yaml"))
known = {"apiVersion", "kind", "namespace", "resources", "images", "labels", "commonLabels", "patches"}
assert set(k) <= known, f"kustomization: unknown keys {set(k) - known}"
assert (k["apiVersion"], k["kind"]) == ("kustomize.config.k8s.io/v1beta1", "Kustomization")
files = sorted(os.path.basename(f) for f in glob.glob(f"{d}/*.yaml") if not f.endswith("/kustomization.yaml"))
assert sorted(k["resources"]) == files, f"resources {k['resources']} != files {files}"
docs = {}
for f in files:
    for o in yaml.safe_load_all(open(f"{d}/{f}")):
        docs[o["kind"]] = o
ns, cm, ds = docs["Namespace"], docs["ConfigMap"], docs["DaemonSet"]
assert ns["metadata"]["name"] == k["namespace"]
for o in (cm, ds):
    assert o["metadata"]["namespace"] == k["namespace"], o["kind"]
assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
spec = ds["spec"]
assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
pod = spec["template"]["spec"]
assert pod["hostNetwork"] is True
assert pod["priorityClassName"] == "system-node-critical"
assert pod["tolerations"] == [{"operator": "Exists"}]
[c] = pod["containers"]
assert any(i["name"] == "rpfguard" for i in k["images"]) and c["image"].split(":")[0] == "rpfguard"
sc = c["securityContext"]
assert sc["capabilities"] == {"drop": ["ALL"], "add": ["NET_ADMIN"]}
assert sc["privileged"] is False and sc["allowPrivilegeEscalation"] is False
assert sc["readOnlyRootFilesystem"] is True and sc["runAsUser"] == 0
assert "--sysctl-root=/host/proc/sys" in c["command"] and "--log-format=json" in c["command"]
vols = {v["name"]: v for v in pod["volumes"]}
mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
assert set(m["name"] for m in c["volumeMounts"]) <= set(vols)
assert vols[mounts["/host/proc/sys/net"]["name"]]["hostPath"]["path"] == "/proc/sys/net"
assert mounts["/host/proc/sys/net"].get("readOnly") is not True
cfg = mounts["/etc/rpfguard.conf.d"]
assert cfg["readOnly"] is True and vols[cfg["name"]]["configMap"]["name"] == cm["metadata"]["name"]
r = c["resources"]
assert {"cpu", "memory"} <= set(r["requests"]) and "memory" in r["limits"]
probe = c["readinessProbe"]["exec"]["command"]
assert probe[0] == "/usr/sbin/rpfguard" and "--check" in probe and "--sysctl-root=/host/proc/sys" in probe
assert "--runtime-dir=/run/rpfguard" in probe and "--runtime-dir=/run/rpfguard" in c["command"]
live = c["livenessProbe"]["exec"]["command"]
assert live[0] == "/usr/sbin/rpfguard" and "--ping" in live and "--runtime-dir=/run/rpfguard" in live
assert c["livenessProbe"]["timeoutSeconds"] > 5, "--ping waits up to 5 s"
run = mounts["/run/rpfguard"]
assert "emptyDir" in vols[run["name"]] and run.get("readOnly") is not True
assert all(key.endswith(".conf") for key in cm["data"]), "drop-in keys must be *.conf"
print("kustomization lists every manifest; namespace, Pod Security label, hostNetwork, priority,"
      " tolerations, capabilities, read-only root, hostPath, ConfigMap mount, runtime emptyDir, resources, readiness (--check) and liveness (--ping) probes: as required")
EOF
ok "kustomization complete, the DaemonSet has every required setting"

# --- 4. The drop-ins parse ----------------------------------------------------------
keys=$(python3 -c 'import sys, yaml; print("\n".join(yaml.safe_load(open(sys.argv[1]))["data"]))' "$K8S/configmap.yaml")
for key in $keys; do
        python3 -c 'import sys, yaml; sys.stdout.write(yaml.safe_load(open(sys.argv[1]))["data"][sys.argv[2]])' \
                "$K8S/configmap.yaml" "$key" > "$WORK/$key"
        "$RPFGUARD" -t -c "$WORK/$key" > "$WORK/$key.out" 2>&1 ||
                { cat "$WORK/$key.out" >&2; fail "ConfigMap key $key: rpfguard -t rejects it"; }
        grep -q 'configuration OK' "$WORK/$key.out" || fail "$key: no 'configuration OK'"
        ok "ConfigMap $key: rpfguard -t: configuration OK"
done

# --- 5. kubectl kustomize, where kubectl is installed ----------------------------------
if command -v kubectl >/dev/null; then
        kubectl kustomize "$K8S" > "$WORK/rendered.yaml" || fail "kubectl kustomize failed"
        node "$VALIDATE" "$WORK/rendered.yaml" || fail "the rendered manifests are not valid"
        [ "$(grep -c '^---$' "$WORK/rendered.yaml")" = 2 ] || fail "kubectl kustomize: not three objects"
        ok "kubectl kustomize: three objects, valid, every field known"
else
        echo "# kubectl is not installed: the rendering with kubectl kustomize was not run"
fi

echo "PASS: $TEST_NAME: $CHECKS checks"
