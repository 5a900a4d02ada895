# shellcheck shell=bash
# rpfguard --status (table and --json) against the real kernel in a throwaway
# namespace: one row per interface with rule, wanted, current, effective and state;
# exit 3 while anything drifts, 0 once compliant; never writes.
. "$(dirname "$0")/lib.sh"

# --- helpers of this test (cli, expect_rc, … are in lib.sh) ---------------------

# The namespace's interfaces, one name a line, as the kernel lists them.
ns_ifnames() { nsx ls /sys/class/net; }

# table FILE: the --status table of FILE, from its header on (above it: the running
# daemon's lines, or the note that none runs), each value without its word ("1 strict"
# as 1), one column a field.
table() { sed -n '/^INTERFACE /,$p' "$1" | sed -E 's/\b([0-9]+) (off|strict|loose)\b/\1/g'; }

# expect_table WHAT < ROWS: $OUT is the --status table for exactly these rows plus
# every other interface of the namespace as "unmanaged". A row of ROWS is
# "NAME IFINDEX RULE WANTED CURRENT EFFECTIVE STATE" with '-' for none and '@' for
# the interface's real ifindex. Also checks the summary line against the states.
expect_table() {
        local what=$1 name idx rule wanted cur eff state got want n_if=0
        local -A expected=() seen=() count=([ok]=0 [drift]=0 [ignored]=0 [unmanaged]=0 [ineffective]=0)
        local tab=$OUT.table

        # No daemon runs in this namespace: --status says so first, and shows no DAEMON column.
        [ "$(head -n 1 "$OUT" | cut -d'(' -f1)" = "no rpfguard daemon is running: values are the kernel's only " ] ||
                { show_output; fail "$what: no note that no daemon runs"; }
        ok "$what: says no daemon is running"
        table "$OUT" > "$tab"
        [ "$(head -n 1 "$tab" | tr -s ' ')" = "INTERFACE IFINDEX RULE WANTED CURRENT EFFECTIVE STATE" ] ||
                { show_output; fail "$what: bad table header"; }
        ok "$what: table header"

        while read -r name idx rule wanted cur eff state; do
                [ -n "$name" ] || continue
                [ "$idx" != @ ] || idx=$(nsx cat "/sys/class/net/$name/ifindex")
                expected[$name]="$idx $rule $wanted $cur $eff $state"
                case $name in all|default) ;; *) count[$state]=$((count[$state] + 1)) ;; esac
        done

        # Every row, in the table once: the expected ones exactly, any other
        # interface of the namespace (say a fallback tunnel device) as unmanaged.
        for name in all default $(ns_ifnames); do
                got=$(awk -v n="$name" 'NR > 1 && $1 == n { $1 = ""; sub(/^ /, ""); print }' "$tab")
                [ "$(printf '%s\n' "$got" | grep -c .)" = 1 ] ||
                        { show_output; fail "$what: expected exactly one row for $name"; }
                seen[$name]=1
                if [ -n "${expected[$name]+x}" ]; then
                        want=${expected[$name]}
                        [ "$got" = "$want" ] || { show_output; fail "$what: row $name is '$got', expected '$want'"; }
                        ok "$what: row $name: $got"
                else
                        read -r idx rule wanted cur eff state <<< "$got"
                        [ "$idx $rule $wanted $state" = "$(nsx cat "/sys/class/net/$name/ifindex") - - unmanaged" ] ||
                                { show_output; fail "$what: row $name is '$got', expected an unmanaged row"; }
                        count[unmanaged]=$((count[unmanaged] + 1))
                fi
                case $name in all|default) ;; *) n_if=$((n_if + 1)) ;; esac
        done
        for name in "${!expected[@]}"; do
                [ -n "${seen[$name]+x}" ] || fail "$what: test bug: $name is not in the namespace"
        done
        # ... and no row for anything else (a name cut at a dot, say).
        got=$(awk 'NR > 1 && NF == 7 { print $1 }' "$tab" | sort)
        want=$({ printf '%s\n' all default; ns_ifnames; } | sort)
        [ "$got" = "$want" ] || { show_output; fail "$what: rows are for [$got], expected [$want]"; }
        ok "$what: one row for each of all, default and the $n_if interfaces"

        want="$n_if interfaces: ${count[ok]} ok, ${count[drift]} drift, ${count[ignored]} ignored, ${count[unmanaged]} unmanaged, ${count[ineffective]} ineffective"
        [ "$(tail -n 1 "$tab")" = "$want" ] || { show_output; fail "$what: summary is '$(tail -n 1 "$tab")', expected '$want'"; }
        ok "$what: summary '$want'"
}

