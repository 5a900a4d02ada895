/* SPDX-License-Identifier: MIT */
/* test-metrics: the exposition text of every family, label escaping of byte names,
 * cumulative histogram buckets, the generation, and the atomic file write. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "util.h"

/* The exposition of M and V as one string (caller frees). */
static char *render(const Metrics *m, const MetricsView *v) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(metrics_render(m, v, f), 0);
        ck_assert_int_eq(fclose(f), 0);
        return buf;
}

/* How many lines of TEXT are exactly LINE. */
static unsigned count_lines(const char *text, const char *line) {
        size_t n = strlen(line);
        unsigned k = 0;

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
                        k++;
        return k;
}

static void assert_line(const char *text, const char *line) {
        unsigned n = count_lines(text, line);

        if (n != 1) /* the whole exposition is too long for check's message */
                fprintf(stderr, "--- rendered:\n%s---\n", text);
        ck_assert_msg(n == 1, "expected the line once, found it %u times: %s", n, line);
}

/* ---- every family has HELP and TYPE, once, and its samples ---------------------------- */

static const struct {
        const char *name, *type;
} families[] = {
        { "rpfguard_build_info", "gauge" },
        { "rpfguard_start_time_seconds", "gauge" },
        { "rpfguard_config_last_reload_successful", "gauge" },
        { "rpfguard_config_last_reload_success_timestamp_seconds", "gauge" },
        { "rpfguard_config_resync_interval_seconds", "gauge" },
        { "rpfguard_interfaces", "gauge" },
        { "rpfguard_managed_interfaces", "gauge" },
        { "rpfguard_rp_filter", "gauge" },
        { "rpfguard_rp_filter_omitted_interfaces", "gauge" },
        { "rpfguard_corrections_total", "counter" },
        { "rpfguard_drift_events_total", "counter" },
        { "rpfguard_fights_total", "counter" },
        { "rpfguard_resyncs_total", "counter" },
        { "rpfguard_write_errors_total", "counter" },
        { "rpfguard_correction_latency_seconds", "histogram" },
};

START_TEST(test_family_help_type) {
        Metrics m;
        _cleanup_(freep) char *text = NULL;
        char line[256];
        const char *name = families[_i].name;

        metrics_init(&m, 0);
        text = render(&m, NULL);
        (void) snprintf(line, sizeof(line), "# TYPE %s %s", name, families[_i].type);
        assert_line(text, line);
        (void) snprintf(line, sizeof(line), "# HELP %s ", name);
        ck_assert_msg(strstr(text, line), "no HELP for %s", name);
        ck_assert_ptr_eq(strstr(strstr(text, line) + 1, line), NULL);
}
END_TEST

/* Every sample line belongs to the family declared last before it. */
START_TEST(test_samples_follow_their_type) {
        static const MetricsRule rules[] = { { "veth*", 3 } };
        static const MetricsRpFilter rp[] = { { "all", 0, 0, 0 }, { "veth1", 2, 1, 2 } };
        const MetricsView v = { "1.2.3", rules, 1, rp, 2 };
        _cleanup_(freep) char *text = NULL;
        char family[128] = "";
        unsigned samples = 0;
        Metrics m;

        metrics_init(&m, 0);
        text = render(&m, &v);
        for (char *p = text, *e; *p; p = e + 1) {
                e = strchr(p, '\n');
                ck_assert_ptr_nonnull(e); /* every line ends in a newline, the last too */
                if (strncmp(p, "# TYPE ", 7) == 0) {
                        (void) sscanf(p + 7, "%127s", family);
                        continue;
                }
                if (*p == '#')
                        continue;
                ck_assert_msg(strncmp(p, family, strlen(family)) == 0 && strchr("{ _", p[strlen(family)]),
                              "sample outside its family %s: %.*s", family, (int) (e - p), p);
                samples++;
        }
        /* 1 + 4 + 7 interfaces + 1 rule + 6 rp_filter + 1 omitted + 1 + 8 + 1 + 4 + 6 + 14 buckets + 2 */
        ck_assert_uint_eq(samples, 56);
}
END_TEST

/* ---- counters and gauges: one action, the line it must produce ------------------------- */

typedef void (*Action)(Metrics *m);

