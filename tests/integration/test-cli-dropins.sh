#!/bin/bash
# Drop-ins (SPEC §9), with the real binary: -c FILE reads FILE, then FILE.d/*.conf; the
# default layout (/etc/rpfguard.conf, then /etc, /run and /usr/lib/rpfguard.conf.d),
# under --config-root so that the host's /etc is never read: override, mask, lexical
# order, every message naming its file and line, exit 2 for a bad drop-in; the daemon
# enforcing a drop-in's rules, and a bad drop-in on SIGHUP keeping them, named in the
# log and in STATUS=.
. "$(dirname "$0")/lib.sh"

# expect_out FILE WHAT < EXPECTED: stdout is exactly EXPECTED.
expect_out() {
        local want=$TMP/$1.want
        cat > "$want"
        diff -u "$want" "$OUT" >&2 || { show_output; fail "$2: stdout differs from the expected text"; }
        ok "$2: stdout exactly as expected ($(wc -l < "$OUT") lines)"
}

# expect_err_line LINE WHAT: stderr has exactly this line.
expect_err_line() {
        grep -qxF -- "$1" "$ERR" || { show_output; fail "$2: no line '$1' on stderr"; }
        ok "$2: '$1'"
}

# rules: the resolved rules of stdout, blanks squeezed.
rules() { tr -s ' ' < "$OUT" | sed -n '/^\[interfaces\]/,$p' | grep -E '; [^ ]+:[0-9]+(, glob)?$'; }

expect_rules() {
        local got
        got=$(rules)
        [ "$got" = "$(cat)" ] || { show_output; fail "$1: resolved rules are [$got]"; }
        ok "$1: the rules, in order, with their files and lines"
}

# --- -c FILE: FILE, then FILE.d ----------------------------------------------------------

D=$TMP/rpfguard.conf.d
mkdir -p "$D"
write_conf <<'EOF'
[daemon]
mode = audit

[global]
all = 0

[interfaces]
lo = ignore
eth0 = loose
EOF
cat > "$D/50-calico.conf" <<'EOF'
; shipped by the CNI's installer
[interfaces]
cali* = strict
tunl0 = strict
vxlan.calico = strict
EOF
cat > "$D/90-node.conf" <<'EOF'
[daemon]
mode = enforce
[global]
default = 1
EOF
# A mask (systemd's way: a symlink to /dev/null), an empty file, files that are not
# drop-ins: none of them is read.
printf '[interfaces]\nbroken\n' > "$D/60-old.conf.disabled"
ln -s /dev/null "$D/60-old.conf"
: > "$D/70-empty.conf"
printf '[interfaces]\nbroken\n' > "$D/.hidden.conf"
printf '[interfaces]\nbroken\n' > "$D/README"

cli three -t -c "$TMP/rpfguard.conf"
expect_rc 0 "three files"
expect_empty "$ERR" "three files"
expect_out three "three files, a mask and an empty file" <<EOF
$TMP/rpfguard.conf: configuration OK

; files, in the order read (a key set again overrides, rules concatenate):
;   $TMP/rpfguard.conf
;   $D/50-calico.conf
;   $D/60-old.conf (masked: a symlink to /dev/null)
;   $D/70-empty.conf (masked: an empty file)
;   $D/90-node.conf
; drop-in directories, first one wins a name: $D

[daemon]
mode              = enforce      ; $D/90-node.conf:2
log_level         = info         ; default
flap_limit        = 5            ; default
flap_window       = 10           ; default
flap_backoff      = 60           ; default
resync_interval   = 0            ; default
metrics_file      =              ; default
watch_config      = no           ; default
attribute_writers = no           ; default

[global]
all               = off          ; $TMP/rpfguard.conf:5
default           = strict       ; $D/90-node.conf:4

[interfaces]  ; first match wins, unmatched interfaces are left alone
lo               = ignore  ; $TMP/rpfguard.conf:8
eth0             = loose   ; $TMP/rpfguard.conf:9
cali*            = strict  ; $D/50-calico.conf:3, glob
tunl0            = strict  ; $D/50-calico.conf:4
vxlan.calico     = strict  ; $D/50-calico.conf:5
EOF
cp "$OUT" "$TMP/three-file-example.txt"

# A bad drop-in: exit 2, nothing on stdout, each error names the drop-in and its line.
cat > "$D/80-bad.conf" <<'EOF'
[interfaces]
eth* = bogus
cali* = loose
EOF
cli bad -t -c "$TMP/rpfguard.conf"
expect_rc 2 "a bad drop-in"
expect_empty "$OUT" "a bad drop-in"
expect_err_line "$D/80-bad.conf:2: error: invalid value 'bogus' for 'eth*': expected 0/off, 1/strict, 2/loose or ignore" \
        "a bad drop-in"