# expect_json WHAT < ROWS: $OUT is one valid JSON document describing the same rows
# as expect_table would check. The checks run in the namespace (its /sys/class/net).
expect_json() {
        local what=$1 line
        cat > "$TMP/rows"
        python3 -c 'import json, sys; json.load(sys.stdin)' < "$OUT" ||
                { show_output; fail "$what: not valid JSON"; }
        ok "$what: valid JSON"
        [ "$(wc -l < "$OUT")" = 1 ] || { show_output; fail "$what: expected one line, one document"; }
        ok "$what: one document on one line"
        nsx python3 "$TMP/check_json.py" "$OUT" "$TMP/rows" "$CONF" > "$TMP/json-checks" 2>&1 ||
                { cat "$TMP/json-checks" >&2; show_output; fail "$what: JSON checks"; }
        while IFS= read -r line; do
                ok "$what: $line"
        done < "$TMP/json-checks"
}

cat > "$TMP/check_json.py" <<'EOF'
# check_json.py DOC ROWS CONFIG: DOC (rpfguard --status --json) against ROWS
# ("NAME IFINDEX RULE WANTED CURRENT EFFECTIVE STATE", '-' none, '@' real ifindex).
# Prints one line per check passed; exits 1 on the first failure.
import json, os, sys

doc = json.load(open(sys.argv[1]))
config = sys.argv[3]

def value(s):
    return None if s == '-' else int(s)

def check(cond, what):
    if not cond:
        print('FAILED: ' + what)
        sys.exit(1)
    print(what)

expected = {}
for line in open(sys.argv[2]):
    f = line.split()
    if not f:
        continue
    name, idx, rule, wanted, cur, eff, state = f
    row = {'name': name, 'rule': None if rule == '-' else rule, 'wanted': value(wanted),
           'current': value(cur), 'state': state, 'daemon': None}
    if name not in ('all', 'default'):
        row['ifindex'] = int(open('/sys/class/net/%s/ifindex' % name).read()) if idx == '@' else int(idx)
        row['effective'] = value(eff)
    expected[name] = row

check(doc.get('config') == config, 'config is %s' % config)
check(doc.get('mode') == 'enforce', 'mode is enforce')
d = doc.get('daemon')
check(isinstance(d, dict) and d.get('running') is False and
      d.get('note') == "no rpfguard daemon is running: values are the kernel's only",
      'daemon: not running, said plainly')
for g in ('all', 'default'):
    got = doc.get(g)
    check(isinstance(got, dict) and all(got.get(k, 'absent') == v for k, v in expected[g].items()),
          '%s is %s' % (g, json.dumps(got, sort_keys=True)))

ifaces = doc.get('interfaces')
check(isinstance(ifaces, list), 'interfaces is a list')
names = [i.get('name') for i in ifaces]
kernel = sorted(os.listdir('/sys/class/net'))
check(sorted(names) == kernel, 'one entry per interface: %s' % ' '.join(kernel))
keys = {'name', 'ifindex', 'rule', 'wanted', 'current', 'effective', 'state', 'daemon'}
for i in ifaces:
    name = i['name']
    check(set(i) == keys, '%s has exactly the fields %s' % (name, ' '.join(sorted(keys))))
    if name in expected:
        check(i == expected[name], '%s is %s' % (name, json.dumps(i, sort_keys=True)))
    else:
        idx = int(open('/sys/class/net/%s/ifindex' % name).read())
        check(i['ifindex'] == idx and i['rule'] is None and i['wanted'] is None and i['state'] == 'unmanaged'
              and i['daemon'] is None,
              '%s (not created by the test) is unmanaged' % name)
check(all(n in names for n in expected if n not in ('all', 'default')), 'every expected interface is listed')

states = ('ok', 'drift', 'ignored', 'unmanaged', 'ineffective')
counts = {s: sum(1 for i in ifaces if i['state'] == s) for s in states}
check(doc.get('summary') == counts, 'summary is %s' % json.dumps(counts))
EOF

# --- setup ---------------------------------------------------------------------

ns_defaults 2 2
veth cali1a2b eth1x
veth califfff eth2x
veth tunl0 tpeer0
nsx ip link add vxlan.calico type vxlan id 42 dstport 4789
veth eth9 eth9p            # managed "loose", already loose: ok
veth ethoff ethoffp        # managed "off", is off, but all wins: ineffective
rp_set ethoff 0
veth ethfree ethfreep      # unmanaged
rp_set lo 2                # ignored; nothing else would choose 2 under all = 1
for i in all default lo cali1a2b eth1x califfff eth2x tunl0 tpeer0 vxlan.calico eth9 eth9p ethoffp ethfree ethfreep; do
        require_rp "$i" 2
