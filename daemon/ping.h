/* SPDX-License-Identifier: MIT */
/* ping: --ping, a liveness probe — ask the running daemon's event loop to answer
 * (SIGUSR1) and wait for its state file to say it did. Changes nothing in the kernel. */
#pragma once

#include <stdio.h>

#include "util.h"

/* How long --ping waits for the answer. */
#define PING_TIMEOUT_USEC (5 * USEC_PER_SEC)

/* One line on OUT; 0: the daemon answered; 1: it did not within TIMEOUT (a loop that is
 * stuck), or no daemon runs; 2: its state cannot be read. RUNTIME_DIR: where its
 * state.json is (NULL: /run/rpfguard). */
int ping_daemon(const char *runtime_dir, usec_t timeout, FILE *out);
