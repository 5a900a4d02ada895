/* SPDX-License-Identifier: MIT */
/* test-config: every error and warning of SPEC §2, the value words, the defaults and
 * the parser's quirks, each checked for its line and message; the merge of drop-ins
 * (SPEC §9) on fixture trees in a temporary directory. No root needed, no /etc. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "tree.h"
#include "config.h"
#include "util.h"

/* A Config pointer no loader may touch on failure. */
static Config sentinel_config;
#define SENTINEL (&sentinel_config)

static int load_string(const char *text, Config **ret, ConfigReport *report) {
        size_t n = strlen(text);
        char *buf = malloc(n + 1);
        FILE *f;
        int r;

        ck_assert_ptr_nonnull(buf);
        memcpy(buf, text, n + 1);
        f = fmemopen(buf, n, "r");
        ck_assert_ptr_nonnull(f);
        r = config_load_stream(f, "test.conf", ret, report);
        fclose(f);
        free(buf);
        return r;
}

/* Load TEXT, which must be accepted without any message at all. */
static Config *load_clean(const char *text) {
        ConfigReport report;
        Config *c = NULL;
        int r;

        r = load_string(text, &c, &report);
        for (size_t i = 0; i < report.n_messages; i++)
                fprintf(stderr, "unexpected message, line %u: %s\n", report.messages[i].line,
                        report.messages[i].text);
        ck_assert_int_eq(r, 0);
        ck_assert_uint_eq(report.n_messages, 0);
        ck_assert_uint_eq(report.n_errors, 0);
        ck_assert_ptr_nonnull(c);
        config_report_done(&report);
        return c;
}

static void dump_report(const char *text, const ConfigReport *report) {
        fprintf(stderr, "--- input:\n%s--- %zu message(s):\n", text, report->n_messages);
        for (size_t i = 0; i < report->n_messages; i++)
                fprintf(stderr, "  %s line %u: %s\n",
                        report->messages[i].severity == CONFIG_ERROR ? "error" : "warning",
                        report->messages[i].line, report->messages[i].text);
}

static void check_text(const ConfigMessage *m, const char *expect) {
        if (expect)
                ck_assert_msg(strstr(m->text, expect), "line %u: message '%s' lacks '%s'", m->line, m->text,
                              expect);
}

/* TEXT has exactly one error, on LINE, whose message contains every EXPECT. */
static void check_one_error(const char *text, unsigned line, const char *e1, const char *e2, const char *e3) {
        ConfigReport report;
        Config *c = SENTINEL;
        const ConfigMessage *err = NULL;
        int r;

        r = load_string(text, &c, &report);
        if (r != -EINVAL || report.n_errors != 1)
                dump_report(text, &report);
        ck_assert_int_eq(r, -EINVAL);
        ck_assert_ptr_eq(c, SENTINEL); /* untouched on failure */
        ck_assert_uint_eq(report.n_errors, 1);
        for (size_t i = 0; i < report.n_messages; i++)
                if (report.messages[i].severity == CONFIG_ERROR)
                        err = &report.messages[i];
        ck_assert_ptr_nonnull(err);
        ck_assert_msg(err->line == line, "error on line %u ('%s'), expected line %u", err->line, err->text, line);
        ck_assert_msg(!err->ineffective_rule, "error flagged as an ineffective rule");
        check_text(err, e1);
        check_text(err, e2);
        check_text(err, e3);
        config_report_done(&report);
        ck_assert_ptr_null(report.messages);
        ck_assert_uint_eq(report.n_messages, 0);
}

/* ---- errors: one per case ---------------------------------------------------------- */

static const struct {
        const char *text;
        unsigned line;
        const char *expect[3];
} error_cases[] = {
        /* malformed lines */
        { "[daemon]\nmode\n", 2, { "malformed line", "expected" } },
        { "[interfaces]\neth0 strict\n", 2, { "malformed line" } },
        { "garbage\n[daemon]\n", 1, { "malformed line" } },
        { "[daemon]\nmode = audit\nbogus", 3, { "malformed line" } },  /* last line, no newline */
        { "[daemon]\nmode = audit\n\n; comment\nbogus\n\n", 5, { "malformed line" } },
        { "[interfaces]\neth0:1\n", 2, { "malformed line" } },    /* not "eth0 = 1" */
        { "[interfaces]\neth0: strict\n", 2, { "malformed line" } },
        { "[daemon\nmode = audit\n", 1, { "malformed section header", "expected" } },
        { "[daemon]\nmode = audit\n[interfaces\n", 3, { "malformed section header" } },

        /* unknown sections, with and without content */
        { "[daemon]\nmode = audit\n[foo]\nbar = 1\n", 3, { "unknown section [foo]", "expected" } },
        { "[foo]\n[daemon]\nmode = audit\n", 1, { "unknown section [foo]" } },
        { "[daemon]\nmode = audit\n[empty]\n", 3, { "unknown section [empty]" } },
        { "[daemon]\n[empty]\n[global]\nall = 1\n", 2, { "unknown section [empty]" } },
        { "[interface]\neth0 = strict\n", 1, { "unknown section [interface]" } },
        { "[]\n", 1, { "unknown section" } },

        /* text after a section header: inih would drop it, rule and all */
        { "[interfaces] cali* = 1\n", 1,
          { "unexpected text after section header [interfaces]", "expected the header alone on its line" } },
        { "[global]\nall = 1\n\n[interfaces]cali* = 1\neth0 = 1\n", 4, { "after section header [interfaces]" } },
        { "[global] all = 1\n[daemon]\n", 1, { "after section header [global]" } },
        { "[daemon]\nmode = audit\n[ daemon ]  x\r\n", 3, { "after section header [ daemon ]" } },
        { "[daemon]]\n", 1, { "after section header [daemon]" } },
        { "[interfaces] = 1\n", 1, { "after section header [interfaces]" } },
        { "[foo] x = 1\n", 1, { "unknown section [foo]" } },  /* one error a line */

        /* a byte order mark: skipped on line 1 only, once, and only whole */
        { "\xef\xbb\xbfmode = audit\n[daemon]\n", 1, { "'mode' outside" } },
        { "\xef\xbb\xbf[interfaces] cali* = 1\n", 1, { "after section header [interfaces]" } },
        { "\xef\xbb\xbf[foo]\n", 1, { "unknown section [foo]" } },
        { "\xef\xbb\xbf\xef\xbb\xbf[daemon]\n", 1, { "malformed line" } },
        { "\xef\xbb[daemon]\n", 1, { "malformed line" } },
        { "[daemon]\n\xef\xbb\xbfmode = audit\n", 2, { "unknown key '\xef\xbb\xbfmode'" } },
        { "\n\xef\xbb\xbf[daemon]\n", 2, { "malformed line" } },

        /* keys outside any section */
        { "mode = audit\n[daemon]\n", 1, { "'mode'", "outside", "expected" } },
        { "; a comment\n\n# another\nall = 1\n[global]\n", 4, { "'all'", "outside" } },
        { "eth0 = strict\n[interfaces]\n", 1, { "'eth0'", "outside" } },

        /* unknown keys */
        { "[daemon]\nflap_limits = 5\n", 2, { "unknown key 'flap_limits'", "[daemon]", "expected" } },
        { "[daemon]\nall = 1\n", 2, { "unknown key 'all'", "[daemon]" } },
        { "[global]\nforwarding = 1\n", 2, { "unknown key 'forwarding'", "[global]", "expected" } },
        { "[global]\nmode = audit\n", 2, { "unknown key 'mode'", "[global]" } },
        { "[global]\neth0 = 1\n", 2, { "unknown key 'eth0'", "[global]" } },

        /* invalid values: mode, log_level */
        { "[daemon]\nmode = permissive\n", 2, { "invalid mode 'permissive'", "enforce", "audit" } },
        { "[daemon]\nmode =\n", 2, { "invalid mode ''" } },
        { "[daemon]\nmode = enforce audit\n", 2, { "invalid mode 'enforce audit'" } },
        { "[daemon]\nlog_level = verbose\n", 2, { "invalid log_level 'verbose'", "expected" } },
        { "[daemon]\nlog_level = 7\n", 2, { "invalid log_level '7'" } },
        { "[daemon]\nlog_level = error\n", 2, { "invalid log_level 'error'" } },
        { "[daemon]\nlog_level =\n", 2, { "invalid log_level ''" } },

        /* invalid values: [global] */
        { "[global]\nall = 3\n", 2, { "invalid value '3'", "all", "expected" } },
        { "[global]\nall = -1\n", 2, { "invalid value '-1'", "all" } },
        { "[global]\nall = strictly\n", 2, { "invalid value 'strictly'", "all" } },
        { "[global]\nall =\n", 2, { "invalid value ''", "all" } },
        { "[global]\nall = ignore\n", 2, { "invalid value 'ignore'", "all" } },  /* ignore: [interfaces] only */
        { "[global]\ndefault = ignore\n", 2, { "invalid value 'ignore'", "default" } },
        { "[global]\ndefault = 12\n", 2, { "invalid value '12'", "default" } },
        { "[global]\nall = 1;c\n", 2, { "invalid value '1;c'" } }, /* ';' needs a blank before it */

        /* invalid values: rules */
        { "[interfaces]\neth0 = 3\n", 2, { "invalid value '3'", "'eth0'", "ignore" } },
        { "[interfaces]\neth0 = ignored\n", 2, { "invalid value 'ignored'", "'eth0'" } },
        { "[interfaces]\ncali* = -1\n", 2, { "invalid value '-1'", "'cali*'" } },
        { "[interfaces]\neth0 =\n", 2, { "invalid value ''", "'eth0'" } },
        { "[interfaces]\neth0 = unset\n", 2, { "invalid value 'unset'", "'eth0'" } },
        { "[interfaces]\neth0:1 = bogus ; c\n", 2, { "invalid value 'bogus'", "'eth0:1'" } },
        { "[interfaces]\neth0 = 1:2\n", 2, { "invalid value '1:2'", "'eth0'" } },

        /* duplicate and empty patterns */
        { "[interfaces]\neth0 = 1\neth0 = 2\n", 3, { "duplicate pattern 'eth0'", "line 2" } },
        { "[interfaces]\ncali* = 1\neth0 = 2\ncali* = 1\n", 4, { "duplicate pattern 'cali*'", "line 2" } },
        { "[interfaces]\ncali* = 1\n[global]\nall = 0\n[interfaces]\ncali* = ignore\n", 6,
          { "duplicate pattern 'cali*'", "line 2" } },
        { "[interfaces]\n= strict\n", 2, { "empty interface pattern", "expected" } },
        { "[interfaces]\neth0 = 1\n   = strict\n", 3, { "empty interface pattern" } },
        { "[interfaces]\n=\n", 2, { "empty interface pattern" } },
        { "[interfaces]\neth0:1 = 1\neth0:1 = 2\n", 3, { "duplicate pattern 'eth0:1'", "line 2" } },

        /* duplicate keys */
        { "[daemon]\nmode = audit\nmode = enforce\n", 3, { "duplicate key 'mode'", "line 2" } },
        { "[daemon]\nflap_limit = 5\n[global]\nall = 1\n[daemon]\n\nflap_limit = 5\n", 7,
          { "duplicate key 'flap_limit'", "line 2" } },
        { "[daemon]\nresync_interval = 0\nresync_interval = 0\n", 3, { "duplicate key 'resync_interval'" } },
        { "[global]\nall = 1\ndefault = 1\nall = 1\n", 4, { "duplicate key 'all'", "line 2" } },

        /* metrics_file, watch_config, attribute_writers */
        { "[daemon]\nmetrics_file = metrics.prom\n", 2, { "invalid metrics_file 'metrics.prom'", "absolute path" } },
        { "[daemon]\nmetrics_file = /a\nmetrics_file = /b\n", 3, { "duplicate key 'metrics_file'" } },
        { "[daemon]\nwatch_config = maybe\n", 2, { "invalid watch_config 'maybe'", "yes or no" } },
        { "[daemon]\nwatch_config =\n", 2, { "invalid watch_config ''" } },
        { "[daemon]\nattribute_writers = 2\n", 2, { "invalid attribute_writers '2'", "yes or no" } },
};

