/* SPDX-License-Identifier: MIT */
/* log: formats once, then sends either one sd_journal_sendv() with structured
 * fields, one plain console line or one JSON line. Never decides anything about
 * interfaces. */
#define _GNU_SOURCE
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

static int max_level = LOG_INFO;
static LogFormat format = LOG_FORMAT_TEXT;
static FILE *console;

static const char *const message_ids[_LOG_KIND_MAX] = {
        [LOG_KIND_CORRECTION]      = "9f91a0ce2e1d456799d57be58936ef14",
        [LOG_KIND_DRIFT]           = "92cae81f3f38432d9486312002a80980",
        [LOG_KIND_FIGHT]           = "b94b360337ad4c99848d0dc3b0c2cc8d",
        [LOG_KIND_RESYNC]          = "96f5fc667c9843aeb1ef10661a275d64",
        [LOG_KIND_CONFIG_LOADED]   = "2d35438401544c44bd78ef06a51908ef",
        [LOG_KIND_CONFIG_REJECTED] = "ffd87f57c3084a84a9be9890f904cbc9",
        [LOG_KIND_INEFFECTIVE]     = "1db677f451f44a00bd4d817b166ed5ac",
};

const char *log_kind_message_id(LogKind kind) {
        return kind > LOG_KIND_PLAIN && kind < _LOG_KIND_MAX ? message_ids[kind] : NULL;
}

/* systemd connects stderr to the journal and names that stream in $JOURNAL_STREAM
 * ("DEV:INODE"); if stderr is still that stream, structured entries are wanted. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        /* glibc's %llu converts like strtoull(): an out-of-range number saturates, and
         * then only fails to match, so stderr is not taken for the journal. */
        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2) /* NOLINT(cert-err34-c) */
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void log_setup(void) {
        format = stderr_is_journal() ? LOG_FORMAT_JOURNAL : LOG_FORMAT_TEXT;
}

LogFormat log_format_from_string(const char *s) {
        if (strcmp(s, "text") == 0)
                return LOG_FORMAT_TEXT;
        if (strcmp(s, "json") == 0)
                return LOG_FORMAT_JSON;
        return _LOG_FORMAT_INVALID;
}

void log_set_format(LogFormat f, bool daemon) {
        if (f == LOG_FORMAT_TEXT || f == LOG_FORMAT_JSON)
                format = f;
        else if (stderr_is_journal())
                format = LOG_FORMAT_JOURNAL;
        else if (!daemon || isatty(STDERR_FILENO))
                format = LOG_FORMAT_TEXT;
        else
                format = LOG_FORMAT_JSON;
}

