#!/bin/bash
# contrib/node-problem-detector/rpfguard.json against node-problem-detector's own
# config structs: every key one NPD knows (exact case: Go's encoding/json matches keys
# case-insensitively and silently ignores unknown ones, so a typo would just vanish),
# every value of the right type, and NPD's Validate() rules. The validator must also
# reject broken variants, so that its passing means something.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

SRC=${RPFGUARD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CONFIG=$SRC/contrib/node-problem-detector/rpfguard.json
[ -f "$CONFIG" ] || fail "no $CONFIG"

# Where the package installs the binary the rule runs.
# shellcheck disable=SC2016 # the literal CMake text
grep -qF 'RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR}' "$SRC/daemon/CMakeLists.txt" ||
        fail "daemon/CMakeLists.txt no longer installs rpfguard to sbin: fix the rule's path"
grep -qF 'CPACK_PACKAGING_INSTALL_PREFIX /usr' "$SRC/cmake/Packaging.cmake" ||
        fail "the package's prefix is no longer /usr: fix the rule's path"
ok "the package installs /usr/sbin/rpfguard"

python3 - "$CONFIG" > "$TMP/npd.out" 2>&1 <<'EOF' || { cat "$TMP/npd.out" >&2; fail "NPD config check"; }
import copy, json, re, sys

# The key sets and types of node-problem-detector v1.36.0 (the latest release):
#   pkg/custompluginmonitor/types/config.go  CustomPluginConfig, pluginGlobalConfig,
#                                            ApplyConfiguration(), Validate()
#   pkg/custompluginmonitor/types/types.go   CustomRule; exit status 0 OK, 1 NonOK, 2 Unknown
#   pkg/types/types.go                       Condition; Type "temporary" / "permanent"
TOP = {"plugin": str, "pluginConfig": dict, "source": str, "conditions": list,
       "rules": list, "metricsReporting": bool}
PLUGIN_CONFIG = {"invoke_interval": "duration", "timeout": "duration", "max_output_length": int,
                 "concurrency": int, "enable_message_change_based_condition_update": bool,
                 "skip_initial_status": bool}
CONDITION = {"type": str, "status": str, "transition": str, "reason": str, "message": str}
RULE = {"type": str, "condition": str, "reason": str, "path": str, "args": list, "timeout": "duration"}

UNIT = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
def duration(s):
    """Go's time.ParseDuration, for the positive values NPD wants; None if invalid."""
    parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)", s)
    if not parts or "".join(n + u for n, u in parts) != s:
        return None
    return sum(float(n) * UNIT[u] for n, u in parts)

def check_object(where, obj, schema, errors):
    if not isinstance(obj, dict):
        errors.append(f"{where}: not an object")
        return
    for k, v in obj.items():
        if k not in schema:
            errors.append(f"{where}.{k}: a key NPD does not know")
            continue
        t = schema[k]
        if t == "duration":
            if not isinstance(v, str) or duration(v) is None or duration(v) <= 0:
                errors.append(f"{where}.{k}: {v!r} is no positive Go duration")
        elif t is int:
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                errors.append(f"{where}.{k}: {v!r} is no positive integer")
        elif not isinstance(v, t) or (t is not bool and isinstance(v, bool)):
            errors.append(f"{where}.{k}: {v!r} is not a {t.__name__}")

def validate(cfg):
    errors = []
    check_object("$", cfg, TOP, errors)
    if errors:
        return errors
    check_object("$.pluginConfig", cfg.get("pluginConfig", {}), PLUGIN_CONFIG, errors)
    if cfg.get("plugin") != "custom":
        errors.append('$.plugin: NPD supports only "custom"')
    if not cfg.get("source"):
        errors.append("$.source: empty")
    pc = cfg.get("pluginConfig", {})
    global_timeout = duration(pc.get("timeout", "5s")) or 0
    types = []
    for i, c in enumerate(cfg.get("conditions", [])):
        check_object(f"$.conditions[{i}]", c, CONDITION, errors)
        if isinstance(c, dict):
            if not c.get("type") or not c.get("reason") or not c.get("message"):
                errors.append(f"$.conditions[{i}]: needs type, reason and message")
            if "status" in c and c["status"] not in ("True", "False", "Unknown"):
                errors.append(f"$.conditions[{i}].status: {c['status']!r}")
            types.append(c.get("type"))
    if not cfg.get("rules"):
        errors.append("$.rules: none")
    for i, r in enumerate(cfg.get("rules", [])):
        where = f"$.rules[{i}]"
        check_object(where, r, RULE, errors)
        if not isinstance(r, dict):
            continue
        if r.get("type") not in ("temporary", "permanent"):
            errors.append(f"{where}.type: {r.get('type')!r} is neither temporary nor permanent")
        if r.get("type") == "permanent" and r.get("condition") not in types:
            errors.append(f"{where}: permanent problem {r.get('condition')!r} has no preset default condition")
        if not r.get("reason"):
            errors.append(f"{where}.reason: empty")
        if "args" in r and not all(isinstance(a, str) for a in r["args"]):
            errors.append(f"{where}.args: not all strings")
        t = duration(r["timeout"]) if isinstance(r.get("timeout"), str) else None
        if t is not None and t > global_timeout:
            errors.append(f"{where}.timeout: greater than the global timeout")
    return errors