done
require_rp ethoff 0

write_conf <<'EOF'
[global]
all = 1

[interfaces]
lo = ignore
cali* = strict
tunl0 = strict
vxlan.calico = strict
eth9 = loose
ethoff = off
EOF
CONF=$TMP/rpfguard.conf

# --- before --once: drift --------------------------------------------------------

BEFORE='
all          -  all          1  2  -  drift
default      -  -            -  2  -  unmanaged
lo           @  lo           -  2  2  ignored
cali1a2b     @  cali*        1  2  2  drift
califfff     @  cali*        1  2  2  drift
tunl0        @  tunl0        1  2  2  drift
vxlan.calico @  vxlan.calico 1  2  2  drift
eth9         @  eth9         2  2  2  ok
ethoff       @  ethoff       0  0  2  ineffective
eth1x        @  -            -  2  2  unmanaged
eth2x        @  -            -  2  2  unmanaged
tpeer0       @  -            -  2  2  unmanaged
eth9p        @  -            -  2  2  unmanaged
ethoffp      @  -            -  2  2  unmanaged
ethfree      @  -            -  2  2  unmanaged
ethfreep     @  -            -  2  2  unmanaged
'

cli status1 --status -c "$CONF"
expect_rc 3 "--status with drift"
expect_table "--status with drift" <<< "$BEFORE"
# Each value with its word, other ints bare.
grep -qE '^cali1a2b +[0-9]+  cali\* +1 strict +2 loose +2 loose +drift$' "$OUT" ||
        { show_output; fail "--status: cali1a2b's values are not shown as 1 strict, 2 loose, 2 loose"; }
ok "--status: values with their word (1 strict, 2 loose)"
grep -qE '^ethoff +[0-9]+  ethoff +0 off +0 off +2 loose +ineffective$' "$OUT" ||
        { show_output; fail "--status: ethoff's values are not shown as 0 off, 0 off, 2 loose"; }
ok "--status: values with their word (0 off)"

# --status IFNAME...: only those rows, the summary and the exit status of those.
cli status-named --status -c "$CONF" cali1a2b eth9 all
expect_rc 3 "--status cali1a2b eth9 all (cali1a2b and all drift)"
[ "$(table "$OUT" | awk 'NR > 1 && NF == 7 { print $1 }' | tr '\n' ' ')" = "all cali1a2b eth9 " ] ||
        { show_output; fail "--status cali1a2b eth9 all: rows are not exactly all, cali1a2b, eth9"; }
ok "--status cali1a2b eth9 all: those three rows only"
[ "$(tail -n 1 "$OUT")" = "2 of the named interfaces: 1 ok, 1 drift, 0 ignored, 0 unmanaged, 0 ineffective" ] ||
        { show_output; fail "--status cali1a2b eth9 all: summary"; }
ok "--status cali1a2b eth9 all: summary of those"
cli status-eth9 --status -c "$CONF" eth9
expect_rc 0 "--status eth9 (compliant)"
cli status-nosuch --status -c "$CONF" eth9 nosuch0
expect_rc 1 "--status eth9 nosuch0"
expect_line "$ERR" "rpfguard: no interface nosuch0 in this network namespace" "--status eth9 nosuch0: stderr"
grep -qE '^eth9 ' "$OUT" || { show_output; fail "--status eth9 nosuch0: no row for eth9"; }
ok "--status eth9 nosuch0: eth9 is still shown"

# The ineffective rule is worth a warning, which goes to stderr, not into the table.
grep -qE "^$CONF:10: warning: .*ethoff" "$ERR" || { show_output; fail "--status: no warning for line 10"; }
ok "--status: warning for the ineffective rule on stderr"

cli json1 --status --json -c "$CONF"
expect_rc 3 "--status --json with drift"
expect_json "--status --json with drift" <<< "$BEFORE"

cli json1s -s --json -c "$CONF"
expect_rc 3 "-s --json with drift"
cmp -s "$TMP/json1.out" "$OUT" || { show_output; fail "-s --json differs from --status --json"; }
ok "-s --json prints the same document"

# --status wrote nothing.
for i in all default lo cali1a2b califfff tunl0 vxlan.calico eth9 eth1x; do rp_now "$i" 2; done
rp_now ethoff 0