static const struct {
        const char *text;
        const char *metrics_file;
        bool watch_config, attribute_writers;
} daemon_options[] = {
        { "[daemon]\n", NULL, false, false },
        { "[daemon]\nmetrics_file =\n", NULL, false, false },
        { "[daemon]\nmetrics_file = /run/rpfguard/metrics.prom\n", "/run/rpfguard/metrics.prom", false, false },
        { "[daemon]\nwatch_config = yes\n", NULL, true, false },
        { "[daemon]\nwatch_config = On\nattribute_writers = TRUE\n", NULL, true, true },
        { "[daemon]\nwatch_config = 0\nattribute_writers = no\n", NULL, false, false },
        { "[daemon]\nattribute_writers = 1\nwatch_config = off\n", NULL, false, true },
};

START_TEST(test_daemon_options) {
        Config *c = load_clean(daemon_options[_i].text);

        if (daemon_options[_i].metrics_file)
                ck_assert_str_eq(c->metrics_file, daemon_options[_i].metrics_file);
        else
                ck_assert_ptr_null(c->metrics_file);
        ck_assert_int_eq(c->watch_config, daemon_options[_i].watch_config);
        ck_assert_int_eq(c->attribute_writers, daemon_options[_i].attribute_writers);
        config_free(c);
}
END_TEST

START_TEST(test_error) {
        check_one_error(error_cases[_i].text, error_cases[_i].line, error_cases[_i].expect[0],
                        error_cases[_i].expect[1], error_cases[_i].expect[2]);
}
END_TEST

/* ---- durations ---------------------------------------------------------------------- */

static const struct {
        const char *key;
        const char *value;
        bool range; /* an out-of-range number rather than no number at all */
        const char *bounds;
} bad_durations[] = {
        { "flap_limit", "0", true, "from 1 to 1000" },
        { "flap_limit", "1001", true, "from 1 to 1000" },
        { "flap_limit", "99999999999999999999999999", true, NULL },
        { "flap_limit", "abc", false, "from 1 to 1000" },
        { "flap_limit", "5x", false, NULL },
        { "flap_limit", "-1", false, NULL },
        { "flap_limit", "", false, NULL },
        { "flap_window", "0", true, "from 1 to 3600" },
        { "flap_window", "3601", true, "from 1 to 3600" },
        { "flap_window", "10s", false, "seconds" },
        { "flap_window", "1.5", false, NULL },
        { "flap_window", "+10", false, NULL },
        { "flap_window", "0x10", false, NULL },
        { "flap_window", "1 0", false, NULL },
        { "flap_backoff", "0", true, "from 1 to 86400" },
        { "flap_backoff", "86401", true, "from 1 to 86400" },
        { "flap_backoff", "4294967296", true, NULL },
        { "flap_backoff", "1m", false, "seconds" },
        { "flap_backoff", "", false, NULL },
        { "resync_interval", "86401", true, "from 0 to 86400" },
        { "resync_interval", "18446744073709551617", true, NULL },
        { "resync_interval", "off", false, "from 0 to 86400" },
        { "resync_interval", "-0", false, NULL },
        { "resync_interval", "1h", false, NULL },
};

START_TEST(test_duration_error) {
        char text[256], what[128];

        snprintf(text, sizeof(text), "[daemon]\nmode = enforce\n%s = %s\nlog_level = info\n", bad_durations[_i].key,
                 bad_durations[_i].value);
        snprintf(what, sizeof(what), "%s %s '%s'", bad_durations[_i].range ? "out-of-range" : "invalid",
                 bad_durations[_i].key, bad_durations[_i].value);
        check_one_error(text, 3, what, "expected", bad_durations[_i].bounds);
}
END_TEST

static const struct {
        const char *key;
        const char *value;
        uint64_t expect; /* flap_limit: a count; the others: microseconds */
} good_durations[] = {
        { "flap_limit", "1", 1 },
        { "flap_limit", "5", 5 },
        { "flap_limit", "1000", 1000 },
        { "flap_window", "1", 1 * USEC_PER_SEC },
        { "flap_window", "3600", 3600 * USEC_PER_SEC },
        { "flap_backoff", "1", 1 * USEC_PER_SEC },
        { "flap_backoff", "86400", 86400 * USEC_PER_SEC },
        { "resync_interval", "0", 0 },
        { "resync_interval", "1", 1 * USEC_PER_SEC },
        { "resync_interval", "300", 300 * USEC_PER_SEC },
        { "resync_interval", "86400", 86400 * USEC_PER_SEC },
};

START_TEST(test_duration_ok) {
        char text[256];
        Config *c;
        uint64_t got;

        snprintf(text, sizeof(text), "[daemon]\n%s = %s\n", good_durations[_i].key, good_durations[_i].value);
        c = load_clean(text);
        if (strcmp(good_durations[_i].key, "flap_limit") == 0)
                got = c->flap_limit;
        else if (strcmp(good_durations[_i].key, "flap_window") == 0)
                got = c->flap_window_usec;
        else if (strcmp(good_durations[_i].key, "flap_backoff") == 0)
                got = c->flap_backoff_usec;
        else
                got = c->resync_interval_usec;
        ck_assert_uint_eq(got, good_durations[_i].expect);
        config_free(c);
}
END_TEST

/* ---- several errors ----------------------------------------------------------------- */