static void a_correction(Metrics *m) { metrics_count_correction(m); }
static void a_fight(Metrics *m) { metrics_count_fight(m); }
static void a_drift_rename(Metrics *m) { metrics_count_drift(m, METRICS_TRIGGER_LINK_RENAME); }
static void a_drift_retry(Metrics *m) { metrics_count_drift(m, METRICS_TRIGGER_RETRY); }
static void a_drift_invalid(Metrics *m) { metrics_count_drift(m, _METRICS_TRIGGER_INVALID); }
static void a_resync_dump(Metrics *m) { metrics_count_resync(m, METRICS_RESYNC_DUMP_FAILED); }
static void a_resync_periodic(Metrics *m) { metrics_count_resync(m, METRICS_RESYNC_PERIODIC); }
static void a_err_eacces(Metrics *m) { metrics_count_write_error(m, -EACCES); }
static void a_err_eperm_pos(Metrics *m) { metrics_count_write_error(m, EPERM); }
static void a_err_erofs(Metrics *m) { metrics_count_write_error(m, -EROFS); }
static void a_err_eio(Metrics *m) { metrics_count_write_error(m, -EIO); }
static void a_err_einval(Metrics *m) { metrics_count_write_error(m, -EINVAL); }
static void a_err_enospc(Metrics *m) { metrics_count_write_error(m, -ENOSPC); }
static void a_backoff_3(Metrics *m) { metrics_set_interfaces(m, METRICS_IF_BACKOFF, 3); }
static void a_unmanaged_250(Metrics *m) { metrics_set_interfaces(m, METRICS_IF_UNMANAGED, 250); }
static void a_reload_ok(Metrics *m) { metrics_set_reload(m, true, 1700000000 * USEC_PER_SEC + 5); }
static void a_reload_ok_then_bad(Metrics *m) {
        metrics_set_reload(m, true, 1700000000 * USEC_PER_SEC);
        metrics_set_reload(m, false, 1800000000 * USEC_PER_SEC);
}
static void a_resync_interval(Metrics *m) { metrics_set_resync_interval(m, 300 * USEC_PER_SEC); }
static void a_nothing(Metrics *m) { (void) m; }

static const struct {
        Action action;
        const char *line;
} actions[] = {
        { a_correction, "rpfguard_corrections_total 1" },
        { a_fight, "rpfguard_fights_total 1" },
        { a_drift_rename, "rpfguard_drift_events_total{trigger=\"link-rename\"} 1" },
        { a_drift_retry, "rpfguard_drift_events_total{trigger=\"retry\"} 1" },
        { a_drift_invalid, "rpfguard_drift_events_total{trigger=\"startup\"} 0" },
        { a_resync_dump, "rpfguard_resyncs_total{reason=\"dump-failed\"} 1" },
        { a_resync_periodic, "rpfguard_resyncs_total{reason=\"periodic\"} 1" },
        { a_err_eacces, "rpfguard_write_errors_total{errno=\"EACCES\"} 1" },
        { a_err_eperm_pos, "rpfguard_write_errors_total{errno=\"EPERM\"} 1" },
        { a_err_erofs, "rpfguard_write_errors_total{errno=\"EROFS\"} 1" },
        { a_err_eio, "rpfguard_write_errors_total{errno=\"EIO\"} 1" },
        { a_err_einval, "rpfguard_write_errors_total{errno=\"EINVAL\"} 1" },
        { a_err_enospc, "rpfguard_write_errors_total{errno=\"other\"} 1" },
        { a_backoff_3, "rpfguard_interfaces{state=\"backoff\"} 3" },
        { a_unmanaged_250, "rpfguard_interfaces{state=\"unmanaged\"} 250" },
        { a_reload_ok, "rpfguard_config_last_reload_successful 1" },
        { a_reload_ok, "rpfguard_config_last_reload_success_timestamp_seconds 1700000000.000005" },
        { a_reload_ok_then_bad, "rpfguard_config_last_reload_successful 0" },
        { a_reload_ok_then_bad, "rpfguard_config_last_reload_success_timestamp_seconds 1700000000.000000" },
        { a_resync_interval, "rpfguard_config_resync_interval_seconds 300.000000" },
        { a_nothing, "rpfguard_config_last_reload_successful 0" },
        { a_nothing, "rpfguard_config_last_reload_success_timestamp_seconds 0.000000" },
        { a_nothing, "rpfguard_start_time_seconds 1600000000.123456" },
        { a_nothing, "rpfguard_build_info{version=\"unknown\"} 1" },
        { a_nothing, "rpfguard_interfaces{state=\"ok\"} 0" },
        { a_nothing, "rpfguard_interfaces{state=\"drift\"} 0" },
        { a_nothing, "rpfguard_interfaces{state=\"ignored\"} 0" },
        { a_nothing, "rpfguard_interfaces{state=\"ineffective\"} 0" },
        { a_nothing, "rpfguard_interfaces{state=\"error\"} 0" },
        { a_nothing, "rpfguard_resyncs_total{reason=\"overflow\"} 0" },
        { a_nothing, "rpfguard_resyncs_total{reason=\"reload\"} 0" },
        { a_nothing, "rpfguard_drift_events_total{trigger=\"addr\"} 0" },
};

