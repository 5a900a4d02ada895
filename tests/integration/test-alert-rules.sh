#!/bin/bash
# contrib/prometheus/rpfguard.rules.yml with the real promtool: the rules load, every
# unit test in tests/prometheus passes, and every alert has a case where it fires and
# one where it stays quiet.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"

SRC=${RPFGUARD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
RULES=$SRC/contrib/prometheus/rpfguard.rules.yml
TESTS=$SRC/tests/prometheus/rpfguard.rules.test.yml
command -v promtool > /dev/null || fail "promtool not installed (.ci/install-deps)"
[ -f "$RULES" ] || fail "no $RULES"
[ -f "$TESTS" ] || fail "no $TESTS"

rc=0
promtool check rules "$RULES" > "$TMP/check.out" 2>&1 || rc=$?
cat "$TMP/check.out"
[ $rc -eq 0 ] || fail "promtool check rules: exit status $rc"
n=$(grep -c '^ *- alert: ' "$RULES")
expect_file_has "$TMP/check.out" "SUCCESS: $n rules found" "promtool check rules"

rc=0
promtool test rules "$TESTS" > "$TMP/test.out" 2>&1 || rc=$?
cat "$TMP/test.out"
[ $rc -eq 0 ] || fail "promtool test rules: exit status $rc"
grep -q FAILED "$TMP/test.out" && fail "promtool test rules reports a failure"
expect_file_has "$TMP/test.out" "SUCCESS" "promtool test rules"

# Every alert of the rules file is tested both ways; no test names an alert that does
# not exist (a typo there would make a negative case pass for nothing).
python3 - "$RULES" "$TESTS" <<'EOF' || fail "alerts without both a positive and a negative case"
import sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))
tests = yaml.safe_load(open(sys.argv[2]))
alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
fires, quiet = set(), set()
for t in tests["tests"]:
    for a in t.get("alert_rule_test", []):
        (fires if a.get("exp_alerts") else quiet).add(a["alertname"])
bad = False
for name in sorted(alerts):
    if name not in fires or name not in quiet:
        print(f"{name}: fires in a test: {name in fires}, quiet in a test: {name in quiet}", file=sys.stderr)
        bad = True
unknown = (fires | quiet) - alerts
if unknown:
    print(f"tests name alerts that do not exist: {sorted(unknown)}", file=sys.stderr)
    bad = True
print(f"{len(alerts)} alerts, each fires and stays quiet in a test: {', '.join(sorted(alerts))}")
sys.exit(1 if bad else 0)
EOF
ok "every alert fires in a test and stays quiet in one"

# The checks above must be able to fail: a rule file that breaks one alert's timing.
mkdir -p "$TMP/broken/contrib/prometheus" "$TMP/broken/tests/prometheus"
sed 's/for: 5m/for: 0m/' "$RULES" > "$TMP/broken/contrib/prometheus/rpfguard.rules.yml"
cp "$TESTS" "$TMP/broken/tests/prometheus/"
! promtool test rules "$TMP/broken/tests/prometheus/rpfguard.rules.test.yml" > "$TMP/broken.out" 2>&1 ||
        fail "promtool test rules passes a drift alert without its 5 minutes"
ok "promtool test rules fails a drift alert without its 5 minutes"
done_testing