START_TEST(test_many_errors) {
        static const char text[] =
                "mode = audit\n"          /*  1: outside of a section */
                "[daemon]\n"              /*  2 */
                "mode = bogus\n"          /*  3: invalid mode */
                "flap_limit = 0\n"        /*  4: out of range */
                "colour = blue\n"         /*  5: unknown key */
                "junk\n"                  /*  6: malformed */
                "[weird]\n"               /*  7: unknown section */
                "x = 1\n"                 /*  8: inside the unknown section: not reported again */
                "[global]\n"              /*  9 */
                "all = 7\n"               /* 10: invalid value */
                "[interfaces]\n"          /* 11 */
                "eth0 = strict\n"         /* 12 */
                "eth0 = loose\n"          /* 13: duplicate pattern */
                " = strict\n"             /* 14: empty pattern */
                "[daemon]\n"              /* 15 */
                "mode = audit\n"          /* 16: duplicate key (line 3 set it first) */
                "flap_window = 10s\n";    /* 17: invalid duration, last line */
        static const struct {
                unsigned line;
                const char *expect;
        } want[] = {
                { 1, "outside" },           { 3, "invalid mode" },      { 4, "out-of-range flap_limit" },
                { 5, "unknown key" },       { 6, "malformed line" },    { 7, "unknown section [weird]" },
                { 10, "invalid value '7'" }, { 13, "duplicate pattern" }, { 14, "empty interface pattern" },
                { 16, "duplicate key 'mode'" }, { 17, "invalid flap_window" },
        };
        ConfigReport report;
        Config *c = SENTINEL;
        size_t k = 0;
        int r;

        r = load_string(text, &c, &report);
        if (r != -EINVAL || report.n_errors != ELEMENTSOF(want))
                dump_report(text, &report);
        ck_assert_int_eq(r, -EINVAL);
        ck_assert_ptr_eq(c, SENTINEL);
        ck_assert_uint_eq(report.n_errors, ELEMENTSOF(want));
        for (size_t i = 0; i < report.n_messages; i++) {
                const ConfigMessage *m = &report.messages[i];

                if (i > 0)
                        ck_assert_uint_ge(m->line, report.messages[i - 1].line);
                if (m->severity != CONFIG_ERROR)
                        continue;
                ck_assert_uint_lt(k, ELEMENTSOF(want));
                ck_assert_uint_eq(m->line, want[k].line);
                check_text(m, want[k].expect);
                k++;
        }
        ck_assert_uint_eq(k, ELEMENTSOF(want));
        config_report_done(&report);
}
END_TEST

/* Two malformed lines in a row: inih stops at the first one, rpfguard reports both. */
START_TEST(test_consecutive_malformed) {
        ConfigReport report;
        Config *c = SENTINEL;

        ck_assert_int_eq(load_string("[daemon]\nfoo\nbar\n[global]\nbaz\n", &c, &report), -EINVAL);
        ck_assert_uint_eq(report.n_errors, 3);
        ck_assert_uint_eq(report.messages[0].line, 2);
        ck_assert_uint_eq(report.messages[1].line, 3);
        ck_assert_uint_eq(report.messages[2].line, 5);
        for (size_t i = 0; i < 3; i++)
                check_text(&report.messages[i], "malformed line");
        config_report_done(&report);
}
END_TEST

/* A line longer than inih's buffer is one error on its line, and the lines after it
 * are read as usual (not the tail of the long one as a line of its own). */
START_TEST(test_long_line) {
        enum { LONG = 8192 };
        char *text = malloc(LONG + 64);
        ConfigReport report;
        Config *c = SENTINEL;
        size_t n;

        ck_assert_ptr_nonnull(text);
        n = (size_t) sprintf(text, "[daemon]\nflap_limit = 5\n");
        memset(text + n, 'x', LONG);
        n += LONG;
        strcpy(text + n, " = 1\nmode = audit\n");

        ck_assert_int_eq(load_string(text, &c, &report), -EINVAL);
        ck_assert_ptr_eq(c, SENTINEL);
        ck_assert_uint_eq(report.n_errors, 1);
        ck_assert_uint_eq(report.messages[0].line, 3);
        check_text(&report.messages[0], "line too long");
        check_text(&report.messages[0], "expected");
        config_report_done(&report);
        free(text);
}
END_TEST

/* ---- files -------------------------------------------------------------------------- */

START_TEST(test_missing_file) {
        ConfigReport report = { .n_messages = 42 };
        Config *c = SENTINEL;

        ck_assert_int_eq(config_load("/nonexistent-rpfguard-dir/rpfguard.conf", &c, &report), -ENOENT);
        ck_assert_ptr_eq(c, SENTINEL);
        /* Filled whatever the result: one error about the whole file, naming it. */
        ck_assert_uint_eq(report.n_messages, 1);
        ck_assert_uint_eq(report.n_errors, 1);
        ck_assert_str_eq(report.messages[0].file, "/nonexistent-rpfguard-dir/rpfguard.conf");
        ck_assert_uint_eq(report.messages[0].line, 0);
        check_text(&report.messages[0], "cannot read the configuration: No such file or directory");
        config_report_done(&report);
        ck_assert_ptr_null(report.files);
}
END_TEST

static char *write_temp(const char *text) {
        char *path = strdup("/tmp/rpfguard-test-config-XXXXXX");
        int fd;

        ck_assert_ptr_nonnull(path);
        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
        return path;
}

START_TEST(test_file_ok) {
        static const char text[] =
                "[daemon]\n"
                "mode = audit            ; enforce | audit\n"
                "log_level = debug\n"
                "flap_limit = 3\n"
                "flap_window = 20\n"
                "flap_backoff = 120\n"
                "resync_interval = 600\n"
                "\n"
                "[global]\n"
                "all = 1\n"
                "default = 1\n"
                "\n"
                "[interfaces]\n"
                "cali* = strict\n"
                "tunl0 = strict\n"
                "vxlan.calico = strict\n"
                "eth0 = loose            ; a secondary-ENI setup\n"
                "lo = ignore\n";
        char *path = write_temp(text);
        ConfigReport report;
        Config *c = NULL;
        int r;

        r = config_load(path, &c, &report);
        if (r != 0 || report.n_messages != 0)
                dump_report(text, &report);
        ck_assert_int_eq(r, 0);
        ck_assert_uint_eq(report.n_messages, 0);
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->path, path);
        ck_assert_int_eq(c->mode, MODE_AUDIT);
        ck_assert_int_eq(c->log_level, LOG_DEBUG);
        ck_assert_uint_eq(c->flap_limit, 3);
        ck_assert_uint_eq(c->flap_window_usec, 20 * USEC_PER_SEC);
        ck_assert_uint_eq(c->flap_backoff_usec, 120 * USEC_PER_SEC);
        ck_assert_uint_eq(c->resync_interval_usec, 600 * USEC_PER_SEC);
        ck_assert_int_eq(c->all, RP_FILTER_STRICT);
        ck_assert_int_eq(c->def, RP_FILTER_STRICT);
        ck_assert_uint_eq(c->n_rules, 5);
        ck_assert_str_eq(c->rules[3].pattern, "eth0");
        ck_assert_int_eq(c->rules[3].value, RP_FILTER_LOOSE);
        ck_assert_int_eq(c->rules[4].value, RP_FILTER_IGNORE);
        config_free(c);
        config_report_done(&report);

        /* The same file with an error: config_load() reports it like the stream loader. */
        ck_assert_int_eq(unlink(path), 0);
        free(path);
        path = write_temp("[daemon]\nmode = enforce\nmode = audit\n");
        c = SENTINEL;
        ck_assert_int_eq(config_load(path, &c, &report), -EINVAL);
        ck_assert_ptr_eq(c, SENTINEL);
        ck_assert_uint_eq(report.n_errors, 1);
        ck_assert_uint_eq(report.messages[0].line, 3);
        config_report_done(&report);
        ck_assert_int_eq(unlink(path), 0);
        free(path);
}
END_TEST

/* ---- drop-ins (SPEC §9) -------------------------------------------------------------- */

#define MAIN "etc/rpfguard.conf"
#define ETC "etc/rpfguard.conf.d/"
#define RUN "run/rpfguard.conf.d/"
#define LIB "usr/lib/rpfguard.conf.d/"

typedef struct Fixture {
        const char *path;       /* relative to the tree's root */
        const char *content;    /* a regular file, or */
        const char *link;       /* a symlink to this; both NULL: a directory */
} Fixture;

typedef struct ExpectMessage {
        ConfigSeverity severity;
        const char *file;       /* relative to the root */
        unsigned line;
        const char *text[2];    /* substrings; "@" stands for the root */
} ExpectMessage;

typedef struct ExpectOrigin {
        ConfigKey key;
        const char *file;       /* NULL: the default */
        unsigned line;
} ExpectOrigin;

typedef struct DropinCase {
        const char *what;
        Fixture files[8];
        int result;
        const char *rules[8];   /* "PATTERN=VALUE@FILE:LINE", in order */
        ExpectOrigin origins[4];
        ExpectMessage messages[4];
        const char *files_read[6]; /* Config.files, in order ("!" prefix: a mask) */
} DropinCase;

#define E(f, l, t1, t2) { CONFIG_ERROR, (f), (l), { (t1), (t2) } }
#define W(f, l, t1, t2) { CONFIG_WARNING, (f), (l), { (t1), (t2) } }
#define O(k, f, l) { CONFIG_KEY_##k, (f), (l) }
#define O_DEFAULT(k) { CONFIG_KEY_##k, NULL, 0 }

