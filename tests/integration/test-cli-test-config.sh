# shellcheck shell=bash
# rpfguard --test-config and the rest of the command line that needs no kernel:
# the shipped example, every error kind of rpfguard.conf(5) with its exact line,
# every warning kind, a missing file, usage errors, --version and --help.
# (The harness creates a namespace anyway; the binary runs inside it, so even a
# misparsed command line could not touch the host.)
. "$(dirname "$0")/lib.sh"

SHIPPED=$(dirname "$0")/../../conf/rpfguard.conf
TOP_CMAKELISTS=$(dirname "$0")/../../CMakeLists.txt

# --- helpers of this test (cli, expect_rc, … are in lib.sh) ---------------------

# expect_out_line LINE WHAT: stdout has this line, compared with runs of blanks
# squeezed (the resolved rules are aligned in columns).
expect_out_line() {
        tr -s ' ' < "$OUT" | grep -qxF -- "$1" || { show_output; fail "$2: no line '$1' on stdout"; }
        ok "$2: '$1'"
}

# The resolved rules: the [interfaces] lines of stdout, blanks squeezed, each ending in
# its origin "; FILE:LINE" (", glob" after a glob).
resolved_rules() {
        tr -s ' ' < "$OUT" | sed -n '/^\[interfaces\]/,$p' | grep -E '; [^ ]+:[0-9]+(, glob)?$'
}

# A file in $TMP from stdin; prints its path.
conf_file() {
        write_conf "$1"
        echo "$TMP/$1"
}