# --- after --once: compliant (ineffective is not drift) ------------------------------

cli once --once -c "$CONF"
expect_rc 0 "--once"
rp_now all 1

AFTER='
all          -  all          1  1  -  ok
default      -  -            -  2  -  unmanaged
lo           @  lo           -  2  2  ignored
cali1a2b     @  cali*        1  1  1  ok
califfff     @  cali*        1  1  1  ok
tunl0        @  tunl0        1  1  1  ok
vxlan.calico @  vxlan.calico 1  1  1  ok
eth9         @  eth9         2  2  2  ok
ethoff       @  ethoff       0  0  1  ineffective
eth1x        @  -            -  2  2  unmanaged
eth2x        @  -            -  2  2  unmanaged
tpeer0       @  -            -  2  2  unmanaged
eth9p        @  -            -  2  2  unmanaged
ethoffp      @  -            -  2  2  unmanaged
ethfree      @  -            -  2  2  unmanaged
ethfreep     @  -            -  2  2  unmanaged
'

cli status2 --status -c "$CONF"
expect_rc 0 "--status when compliant"
expect_table "--status when compliant" <<< "$AFTER"

cli json2 --status --json -c "$CONF"
expect_rc 0 "--status --json when compliant"
expect_json "--status --json when compliant" <<< "$AFTER"

# --- drift of all alone, and of default alone, is drift ---------------------------------

rp_set all 2
cli status3 --status -c "$CONF"
expect_rc 3 "--status with only all drifting"
[ "$(awk '$1 == "all" { print $NF }' "$OUT")" = drift ] || { show_output; fail "all is not in drift"; }
ok "--status: all in drift"
cli json3 --status --json -c "$CONF"
expect_rc 3 "--status --json with only all drifting"
rp_set all 1

write_conf default.conf <<'EOF'
[global]
all = 1
default = strict

[interfaces]
cali* = strict
EOF
cli status4 --status -c "$TMP/default.conf"
expect_rc 3 "--status with only default drifting"
[ "$(table "$OUT" | awk '$1 == "default" { print $3, $4, $5, $NF }')" = "default 1 2 drift" ] ||
        { show_output; fail "default is not shown in drift"; }
ok "--status: default in drift, rule default, wanted 1, current 2"
rp_set default 1
cli status5 --status -c "$TMP/default.conf"
expect_rc 0 "--status with default compliant"
rp_now default 1

# --- errors ---------------------------------------------------------------------------

printf '[global]\nall = 1\n[nonsense]\n' > "$TMP/bad.conf"
cli bad --status -c "$TMP/bad.conf"
expect_rc 2 "--status with a bad configuration"
grep -qE "^$TMP/bad.conf:3: error: " "$ERR" || { show_output; fail "--status: no FILE:LINE error on stderr"; }
ok "--status with a bad configuration: $TMP/bad.conf:3 on stderr"
[ ! -s "$OUT" ] || { show_output; fail "--status with a bad configuration printed a report"; }
ok "--status with a bad configuration: no report"

cli missing --status --json -c "$TMP/missing.conf"
expect_rc 2 "--status --json with a missing configuration"
grep -qF "$TMP/missing.conf" "$ERR" || { show_output; fail "the missing path is not named on stderr"; }
ok "--status --json with a missing configuration: names the path"

# --- names that are not ASCII -------------------------------------------------------------
# A name is bytes. `ip -j link` writes them as they are; --status --json must give the same
# bytes back: a UTF-8 name as UTF-8 (not each byte as a Latin-1 \u00XX), a name that is not
# UTF-8 as U+FFFD in "name" with its exact bytes in "name_hex" (so in "rule"/"rule_hex"),
# and '"', '\' and control characters escaped. The kernel takes all of these names.

UTF8_NAME=$'cali\xc3\xbc'        # "cali" and U+00FC
BAD_NAME=$'cali\xff'             # not UTF-8
ODD_NAME=$'q"\\\x01\xc2\x85'     # '"', '\', U+0001 and U+0085 (a C1 control)
veth "$UTF8_NAME" "$BAD_NAME"
veth "$ODD_NAME" eth3x
for i in "$UTF8_NAME" "$BAD_NAME" "$ODD_NAME"; do
        nsx test -d "/sys/class/net/$i" || fail "setup: no interface $(printf '%q' "$i")"
done
rp_set default 1
rp_set all 1
for i in "$UTF8_NAME" "$BAD_NAME" "$ODD_NAME"; do
        rp_set "$i" 1
        require_rp "$i" 1