expect_err_line "$D/80-bad.conf:3: error: duplicate pattern 'cali*' (first defined in $D/50-calico.conf:3): expected each pattern once" \
        "a pattern defined again, in another file"
[ "$(wc -l < "$ERR")" = 2 ] || { show_output; fail "a bad drop-in: expected 2 messages"; }
ok "a bad drop-in: exactly its 2 errors"

# The same file masked: accepted again.
mv "$D/80-bad.conf" "$TMP/80-bad.conf"
ln -s /dev/null "$D/80-bad.conf"
cli masked -t -c "$TMP/rpfguard.conf"
expect_rc 0 "a bad drop-in, masked"
expect_line "$OUT" ";   $D/80-bad.conf (masked: a symlink to /dev/null)" "a bad drop-in, masked"
rm "$D/80-bad.conf"

# Duplicate key: in one file an error, across files an override.
printf '[daemon]\nlog_level = debug\nlog_level = err\n' > "$D/85-key.conf"
cli dupkey -t -c "$TMP/rpfguard.conf"
expect_rc 2 "a key twice in one drop-in"
expect_err_line "$D/85-key.conf:3: error: duplicate key 'log_level' (first set on line 2): expected each key once" \
        "a key twice in one drop-in"
printf '[daemon]\nlog_level = debug\n' > "$D/85-key.conf"
printf '[daemon]\nlog_level = err\n' > "$D/86-key.conf"
cli overkey -t -c "$TMP/rpfguard.conf"
expect_rc 0 "a key in two drop-ins"
expect_line "$OUT" "log_level         = err          ; $D/86-key.conf:2" "the later drop-in wins"
rm "$D/85-key.conf" "$D/86-key.conf"

# Warnings name their file too: a rule below all, a dangling symlink.
printf '[global]\nall = 2\n' > "$D/95-all.conf"
ln -s "$TMP/nonexistent.conf" "$D/97-dangling.conf"
cli warn -t -c "$TMP/rpfguard.conf"
expect_rc 0 "warnings"
expect_err_line "$D/50-calico.conf:3: warning: rule 'cali* = strict' is below all = loose: the kernel applies max(all, interface), so it cannot take effect" \
        "a rule below a later file's all"
expect_err_line "$D/97-dangling.conf: warning: a symlink to nothing: read as empty, and the same name in the later directories is not read either" \
        "a dangling symlink"
rm "$D/95-all.conf" "$D/97-dangling.conf"

# An unreadable drop-in: exit 2, named (root without capabilities obeys the mode bits).
printf '[interfaces]\nx = 1\n' > "$D/99-secret.conf"
chmod 000 "$D/99-secret.conf"
OUT=$TMP/unreadable.out ERR=$TMP/unreadable.err RC=0
nsx setpriv --inh-caps=-all --bounding-set=-all "$RPFGUARD" -t -c "$TMP/rpfguard.conf" >"$OUT" 2>"$ERR" || RC=$?
expect_rc 2 "an unreadable drop-in"
expect_err_line "$D/99-secret.conf: error: cannot read the configuration: Permission denied" "an unreadable drop-in"
rm -f "$D/99-secret.conf"

# A directory named like a drop-in.
mkdir "$D/98-dir.conf"
cli dir -t -c "$TMP/rpfguard.conf"
expect_rc 2 "a directory named x.conf"
expect_err_line "$D/98-dir.conf: error: cannot read the configuration: a directory: expected a file" "a directory named x.conf"
rmdir "$D/98-dir.conf"

# The main file must exist, even with drop-ins (SPEC §2): named, exit 2.
mv "$TMP/rpfguard.conf" "$TMP/main.moved"
cli nomain -t -c "$TMP/rpfguard.conf"
expect_rc 2 "drop-ins without the main file"
expect_err_line "$TMP/rpfguard.conf: error: cannot read the configuration: No such file or directory" \
        "drop-ins without the main file"
mv "$TMP/main.moved" "$TMP/rpfguard.conf"

# -c FILE and --config-root exclude each other.
cli both -t -c "$TMP/rpfguard.conf" --config-root "$TMP"
expect_rc 2 "-c with --config-root"