# expect_messages SEVERITY WHAT LINE:ERE...: stderr is exactly one message per
# LINE:ERE, in this order, each "FILE:LINE: SEVERITY: TEXT" with TEXT matching ERE.
expect_messages() {
        local severity=$1 what=$2 spec n=0 line ere got
        shift 2
        [ "$(wc -l < "$ERR")" = $# ] || { show_output; fail "$what: expected $# message(s) on stderr"; }
        for spec in "$@"; do
                n=$((n + 1))
                line=${spec%%:*} ere=${spec#*:}
                got=$(sed -n "${n}p" "$ERR")
                [[ $got == "$CONF_PATH:$line: $severity: "* ]] ||
                        { show_output; fail "$what: message $n is '$got', expected '$CONF_PATH:$line: $severity: …'"; }
                [[ ${got#"$CONF_PATH:$line: $severity: "} =~ $ere ]] ||
                        { show_output; fail "$what: message '$got' does not match '$ere'"; }
                ok "$what: $(basename "$CONF_PATH"):$line: $severity: …${ere}…"
        done
}

# expect_error NAME WHAT LINE:ERE... < CONF: the file is rejected (exit 2, nothing on
# stdout) with exactly these errors. Every error says what was expected (a duplicate
# names the line of the first definition instead).
expect_error() {
        local name=$1 what=$2 msg
        shift 2
        CONF_PATH=$(conf_file "$name.conf")
        cli "$name" -t -c "$CONF_PATH"
        expect_rc 2 "$what"
        expect_empty "$OUT" "$what"
        expect_messages error "$what" "$@"
        while IFS= read -r msg; do
                [[ $msg == *expected* || $msg =~ duplicate.*line\ [0-9]+ ]] ||
                        { show_output; fail "$what: '$msg' does not say what was expected"; }
        done < "$ERR"
        ok "$what: every message says what was expected"
}

# expect_warning NAME WHAT LINE:ERE... < CONF: the file is accepted (exit 0, the
# resolved rules on stdout) with exactly these warnings on stderr.
expect_warning() {
        local name=$1 what=$2
        shift 2
        CONF_PATH=$(conf_file "$name.conf")
        cli "$name" -t -c "$CONF_PATH"
        expect_rc 0 "$what"
        [ "$(head -n 1 "$OUT")" = "$CONF_PATH: configuration OK" ] || { show_output; fail "$what: not OK"; }
        ok "$what: configuration OK"
        if [ $# -eq 0 ]; then
                expect_empty "$ERR" "$what"
        else
                expect_messages warning "$what" "$@"
        fi
}

# rp_word VALUE: how the resolved rules spell a configured value.
rp_word() {
        case ${1,,} in
        0|off) echo off ;;
        1|strict) echo strict ;;
        2|loose) echo loose ;;
        ignore) echo ignore ;;
        *) fail "test bug: value '$1'" ;;
        esac
}

# The namespace starts loose, so that a command line wrongly taken for --once or a
# daemon start would be seen changing it.
ns_defaults 2 2

# --- --version, --help -------------------------------------------------------------

VERSION=$(sed -n 's/^project(rpfguard VERSION \([0-9.]*\).*/\1/p' "$TOP_CMAKELISTS")
[ -n "$VERSION" ] || fail "test bug: no version in $TOP_CMAKELISTS"
for opt in -V --version; do
        cli version "$opt"
        expect_rc 0 "$opt"
        [ "$(cat "$OUT")" = "rpfguard $VERSION" ] || { show_output; fail "$opt: expected 'rpfguard $VERSION'"; }
        ok "$opt: prints 'rpfguard $VERSION'"
        expect_empty "$ERR" "$opt"
done
for opt in -h --help; do
        cli help "$opt"
        expect_rc 0 "$opt"
        expect_empty "$ERR" "$opt"
        for o in -c,\ --config -t,\ --test-config -1,\ --once -s,\ --status --json -n,\ --dry-run \
                 -v,\ --verbose -V,\ --version -h,\ --help; do
                grep -qF -- "$o" "$OUT" || { show_output; fail "$opt: '$o' is not described"; }
        done
        ok "$opt: describes every option"
done

# --- usage errors: exit 2, a message on stderr, nothing done --------------------------

GOOD=$(conf_file good.conf <<'EOF'
[global]
all = 1
default = 1

[interfaces]
* = strict
EOF
)
usage_error() {
        local what=$1 pattern=$2
        shift 2
        cli usage "$@"
        expect_rc 2 "$what"
        grep -qiE -- "$pattern" "$ERR" || { show_output; fail "$what: stderr does not mention '$pattern'"; }
        ok "$what: stderr mentions '$pattern'"
        expect_empty "$OUT" "$what"
}
usage_error "--test-config --once" "exclude" -c "$GOOD" --test-config --once
usage_error "-t -s" "exclude" -c "$GOOD" -t -s
usage_error "--once --status" "exclude" -c "$GOOD" --once --status
usage_error "--json without --status" "json" -c "$GOOD" --json
usage_error "--json --once" "json" -c "$GOOD" --json --once
usage_error "--json --test-config" "json" -c "$GOOD" --json --test-config
usage_error "unknown option" "bogus" -c "$GOOD" --bogus
usage_error "unknown short option" "invalid option" -c "$GOOD" -Z
usage_error "unexpected argument" "extra" -c "$GOOD" -t extra
usage_error "-c without a file" "requires an argument" -c
for i in all default; do rp_is "$i" 2 || fail "a usage error changed $i"; done
ok "no usage error changed anything"

# --- the shipped example ---------------------------------------------------------------

CONF_PATH=$SHIPPED
cli shipped -t -c "$SHIPPED"
expect_rc 0 "shipped rpfguard.conf"
expect_empty "$ERR" "shipped rpfguard.conf"
[ "$(head -n 1 "$OUT")" = "$SHIPPED: configuration OK" ] || { show_output; fail "shipped: not OK"; }
ok "shipped rpfguard.conf: configuration OK"
# What the file says, resolved: every [daemon] and [global] key, every rule with its
# line, in file order (first match wins).
section='' n=0 rules=()
while IFS= read -r line; do
        n=$((n + 1))
        line=${line%%[;#]*}
        if [[ $line =~ ^\[([a-z]+)\] ]]; then
                section=${BASH_REMATCH[1]}
        elif [[ $line =~ ^[[:space:]]*([^=[:space:]]+)[[:space:]]*=[[:space:]]*([^[:space:]]+) ]]; then
                key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
                case $section in
                daemon) expect_out_line "$key = $value ; $SHIPPED:$n" "shipped [daemon]" ;;
                global)
                        expect_out_line "$key = $(rp_word "$value") ; $SHIPPED:$n" "shipped [global]"
                        case $key in all) seen_all=1 ;; default) seen_default=1 ;; esac
                        ;;
                interfaces)
                        glob=
                        [[ $key == *[*?[]* ]] && glob=", glob"
                        rules+=("$key = $(rp_word "$value") ; $SHIPPED:$n$glob")
                        ;;
                esac
        fi
done < "$SHIPPED"
[ -n "${seen_all:-}" ] || expect_out_line "all = (left alone) ; default" "shipped [global]"
[ -n "${seen_default:-}" ] || expect_out_line "default = (left alone) ; default" "shipped [global]"
[ ${#rules[@]} -gt 0 ] || fail "test bug: no rules found in $SHIPPED"
got=$(resolved_rules)
want=$(printf '%s\n' "${rules[@]}")
[ "$got" = "$want" ] || { show_output; fail "shipped: resolved rules are [$got], expected [$want]"; }
ok "shipped rpfguard.conf: the ${#rules[@]} rules, resolved, with their lines, in order"

# --- values are resolved, whatever their spelling --------------------------------------------

CONF_PATH=$(conf_file spelled.conf <<'EOF'
# every value in another spelling
[daemon]
mode = AUDIT
log_level = Debug
flap_limit = 3
flap_window = 30
flap_backoff = 120
resync_interval = 600

[global]
all = 0
default = loose

[interfaces]
eth0 = 2
eth1 = Strict
tun* = off
lo = ignore
  indented = 1
EOF
)
cli spelled -t -c "$CONF_PATH"
expect_rc 0 "spelled.conf"
expect_empty "$ERR" "spelled.conf"
for l in "mode = audit ; $CONF_PATH:3" "log_level = debug ; $CONF_PATH:4" "flap_limit = 3 ; $CONF_PATH:5" \
         "flap_window = 30 ; $CONF_PATH:6" "flap_backoff = 120 ; $CONF_PATH:7" "resync_interval = 600 ; $CONF_PATH:8" \
         "all = off ; $CONF_PATH:11" "default = loose ; $CONF_PATH:12" "watch_config = no ; default"; do
        expect_out_line "$l" "spelled.conf"
done
got=$(resolved_rules)
want="eth0 = loose ; $CONF_PATH:15
eth1 = strict ; $CONF_PATH:16
tun* = off ; $CONF_PATH:17, glob
lo = ignore ; $CONF_PATH:18
indented = strict ; $CONF_PATH:19"
[ "$got" = "$want" ] || { show_output; fail "spelled.conf: resolved rules are [$got], expected [$want]"; }
ok "spelled.conf: rules resolved, with their lines, in order"

# Limits that are still in range.
CONF_PATH=$(conf_file limits.conf <<'EOF'
[daemon]
flap_limit = 1
flap_window = 1
flap_backoff = 1
resync_interval = 0
EOF
)
cli limits -t -c "$CONF_PATH"
expect_rc 0 "smallest durations"
expect_empty "$ERR" "smallest durations"

# --- every kind of error, with its line ----------------------------------------------------

expect_error malformed "malformed line" '4:malformed' <<'EOF'
; a comment
[daemon]
mode = enforce
this line has no equals sign
log_level = info
EOF

expect_error header "malformed section header" '6:(malformed|section)' <<'EOF'
[daemon]
mode = enforce

# the bracket is missing
;
[global
all = 1
EOF

# inih drops whatever follows a header's ']': a rule written on the header's line would
# vanish without a word. It is an error; a comment after the header is not.
expect_error header-text "text after a section header" \
        '4:unexpected text after section header \[interfaces\]: expected the header alone on its line' <<'EOF'
[global]
all = 1

[interfaces] cali* = strict
tunl0 = strict
EOF
expect_line "$ERR" "$CONF_PATH:4: error: unexpected text after section header [interfaces]: expected the header alone on its line, or a comment after it" \
        "text after a section header"

expect_warning header-comment "comments after section headers" <<'EOF'
[global] ; comment
all = 1
[interfaces] # cali* = loose
tunl0 = strict
EOF
expect_out_line "tunl0 = strict ; $CONF_PATH:4" "comments after section headers"
[ "$(resolved_rules | wc -l)" = 1 ] || { show_output; fail "comments after section headers: a rule too many"; }
ok "comments after section headers: the one rule"

# A UTF-8 byte order mark before line 1 is skipped, as inih does; lines keep their numbers.
CONF_PATH=$TMP/bom.conf
printf '\xef\xbb\xbf[global]\nall = 1\n\n[interfaces]\ncali* = strict\n' > "$CONF_PATH"
cli bom -t -c "$CONF_PATH"
expect_rc 0 "byte order mark"
expect_empty "$ERR" "byte order mark"
expect_out_line "all = strict ; $CONF_PATH:2" "byte order mark"
expect_out_line "cali* = strict ; $CONF_PATH:5, glob" "byte order mark"
printf '\xef\xbb\xbf[global]\nall = 1\nall = 2\n' > "$CONF_PATH"
cli bom-error -t -c "$CONF_PATH"
expect_rc 2 "byte order mark, then an error"
expect_messages error "byte order mark, then an error" "3:duplicate.*'all'.*line 2"

expect_error section "unknown section" '7:unknown section.*interface' <<'EOF'
[daemon]
mode = enforce

[global]
all = 1

[interface]
cali* = strict
EOF

expect_error key "unknown key" '3:unknown key.*flap_limits' '6:unknown key.*al' <<'EOF'
[daemon]
mode = enforce
flap_limits = 5

[global]
al = 1
EOF

expect_error outside "key outside a section" '2:(outside|section)' <<'EOF'
; no section yet
all = 1
[global]
default = 1
EOF

expect_error value "invalid values" \
        "2:invalid.*'fast'" "3:invalid.*'loud'" "6:invalid.*'3'" "7:invalid.*'ignore'" "10:invalid.*'sometimes'" <<'EOF'
[daemon]
mode = fast
log_level = loud

[global]
all = 3
default = ignore

[interfaces]
eth0 = sometimes
EOF

expect_error duplicate "duplicate pattern" "8:duplicate.*'cali\*'.*line 5" <<'EOF'
[global]
all = 1

[interfaces]
cali* = strict
tunl0 = strict
; the same pattern again, further down
cali* = loose
EOF

expect_error duplicate-key "duplicate key" "4:duplicate.*'all'.*line 2" <<'EOF'
[global]
all = 1
default = 1
all = 2
EOF

expect_error empty "empty pattern" '5:empty' <<'EOF'
[global]
all = 1

[interfaces]
 = strict
EOF

expect_error nonnumeric "non-numeric durations" \
        "2:flap_window.*'10s'" "3:flap_backoff.*'ten'" "4:resync_interval.*'-1'" "5:flap_limit.*'1.5'" <<'EOF'
[daemon]
flap_window = 10s
flap_backoff = ten
resync_interval = -1
flap_limit = 1.5
EOF

expect_error novalue "empty duration" "3:flap_window.*''" <<'EOF'
[daemon]
mode = enforce
flap_window =
EOF

expect_error range "out-of-range durations" \
        "3:out-of-range.*flap_limit.*'0'" "4:out-of-range.*flap_window.*'0'" "5:out-of-range.*flap_backoff.*'99999999'" \
        "6:out-of-range.*resync_interval.*'99999999999999999999999'" <<'EOF'
[daemon]
mode = enforce
flap_limit = 0
flap_window = 0
flap_backoff = 99999999
resync_interval = 99999999999999999999999
EOF

# All of them in one file: each is reported, in line order, not just the first.
expect_error all-errors "every error of a file" \
        '3:malformed' '4:unknown key' "7:invalid.*'3'" '9:unknown section' "14:duplicate.*line 13" '15:empty' \
        "18:flap_window.*'5m'" "19:out-of-range.*flap_backoff" <<'EOF'
[global]
default = 1
garbage
colour = blue

[global]
all = 3

[extra]
x = 1

[interfaces]
cali* = strict
cali* = strict
= loose

[daemon]
flap_window = 5m
flap_backoff = 0
EOF

# A file that cannot be read is an error naming the path.
CONF_PATH=$TMP/no-such.conf
cli missing -t -c "$CONF_PATH"
expect_rc 2 "missing file"
expect_empty "$OUT" "missing file"
grep -qE "^$CONF_PATH: error: .*(No such file|not found|missing)" "$ERR" || { show_output; fail "missing file: path not named"; }
ok "missing file: '$CONF_PATH: error: …' on stderr"
cli directory -t -c "$TMP"
expect_rc 2 "a directory for a file"
grep -qE "^$TMP: error: " "$ERR" || { show_output; fail "a directory for a file: path not named"; }
ok "a directory for a file: '$TMP: error: …' on stderr"

# --- warnings: the file is accepted, each warning names its line -----------------------------

expect_warning ineffective "ineffective rule" "6:eth0.*(below|cannot take effect)" <<'EOF'
[global]
all = strict

[interfaces]
lo = ignore
eth0 = off
eth1 = strict
eth2 = loose
EOF
expect_out_line "eth0 = off ; $CONF_PATH:6" "ineffective rule still listed"

expect_warning too-long "pattern longer than a name" "5:averyveryverylongname.*never match" <<'EOF'
[global]
all = 1

[interfaces]
averyveryverylongname = strict
abcdefghijklmno = strict
EOF

expect_warning slash "pattern with '/'" "4:bad/name.*never match" <<'EOF'
[interfaces]
cali* = strict

bad/name = strict
EOF

expect_warning blank "pattern with white space" "3:two words.*never match" <<'EOF'
[interfaces]
cali* = strict
two words = strict
EOF

expect_warning shadowed "shadowed literal" "7:cali0.*shadowed.*cali\*.*line 5" <<'EOF'
[global]
all = 1

[interfaces]
cali* = strict
tunl0 = strict
cali0 = loose
EOF

# Nothing to warn about: equal to all, ignore, no all at all, a 15-byte literal, a
# literal before the glob that would match it.
expect_warning quiet "no warnings" <<'EOF'
[global]
all = strict

[interfaces]
eth0 = strict
eth1 = loose
lo = ignore
abcdefghijklmno = strict
cali0 = loose
cali* = strict
tunl0 = strict
EOF
expect_warning quiet-noall "no warnings without all" <<'EOF'
[interfaces]
eth0 = off
EOF

expect_warning all-warnings "every warning of a file" \
        "5:eth0.*(below|cannot take effect)" "7:averyveryverylongname.*never match" "9:cali0.*shadowed" <<'EOF'
[global]
all = loose

[interfaces]
eth0 = strict
cali* = loose
averyveryverylongname = loose
tunl0 = loose
cali0 = ignore
EOF

# SPEC §2: a pattern containing ':' can never match and is a warning, not an error.
expect_warning colon "pattern with ':'" "3:foo:bar.*never match" <<'EOF'
[interfaces]
cali* = strict
foo:bar = strict
EOF

done_testing