done
printf '[global]\nall = 1\n[interfaces]\ncali\xff = strict\ncali* = strict\n' > "$TMP/names.conf"

cat > "$TMP/check_names.py" <<'EOF'
# check_names.py DOC: DOC (rpfguard --status --json, run in the namespace) against
# `ip -j link` in the same namespace, byte for byte. One line per check passed.
import json, subprocess, sys

def check(cond, what):
    if not cond:
        print('FAILED: ' + what)
        sys.exit(1)
    print(what)

raw = open(sys.argv[1], 'rb').read()
try:
    text = raw.decode('utf-8')
except UnicodeDecodeError as e:
    check(False, 'the document is UTF-8 (RFC 8259): %s' % e)
check(True, 'the document is well-formed UTF-8')
doc = json.loads(text)

# ip writes a name's bytes raw (control characters included): keep them as they are.
out = subprocess.run(['ip', '-j', 'link'], stdout=subprocess.PIPE, check=True).stdout
kernel = {l['ifindex']: l['ifname'].encode('utf-8', 'surrogateescape')
          for l in json.loads(out.decode('utf-8', 'surrogateescape'), strict=False)}

def name_bytes(i):
    return bytes.fromhex(i['name_hex']) if 'name_hex' in i else i['name'].encode('utf-8')

def utf8(b):
    try:
        b.decode('utf-8')
        return True
    except UnicodeDecodeError:
        return False

ours = {i['ifindex']: name_bytes(i) for i in doc['interfaces']}
diff = ['ifindex %d: %r, ip -j link has %r' % (k, ours.get(k), kernel.get(k))
        for k in sorted(set(ours) | set(kernel)) if ours.get(k) != kernel.get(k)]
check(not diff, 'the %d names are those of ip -j link, byte for byte%s' % (len(kernel), ''.join('; ' + d for d in diff)))
hexed = sorted(kernel[i['ifindex']] for i in doc['interfaces'] if 'name_hex' in i)
check(hexed == sorted(b for b in kernel.values() if not utf8(b)),
      'name_hex exactly for the names that are not UTF-8: %r' % hexed)
check(all(i['name'] == kernel[i['ifindex']].decode('utf-8') for i in doc['interfaces'] if 'name_hex' not in i),
      'every other name is the name itself')
by_name = {kernel[i['ifindex']]: i for i in doc['interfaces']}

u = by_name[b'cali\xc3\xbc']
check(u['name'] == 'cali\u00fc' and 'name_hex' not in u, 'cali\\u00fc: name "cali\u00fc", no name_hex')
check(b'{"name":"cali\xc3\xbc",' in raw, 'cali\\u00fc: written as raw UTF-8')
check(u['rule'] == 'cali*' and u['state'] == 'ok', 'cali\\u00fc: rule cali*, ok')

x = by_name[b'cali\xff']
check(x['name'] == 'cali\ufffd' and x['name_hex'] == '63616c69ff',
      'cali\\xff: name "cali\\ufffd", name_hex "63616c69ff"')
check(x['rule'] == 'cali\ufffd' and x['rule_hex'] == '63616c69ff' and x['state'] == 'ok',
      'cali\\xff: its literal rule, rule "cali\\ufffd", rule_hex "63616c69ff", ok')
check(set(x) == set(u) | {'name_hex', 'rule_hex'}, 'cali\\xff: the fields of cali\\u00fc, name_hex and rule_hex')

o = by_name[b'q"\\\x01\xc2\x85']
check(o['name'] == 'q"\\\x01\x85' and 'name_hex' not in o, 'q"\\\\\\x01\\u0085: the name, no name_hex')
check(b'{"name":"q\\"\\\\\\u0001\\u0085",' in raw, 'q"\\\\\\x01\\u0085: \'"\' \'\\\' and the controls escaped')

check(all('name_hex' not in doc[g] and 'rule_hex' not in doc[g] for g in ('all', 'default')) and
      'config_hex' not in doc, 'no _hex member anywhere else')
EOF

cli json-names --status --json -c "$TMP/names.conf"
expect_rc 0 "--status --json with names that are not ASCII"
expect_empty "$ERR" "--status --json with names that are not ASCII"
nsx python3 "$TMP/check_names.py" "$OUT" > "$TMP/names-checks" 2>&1 ||
        { cat "$TMP/names-checks" >&2; show_output; fail "--status --json: names"; }
while IFS= read -r line; do
        ok "--status --json names: $line"
done < "$TMP/names-checks"

done_testing
