/* SPDX-License-Identifier: MIT */
/* test-config: every error and warning of SPEC §2, the value words, the defaults and
 * the parser's quirks, each checked for its line and message. No root, no /etc. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

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
        ck_assert_uint_eq(report.n_messages, 0); /* filled (empty) whatever the result */
        ck_assert_uint_eq(report.n_errors, 0);
        config_report_done(&report);
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
