/* SPDX-License-Identifier: MIT */
/* log: the daemon's only way to report. Structured journal entries under systemd,
 * plain lines on a console otherwise. The only caller of sd_journal_*(). */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <syslog.h>

#include "config.h"
#include "util.h"

/* One fixed MESSAGE_ID per kind of event (see systemd/rpfguard.catalog). */
typedef enum LogKind {
        LOG_KIND_PLAIN,            /* no MESSAGE_ID */
        LOG_KIND_CORRECTION,       /* rp_filter written */
        LOG_KIND_DRIFT,            /* wrong value seen in audit mode, not changed */
        LOG_KIND_FIGHT,            /* another writer keeps undoing us: back-off */
        LOG_KIND_RESYNC,           /* events were lost: full re-check */
        LOG_KIND_CONFIG_LOADED,    /* configuration loaded or reloaded */
        LOG_KIND_CONFIG_REJECTED,  /* configuration rejected, old one kept */
        LOG_KIND_INEFFECTIVE,      /* a rule below conf/all cannot take effect */
        _LOG_KIND_MAX,
} LogKind;

/* The RPFGUARD_* fields of one entry; unset members are left out. */
typedef struct LogFields {
        const char *ifname;   /* "all"/"default" for those */
        int ifindex;          /* 0: none */
        const char *rule;
        int old_value;        /* -1: none */
        int new_value;        /* -1: none */
        const char *event;    /* startup, link-new, link-rename, addr, netconf, resync, reload, retry */
} LogFields;

#define LOG_FIELDS_INIT { .old_value = -1, .new_value = -1 }

/* Decide where entries go: the journal when stderr is the stream named by
 * $JOURNAL_STREAM, the console (stderr) otherwise. */
void log_setup(void);
/* true: entries go to the journal. */
int log_to_journal(void);
void log_set_max_level(int level);
int log_get_max_level(void);
/* Console lines go to F instead of stderr (--once prints its changes on stdout). */
void log_set_console(FILE *f);

/* The 128-bit id of KIND as 32 hex digits, or NULL for LOG_KIND_PLAIN. */
const char *log_kind_message_id(LogKind kind);

/* Log a line at LEVEL. ERROR (a positive or negative errno, or 0) is made available
 * to %m and recorded as ERRNO=. Returns -abs(ERROR), for "return log_…_errno()". */
int log_internal(int level, int error, const char *fmt, ...) _printf_(3, 4);

/* One structured event: MESSAGE_ID of KIND, the RPFGUARD_* fields of F. */
void log_event(int level, LogKind kind, const LogFields *f, const char *fmt, ...) _printf_(4, 5);

#define log_debug(...)   log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   log_internal(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(e, ...)   log_internal(LOG_DEBUG, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...)   log_internal(LOG_ERR, e, __VA_ARGS__)

/* Every message of a configuration report, one entry each, as "PATH:LINE: error: …"
 * (MESSAGE_ID of a rejected configuration) or "PATH:LINE: warning: …" (that of an
 * ineffective rule where it is one). ERROR is config_load()'s return value: a file
 * that cannot be read at all is reported as "PATH: …". EVENT: RPFGUARD_EVENT. */
void log_config_report(const char *path, int error, const ConfigReport *report, const char *event);