# The shipped example drop-in, beside the shipped configuration: clean, and it overrides.
S=$TMP/shipped
mkdir -p "$S/rpfguard.conf.d"
cp "$(dirname "$0")/../../conf/rpfguard.conf" "$S/rpfguard.conf"
cp "$(dirname "$0")/../../conf/examples/90-local.conf" "$S/rpfguard.conf.d/"
cli shipped -t -c "$S/rpfguard.conf"
expect_rc 0 "the shipped example drop-in"
expect_empty "$ERR" "the shipped example drop-in"
expect_line "$OUT" "log_level         = notice       ; $S/rpfguard.conf.d/90-local.conf:13" \
        "the shipped example drop-in overrides log_level"
rules | grep -qxF "eth1 = loose ; $S/rpfguard.conf.d/90-local.conf:16" ||
        { show_output; fail "the shipped example drop-in: its rule eth1"; }
ok "the shipped example drop-in: its rules follow the main file's"

# --- the default layout, under --config-root ---------------------------------------------

R=$TMP/root
mkdir -p "$R/etc/rpfguard.conf.d" "$R/run/rpfguard.conf.d" "$R/usr/lib/rpfguard.conf.d"
printf '[global]\nall = 0\n' > "$R/etc/rpfguard.conf"
# Same name: /etc beats /run beats /usr/lib.
printf '[interfaces]\nname-usr = 1\n' > "$R/usr/lib/rpfguard.conf.d/50-x.conf"
printf '[interfaces]\nname-run = 1\n' > "$R/run/rpfguard.conf.d/50-x.conf"
printf '[interfaces]\nname-etc = 1\n' > "$R/etc/rpfguard.conf.d/50-x.conf"
printf '[interfaces]\nname-usr2 = 1\n' > "$R/usr/lib/rpfguard.conf.d/40-y.conf"
printf '[interfaces]\nname-run2 = 1\n' > "$R/run/rpfguard.conf.d/40-y.conf"
# A mask in /etc hides a vendor file; an empty file in /run hides one too.
printf '[interfaces]\nvendor = 2\n' > "$R/usr/lib/rpfguard.conf.d/60-vendor.conf"
ln -s /dev/null "$R/etc/rpfguard.conf.d/60-vendor.conf"
printf '[interfaces]\nvendor2 = 2\n' > "$R/usr/lib/rpfguard.conf.d/65-vendor.conf"
: > "$R/run/rpfguard.conf.d/65-vendor.conf"
# Lexical order by name, across directories.
printf '[interfaces]\nveth1 = 2\n' > "$R/usr/lib/rpfguard.conf.d/10-a.conf"
printf '[interfaces]\nveth2 = 2\n' > "$R/etc/rpfguard.conf.d/20-b.conf"
printf '[interfaces]\nveth3 = 0\n' > "$R/run/rpfguard.conf.d/15-c.conf"
printf '[interfaces]\nveth* = 1\n' > "$R/usr/lib/rpfguard.conf.d/99-z.conf"

cli root -t --config-root "$R"
expect_rc 0 "default layout"
expect_empty "$ERR" "default layout"
[ "$(head -n 1 "$OUT")" = "$R/etc/rpfguard.conf: configuration OK" ] || { show_output; fail "default layout: main file"; }
ok "default layout: $R/etc/rpfguard.conf first"
expect_line "$OUT" "; drop-in directories, first one wins a name: $R/etc/rpfguard.conf.d $R/run/rpfguard.conf.d $R/usr/lib/rpfguard.conf.d" \
        "default layout: the three directories, /etc first"
expect_rules "default layout: override, mask and lexical order" <<EOF
veth1 = loose ; $R/usr/lib/rpfguard.conf.d/10-a.conf:2
veth3 = off ; $R/run/rpfguard.conf.d/15-c.conf:2
veth2 = loose ; $R/etc/rpfguard.conf.d/20-b.conf:2
name-run2 = strict ; $R/run/rpfguard.conf.d/40-y.conf:2
name-etc = strict ; $R/etc/rpfguard.conf.d/50-x.conf:2
veth* = strict ; $R/usr/lib/rpfguard.conf.d/99-z.conf:2, glob
EOF
expect_line "$OUT" ";   $R/etc/rpfguard.conf.d/60-vendor.conf (masked: a symlink to /dev/null)" "default layout: /etc masks /usr/lib"
expect_line "$OUT" ";   $R/run/rpfguard.conf.d/65-vendor.conf (masked: an empty file)" "default layout: an empty file in /run masks"

# Enforced, once, from those files: first match wins across the files.
ns_defaults 2 2
veth veth1 veth1p
veth veth2 veth2p
veth veth3 veth3p
cli once-root --once --config-root "$R"
expect_rc 0 "--once, default layout"
rp_now veth1 2
rp_now veth2 2
rp_now veth3 0
rp_now veth1p 1   # veth* of 99-z.conf
rp_now veth3p 1

