# shellcheck shell=bash
# rpfguard --once (and --once --dry-run) against the real kernel in a throwaway
# namespace: enforces all, default, then every interface; prints each change and a
# summary; writes only what differs; leaves ignored and unmatched interfaces alone.
. "$(dirname "$0")/lib.sh"

# --- helpers of this test (cli, expect_rc, … are in lib.sh) ---------------------

# expect_summary VERB N WHAT [MIN]: the last stdout line is "K interfaces checked,
# N VERB", with K at least MIN (default 5: the managed interfaces of the main config).
expect_summary() {
        local last checked min=${4:-5}
        last=$(tail -n 1 "$OUT")
        [[ $last =~ ^([0-9]+)\ interfaces\ checked,\ $2\ $1$ ]] ||
                { show_output; fail "$3: last line '$last', expected 'K interfaces checked, $2 $1'"; }
        checked=${BASH_REMATCH[1]}
        [ "$checked" -ge "$min" ] || { show_output; fail "$3: only $checked interfaces checked, $min are managed"; }
        ok "$3: summary '$last'"
}

# --- setup ---------------------------------------------------------------------

# Whether this kernel copies a change of conf/default onto lo: lo was registered
# before anything wrote conf/default in this namespace, so its rp_filter was never
# written explicitly (unless the namespace inherited that state from init_net).
nsx sysctl -qw net.ipv4.conf.default.rp_filter=0
lo_a=$(rp_get lo)
nsx sysctl -qw net.ipv4.conf.default.rp_filter=1
lo_b=$(rp_get lo)
LO_FOLLOWS_DEFAULT=0
[ "$lo_a" = 0 ] && [ "$lo_b" = 1 ] && LO_FOLLOWS_DEFAULT=1
[ "$LO_FOLLOWS_DEFAULT" = 1 ] || rp_set lo 2

# Distribution defaults: everything loose. Interfaces created from here on inherit
# conf/default's "written" state, so later changes of default never reach them.
ns_defaults 2 2
veth cali1a2b eth1x
veth califfff eth2x
veth tunl0 tpeer0
nsx ip link add vxlan.calico type vxlan id 42 dstport 4789
veth eth9 eth9p            # managed "loose", already loose
veth ethfree ethfreep      # unmanaged
rp_set ethfree 0           # ... and set to something no rule would choose

for i in all default lo cali1a2b eth1x califfff eth2x tunl0 tpeer0 vxlan.calico eth9 eth9p ethfreep; do
        require_rp "$i" 2
done
require_rp ethfree 0

write_conf <<'EOF'
[global]
all = 1

[interfaces]
lo = ignore
cali* = strict
tunl0 = strict
vxlan.calico = strict
eth9 = loose
EOF
CONF=$TMP/rpfguard.conf

MANAGED_DRIFT="cali1a2b califfff tunl0 vxlan.calico"
declare -A RULE=([cali1a2b]='cali*' [califfff]='cali*' [tunl0]=tunl0 [vxlan.calico]=vxlan.calico)