int log_to_journal(void) {
        return format == LOG_FORMAT_JOURNAL;
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_console(FILE *f) {
        console = f;
}

static const char *level_prefix(int level) {
        switch (level) {
        case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR:
                return "error: ";
        case LOG_WARNING:
                return "warning: ";
        default:
                return "";
        }
}

#define MAX_FIELDS 16

typedef struct Entry {
        struct iovec iov[MAX_FIELDS];
        char buf[MAX_FIELDS][288]; /* RPFGUARD_WRITER_UNIT= and a unit name of up to 255 */
        size_t n;
} Entry;

static void entry_addf(Entry *e, const char *fmt, ...) _printf_(2, 3);
static void entry_addf(Entry *e, const char *fmt, ...) {
        va_list ap;
        int n;

        if (e->n >= MAX_FIELDS)
                return;
        va_start(ap, fmt);
        n = vsnprintf(e->buf[e->n], sizeof(e->buf[e->n]), fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n >= sizeof(e->buf[e->n]))
                n = sizeof(e->buf[e->n]) - 1;
        e->iov[e->n] = (struct iovec) { e->buf[e->n], (size_t) n };
        e->n++;
}

/* One JSON line, built in place: the longest entry (a 1023-byte message of invalid
 * UTF-8, each byte "\ufffd") fits; a field that would not is left out whole, so the
 * line is always valid JSON. */
typedef struct JsonLine {
        char buf[8192];
        size_t n;
        bool full;
} JsonLine;

static void json_raw(JsonLine *j, const char *s, size_t len) {
        /* 2 bytes stay free for the closing "}\n". */
        if (len > sizeof(j->buf) - 2 - j->n) {
                j->full = true;
                return;
        }
        memcpy(j->buf + j->n, s, len);
        j->n += len;
}

/* The length of the well-formed UTF-8 sequence at S (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_sequence(const unsigned char *s) {
        unsigned char lo = 0x80, hi = 0xbf;
        size_t len;

        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                len = 2;
        else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                len = 3;
                if (s[0] == 0xe0)
                        lo = 0xa0;
                else if (s[0] == 0xed)
                        hi = 0x9f;
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                len = 4;
                if (s[0] == 0xf0)
                        lo = 0x90;
                else if (s[0] == 0xf4)
                        hi = 0x8f;
        } else
                return 0;
        if (s[1] < lo || s[1] > hi)
                return 0;
        for (size_t k = 2; k < len; k++)
                if (s[k] < 0x80 || s[k] > 0xbf)
                        return 0;
        return len;
}

/* A JSON string of S: control characters escaped, valid UTF-8 as it is, every byte
 * that is not part of valid UTF-8 replaced by U+FFFD (interface names are bytes). */
static void json_string(JsonLine *j, const char *s) {
        const unsigned char *p = (const unsigned char *) s;
        char esc[8];

        json_raw(j, "\"", 1);
        while (*p) {
                size_t len = 1;

                if (*p == '"' || *p == '\\') {
                        esc[0] = '\\';
                        esc[1] = (char) *p;
                        json_raw(j, esc, 2);
                } else if (*p == '\n')
                        json_raw(j, "\\n", 2);
                else if (*p == '\t')
                        json_raw(j, "\\t", 2);
                else if (*p < 0x20 || *p == 0x7f) {
                        (void) snprintf(esc, sizeof(esc), "\\u%04x", *p);
                        json_raw(j, esc, 6);
                } else if (*p < 0x80)
                        json_raw(j, (const char *) p, 1);
                else if ((len = utf8_sequence(p)) > 0)
                        json_raw(j, (const char *) p, len);
                else {
                        len = 1;
                        json_raw(j, "\\ufffd", 6);
                }
                p += len;
        }
        json_raw(j, "\"", 1);
}

/* ,"KEY":VALUE — VALUE a string, or the digits of an integer when S is NULL. */
static void json_field(JsonLine *j, const char *key, const char *s, int value) {
        size_t before = j->n;
        char v[16];

        j->full = false;
        json_raw(j, j->n > 1 ? ",\"" : "\"", j->n > 1 ? 2 : 1);
        json_raw(j, key, strlen(key));
        json_raw(j, "\":", 2);
        if (s)
                json_string(j, s);
        else {
                int n = snprintf(v, sizeof(v), "%d", value);

                json_raw(j, v, (size_t) n);
        }
        if (j->full)
                j->n = before;
}

static void json_field_string(JsonLine *j, const char *key, const char *value) {
        json_field(j, key, value, 0);
}

static void json_field_int(JsonLine *j, const char *key, int value) {
        json_field(j, key, NULL, value);
}

/* "2026-12-01T09:00:00.123456Z": the realtime clock in UTC, microseconds. */
static void json_timestamp(JsonLine *j) {
        struct timespec ts;
        struct tm tm;
        char t[40];
        size_t n;

        if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || !gmtime_r(&ts.tv_sec, &tm))
                return;
        n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
        if (n == 0)
                return;
        (void) snprintf(t + n, sizeof(t) - n, ".%06ldZ", ts.tv_nsec / 1000);
        json_field_string(j, "timestamp", t);
}

/* Where a console line of LEVEL goes: errors and warnings always to stderr, so that
 * --once's output on stdout is only what changed. */
static FILE *console_for(int level) {
        return console && level > LOG_WARNING ? console : stderr;
}

static void emit_json(int level, int error, LogKind kind, const LogFields *f, const char *message) {
        FILE *out = console_for(level);
        JsonLine j;

        j.n = 0;
        json_raw(&j, "{", 1); /* before any field: cannot fail */
        json_timestamp(&j);
        json_field_int(&j, "priority", level);
        json_field_string(&j, "syslog_identifier", program_invocation_short_name);
        if (log_kind_message_id(kind))
                json_field_string(&j, "message_id", log_kind_message_id(kind));
        if (error != 0)
                json_field_int(&j, "errno", abs(error));
        if (f) {
                if (f->ifname)
                        json_field_string(&j, "rpfguard_ifname", f->ifname);
                if (f->ifindex > 0)
                        json_field_int(&j, "rpfguard_ifindex", f->ifindex);
                if (f->rule)
                        json_field_string(&j, "rpfguard_rule", f->rule);
                if (f->old_value != LOG_VALUE_NONE)
                        json_field_int(&j, "rpfguard_old", f->old_value);
                if (f->new_value != LOG_VALUE_NONE)
                        json_field_int(&j, "rpfguard_new", f->new_value);
                if (f->event)
                        json_field_string(&j, "rpfguard_event", f->event);
                if (f->writer) {
                        if (f->writer->pid > 0)
                                json_field_int(&j, "object_pid", f->writer->pid);
                        json_field_string(&j, "object_comm", f->writer->comm);
                        if (f->writer->unit)
                                json_field_string(&j, "rpfguard_writer_unit", f->writer->unit);
                }
        }
        json_field_string(&j, "message", message); /* last: it is the longest */
        memcpy(j.buf + j.n, "}\n", 2); /* json_raw() kept these bytes free */
        j.n += 2;
        /* One write: lines of concurrent writers (and a reader's tail) never interleave. */
        (void) fwrite(j.buf, 1, j.n, out);
        fflush(out);
}

