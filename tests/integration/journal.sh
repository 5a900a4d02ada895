# shellcheck shell=bash
# A private systemd-journald for the tests that check what reaches the journal.
# Source it after lib.sh, from a script that already runs in a mount namespace of
# its own (unshare --mount --propagation private): tmpfs goes over
# /run/systemd/journal and /run/log/journal there, never on the host's.

[ -n "${RPFGUARD_IN_MOUNTNS:-}" ] || fail "journal.sh: not in a private mount namespace"

# start_private_journald: mount the tmpfs, start journald, wait for its socket.
start_private_journald() {
        local journald=/lib/systemd/systemd-journald
        [ -x "$journald" ] || fail "$journald is required"
        mkdir -p /run/systemd/journal /run/log/journal
        mount -t tmpfs tmpfs /run/systemd/journal
        mount -t tmpfs tmpfs /run/log/journal
        "$journald" &
        PIDS+=("$!")
        wait_until 10 test -S /run/systemd/journal/stdout || fail "journald did not start"
        ok "private journald running"
}

j() { journalctl --no-pager "$@"; }
# jfield MATCH... FIELD: FIELD of the newest entry matching MATCH.
jfield() {
        local field=${*: -1}
        j -o json "${@:1:$#-1}" | python3 -c 'import json, sys
entries = [json.loads(l) for l in sys.stdin if l.strip()]
print(entries[-1].get(sys.argv[1], "<missing>") if entries else "<no entry>")' "$field"
}
jcount() { j -o cat "$@" | grep -c . || true; }
# jcount_gt N MATCH...: more than N entries match (for wait_until: evaluated each time).
jcount_gt() { local n=$1; shift; [ "$(jcount "$@")" -gt "$n" ]; }
expect_field() {  # expect_field VALUE MATCH... FIELD
        local want=$1 got
        shift
        got=$(jfield "$@")
        [ "$got" = "$want" ] || fail "journal: ${*: -1} of [${*:1:$#-1}] is '$got', expected '$want'"
        ok "journal: ${*: -1}=$want for ${*:1:$#-1}"
}