# Everything as the setup left it, except what is listed as NAME=VALUE.
expect_untouched_except() {
        declare -A want=([all]=2 [default]=2 [lo]=2 [cali1a2b]=2 [eth1x]=2 [califfff]=2 [eth2x]=2
                         [tunl0]=2 [tpeer0]=2 [vxlan.calico]=2 [eth9]=2 [eth9p]=2 [ethfree]=0 [ethfreep]=2)
        local kv
        for kv in "$@"; do want[${kv%=*}]=${kv#*=}; done
        for kv in all default lo cali1a2b eth1x califfff eth2x tunl0 tpeer0 vxlan.calico eth9 eth9p ethfree ethfreep; do
                rp_now "$kv" "${want[$kv]}"
        done
}

# --- --once --dry-run: reports, changes nothing -----------------------------------

cli dry --once -n -c "$CONF"
expect_rc 0 "--once -n"
expect_summary "would change" 5 "--once -n"
expect_line "$OUT" "all: rp_filter is 2, wanted 1 (rule all, start-up); not changed: dry run" "--once -n"
for i in $MANAGED_DRIFT; do
        expect_line "$OUT" "$i: rp_filter is 2, wanted 1 (rule ${RULE[$i]}, start-up); not changed: dry run" "--once -n"
done
expect_no_match "$OUT" '->' "--once -n claims no change"
expect_no_match "$OUT" '^(default|lo|eth[0-9a-z]*|tpeer0):' "--once -n names only drifting managed interfaces"
expect_untouched_except

# The long option does the same.
cli dry2 --once --dry-run -c "$CONF"
expect_rc 0 "--once --dry-run"
expect_summary "would change" 5 "--once --dry-run"
expect_untouched_except

# --- --once: enforces all first, then every managed interface -----------------------

cli once1 --once -c "$CONF"
expect_rc 0 "--once"
expect_empty "$ERR" "--once"
[ "$(head -n 1 "$OUT")" = "all: rp_filter 2 -> 1 (rule all, start-up)" ] ||
        { show_output; fail "--once: all is not enforced first"; }
ok "--once: all is enforced first"
for i in $MANAGED_DRIFT; do
        expect_line "$OUT" "$i: rp_filter 2 -> 1 (rule ${RULE[$i]}, start-up)" "--once"
done
[ "$(grep -c -- ' -> ' "$OUT")" = 5 ] || { show_output; fail "--once: expected exactly 5 change lines"; }
ok "--once: exactly 5 change lines"
expect_no_match "$OUT" '^(default|lo|eth[0-9a-z]*|tpeer0):' "--once names only what it changed"
expect_summary changed 5 "--once"
# Managed interfaces strict, eth9 stays loose, lo (ignore) and the unmatched eth*
# untouched, default (absent from [global]) left alone.
expect_untouched_except all=1 cali1a2b=1 califfff=1 tunl0=1 vxlan.calico=1

# --- a second --once finds nothing to do ----------------------------------------------

cli once2 --once -c "$CONF"
expect_rc 0 "second --once"
expect_summary changed 0 "second --once"
[ "$(wc -l < "$OUT")" = 1 ] || { show_output; fail "second --once: expected only the summary line"; }
ok "second --once: only the summary line"
expect_untouched_except all=1 cali1a2b=1 califfff=1 tunl0=1 vxlan.calico=1

# --- somebody undoes one interface: only that one is corrected ------------------------

rp_set califfff 2
cli once3 --once -c "$CONF"
expect_rc 0 "--once after drift"
expect_line "$OUT" "califfff: rp_filter 2 -> 1 (rule cali*, start-up)" "--once after drift"
expect_summary changed 1 "--once after drift"
expect_untouched_except all=1 cali1a2b=1 califfff=1 tunl0=1 vxlan.calico=1

# --- mode = audit: like --dry-run --------------------------------------------------------

rp_set cali1a2b 2
write_conf audit.conf <<'EOF'
[daemon]
mode = audit

[global]
all = 1

[interfaces]
cali* = strict
EOF
cli audit --once -c "$TMP/audit.conf"
expect_rc 0 "--once, mode = audit"
expect_line "$OUT" "cali1a2b: rp_filter is 2, wanted 1 (rule cali*, start-up); not changed: audit mode" "--once, mode = audit"
expect_summary "would change" 1 "--once, mode = audit" 2
expect_untouched_except all=1 cali1a2b=2 califfff=1 tunl0=1 vxlan.calico=1
rp_set cali1a2b 1

# --- default, when configured, is enforced right after all --------------------------------

rp_set all 2
write_conf default.conf <<'EOF'
[global]
all = 1
default = 1

[interfaces]
lo = loose
cali* = strict
tunl0 = strict
vxlan.calico = strict
eth9 = loose
EOF
cli default --once -c "$TMP/default.conf"
expect_rc 0 "--once with default = 1"
if ! { [ "$(sed -n 1p "$OUT")" = "all: rp_filter 2 -> 1 (rule all, start-up)" ] &&
        [ "$(sed -n 2p "$OUT")" = "default: rp_filter 2 -> 1 (rule default, start-up)" ]; }; then
        show_output
        fail "--once with default = 1: expected all, then default, first"
fi
ok "--once with default = 1: all, then default, changed first"
rp_now all 1
rp_now default 1
if [ "$LO_FOLLOWS_DEFAULT" = 1 ]; then
        # The kernel copied default = 1 onto lo without a word: rpfguard must have
        # looked at the interfaces after changing default, and put lo back.
        expect_line "$OUT" "lo: rp_filter 1 -> 2 (rule lo, start-up)" "--once re-checks after default"
        expect_summary changed 3 "--once with default = 1"
else
        echo "# note: this kernel did not copy conf/default onto lo; propagation not exercised"
        expect_summary changed 2 "--once with default = 1"
fi
expect_untouched_except all=1 default=1 cali1a2b=1 califfff=1 tunl0=1 vxlan.calico=1

# --- a bad configuration: exit 2, FILE:LINE on stderr, nothing touched ----------------------

rp_set all 2
write_conf bad.conf <<'EOF'
[global]
all = 1

[interfaces]
cali* = sometimes
EOF
cli bad --once -c "$TMP/bad.conf"
expect_rc 2 "--once with a bad configuration"
rp_now all 2
rp_now cali1a2b 1
grep -qE "^$TMP/bad.conf:5: error: " "$OUT" "$ERR" || { show_output; fail "--once: no '$TMP/bad.conf:5: error:' message"; }
ok "--once with a bad configuration: names $TMP/bad.conf:5"
cli missing --once -c "$TMP/missing.conf"
expect_rc 2 "--once with a missing configuration"
grep -qF "$TMP/missing.conf" "$OUT" "$ERR" || { show_output; fail "--once: the missing path is not named"; }
ok "--once with a missing configuration: names the path"
# Errors belong on stderr: stdout of --once is the list of changes.
cli bad --once -c "$TMP/bad.conf"
grep -qE "^$TMP/bad.conf:5: error: " "$ERR" || { show_output; fail "--once: configuration error not on stderr"; }
ok "--once: configuration error on stderr"
expect_empty "$OUT" "--once with a bad configuration"

done_testing