static const DropinCase dropin_cases[] = {
        { "the main file alone",
          .files = { { MAIN, "[interfaces]\neth0 = 1\n" } },
          .rules = { "eth0=strict@" MAIN ":2" },
          .files_read = { MAIN } },
        { "rules concatenate: the main file first, then the drop-ins by name",
          .files = { { MAIN, "[interfaces]\nlo = ignore\neth0 = loose\n" },
                     { LIB "20-b.conf", "[interfaces]\ntunl0 = 1\n" },
                     { ETC "10-a.conf", "; the CNI\n[interfaces]\ncali* = strict\nvxlan.calico = 1\n" },
                     { RUN "30-c.conf", "[interfaces]\neth* = off\n" } },
          .rules = { "lo=ignore@" MAIN ":2", "eth0=loose@" MAIN ":3", "cali*=strict@" ETC "10-a.conf:3",
                     "vxlan.calico=strict@" ETC "10-a.conf:4", "tunl0=strict@" LIB "20-b.conf:2",
                     "eth*=off@" RUN "30-c.conf:2" },
          .files_read = { MAIN, ETC "10-a.conf", LIB "20-b.conf", RUN "30-c.conf" } },
        { "a [daemon] key set again in a later file overrides, and says where",
          .files = { { MAIN, "[daemon]\nmode = audit\nflap_limit = 7\n" },
                     { ETC "50-a.conf", "[daemon]\nmode = enforce\n" },
                     { ETC "60-b.conf", "\n[daemon]\nflap_limit = 9\n" } },
          .origins = { O(MODE, ETC "50-a.conf", 2), O(FLAP_LIMIT, ETC "60-b.conf", 3), O_DEFAULT(LOG_LEVEL),
                       O_DEFAULT(ALL) },
          .files_read = { MAIN, ETC "50-a.conf", ETC "60-b.conf" } },
        { "a [global] key set again later: the rules are checked against the last value",
          .files = { { MAIN, "[global]\nall = 0\n[interfaces]\neth0 = strict\n" },
                     { ETC "50-a.conf", "[global]\nall = loose\n" } },
          .rules = { "eth0=strict@" MAIN ":4" },
          .origins = { O(ALL, ETC "50-a.conf", 2), O_DEFAULT(DEFAULT) },
          .messages = { W(MAIN, 4, "'eth0 = strict' is below all = loose", NULL) } },
        { "the same key twice in one drop-in is an error there",
          .files = { { MAIN, "[daemon]\nmode = audit\n" },
                     { ETC "50-a.conf", "[daemon]\nmode = enforce\nmode = audit\n" } },
          .result = -EINVAL,
          .messages = { E(ETC "50-a.conf", 3, "duplicate key 'mode' (first set on line 2)", NULL) } },
        { "a pattern defined again in another file names both places",
          .files = { { MAIN, "[interfaces]\n\ncali* = strict\n" },
                     { RUN "50-a.conf", "[interfaces]\ncali* = loose\n" } },
          .result = -EINVAL,
          .messages = { E(RUN "50-a.conf", 2, "duplicate pattern 'cali*'", "first defined in @/" MAIN ":3") } },
        { "the same pattern in two drop-ins",
          .files = { { ETC "10-a.conf", "[interfaces]\ntunl0 = 1\n" },
                     { LIB "20-b.conf", "[interfaces]\neth0 = 1\ntunl0 = 1\n" }, { MAIN, "" } },
          .result = -EINVAL,
          .messages = { E(LIB "20-b.conf", 3, "duplicate pattern 'tunl0'", "in @/" ETC "10-a.conf:2") } },
        { "errors in several files: all of them, in the order read",
          .files = { { MAIN, "[daemon]\nmode = loud\n" },
                     { ETC "90-z.conf", "[daemon]\nflap_limit = 0\n" },
                     { ETC "10-a.conf", "[nonsense]\n" } },
          .result = -EINVAL,
          .messages = { E(MAIN, 2, "invalid mode 'loud'", NULL), E(ETC "10-a.conf", 1, "unknown section [nonsense]", NULL),
                        E(ETC "90-z.conf", 2, "out-of-range flap_limit", NULL) } },
        { "every file starts outside a section",
          .files = { { MAIN, "[interfaces]\neth0 = 1\n" }, { ETC "50-a.conf", "tunl0 = 1\n" } },
          .result = -EINVAL,
          .messages = { E(ETC "50-a.conf", 1, "'tunl0' outside of a section", NULL) } },
        { "a mask is not read: its errors do not count, nor its rules",
          .files = { { MAIN, "[interfaces]\neth0 = 1\n" },
                     { LIB "50-cni.conf", "[interfaces]\neth0 = 2\nbroken line\n" },
                     { ETC "50-cni.conf", .link = "/dev/null" },
                     { RUN "60-empty.conf", "" }, { LIB "60-empty.conf", "[interfaces]\nlo = 1\n" } },
          .rules = { "eth0=strict@" MAIN ":2" },
          .files_read = { MAIN, "!" ETC "50-cni.conf", "!" RUN "60-empty.conf" } },
        { "a dangling symlink: a warning, and it still hides the name",
          .files = { { MAIN, "" }, { ETC "50-a.conf", .link = "/nonexistent-rpfguard/50-a.conf" },
                     { LIB "50-a.conf", "[interfaces]\nlo = 1\n" } },
          .messages = { W(ETC "50-a.conf", 0, "a symlink to nothing", NULL) },
          .files_read = { MAIN, "!" ETC "50-a.conf" } },
        { "a literal shadowed by a glob of an earlier file",
          .files = { { MAIN, "[interfaces]\ncali* = strict\n" }, { ETC "50-a.conf", "[interfaces]\n\ncali0 = loose\n" } },
          .rules = { "cali*=strict@" MAIN ":2", "cali0=loose@" ETC "50-a.conf:3" },
          .messages = { W(ETC "50-a.conf", 3, "'cali0' is shadowed by 'cali*' in @/" MAIN ":2", NULL) } },
        { "warnings sorted by file: a later file's dangling symlink after an earlier file's rule",
          .files = { { MAIN, "[global]\nall = 2\n[interfaces]\neth0 = 1\n" },
                     { ETC "50-a.conf", .link = "/nonexistent-rpfguard/x" },
                     { ETC "60-b.conf", "[interfaces]\neth1 = 1\n" } },
          .rules = { "eth0=strict@" MAIN ":4", "eth1=strict@" ETC "60-b.conf:2" },
          .messages = { W(MAIN, 4, "below all", NULL), W(ETC "50-a.conf", 0, "symlink to nothing", NULL),
                        W(ETC "60-b.conf", 2, "below all", NULL) } },
        { "metrics_file set in the main file, emptied by a drop-in",
          .files = { { MAIN, "[daemon]\nmetrics_file = /run/x.prom\n" },
                     { ETC "50-a.conf", "[daemon]\nmetrics_file =\n" } },
          .origins = { O(METRICS_FILE, ETC "50-a.conf", 2) } },
        { "a missing main file is an error naming it, and the drop-ins are still checked",
          .files = { { ETC "50-a.conf", "[daemon]\nmode = x\n" } },
          .result = -ENOENT,
          .messages = { E(MAIN, 0, "cannot read the configuration: No such file or directory", NULL),
                        E(ETC "50-a.conf", 2, "invalid mode 'x'", NULL) } },
        { "a missing main file with good drop-ins is still an error",
          .files = { { ETC "50-a.conf", "[interfaces]\neth0 = 1\n" } },
          .result = -ENOENT,
          .messages = { E(MAIN, 0, "No such file", NULL) } },
        { "a directory named like a drop-in is an error naming it",
          .files = { { MAIN, "" }, { ETC "50-a.conf" }, { LIB "50-a.conf", "[interfaces]\nlo = 1\n" } },
          .result = -EISDIR,
          .messages = { E(ETC "50-a.conf", 0, "a directory: expected a file", NULL) } },
        { "a main file that is a symlink to /dev/null reads as empty",
          .files = { { MAIN, .link = "/dev/null" }, { ETC "50-a.conf", "[interfaces]\nlo = 1\n" } },
          .rules = { "lo=strict@" ETC "50-a.conf:2" } },
        { "a drop-in directory that cannot be listed is an error naming it",
          .files = { { MAIN, "" }, { "run/rpfguard.conf.d", "a file, not a directory\n" } },
          .result = -ENOTDIR,
          .messages = { E("run/rpfguard.conf.d", 0, "cannot read the drop-in directory: Not a directory", NULL) } },
};

static char dropin_base[] = "/tmp/rpfguard-test-config-XXXXXX";


static void dropin_setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(dropin_base));
}

static void dropin_teardown(void) {
        tree_remove(dropin_base);
}


