/* SPDX-License-Identifier: MIT */
/* state: the running daemon's state document (RUNTIME_DIR/state.json) — its model, its
 * JSON text, and finding the daemon that wrote it. No clock, no logging, no reconciler. */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "util.h"

#define STATE_FILE_NAME "state.json"
/* Where --status and --check look when --runtime-dir is not given: the shipped unit's
 * RuntimeDirectory=rpfguard. */
#define STATE_RUNTIME_DIR_DEFAULT "/run/rpfguard"
/* Entries of the hold list written at most (back-offs and write errors together);
 * "omitted" counts the rest. Keeps the document small on a node where hundreds of
 * interfaces fail at once. */
#define STATE_HOLDS_MAX 256

typedef enum StateHoldKind {
        STATE_HOLD_BACKOFF,  /* a fight: left alone until .until */
        STATE_HOLD_ERROR,    /* a failed write: retried at .until */
        _STATE_HOLD_MAX,
        _STATE_HOLD_INVALID = -1,
} StateHoldKind;

typedef struct StateHold {
        StateHoldKind kind;
        int ifindex;              /* > 0; -1 all, -2 default (NETCONFA_IFINDEX_*) */
        char name[IFNAMSIZ];
        usec_t until;             /* CLOCK_REALTIME µs */
        int wanted;
        int theirs;               /* BACKOFF: the value the other writer keeps setting */
        int error;                /* ERROR: the errno (positive) */
        unsigned failures;        /* ERROR: failed attempts in a row */
} StateHold;

typedef struct StateCorrection {
        int ifindex;
        char name[IFNAMSIZ];
        int old_value, new_value;
        char trigger[16];         /* RPFGUARD_EVENT's word */
        usec_t at;                /* CLOCK_REALTIME µs */
} StateCorrection;

typedef struct DaemonState {
        pid_t pid;
        char comm[16];            /* /proc/PID/comm when it wrote the file */
        uint64_t netns;           /* inode of its network namespace */
        char *version;
        usec_t started;           /* CLOCK_REALTIME µs */
        char *config_path;
        usec_t config_loaded;     /* when the configuration in force was loaded */
        char *mode;               /* "enforce", "audit", "dry-run" */
        bool reload_successful;
        char *reload_rejected;    /* "FILE:LINE" of the last rejected reload, or NULL */
        usec_t reload_rejected_at;
        usec_t pong;              /* the last SIGUSR1 (rpfguard --ping) answered, realtime µs; 0: none */

        unsigned managed, corrections, drift_events, fights, write_errors, resyncs;
        unsigned n_backoff, n_error; /* interfaces held now (all of them, not only listed) */

        StateHold *holds;         /* back-offs and write errors, at most STATE_HOLDS_MAX */
        size_t n_holds;
        size_t omitted;           /* held interfaces beyond those listed */
        bool has_last_correction;
        StateCorrection last_correction;
} DaemonState;

DaemonState *daemon_state_free(DaemonState *s);
static inline void daemon_state_freep(DaemonState **s) {
        daemon_state_free(*s);
}

const char *state_hold_kind_to_string(StateHoldKind k);

/* The document, one line of JSON and a newline, to F. 0 or -EIO. */
int state_render(const DaemonState *s, FILE *f);
/* Parse a document as state_render() writes it. 0, -EBADMSG when it is not one, -ENOMEM. */
int state_parse(const char *text, size_t size, DaemonState **ret);

/* RUNTIME_DIR/state.json read and parsed, and its writer checked: *ret set when a live
 * rpfguard daemon in this network namespace wrote it. Returns 1 then; 0 when no daemon
 * runs, with a sentence saying why in *ret_why (no file; the file names PID N, which is
 * gone or is another program; the daemon guards another network namespace); -errno when
 * the file exists but cannot be read or parsed (then *ret_why says so too). */
int state_load_running(const char *runtime_dir, DaemonState **ret, char **ret_why);

/* Write BUF (SIZE bytes) to PATH atomically (write_file_atomic(): mode 0644, renamed
 * over PATH). 0 or -errno; PATH untouched on failure. */
int state_write_atomic(const char *path, const char *buf, size_t size);

/* "EROFS" for EROFS (positive or negative), "E<n>" when it has no name. Static buffer
 * for the latter: not thread-safe. */
const char *state_errno_name(int err);

/* Realtime µs as seconds with microseconds, e.g. 1764581000.123456 (JSON numbers). */
void state_put_seconds(FILE *f, usec_t usec);