START_TEST(test_action) {
        _cleanup_(freep) char *text = NULL;
        Metrics m;

        metrics_init(&m, 1600000000 * USEC_PER_SEC + 123456);
        actions[_i].action(&m);
        text = render(&m, NULL);
        assert_line(text, actions[_i].line);
}
END_TEST

/* Counters always change the generation; gauges only when set to a new value. */
START_TEST(test_generation) {
        Metrics m;
        uint64_t g;

        metrics_init(&m, 0);
        g = m.generation;
        metrics_set_interfaces(&m, METRICS_IF_OK, 0);
        metrics_set_resync_interval(&m, 0);
        ck_assert_uint_eq(m.generation, g);
        metrics_set_interfaces(&m, METRICS_IF_OK, 5);
        ck_assert_uint_eq(m.generation, g + 1);
        metrics_set_interfaces(&m, METRICS_IF_OK, 5);
        ck_assert_uint_eq(m.generation, g + 1);
        metrics_count_correction(&m);
        metrics_count_fight(&m);
        metrics_observe_latency(&m, 7);
        metrics_touch(&m);
        ck_assert_uint_eq(m.generation, g + 5);
}
END_TEST

/* ---- label values: bytes made text injectively, then escaped --------------------------- */

static const struct {
        const char *ifname, *wire;
} labels[] = {
        { "eth0", "eth0" },
        { "veth1.100@x", "veth1.100@x" },
        { "a\"b", "a\\\"b" },              /* " → \" */
        { "a\\b", "a\\\\\\\\b" },          /* \ → text \\ → wire \\\\ */
        { "a\nb", "a\\\\x0ab" },           /* control bytes → text \x0a → wire \\x0a */
        { "\x01\x1f\x7f", "\\\\x01\\\\x1f\\\\x7f" },
        { "eth\xff", "eth\\\\xff" },       /* not UTF-8 */
        { "\xc0\xaf", "\\\\xc0\\\\xaf" },  /* overlong '/' */
        { "\xed\xa0\x80", "\\\\xed\\\\xa0\\\\x80" }, /* a surrogate */
        { "\xe2\x82", "\\\\xe2\\\\x82" },  /* truncated */
        { "\xe2\x82" "a", "\\\\xe2\\\\x82a" },
        { "caf\xc3\xa9", "caf\xc3\xa9" },  /* UTF-8 stays */
        { "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
        { "\xf4\x90\x80\x80", "\\\\xf4\\\\x90\\\\x80\\\\x80" }, /* above U+10FFFF */
        { "", "" },
};

START_TEST(test_label_escaping) {
        const MetricsRpFilter rp = { labels[_i].ifname, 1, -1, -1 };
        const MetricsView v = { .rp_filter = &rp, .n_rp_filter = 1 };
        _cleanup_(freep) char *text = NULL, *line = NULL;
        Metrics m;

        metrics_init(&m, 0);
        text = render(&m, &v);
        ck_assert_int_ge(asprintf(&line, "rpfguard_rp_filter{interface=\"%s\",kind=\"current\"} 1", labels[_i].wire), 0);
        assert_line(text, line);
}
END_TEST

/* Two names that differ only in bytes that need escaping stay two series. */
START_TEST(test_label_injective) {
        static const MetricsRpFilter rp[] = {
                { "a\xff", 1, -1, -1 }, { "a\\xff", 1, -1, -1 }, { "a\\\\xff", 1, -1, -1 },
        };
        const MetricsView v = { .rp_filter = rp, .n_rp_filter = 3 };
        _cleanup_(freep) char *text = NULL;
        Metrics m;

        metrics_init(&m, 0);
        text = render(&m, &v);
        assert_line(text, "rpfguard_rp_filter{interface=\"a\\\\xff\",kind=\"current\"} 1");
        assert_line(text, "rpfguard_rp_filter{interface=\"a\\\\\\\\xff\",kind=\"current\"} 1");
        assert_line(text, "rpfguard_rp_filter{interface=\"a\\\\\\\\\\\\\\\\xff\",kind=\"current\"} 1");
}
END_TEST

/* rp_filter: all three kinds, a negative value left out; rules as given. */
START_TEST(test_view) {
        static const MetricsRule rules[] = { { "veth*", 38 }, { "br-\"x\"", 2 } };
        static const MetricsRpFilter rp[] = { { "all", 2, 1, 2 }, { "tunl0", 0, -1, 2 } };
        const MetricsView v = { "0.1.0", rules, 2, rp, 2 };
        _cleanup_(freep) char *text = NULL;
        Metrics m;

        metrics_init(&m, 0);
        text = render(&m, &v);
        assert_line(text, "rpfguard_build_info{version=\"0.1.0\"} 1");
        assert_line(text, "rpfguard_managed_interfaces{rule=\"veth*\"} 38");
        assert_line(text, "rpfguard_managed_interfaces{rule=\"br-\\\"x\\\"\"} 2");
        assert_line(text, "rpfguard_rp_filter{interface=\"all\",kind=\"current\"} 2");
        assert_line(text, "rpfguard_rp_filter{interface=\"all\",kind=\"wanted\"} 1");
        assert_line(text, "rpfguard_rp_filter{interface=\"all\",kind=\"effective\"} 2");
        assert_line(text, "rpfguard_rp_filter{interface=\"tunl0\",kind=\"current\"} 0");
        assert_line(text, "rpfguard_rp_filter{interface=\"tunl0\",kind=\"effective\"} 2");
        ck_assert_ptr_null(strstr(text, "interface=\"tunl0\",kind=\"wanted\""));
}
END_TEST

/* However many interfaces drift at once, at most METRICS_RP_FILTER_MAX are shown; the
 * rest are counted. */
static const size_t caps[] = { 0, 2, METRICS_RP_FILTER_MAX - 1, METRICS_RP_FILTER_MAX, METRICS_RP_FILTER_MAX + 1, 2000 };

START_TEST(test_rp_filter_cap) {
        size_t n = caps[_i], shown = n < METRICS_RP_FILTER_MAX ? n : METRICS_RP_FILTER_MAX;
        _cleanup_(freep) MetricsRpFilter *rp = calloc(n + 1, sizeof(MetricsRpFilter));
        _cleanup_(freep) char *names = calloc(n + 1, 16), *text = NULL, *line = NULL;
        MetricsView v = { .rp_filter = rp, .n_rp_filter = n };
        unsigned series = 0;
        Metrics m;

        ck_assert(rp && names);
        for (size_t k = 0; k < n; k++) {
                (void) snprintf(names + 16 * k, 16, "veth%u", (unsigned) (k % 100000));
                rp[k] = (MetricsRpFilter) { names + 16 * k, 2, 1, 2 };
        }
        metrics_init(&m, 0);
        text = render(&m, &v);
        for (const char *p = text; (p = strstr(p, "\nrpfguard_rp_filter{")); p++)
                series++;
        ck_assert_uint_eq(series, 3 * shown);
        ck_assert_int_ge(asprintf(&line, "rpfguard_rp_filter_omitted_interfaces %zu", n - shown), 0);
        assert_line(text, line);
        if (n > shown) /* the first ones are shown, in the caller's order */
                ck_assert_ptr_nonnull(strstr(text, "interface=\"veth0\",kind=\"current\""));
        ck_assert_uint_lt(strlen(text), 16384);
}
END_TEST

/* ---- the histogram ------------------------------------------------------------------- */

static const char *const le[METRICS_LATENCY_BUCKETS] = {
        "1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005", "0.001",
        "0.0025", "0.005", "0.01", "0.025", "0.1", "1", "+Inf",
};

static const struct {
        usec_t obs[8];
        size_t n;
        uint64_t cumulative[METRICS_LATENCY_BUCKETS];
        const char *sum;
} histograms[] = {
        { {}, 0, { 0 }, "0.000000" },
        /* le is "less than or equal": 10 µs is in the first bucket, 11 µs is not */
        { { 10 }, 1, { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, "0.000010" },
        { { 11 }, 1, { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, "0.000011" },
        { { 0, 25, 26 }, 3, { 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3 }, "0.000051" },
        { { 10000, 10001 }, 2, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2 }, "0.020001" },
        { { 1000000, 1000001, 7200000000 }, 3, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3 }, "7202.000001" },
        { { 100, 250, 500, 1000, 2500, 5000, 25000, 100000 }, 8,
          { 0, 0, 0, 1, 2, 3, 4, 5, 6, 6, 7, 8, 8, 8 }, "0.134350" },
};

START_TEST(test_histogram) {
        _cleanup_(freep) char *text = NULL, *line = NULL;
        Metrics m;

        metrics_init(&m, 0);
        for (size_t k = 0; k < histograms[_i].n; k++)
                metrics_observe_latency(&m, histograms[_i].obs[k]);
        text = render(&m, NULL);
        for (size_t b = 0; b < METRICS_LATENCY_BUCKETS; b++) {
                free(line);
                ck_assert_int_ge(asprintf(&line, "rpfguard_correction_latency_seconds_bucket{le=\"%s\"} %llu", le[b],
                                          (unsigned long long) histograms[_i].cumulative[b]),
                                 0);
                assert_line(text, line);
                if (b > 0) /* the fixture itself: cumulative */
                        ck_assert_uint_ge(histograms[_i].cumulative[b], histograms[_i].cumulative[b - 1]);
        }
        ck_assert_uint_eq(histograms[_i].cumulative[METRICS_LATENCY_BUCKETS - 1], histograms[_i].n);
        free(line);
        ck_assert_int_ge(asprintf(&line, "rpfguard_correction_latency_seconds_count %zu", histograms[_i].n), 0);
        assert_line(text, line);
        free(line);
        ck_assert_int_ge(asprintf(&line, "rpfguard_correction_latency_seconds_sum %s", histograms[_i].sum), 0);
        assert_line(text, line);
}
END_TEST

/* ---- names ----------------------------------------------------------------------------- */

START_TEST(test_names) {
        for (MetricsTrigger t = 0; t < _METRICS_TRIGGER_MAX; t++)
                ck_assert_int_eq(metrics_trigger_from_string(metrics_trigger_to_string(t)), t);
        ck_assert_int_eq(metrics_trigger_from_string("link"), _METRICS_TRIGGER_INVALID);
        ck_assert_int_eq(metrics_trigger_from_string(NULL), _METRICS_TRIGGER_INVALID);
        ck_assert_ptr_null(metrics_trigger_to_string(_METRICS_TRIGGER_MAX));
        ck_assert_str_eq(metrics_resync_to_string(METRICS_RESYNC_DUMP_FAILED), "dump-failed");
        ck_assert_str_eq(metrics_if_state_to_string(METRICS_IF_INEFFECTIVE), "ineffective");
        ck_assert_str_eq(metrics_errno_to_string(metrics_errno_from_errno(-ENODEV)), "other");
        ck_assert_str_eq(metrics_errno_to_string(metrics_errno_from_errno(EROFS)), "EROFS");
}
END_TEST

/* ---- the file -------------------------------------------------------------------------- */

static char *tmpdir(void) {
        char *d = strdup("/tmp/test-metrics.XXXXXX");

        ck_assert_ptr_nonnull(d);
        ck_assert_ptr_nonnull(mkdtemp(d));
        return d;
}

static unsigned dir_entries(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *e;
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

static char *slurp(const char *path) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = fopen(path, "re"), *out = open_memstream(&buf, &size);
        int c;

        ck_assert_ptr_nonnull(f);
        while ((c = fgetc(f)) != EOF)
                fputc(c, out);
        fclose(f);
        fclose(out);
        return buf;
}

/* The file holds exactly the rendering, mode 0644 whatever the umask, nothing beside it;
 * a second write replaces it by rename (a reader of the old file keeps the old file). */
START_TEST(test_write_file) {
        static const MetricsRpFilter rp[] = { { "all", 1, 1, 1 } };
        const MetricsView v = { .version = "9", .rp_filter = rp, .n_rp_filter = 1 };
        _cleanup_(freep) char *dir = tmpdir(), *path = NULL, *want = NULL, *got = NULL, *old = NULL;
        struct stat st1, st2;
        mode_t mask;
        Metrics m;
        FILE *reader;
        int c;

        ck_assert_int_ge(asprintf(&path, "%s/rpfguard.prom", dir), 0);
        metrics_init(&m, 0);
        metrics_count_fight(&m);

        mask = umask(077);
        ck_assert_int_eq(metrics_write_file(&m, &v, path), 0);
        umask(mask);
        ck_assert_int_eq(stat(path, &st1), 0);
        ck_assert_uint_eq(st1.st_mode & 07777, 0644);
        ck_assert_uint_eq(dir_entries(dir), 1);
        want = render(&m, &v);
        got = slurp(path);
        ck_assert_str_eq(got, want);

        /* Someone reads the old file while the next one is written. */
        reader = fopen(path, "re");
        ck_assert_ptr_nonnull(reader);
        metrics_count_fight(&m);
        ck_assert_int_eq(metrics_write_file(&m, &v, path), 0);
        ck_assert_int_eq(stat(path, &st2), 0);
        ck_assert_uint_ne(st1.st_ino, st2.st_ino);
        ck_assert_uint_eq(dir_entries(dir), 1);
        free(got);
        got = slurp(path);
        free(want);
        want = render(&m, &v);
        ck_assert_str_eq(got, want);
        assert_line(got, "rpfguard_fights_total 2");

        {
                size_t size = 0;
                FILE *out = open_memstream(&old, &size);

                while ((c = fgetc(reader)) != EOF)
                        fputc(c, out);
                fclose(out);
        }
        fclose(reader);
        assert_line(old, "rpfguard_fights_total 1");
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* Failures: -errno, no temporary file left behind, an existing file untouched. */
static const struct {
        const char *name; /* under the test's directory */
        bool mkdir_target;
        int error;
} failures[] = {
        { "missing/rpfguard.prom", false, -ENOENT }, /* the directory does not exist */
        { "rpfguard.prom", true, -EISDIR },          /* rename() over a directory */
};

START_TEST(test_write_failure) {
        _cleanup_(freep) char *dir = tmpdir(), *path = NULL;
        Metrics m;

        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, failures[_i].name), 0);
        if (failures[_i].mkdir_target)
                ck_assert_int_eq(mkdir(path, 0755), 0);
        metrics_init(&m, 0);
        ck_assert_int_eq(metrics_write_file(&m, NULL, path), failures[_i].error);
        ck_assert_uint_eq(dir_entries(dir), failures[_i].mkdir_target ? 1 : 0);
        if (failures[_i].mkdir_target) {
                ck_assert_uint_eq(dir_entries(path), 0);
                ck_assert_int_eq(rmdir(path), 0);
        }
        ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *metrics_suite(void) {
        Suite *s = suite_create("metrics");
        TCase *tc;

        tc = tcase_create("render");
        tcase_add_loop_test(tc, test_family_help_type, 0, ELEMENTSOF(families));
        tcase_add_test(tc, test_samples_follow_their_type);
        tcase_add_loop_test(tc, test_action, 0, ELEMENTSOF(actions));
        tcase_add_test(tc, test_generation);
        tcase_add_test(tc, test_view);
        tcase_add_test(tc, test_names);
        suite_add_tcase(s, tc);

        tc = tcase_create("labels");
        tcase_add_loop_test(tc, test_label_escaping, 0, ELEMENTSOF(labels));
        tcase_add_test(tc, test_label_injective);
        tcase_add_loop_test(tc, test_rp_filter_cap, 0, ELEMENTSOF(caps));
        suite_add_tcase(s, tc);

        tc = tcase_create("histogram");
        tcase_add_loop_test(tc, test_histogram, 0, ELEMENTSOF(histograms));
        suite_add_tcase(s, tc);

        tc = tcase_create("file");
        tcase_add_test(tc, test_write_file);
        tcase_add_loop_test(tc, test_write_failure, 0, ELEMENTSOF(failures));
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(metrics_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