static void build_tree(const Fixture *files, const char *root) {
        char path[PATH_MAX];

        tree_mkdir_p(root);
        for (const Fixture *f = files; f->path; f++) {
                char *slash;

                (void) snprintf(path, sizeof(path), "%s/%s", root, f->path);
                slash = strrchr(path, '/');
                *slash = '\0';
                tree_mkdir_p(path);
                *slash = '/';
                if (f->link)
                        ck_assert_msg(symlink(f->link, path) == 0, "symlink %s: %m", path);
                else if (f->content) {
                        FILE *out = fopen(path, "we");

                        ck_assert_msg(out, "fopen %s: %m", path);
                        ck_assert_int_eq(fwrite(f->content, 1, strlen(f->content), out), strlen(f->content));
                        ck_assert_int_eq(fclose(out), 0);
                } else
                        tree_mkdir_p(path);
        }
}

/* S with every "@" replaced by ROOT. */
static void expand(const char *s, const char *root, char *buf, size_t size) {
        size_t n = 0;

        for (; *s && n + 1 < size; s++)
                if (*s == '@')
                        n += (size_t) snprintf(buf + n, size - n, "%s", root);
                else
                        buf[n++] = *s;
        buf[n < size ? n : size - 1] = '\0';
}

static void dump_dropin_report(const char *what, const ConfigReport *report) {
        fprintf(stderr, "--- %s: %zu message(s):\n", what, report->n_messages);
        for (size_t i = 0; i < report->n_messages; i++)
                fprintf(stderr, "  %s %s:%u: %s\n", report->messages[i].severity == CONFIG_ERROR ? "error" : "warning",
                        report->messages[i].file, report->messages[i].line, report->messages[i].text);
}

START_TEST(test_dropins) {
        const DropinCase *t = &dropin_cases[_i];
        char root[PATH_MAX], want[2 * PATH_MAX], got[2 * PATH_MAX];
        ConfDirs d = {};
        ConfigReport report;
        Config *c = SENTINEL;
        size_t n;
        int r;

        (void) snprintf(root, sizeof(root), "%s/case-%d", dropin_base, _i);
        build_tree(t->files, root);
        ck_assert_int_eq(confdirs_default(root, &d), 0);

        r = config_load_dirs(&d, &c, &report);
        for (n = 0; n < ELEMENTSOF(t->messages) && t->messages[n].file; n++)
                ;
        if (r != t->result || report.n_messages != n)
                dump_dropin_report(t->what, &report);
        ck_assert_msg(r == t->result, "%s: returned %d, expected %d", t->what, r, t->result);
        ck_assert_msg(report.n_messages == n, "%s: %zu messages, expected %zu", t->what, report.n_messages, n);
        for (size_t i = 0; i < n; i++) {
                const ExpectMessage *e = &t->messages[i];
                const ConfigMessage *m = &report.messages[i];

                (void) snprintf(want, sizeof(want), "%s/%s", root, e->file);
                ck_assert_msg(m->severity == e->severity, "%s: message %zu: wrong severity", t->what, i);
                ck_assert_msg(m->file && strcmp(m->file, want) == 0, "%s: message %zu is about %s, expected %s", t->what,
                              i, m->file, want);
                ck_assert_msg(m->line == e->line, "%s: message %zu on line %u, expected %u", t->what, i, m->line,
                              e->line);
                for (size_t k = 0; k < ELEMENTSOF(e->text) && e->text[k]; k++) {
                        expand(e->text[k], root, got, sizeof(got));
                        ck_assert_msg(strstr(m->text, got), "%s: message '%s' lacks '%s'", t->what, m->text, got);
                }
        }

        if (t->result < 0) {
                ck_assert_ptr_eq(c, SENTINEL); /* untouched on failure */
                config_report_done(&report);
                confdirs_done(&d);
                return;
        }
        ck_assert_ptr_nonnull(c);
        (void) snprintf(want, sizeof(want), "%s/" MAIN, root);
        ck_assert_str_eq(c->path, want);

        for (n = 0; n < ELEMENTSOF(t->rules) && t->rules[n]; n++)
                ;
        if (t->rules[0] || t->files_read[0])
                ck_assert_msg(c->n_rules == n, "%s: %zu rules, expected %zu", t->what, c->n_rules, n);
        for (size_t i = 0; i < n; i++) {
                const Rule *rule = &c->rules[i];

                (void) snprintf(got, sizeof(got), "%s=%s@%s:%u", rule->pattern, rp_filter_to_string(rule->value),
                                rule->file + strlen(root) + 1, rule->line);
                ck_assert_msg(strcmp(got, t->rules[i]) == 0, "%s: rule %zu is %s, expected %s", t->what, i, got,
                              t->rules[i]);
                ck_assert_msg(strncmp(rule->file, root, strlen(root)) == 0, "%s: rule file %s", t->what, rule->file);
        }

        for (size_t i = 0; i < ELEMENTSOF(t->origins) && (t->origins[i].file || t->origins[i].key); i++) {
                const ExpectOrigin *e = &t->origins[i];
                ConfigOrigin o = c->origin[e->key];

                if (!e->file) {
                        ck_assert_msg(!o.file, "%s: %s set by %s, expected the default", t->what,
                                      config_key_to_string(e->key), o.file);
                        continue;
                }
                (void) snprintf(want, sizeof(want), "%s/%s", root, e->file);
                ck_assert_msg(o.file && strcmp(o.file, want) == 0 && o.line == e->line,
                              "%s: %s set by %s:%u, expected %s:%u", t->what, config_key_to_string(e->key),
                              o.file ?: "(default)", o.line, want, e->line);
        }

        for (n = 0; n < ELEMENTSOF(t->files_read) && t->files_read[n]; n++) {
                bool mask = t->files_read[n][0] == '!';

                ck_assert_msg(n < c->n_files, "%s: only %zu files", t->what, c->n_files);
                (void) snprintf(want, sizeof(want), "%s/%s", root, t->files_read[n] + mask);
                ck_assert_str_eq(c->files[n].path, want);
                ck_assert_msg(conf_dropin_is_mask(c->files[n].kind) == mask, "%s: %s is%s a mask", t->what, want,
                              mask ? " not" : "");
        }
        if (n > 0)
                ck_assert_uint_eq(c->n_files, n);

        config_free(c);
        config_report_done(&report);
        confdirs_done(&d);
}
END_TEST

/* Root without its effective capabilities is subject to file permissions (check runs
 * each test in a child of its own, so this does not leak). */
static void drop_capabilities(void) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[2] = {};

        ck_assert_int_eq(syscall(SYS_capset, &h, data), 0);
}

START_TEST(test_dropin_unreadable) {
        static const Fixture files[] = {
                { .path = MAIN, .content = "[interfaces]\neth0 = 1\n" },
                { .path = ETC "50-a.conf", .content = "[interfaces]\nlo = 1\n" },
                { .path = ETC "60-b.conf", .content = "[daemon]\nmode = x\n" },
                {},
        };
        char root[PATH_MAX], path[2 * PATH_MAX];
        ConfDirs d = {};
        ConfigReport report;
        Config *c = SENTINEL;

        (void) snprintf(root, sizeof(root), "%s/unreadable", dropin_base);
        build_tree(files, root);
        (void) snprintf(path, sizeof(path), "%s/" ETC "50-a.conf", root);
        ck_assert_int_eq(chmod(path, 0), 0);
        drop_capabilities();

        ck_assert_int_eq(confdirs_default(root, &d), 0);
        ck_assert_int_eq(config_load_dirs(&d, &c, &report), -EACCES);
        ck_assert_ptr_eq(c, SENTINEL);
        ck_assert_uint_eq(report.n_errors, 2);
        ck_assert_str_eq(report.messages[0].file, path);
        ck_assert_uint_eq(report.messages[0].line, 0);
        check_text(&report.messages[0], "cannot read the configuration: Permission denied");
        ck_assert_uint_eq(report.messages[1].line, 2); /* the next file is still checked */
        check_text(&report.messages[1], "invalid mode");
        config_report_done(&report);
        confdirs_done(&d);
}
END_TEST

/* The single-file loaders name their one file in every message and rule. */
START_TEST(test_stream_names_file) {
        ConfigReport report;
        Config *c = NULL;

        ck_assert_int_eq(load_string("[global]\nall = 2\n[interfaces]\neth0 = 1\n", &c, &report), 0);
        ck_assert_uint_eq(report.n_messages, 1);
        ck_assert_str_eq(report.messages[0].file, "test.conf");
        ck_assert_str_eq(c->rules[0].file, "test.conf");
        ck_assert_str_eq(c->origin[CONFIG_KEY_ALL].file, "test.conf");
        ck_assert_uint_eq(c->origin[CONFIG_KEY_ALL].line, 2);
        ck_assert_ptr_null(c->origin[CONFIG_KEY_MODE].file);
        ck_assert_uint_eq(c->n_files, 1);
        ck_assert_str_eq(c->files[0].path, "test.conf");
        config_free(c);
        config_report_done(&report);
}
END_TEST

static const struct {
        ConfigKey key;
        const char *name, *section;
} key_names[] = {
        { CONFIG_KEY_MODE, "mode", "daemon" },
        { CONFIG_KEY_ATTRIBUTE_WRITERS, "attribute_writers", "daemon" },
        { CONFIG_KEY_ALL, "all", "global" },
        { CONFIG_KEY_DEFAULT, "default", "global" },
        { _CONFIG_KEY_MAX, NULL, NULL },
};