def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"duplicate keys {sorted(dup)}")
    return dict(pairs)

cfg = json.load(open(sys.argv[1]), object_pairs_hook=no_duplicates)
errors = validate(cfg)
if errors:
    print("\n".join(errors))
    sys.exit(1)
print("  every key known to NPD v1.36.0, every value of its type, Validate() satisfied")

# What rpfguard's file must say beyond NPD's rules.
rule = cfg["rules"][0]
assert len(cfg["rules"]) == 1 and rule["type"] == "permanent", "one permanent rule"
assert rule["path"] == "/usr/sbin/rpfguard" and rule["args"] == ["--check"], rule
# NPD conditions are problems: status True (exit 1) means the node has the problem.
assert cfg["conditions"][0]["type"] == rule["condition"] == "RPFilterProblem"
assert cfg["pluginConfig"]["max_output_length"] >= 80, "room for --check's one line"
print("  one permanent rule: /usr/sbin/rpfguard --check sets condition RPFilterProblem")

# The validator rejects what NPD would reject or silently ignore.
def mutated(f):
    c = copy.deepcopy(cfg)
    f(c)
    return c
cases = [
    ("an unknown key", lambda c: c["pluginConfig"].update(invokeInterval="30s"), "does not know"),
    ("a key in the wrong case", lambda c: c.update(Source=c.pop("source")), "does not know"),
    ("a number as a string", lambda c: c["pluginConfig"].update(max_output_length="200"), "positive integer"),
    ("a bool as a string", lambda c: c.update(metricsReporting="true"), "not a bool"),
    ("a bad duration", lambda c: c["pluginConfig"].update(invoke_interval="60"), "Go duration"),
    ("another plugin", lambda c: c.update(plugin="exec"), "only \"custom\""),
    ("a permanent rule without its condition", lambda c: c["rules"][0].update(condition="X"), "no preset"),
    ("a rule timeout above the global one", lambda c: c["rules"][0].update(timeout="1m"), "global timeout"),
    ("an unknown rule type", lambda c: c["rules"][0].update(type="perm"), "neither temporary"),
    ("args not strings", lambda c: c["rules"][0].update(args=[1]), "not all strings"),
]
for name, f, want in cases:
    errs = validate(mutated(f))
    if not any(want in e for e in errs):
        print(f"not rejected: {name}: {errs}")
        sys.exit(1)
print(f"  the check rejects {len(cases)} broken variants")
EOF
cat "$TMP/npd.out"
ok "rpfguard.json is a valid NPD custom plugin monitor config"

# The rule's command line is one the binary takes: NPD's exit codes, one line that fits.
mapfile -t args < <(python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))["rules"][0]["args"]))' "$CONFIG")
printf '[interfaces]\ncali* = strict\n' > "$TMP/rpfguard.conf"
cli npd-rule "${args[@]}" -c "$TMP/rpfguard.conf" --runtime-dir "$TMP/run"
expect_rc 1 "rpfguard ${args[*]} (no daemon runs in the test's namespace)"
[ "$(wc -l < "$OUT")" = 1 ] && [ "$(wc -c < "$OUT")" -le 200 ] || { show_output; fail "not one line of at most 200 bytes"; }
expect_line "$OUT" "not compliant: no rpfguard daemon is running (no state file $TMP/run/state.json)" "rpfguard ${args[*]}"
done_testing
