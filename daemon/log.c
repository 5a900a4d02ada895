/* SPDX-License-Identifier: MIT */
/* log: formats once, then sends either one sd_journal_sendv() with structured
 * fields or one console line. Never decides anything about interfaces. */
#define _GNU_SOURCE
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

static int max_level = LOG_INFO;
static bool journal;
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
        journal = stderr_is_journal();
}

int log_to_journal(void) {
        return journal;
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
        char buf[MAX_FIELDS][96];
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

static void emit(int level, int error, LogKind kind, const LogFields *f, bool prefix, const char *message) {
        Entry e;

        if (!journal) {
                /* Events are complete sentences; plain lines get a severity prefix. */
                fprintf(console ?: stderr, "%s%s\n", prefix ? level_prefix(level) : "", message);
                fflush(console ?: stderr);
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
                if (f->old_value >= 0)
                        entry_addf(&e, "RPFGUARD_OLD=%d", f->old_value);
                if (f->new_value >= 0)
                        entry_addf(&e, "RPFGUARD_NEW=%d", f->new_value);
                if (f->event)
                        entry_addf(&e, "RPFGUARD_EVENT=%s", f->event);
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

                log_event(is_error ? LOG_ERR : LOG_WARNING,
                          is_error ? LOG_KIND_CONFIG_REJECTED
                                   : msg->ineffective_rule ? LOG_KIND_INEFFECTIVE : LOG_KIND_PLAIN,
                          &f, "%s:%u: %s: %s", path, msg->line, is_error ? "error" : "warning", msg->text);
        }
}
