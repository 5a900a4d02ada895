/* SPDX-License-Identifier: MIT */
/* log: the daemon's only way to report. Structured journal entries under systemd,
 * plain lines or JSON lines on a console otherwise. The only caller of sd_journal_*(). */
#pragma once

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
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

/* Who changed a value, where writer attribution knows it: OBJECT_PID=, OBJECT_COMM=
 * (systemd-networkd's names) and RPFGUARD_WRITER_UNIT=. */
typedef struct LogWriter {
        int pid;              /* the process, in this PID namespace; 0: not visible here */
        const char *comm;
        const char *unit;     /* NULL: not in a systemd unit */
        const char *cgroup;   /* NULL: unknown (the cgroup is gone) */
} LogWriter;

/* "systemd-sysctl[4711] of systemd-udevd.service" (or "… in cgroup /PATH" outside a
 * unit; no "[PID]" for a process of a parent PID namespace) into BUF. Returns BUF. */
char *log_writer_text(const LogWriter *w, char *buf, size_t size);

/* The RPFGUARD_* fields of one entry; unset members are left out. */
typedef struct LogFields {
        const char *ifname;   /* "all"/"default" for those */
        int ifindex;          /* 0: none */
        const char *rule;
        int old_value;        /* LOG_VALUE_NONE: none (any other int is a value) */
        int new_value;        /* LOG_VALUE_NONE: none */
        const char *event;    /* startup, link-new, link-rename, addr, netconf, resync, reload, retry */
        const LogWriter *writer; /* NULL: not known */
} LogFields;

#define LOG_VALUE_NONE INT_MIN
#define LOG_FIELDS_INIT { .old_value = LOG_VALUE_NONE, .new_value = LOG_VALUE_NONE }

/* How entries are written (--log-format). */
typedef enum LogFormat {
        LOG_FORMAT_AUTO,     /* see log_set_format() */
        LOG_FORMAT_TEXT,     /* one plain line per entry on the console */
        LOG_FORMAT_JSON,     /* one JSON object per line on the console */
        LOG_FORMAT_JOURNAL,  /* structured journal entries */
        _LOG_FORMAT_MAX,
        _LOG_FORMAT_INVALID = -EINVAL,
} LogFormat;

/* "text", "json" (the values --log-format takes) -> LOG_FORMAT_TEXT/JSON, else -EINVAL. */
LogFormat log_format_from_string(const char *s);

/* Decide where entries go: the journal when stderr is the stream named by
 * $JOURNAL_STREAM, plain lines on the console (stderr) otherwise. */
void log_setup(void);
/* FORMAT given explicitly (TEXT, JSON) is used as it is, even under journald.
 * LOG_FORMAT_AUTO: the journal when stderr is $JOURNAL_STREAM; otherwise text when
 * stderr is a terminal or DAEMON is false (one-shot commands are read by people),
 * JSON when the daemon's stderr is a pipe or a file (a container runtime's log). */
void log_set_format(LogFormat format, bool daemon);
/* true: entries go to the journal. */
int log_to_journal(void);
void log_set_max_level(int level);
int log_get_max_level(void);
/* Console lines below LOG_WARNING go to F instead of stderr (--once prints its
 * changes on stdout; its errors and warnings stay on stderr). */
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

/* Every message of a configuration report, one entry each, as "FILE:LINE: error: …"
 * (MESSAGE_ID of a rejected configuration) or "FILE:LINE: warning: …" (that of an
 * ineffective rule where it is one), FILE being the main file or the drop-in the
 * message is about; "FILE: …" for a message about a whole file (one that cannot be
 * read). ERROR is config_load_dirs()'s return value; PATH is only named when the
 * report has no error to say why (out of memory). EVENT: RPFGUARD_EVENT. */
void log_config_report(const char *path, int error, const ConfigReport *report, const char *event);