static void emit(int level, int error, LogKind kind, const LogFields *f, bool prefix, const char *message) {
        Entry e;

        if (format == LOG_FORMAT_JSON) {
                emit_json(level, error, kind, f, message);
                return;
        }
        if (format != LOG_FORMAT_JOURNAL) {
                /* Events are complete sentences; plain lines get a severity prefix. */
                fprintf(console_for(level), "%s%s\n", prefix ? level_prefix(level) : "", message);
                fflush(console_for(level));
                return;
        }

        e.n = 1;
        e.iov[0] = (struct iovec) { NULL, 0 }; /* MESSAGE=, set below: it may be long */
        entry_addf(&e, "PRIORITY=%d", level);
        entry_addf(&e, "SYSLOG_IDENTIFIER=%s", program_invocation_short_name);
        if (error != 0)
                entry_addf(&e, "ERRNO=%d", abs(error));
        if (log_kind_message_id(kind))
                entry_addf(&e, "MESSAGE_ID=%s", log_kind_message_id(kind));
        if (f) {
                if (f->ifname)
                        entry_addf(&e, "RPFGUARD_IFNAME=%s", f->ifname);
                if (f->ifindex > 0)
                        entry_addf(&e, "RPFGUARD_IFINDEX=%d", f->ifindex);
                if (f->rule)
                        entry_addf(&e, "RPFGUARD_RULE=%.80s", f->rule);
                if (f->old_value != LOG_VALUE_NONE)
                        entry_addf(&e, "RPFGUARD_OLD=%d", f->old_value);
                if (f->new_value != LOG_VALUE_NONE)
                        entry_addf(&e, "RPFGUARD_NEW=%d", f->new_value);
                if (f->event)
                        entry_addf(&e, "RPFGUARD_EVENT=%s", f->event);
                if (f->writer) {
                        if (f->writer->pid > 0)
                                entry_addf(&e, "OBJECT_PID=%d", f->writer->pid);
                        entry_addf(&e, "OBJECT_COMM=%s", f->writer->comm);
                        if (f->writer->unit)
                                entry_addf(&e, "RPFGUARD_WRITER_UNIT=%s", f->writer->unit);
                }
        }

        {
                size_t len = strlen(message);
                /* len < 1024: MESSAGE is log_va()'s buffer. No heap allocation while logging. */
                /* cppcheck-suppress allocaCalled ; bounded, see above */
                char *m = alloca(len + sizeof("MESSAGE="));

                memcpy(m, "MESSAGE=", sizeof("MESSAGE=") - 1);
                memcpy(m + sizeof("MESSAGE=") - 1, message, len + 1);
                e.iov[0] = (struct iovec) { m, len + sizeof("MESSAGE=") - 1 };
                (void) sd_journal_sendv(e.iov, (int) e.n);
        }
}

static void log_va(int level, int error, LogKind kind, const LogFields *f, bool prefix, const char *fmt,
                   va_list ap) {
        char message[1024];

        if (error != 0)
                errno = abs(error); /* for %m */
        (void) vsnprintf(message, sizeof(message), fmt, ap);
        emit(level, error, kind, f, prefix, message);
}

int log_internal(int level, int error, const char *fmt, ...) {
        va_list ap;

        if (level <= max_level) {
                va_start(ap, fmt);
                log_va(level, error, LOG_KIND_PLAIN, NULL, true, fmt, ap);
                va_end(ap);
        }
        return -abs(error);
}

void log_event(int level, LogKind kind, const LogFields *f, const char *fmt, ...) {
        va_list ap;

        if (level > max_level)
                return;
        va_start(ap, fmt);
        log_va(level, 0, kind, f, false, fmt, ap);
        va_end(ap);
}

char *log_writer_text(const LogWriter *w, char *buf, size_t size) {
        char pid[16] = "";
        int n;

        if (w->pid > 0)
                (void) snprintf(pid, sizeof(pid), "[%d]", w->pid);
        n = snprintf(buf, size, "%s%s", w->comm, pid);
        if (n < 0 || (size_t) n >= size)
                return buf;
        if (w->unit)
                (void) snprintf(buf + n, size - (size_t) n, " of %s", w->unit);
        else if (w->cgroup)
                (void) snprintf(buf + n, size - (size_t) n, " in cgroup %s", w->cgroup);
        return buf;
}

void log_config_report(const char *path, int error, const ConfigReport *report, const char *event) {
        LogFields f = LOG_FIELDS_INIT;

        f.event = event;
        if (error < 0 && report->n_errors == 0) {
                errno = -error;
                log_event(LOG_ERR, LOG_KIND_CONFIG_REJECTED, &f, "%s: error: cannot read the configuration: %m", path);
                return;
        }
        for (size_t k = 0; k < report->n_messages; k++) {
                const ConfigMessage *msg = &report->messages[k];
                bool is_error = msg->severity == CONFIG_ERROR;

                char line[16] = "";

                /* Each message names its own file: the main one or a drop-in. */
                if (msg->line > 0)
                        (void) snprintf(line, sizeof(line), ":%u", msg->line);
                log_event(is_error ? LOG_ERR : LOG_WARNING,
                          is_error ? LOG_KIND_CONFIG_REJECTED
                                   : msg->ineffective_rule ? LOG_KIND_INEFFECTIVE : LOG_KIND_PLAIN,
                          &f, "%s%s: %s: %s", msg->file ?: path, line, is_error ? "error" : "warning", msg->text);
        }
}