START_TEST(test_key_names) {
        if (key_names[_i].name) {
                ck_assert_str_eq(config_key_to_string(key_names[_i].key), key_names[_i].name);
                ck_assert_str_eq(config_key_section(key_names[_i].key), key_names[_i].section);
        } else {
                ck_assert_ptr_null(config_key_to_string(key_names[_i].key));
                ck_assert_ptr_null(config_key_section(key_names[_i].key));
        }
}
END_TEST

/* ---- defaults, value words ---------------------------------------------------------- */

static const char *const default_texts[] = {
        "",
        "\xef\xbb\xbf",                       /* a byte order mark and nothing else */
        "\xef\xbb\xbf\n",
        "\xef\xbb\xbf; comment\n[daemon]\n",
        "\n\n",
        "; nothing but comments\n# here\n   ; indented\n",
        "[daemon]\n",
        "[daemon]\n[global]\n[interfaces]\n",
        "[DAEMON]\n[ global ]\n",
};

START_TEST(test_defaults) {
        Config *c = load_clean(default_texts[_i]);

        ck_assert_str_eq(c->path, "test.conf");
        ck_assert_int_eq(c->mode, MODE_ENFORCE);
        ck_assert_int_eq(c->log_level, LOG_INFO);
        ck_assert_uint_eq(c->flap_limit, CONFIG_DEFAULT_FLAP_LIMIT);
        ck_assert_uint_eq(c->flap_limit, 5);
        ck_assert_uint_eq(c->flap_window_usec, 10 * USEC_PER_SEC);
        ck_assert_uint_eq(c->flap_backoff_usec, 60 * USEC_PER_SEC);
        ck_assert_uint_eq(c->resync_interval_usec, 0);
        ck_assert_int_eq(c->all, RP_FILTER_UNSET);
        ck_assert_int_eq(c->def, RP_FILTER_UNSET);
        ck_assert_uint_eq(c->n_rules, 0);
        ck_assert_ptr_null(c->rules);
        config_free(c);
}
END_TEST

static const struct {
        const char *word;
        RpFilter value;
} value_words[] = {
        { "0", RP_FILTER_OFF },       { "off", RP_FILTER_OFF },       { "OFF", RP_FILTER_OFF },
        { "Off", RP_FILTER_OFF },     { "1", RP_FILTER_STRICT },      { "strict", RP_FILTER_STRICT },
        { "STRICT", RP_FILTER_STRICT }, { "sTrIcT", RP_FILTER_STRICT }, { "2", RP_FILTER_LOOSE },
        { "loose", RP_FILTER_LOOSE }, { "LOOSE", RP_FILTER_LOOSE },   { "Loose", RP_FILTER_LOOSE },
        { "ignore", RP_FILTER_IGNORE }, { "IGNORE", RP_FILTER_IGNORE }, { "Ignore", RP_FILTER_IGNORE },
};

START_TEST(test_value_words) {
        const char *word = value_words[_i].word;
        RpFilter v = value_words[_i].value;
        char text[256];
        Config *c;

        /* [interfaces]: every word, ignore included. */
        snprintf(text, sizeof(text), "[interfaces]\neth0 = %s\n", word);
        c = load_clean(text);
        ck_assert_uint_eq(c->n_rules, 1);
        ck_assert_int_eq(c->rules[0].value, v);
        config_free(c);

        /* [global]: the same words, except ignore. */
        if (v == RP_FILTER_IGNORE) {
                snprintf(text, sizeof(text), "[global]\nall = %s\n", word);
                check_one_error(text, 2, "invalid value", "all", NULL);
                snprintf(text, sizeof(text), "[global]\ndefault = %s\n", word);
                check_one_error(text, 2, "invalid value", "default", NULL);
                ck_assert_int_eq(rp_filter_from_string(word, false), _RP_FILTER_INVALID);
                ck_assert_int_eq(rp_filter_from_string(word, true), v);
                return;
        }
        snprintf(text, sizeof(text), "[global]\nall = %s\ndefault = %s\n", word, word);
        c = load_clean(text);
        ck_assert_int_eq(c->all, v);
        ck_assert_int_eq(c->def, v);
        config_free(c);

        /* And the public helper agrees. */
        ck_assert_int_eq(rp_filter_from_string(word, true), v);
        ck_assert_int_eq(rp_filter_from_string(word, false), v);
}
END_TEST

static const struct {
        const char *s;
        bool allow_ignore;
        RpFilter expect;
} rp_filter_strings[] = {
        { "ignore", true, RP_FILTER_IGNORE }, { "ignore", false, _RP_FILTER_INVALID },
        { "3", true, _RP_FILTER_INVALID },    { "", true, _RP_FILTER_INVALID },
        { "01", true, _RP_FILTER_INVALID },   { "1 ", true, _RP_FILTER_INVALID },
        { "unset", true, _RP_FILTER_INVALID }, { "stric", true, _RP_FILTER_INVALID },
        { "loosey", true, _RP_FILTER_INVALID }, { NULL, true, _RP_FILTER_INVALID },
};

START_TEST(test_rp_filter_strings) {
        ck_assert_int_eq(rp_filter_from_string(rp_filter_strings[_i].s, rp_filter_strings[_i].allow_ignore),
                         rp_filter_strings[_i].expect);
}
END_TEST

START_TEST(test_to_string) {
        ck_assert_str_eq(rp_filter_to_string(RP_FILTER_OFF), "off");
        ck_assert_str_eq(rp_filter_to_string(RP_FILTER_STRICT), "strict");
        ck_assert_str_eq(rp_filter_to_string(RP_FILTER_LOOSE), "loose");
        ck_assert_str_eq(rp_filter_to_string(RP_FILTER_IGNORE), "ignore");
        ck_assert_str_eq(rp_filter_to_string(RP_FILTER_UNSET), "unset");
        ck_assert_ptr_null(rp_filter_to_string(_RP_FILTER_INVALID));
        ck_assert_ptr_null(rp_filter_to_string((RpFilter) 17));

        ck_assert_str_eq(mode_to_string(MODE_ENFORCE), "enforce");
        ck_assert_str_eq(mode_to_string(MODE_AUDIT), "audit");
        ck_assert_ptr_null(mode_to_string(_MODE_INVALID));
        ck_assert_int_eq(mode_from_string("AUDIT"), MODE_AUDIT);
        ck_assert_int_eq(mode_from_string("Enforce"), MODE_ENFORCE);
        ck_assert_int_lt(mode_from_string("dry-run"), 0);

        ck_assert_ptr_null(log_level_to_string(-1));
        ck_assert_ptr_null(log_level_to_string(LOG_DEBUG + 1));
        ck_assert_ptr_null(log_level_to_string(LOG_EMERG));
        ck_assert_int_lt(log_level_from_string(""), 0);

        ck_assert(pattern_is_glob("cali*"));
        ck_assert(pattern_is_glob("eth?"));
        ck_assert(pattern_is_glob("br[0-9]"));
        ck_assert(!pattern_is_glob("vxlan.calico"));
        ck_assert(pattern_is_glob("eth\\0")); /* fnmatch escape: matches "eth0", not itself */
        ck_assert(!pattern_is_glob("eth0@if3"));
        ck_assert(!pattern_is_glob("veth-1"));
}
END_TEST