# A bad drop-in in /run: exit 2, named; the daemon would not start either.
printf '[interfaces]\n\nveth1 = 1\n' > "$R/run/rpfguard.conf.d/30-dup.conf"
cli root-bad -t --config-root "$R"
expect_rc 2 "default layout, a duplicate in /run"
expect_err_line "$R/run/rpfguard.conf.d/30-dup.conf:3: error: duplicate pattern 'veth1' (first defined in $R/usr/lib/rpfguard.conf.d/10-a.conf:2): expected each pattern once" \
        "default layout, a duplicate in /run"
rm "$R/run/rpfguard.conf.d/30-dup.conf"

# --- the daemon: a drop-in's rules enforced; a bad drop-in on SIGHUP keeps them ----------

rm -f "$D"/*.conf
write_conf <<'EOF'
[global]
all = 0
[interfaces]
lo = ignore
EOF
cat > "$D/50-calico.conf" <<'EOF'
[interfaces]
cali* = strict
EOF
veth eth1 eth1p
rp_set eth1 2
start_notify_listener
start_daemon
expect_log "Configuration loaded from $TMP/rpfguard.conf and 1 drop-in: 2 rules"
veth cali0001 host0001
expect_rp cali0001 1
rp_set cali0001 2
expect_rp cali0001 1

# A bad drop-in: rejected with its file and line, the running rules stay.
cat > "$D/60-bad.conf" <<'EOF'
[interfaces]
eth* = bogus
EOF
n_ready=$(notify_count '^READY=1$')
kill -HUP "$DAEMON_PID"
expect_notify_count '^READY=1$' $((n_ready + 1))
expect_log "$D/60-bad.conf:2: error: invalid value 'bogus' for 'eth*'"
expect_log "rejected, keeping the running configuration"
expect_notify_count "STATUS=.*reload rejected: $D/60-bad.conf:2" 1
kill -0 "$DAEMON_PID" || fail "daemon exited on a bad drop-in"
ok "still running after a bad drop-in"
rp_set cali0001 2
expect_rp cali0001 1
stays_rp eth1 2 0.3

# A drop-in that defines a pattern again: rejected too, both places named.
printf '[interfaces]\ncali* = loose\n' > "$D/60-bad.conf"
kill -HUP "$DAEMON_PID"
expect_log "$D/60-bad.conf:2: error: duplicate pattern 'cali*' (first defined in $D/50-calico.conf:2)"
expect_notify_count "STATUS=.*reload rejected: $D/60-bad.conf:2" 2
rp_set cali0001 2
expect_rp cali0001 1

# Fixed: the new drop-in applies to the interfaces that exist, the rejection is gone.
printf '[interfaces]\neth* = strict\n' > "$D/60-bad.conf"
kill -HUP "$DAEMON_PID"
expect_log "Configuration reloaded from"
expect_rp eth1 1
expect_rp cali0001 1
status_clean() { grep 'STATUS=Enforcing' "$NOTIFY_LOG" | tail -n 1 | grep -qv 'reload rejected'; }
wait_until 5 status_clean || fail "STATUS= still says the reload was rejected: $(grep STATUS= "$NOTIFY_LOG" | tail -n 1)"
ok "STATUS= no longer names a rejection: $(grep 'STATUS=Enforcing' "$NOTIFY_LOG" | tail -n 1)"

# Masked on reload: its rules are gone (eth1 is left alone again).
mv "$D/60-bad.conf" "$TMP/60-eth.conf"
ln -s /dev/null "$D/60-bad.conf"
kill -HUP "$DAEMON_PID"
expect_log_count "Configuration reloaded from" 2
rp_set eth1 2
stays_rp eth1 2 0.3
rp_set cali0001 2
expect_rp cali0001 1
stop_daemon

# A bad drop-in at start-up: exit 2, named.
printf '[interfaces]\n\ncali0 = strange\n' > "$D/40-bad.conf"
OUT=$TMP/start-bad.out ERR=$TMP/start-bad.err RC=0
nsx timeout 20 "$RPFGUARD" -c "$TMP/rpfguard.conf" --log-format=text --root="$TMP/sysctld-root" >"$OUT" 2>"$ERR" || RC=$?
expect_rc 2 "daemon start-up with a bad drop-in"
grep -qF "$D/40-bad.conf:3: error: invalid value 'strange' for 'cali0'" "$ERR" ||
        { show_output; fail "start-up: the drop-in's error is not named"; }
ok "start-up with a bad drop-in: '$D/40-bad.conf:3: error: …'"

echo "--- the three-file example (-t):"
cat "$TMP/three-file-example.txt"
done_testing