static const struct {
        const char *word;
        int level;
} log_levels[] = {
        { "err", LOG_ERR },       { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
        { "info", LOG_INFO },     { "debug", LOG_DEBUG },     { "DEBUG", LOG_DEBUG },
        { "Warning", LOG_WARNING },
};

START_TEST(test_log_level) {
        char text[128];
        Config *c;

        snprintf(text, sizeof(text), "[daemon]\nlog_level = %s\n", log_levels[_i].word);
        c = load_clean(text);
        ck_assert_int_eq(c->log_level, log_levels[_i].level);
        config_free(c);
        ck_assert_int_eq(log_level_from_string(log_levels[_i].word), log_levels[_i].level);
        ck_assert_ptr_nonnull(log_level_to_string(log_levels[_i].level));
        ck_assert_int_eq(log_level_from_string(log_level_to_string(log_levels[_i].level)), log_levels[_i].level);
}
END_TEST

static const struct {
        const char *word;
        Mode mode;
} modes[] = {
        { "enforce", MODE_ENFORCE }, { "audit", MODE_AUDIT }, { "AUDIT", MODE_AUDIT }, { "Enforce", MODE_ENFORCE },
};

START_TEST(test_mode) {
        char text[128];
        Config *c;

        snprintf(text, sizeof(text), "[daemon]\nmode = %s\n", modes[_i].word);
        c = load_clean(text);
        ck_assert_int_eq(c->mode, modes[_i].mode);
        config_free(c);
}
END_TEST

/* ---- the parser's quirks ------------------------------------------------------------ */

/* inih would glue an indented line onto the previous value (multi-line values);
 * rpfguard takes every line on its own. */
START_TEST(test_indented_lines) {
        static const char text[] =
                "[daemon]\n"             /* 1 */
                "    mode = audit\n"     /* 2 */
                "[interfaces]\n"         /* 3 */
                "eth0 = strict\n"        /* 4 */
                "    eth1 = loose\n"     /* 5 */
                "\v\f\r\teth2 = off\n" /* 6: every blank inih's isspace() knows */
                "  \t ; indented comment\n" /* 7 */
                "  [global]\n"           /* 8 */
                "    all = 0\n";         /* 9 */
        Config *c = load_clean(text);

        ck_assert_int_eq(c->mode, MODE_AUDIT);
        ck_assert_int_eq(c->all, RP_FILTER_OFF);
        ck_assert_uint_eq(c->n_rules, 3);
        ck_assert_str_eq(c->rules[0].pattern, "eth0");
        ck_assert_int_eq(c->rules[0].value, RP_FILTER_STRICT);
        ck_assert_uint_eq(c->rules[0].line, 4);
        ck_assert_str_eq(c->rules[1].pattern, "eth1");
        ck_assert_int_eq(c->rules[1].value, RP_FILTER_LOOSE);
        ck_assert_uint_eq(c->rules[1].line, 5);
        ck_assert_str_eq(c->rules[2].pattern, "eth2");
        ck_assert_int_eq(c->rules[2].value, RP_FILTER_OFF);
        ck_assert_uint_eq(c->rules[2].line, 6);
        config_free(c);
}
END_TEST

/* An indented line after a [daemon] key is a key of its own, so an invalid one is an
 * error on its own line (not a continuation of the value above). */
START_TEST(test_indented_not_continuation) {
        check_one_error("[daemon]\nmode = audit\n   enforce\n", 3, "malformed line", NULL, NULL);
        check_one_error("[daemon]\nmode = audit\n   mode = enforce\n", 3, "duplicate key 'mode'", "line 2", NULL);
}
END_TEST

START_TEST(test_inline_comments) {
        static const char text[] =
                "[daemon] ; the daemon\n"
                "mode = audit ; report only\n"
                "flap_limit = 7\t; tab before\n"
                "; whole-line comment\n"
                "# hash comment\n"
                "[global]    ; global\n"
                "all = 1          ; keep calico happy\n"
                "default = loose ;\n"
                "[interfaces]\n"
                "cali* = strict ; calico veths\n"
                "lo = ignore;x\n";
        ConfigReport report;
        Config *c = NULL;

        /* The last line's value is "ignore;x": an inline comment needs a blank before ';'. */
        ck_assert_int_eq(load_string(text, &c, &report), -EINVAL);
        ck_assert_uint_eq(report.n_errors, 1);
        ck_assert_uint_eq(report.messages[0].line, 11);
        config_report_done(&report);

        c = load_clean("[daemon] ; the daemon\n"
                       "mode = audit ; report only\n"
                       "flap_limit = 7\t; tab before\n"
                       "; whole-line comment\n"
                       "# hash comment\n"
                       "[global]    ; global\n"
                       "all = 1          ; keep calico happy\n"
                       "default = loose ;\n"
                       "[interfaces]\n"
                       "cali* = strict ; calico veths\n"
                       "lo = ignore ;\n");
        ck_assert_int_eq(c->mode, MODE_AUDIT);
        ck_assert_uint_eq(c->flap_limit, 7);
        ck_assert_int_eq(c->all, RP_FILTER_STRICT);
        ck_assert_int_eq(c->def, RP_FILTER_LOOSE);
        ck_assert_uint_eq(c->n_rules, 2);
        ck_assert_str_eq(c->rules[0].pattern, "cali*");
        ck_assert_int_eq(c->rules[0].value, RP_FILTER_STRICT);
        ck_assert_str_eq(c->rules[1].pattern, "lo");
        ck_assert_int_eq(c->rules[1].value, RP_FILTER_IGNORE);
        config_free(c);
}
END_TEST

/* A UTF-8 byte order mark before line 1 (as editors on other systems write it) is
 * skipped, as inih does; the line numbers stay those of the file. */
START_TEST(test_bom) {
        Config *c = load_clean("\xef\xbb\xbf[daemon]\n"   /* 1 */
                               "mode = audit\n"            /* 2 */
                               "[interfaces]\n"            /* 3 */
                               "cali* = strict\n"          /* 4 */
                               "# comment\n"               /* 5 */
                               "eth0 = loose\n");          /* 6 */

        ck_assert_int_eq(c->mode, MODE_AUDIT);
        ck_assert_uint_eq(c->n_rules, 2);
        ck_assert_str_eq(c->rules[0].pattern, "cali*");
        ck_assert_uint_eq(c->rules[0].line, 4);
        ck_assert_str_eq(c->rules[1].pattern, "eth0");
        ck_assert_int_eq(c->rules[1].value, RP_FILTER_LOOSE);
        ck_assert_uint_eq(c->rules[1].line, 6);
        config_free(c);

        /* Blanks after the mark are leading blanks; the first line may be a rule. */
        c = load_clean("\xef\xbb\xbf  [global]\r\nall = 1\r\n");
        ck_assert_int_eq(c->all, RP_FILTER_STRICT);
        config_free(c);

        /* And the errors after it keep their lines. */
        check_one_error("\xef\xbb\xbf[daemon]\nmode = audit\nmode = enforce\n", 3, "duplicate key 'mode'", "line 2",
                        NULL);
}
END_TEST

/* What may follow a section header: blanks, and a comment after ';' or '#' (which
 * here needs no blank before it). The rule on the next line is in that section. */
static const char *const header_tails[] = {
        "", " ", "\t \r", " ; comment", "\t# comment", ";comment", "#comment", " ; cali* = 1", " # [global]", " ;",
};

START_TEST(test_header_tail_ok) {
        char text[128];
        Config *c;

        snprintf(text, sizeof(text), "[interfaces]%s\neth0 = loose\n", header_tails[_i]);
        c = load_clean(text);
        ck_assert_uint_eq(c->n_rules, 1);
        ck_assert_str_eq(c->rules[0].pattern, "eth0");
        ck_assert_int_eq(c->rules[0].value, RP_FILTER_LOOSE);
        ck_assert_uint_eq(c->rules[0].line, 2);
        config_free(c);

        snprintf(text, sizeof(text), "[daemon]%s\nmode = audit\n", header_tails[_i]);
        c = load_clean(text);
        ck_assert_int_eq(c->mode, MODE_AUDIT);
        config_free(c);
}
END_TEST

/* A ':' in [interfaces] is part of the pattern, not inih's other KEY: VALUE separator;
 * and CRLF line ends are fine. */
START_TEST(test_colon_and_crlf) {
        ConfigReport report;
        Config *c = NULL;

        ck_assert_int_eq(load_string("[daemon]\r\n"
                                     "mode = audit\r\n"
                                     "[interfaces]\r\n"
                                     "  eth0:1   =   strict   ; an alias, from the ifconfig days\r\n"
                                     "eth1 = loose\r\n"
                                     "a:b=off\r\n",
                                     &c, &report),
                         0);
        ck_assert_ptr_nonnull(c);
        ck_assert_int_eq(c->mode, MODE_AUDIT);
        ck_assert_uint_eq(c->n_rules, 3);
        ck_assert_str_eq(c->rules[0].pattern, "eth0:1");
        ck_assert_int_eq(c->rules[0].value, RP_FILTER_STRICT);
        ck_assert_uint_eq(c->rules[0].line, 4);
        ck_assert(c->rules[0].literal);
        ck_assert_str_eq(c->rules[1].pattern, "eth1");
        ck_assert_int_eq(c->rules[1].value, RP_FILTER_LOOSE);
        ck_assert_str_eq(c->rules[2].pattern, "a:b");
        ck_assert_int_eq(c->rules[2].value, RP_FILTER_OFF);
        ck_assert_uint_eq(report.n_errors, 0);
        ck_assert_uint_eq(report.n_messages, 2);
        ck_assert_uint_eq(report.messages[0].line, 4);
        check_text(&report.messages[0], "can never match");
        ck_assert_uint_eq(report.messages[1].line, 6);
        check_text(&report.messages[1], "'a:b'");
        config_free(c);
        config_report_done(&report);
}
END_TEST

START_TEST(test_rule_order) {
        static const struct {
                const char *pattern;
                RpFilter value;
                unsigned line;
                bool literal;
        } want[] = {
                { "cali*", RP_FILTER_STRICT, 2, false },      { "tunl0", RP_FILTER_STRICT, 3, true },
                { "vxlan.calico", RP_FILTER_OFF, 4, true },   { "eth?", RP_FILTER_LOOSE, 6, false },
                { "br[0-9]", RP_FILTER_IGNORE, 7, false },    { "lo", RP_FILTER_IGNORE, 9, true },
                { "veth-1@if2", RP_FILTER_STRICT, 10, true }, { "*", RP_FILTER_LOOSE, 11, false },
        };
        Config *c = load_clean("[interfaces]\n"
                               "cali* = strict\n"
                               "tunl0 = 1\n"
                               "vxlan.calico = off\n"
                               "\n"
                               "eth? = loose\n"
                               "br[0-9] = ignore\n"
                               "; comment\n"
                               "lo = ignore\n"
                               "veth-1@if2 = strict\n"
                               "* = 2\n");

        ck_assert_uint_eq(c->n_rules, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                ck_assert_str_eq(c->rules[i].pattern, want[i].pattern);
                ck_assert_int_eq(c->rules[i].value, want[i].value);
                ck_assert_uint_eq(c->rules[i].line, want[i].line);
                ck_assert_int_eq(c->rules[i].literal, want[i].literal);
        }
        config_free(c);
}
END_TEST

/* ---- warnings ----------------------------------------------------------------------- */

typedef struct Expect {
        unsigned line;
        const char *text[2];
        bool ineffective;
} Expect;

static const struct {
        const char *text;
        size_t n;
        Expect warnings[3];
} warning_cases[] = {
        /* rules below all: cannot take effect */
        { "[global]\nall = 1\n[interfaces]\neth0 = off\n", 1,
          { { 4, { "'eth0 = off'", "below all = strict" }, true } } },
        { "[interfaces]\ncali* = strict\nlo = 0\n[global]\nall = loose\n", 2,
          { { 2, { "'cali* = strict'", "below all = loose" }, true }, { 3, { "'lo = off'", "below all" }, true } } },
        { "[global]\nall = 1\n[interfaces]\neth0 = 1\neth1 = 2\nlo = ignore\n", 0, {} }, /* equal, above, ignore */
        { "[global]\ndefault = 2\n[interfaces]\neth0 = 0\n", 0, {} },                      /* default is not all */
        { "[interfaces]\neth0 = 0\n", 0, {} },                                              /* all left alone */
        { "[global]\nall = 0\n[interfaces]\neth0 = 0\n", 0, {} },

        /* patterns that can never match */
        { "[interfaces]\nabcdefghijklmnop = 1\n", 1, { { 2, { "'abcdefghijklmnop'", "can never match" }, false } } },
        { "[interfaces]\nverylonginterfacename0 = 1\n", 1, { { 2, { "can never match", "15 bytes" }, false } } },
        { "[interfaces]\nabcdefghijklmno = 1\n", 0, {} },      /* 15 bytes: fine */
        { "[interfaces]\nverylonginterface* = 1\n", 0, {} },   /* a glob: not checked for length */
        { "[interfaces]\nnet/eth0 = 1\n", 1, { { 2, { "'net/eth0'", "can never match" }, false } } },
        { "[interfaces]\neth0:1 = 1\n", 1, { { 2, { "'eth0:1'", "can never match" }, false } } },
        { "[interfaces]\neth:* = 1\n", 1, { { 2, { "'eth:*'", "can never match" }, false } } },
        { "[interfaces]\neth 0 = 1\n", 1, { { 2, { "'eth 0'", "can never match" }, false } } },
        { "[interfaces]\neth\t0 = 1\n", 1, { { 2, { "can never match", "white space" }, false } } },
        { "[interfaces]\ncali * = 1\n", 1, { { 2, { "'cali *'", "can never match" }, false } } },

        /* literals shadowed by an earlier glob */
        { "[interfaces]\ncali* = strict\ncali0 = loose\n", 1,
          { { 3, { "'cali0'", "shadowed by 'cali*' on line 2" }, false } } },
        { "[interfaces]\n* = 1\neth0 = 2\n; c\nlo = ignore\n", 2,
          { { 3, { "'eth0'", "'*'" }, false }, { 5, { "'lo'", "shadowed" }, false } } },
        { "[interfaces]\nx[ab] = 1\nxb = 2\nxc = 2\n", 1, { { 3, { "'xb'", "'x[ab]'" }, false } } },
        { "[interfaces]\neth? = 1\neth10 = 2\neth1 = 2\n", 1, { { 4, { "'eth1'", "'eth?'" }, false } } },
        { "[interfaces]\ncali0 = loose\ncali* = strict\n", 0, {} },   /* literal first: fine */
        { "[interfaces]\neth* = 1\ncali0 = 1\n", 0, {} },             /* no overlap */
        { "[interfaces]\ncali* = 1\ncali?? = 2\n", 0, {} },           /* globs are not checked */
        { "[interfaces]\ntunl0 = 1\n[interfaces]\nTUNL0 = 1\n", 0, {} }, /* names are case-sensitive */

        /* several warnings, in line order */
        { "[global]\nall = 2\n[interfaces]\nveth* = 1\nveth0 = 2\nverylonginterfacename = 2\n", 3,
          { { 4, { "below all" }, true }, { 5, { "shadowed" }, false }, { 6, { "can never match" }, false } } },
};

START_TEST(test_warning) {
        const char *text = warning_cases[_i].text;
        ConfigReport report;
        Config *c = NULL;
        int r;

        r = load_string(text, &c, &report);
        if (r != 0 || report.n_messages != warning_cases[_i].n)
                dump_report(text, &report);
        ck_assert_int_eq(r, 0); /* warnings never make the load fail */
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(report.n_errors, 0);
        ck_assert_uint_eq(report.n_messages, warning_cases[_i].n);
        for (size_t i = 0; i < report.n_messages; i++) {
                const ConfigMessage *m = &report.messages[i];
                const Expect *e = &warning_cases[_i].warnings[i];

                ck_assert_int_eq(m->severity, CONFIG_WARNING);
                ck_assert_uint_eq(m->line, e->line);
                ck_assert_msg(m->ineffective_rule == e->ineffective, "line %u: ineffective_rule is %d", m->line,
                              m->ineffective_rule);
                check_text(m, e->text[0]);
                check_text(m, e->text[1]);
        }
        /* The rule that drew a warning is still part of the configuration. */
        ck_assert_uint_gt(c->n_rules, 0);
        config_free(c);
        config_report_done(&report);
}
END_TEST

/* A file with errors fails, whatever warnings it would also have drawn. */
START_TEST(test_warning_and_error) {
        ConfigReport report;
        Config *c = SENTINEL;

        ck_assert_int_eq(load_string("[global]\nall = 2\n[interfaces]\neth0 = 1\nfoo\n", &c, &report), -EINVAL);
        ck_assert_ptr_eq(c, SENTINEL);
        ck_assert_uint_ge(report.n_errors, 1);
        config_report_done(&report);
}
END_TEST

static Suite *config_suite(void) {
        Suite *s = suite_create("config");
        TCase *tc;

        tc = tcase_create("errors");
        tcase_add_loop_test(tc, test_error, 0, ELEMENTSOF(error_cases));
        tcase_add_loop_test(tc, test_duration_error, 0, ELEMENTSOF(bad_durations));
        tcase_add_test(tc, test_many_errors);
        tcase_add_test(tc, test_consecutive_malformed);
        tcase_add_test(tc, test_long_line);
        tcase_add_test(tc, test_indented_not_continuation);
        tcase_add_test(tc, test_warning_and_error);
        suite_add_tcase(s, tc);

        tc = tcase_create("files");
        tcase_add_test(tc, test_missing_file);
        tcase_add_test(tc, test_file_ok);
        suite_add_tcase(s, tc);

        tc = tcase_create("dropins");
        tcase_add_unchecked_fixture(tc, dropin_setup, dropin_teardown);
        tcase_add_loop_test(tc, test_dropins, 0, ELEMENTSOF(dropin_cases));
        tcase_add_test(tc, test_dropin_unreadable);
        tcase_add_test(tc, test_stream_names_file);
        tcase_add_loop_test(tc, test_key_names, 0, ELEMENTSOF(key_names));
        suite_add_tcase(s, tc);

        tc = tcase_create("values");
        tcase_add_loop_test(tc, test_defaults, 0, ELEMENTSOF(default_texts));
        tcase_add_loop_test(tc, test_duration_ok, 0, ELEMENTSOF(good_durations));
        tcase_add_loop_test(tc, test_daemon_options, 0, ELEMENTSOF(daemon_options));
        tcase_add_loop_test(tc, test_value_words, 0, ELEMENTSOF(value_words));
        tcase_add_loop_test(tc, test_rp_filter_strings, 0, ELEMENTSOF(rp_filter_strings));
        tcase_add_loop_test(tc, test_log_level, 0, ELEMENTSOF(log_levels));
        tcase_add_loop_test(tc, test_mode, 0, ELEMENTSOF(modes));
        tcase_add_test(tc, test_to_string);
        suite_add_tcase(s, tc);

        tc = tcase_create("syntax");
        tcase_add_test(tc, test_indented_lines);
        tcase_add_test(tc, test_inline_comments);
        tcase_add_test(tc, test_rule_order);
        tcase_add_test(tc, test_colon_and_crlf);
        tcase_add_test(tc, test_bom);
        tcase_add_loop_test(tc, test_header_tail_ok, 0, ELEMENTSOF(header_tails));
        suite_add_tcase(s, tc);

        tc = tcase_create("warnings");
        tcase_add_loop_test(tc, test_warning, 0, ELEMENTSOF(warning_cases));
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(config_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
