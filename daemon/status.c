/* SPDX-License-Identifier: MIT */
/* status: collects a link dump and the rp_filter files, asks policy.c for each
 * state, puts the running daemon's state (state.json) beside it and formats it, or
 * sums it up in one line for --check. Must not write anything to the kernel. */
#define _GNU_SOURCE
#include "status.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ifname.h"
#include "netlink.h"
#include "policy.h"
#include "state.h"
#include "sysctl.h"
#include "util.h"

typedef struct Row {
        int ifindex;                /* 0: all/default */
        char name[IFNAMSIZ];
        const char *rule;           /* NULL: none */
        int wanted;                 /* -1: none (unset, ignore, unmanaged) */
        int current;                /* any int: the kernel accepts any */
        bool has_current;           /* false: no IPv4 configuration (or unreadable) */
        int effective;
        bool has_effective;
        IfState state;
        const StateHold *hold;      /* the running daemon holds it back: a back-off, a failing write */
        bool shown;                 /* named on the command line (or no names given) */
} Row;

typedef struct Links {
        Row *rows;
        size_t n;
        int error;
} Links;

static void on_link(const NetlinkEvent *ev, void *userdata) {
        Links *l = userdata;
        Row *rows;

        if (ev->type == NETLINK_EVENT_DUMP_DONE && ev->error < 0)
                l->error = ev->error;
        if (ev->type == NETLINK_EVENT_DUMP_RESTART)
                l->n = 0; /* the kernel flagged it inconsistent: its entries come again */
        if (ev->type != NETLINK_EVENT_LINK_NEW || !ev->dump || l->error < 0)
                return;
        rows = realloc(l->rows, (l->n + 1) * sizeof(Row));
        if (!rows) {
                l->error = -ENOMEM;
                return;
        }
        l->rows = rows;
        rows[l->n] = (Row) { .ifindex = ev->ifindex };
        (void) snprintf(rows[l->n].name, sizeof(rows[l->n].name), "%s", ev->ifname);
        l->n++;
}

static int row_compare(const void *a, const void *b) {
        const Row *x = a, *y = b;
        return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static void fill_global(Row *row, int conf_fd, const char *name, RpFilter wanted) {
        *row = (Row) { .rule = NULL };
        (void) snprintf(row->name, sizeof(row->name), "%s", name);
        row->has_current = sysctl_rp_filter_read(conf_fd, name, &row->current) >= 0;
        if (wanted != RP_FILTER_UNSET) {
                row->rule = name;
                row->wanted = (int) wanted;
        } else
                row->wanted = -1;
        /* Unreadable counts as drift when a value is wanted: it cannot be vouched for. */
        row->state = policy_global_state(wanted, row->has_current ? row->current : INT_MIN);
}

static void fill_iface(Row *row, const Config *c, int conf_fd, const Row *all) {
        const Rule *rule = policy_lookup(c, row->name);
        int all_value = all->has_current ? all->current : 0;

        row->rule = rule ? rule->pattern : NULL;
        row->wanted = rule && rule->value != RP_FILTER_IGNORE ? (int) rule->value : -1;
        row->has_current = sysctl_rp_filter_read(conf_fd, row->name, &row->current) >= 0;
        if (!row->has_current) {
                /* No IPv4 configuration (or gone): nothing the kernel could filter with. */
                row->state = !rule ? IF_STATE_UNMANAGED
                             : rule->value == RP_FILTER_IGNORE ? IF_STATE_IGNORED : IF_STATE_OK;
                return;
        }
        row->has_effective = true;
        row->effective = policy_effective(all_value, row->current);
        row->state = policy_state(rule, all_value, row->current);
}

/* Interface names are bytes (any but '/', ':', NUL and white space), like patterns and paths.
 * Well-formed UTF-8 is written as UTF-8, with '"', '\\' and the control characters (C0,
 * DEL, C1) escaped; each byte that is not part of well-formed UTF-8 becomes U+FFFD.
 * Returns false when it replaced a byte, that is when the string is not lossless. */
static bool print_json_string(FILE *out, const char *s) {
        bool lossless = true;
        size_t n;

        fputc('"', out);
        for (const char *c = s; *c; c += n) {
                unsigned char b = (unsigned char) *c;

                n = ifname_utf8_len(c);
                if (n == 0) {
                        fputs("\xef\xbf\xbd", out);
                        lossless = false;
                        n = 1;
                } else if (b == '"' || b == '\\')
                        fprintf(out, "\\%c", b);
                else if (b < 0x20 || b == 0x7f)
                        fprintf(out, "\\u%04x", b);
                else if (b == 0xc2 && (unsigned char) c[1] < 0xa0) /* U+0080..U+009F */
                        fprintf(out, "\\u%04x", (unsigned char) c[1]);
                else
                        fwrite(c, 1, n, out);
        }
        fputc('"', out);
        return lossless;
}

/* "KEY":"S", and when S is not well-formed UTF-8 also "KEY_hex": S's exact bytes as
 * lowercase hex digits, so that no name is ever lost to the U+FFFD in "KEY". */
static void print_json_member(FILE *out, const char *key, const char *s) {
        fprintf(out, "\"%s\":", key);
        if (print_json_string(out, s))
                return;
        fprintf(out, ",\"%s_hex\":\"", key);
        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                fprintf(out, "%02x", *c);
        fputc('"', out);
}

static void print_json_int(FILE *out, bool has, int v) {
        if (!has)
                fputs("null", out);
        else
                fprintf(out, "%d", v);
}

/* ---- the running daemon ------------------------------------------------------------------ */

static usec_t realtime_now(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* Seconds from now to UNTIL (realtime µs), rounded up; 0 when it has passed. */
static unsigned long long seconds_left(usec_t until, usec_t now) {
        return until > now ? (until - now + USEC_PER_SEC - 1) / USEC_PER_SEC : 0;
}

static const char *duration_text(unsigned long long s, char buf[static 32]) {
        if (s < 60)
                (void) snprintf(buf, 32, "%llus", s);
        else if (s < 3600)
                (void) snprintf(buf, 32, "%llum%02llus", s / 60, s % 60);
        else
                (void) snprintf(buf, 32, "%lluh%02llum", s / 3600, s / 60 % 60);
        return buf;
}

static const char *time_text(usec_t usec, char buf[static 64]) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (usec == 0 || !localtime_r(&t, &tm) || strftime(buf, 64, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                return "-";
        return buf;
}

/* A value with its word: "1 strict", "2 loose", "0 off"; any other int bare. */
static const char *value_text(bool has, int v, char buf[static 24]) {
        if (!has)
                return "-";
        if (v >= 0 && v < _RP_FILTER_MAX)
                (void) snprintf(buf, 24, "%d %s", v, rp_filter_to_string((RpFilter) v));
        else
                (void) snprintf(buf, 24, "%d", v);
        return buf;
}

/* What the daemon says about one row: "backoff 43s (theirs 2 loose)", "error EROFS". */
static const char *hold_text(const StateHold *h, usec_t now, char buf[static 96]) {
        char d[32], v[24];

        if (!h)
                return "-";
        if (h->kind == STATE_HOLD_BACKOFF)
                (void) snprintf(buf, 96, "backoff %s (theirs %s)", duration_text(seconds_left(h->until, now), d),
                                value_text(true, h->theirs, v));
        else if (h->until > 0)
                (void) snprintf(buf, 96, "error %s, retry in %s", state_errno_name(h->error),
                                duration_text(seconds_left(h->until, now), d));
        else
                (void) snprintf(buf, 96, "error %s", state_errno_name(h->error));
        return buf;
}

/* ---- output ------------------------------------------------------------------------------- */

static void print_json_seconds(FILE *out, usec_t usec) {
        if (usec == 0)
                fputs("null", out);
        else
                state_put_seconds(out, usec);
}

static void print_json_hold(FILE *out, const StateHold *h, usec_t now) {
        if (!h) {
                fputs("null", out);
                return;
        }
        fprintf(out, "{\"state\":\"%s\",\"until\":", state_hold_kind_to_string(h->kind));
        print_json_seconds(out, h->until);
        fprintf(out, ",\"seconds_left\":%llu,\"wanted\":%d", seconds_left(h->until, now), h->wanted);
        if (h->kind == STATE_HOLD_BACKOFF)
                fprintf(out, ",\"theirs\":%d}", h->theirs);
        else
                fprintf(out, ",\"errno\":\"%s\",\"error\":\"%s\",\"failures\":%u}", state_errno_name(h->error),
                        strerror(h->error), h->failures);
}

static void print_json_row(FILE *out, const Row *r, bool global, usec_t now) {
        fputc('{', out);
        print_json_member(out, "name", r->name);
        if (!global)
                fprintf(out, ",\"ifindex\":%d", r->ifindex);
        fputc(',', out);
        if (r->rule)
                print_json_member(out, "rule", r->rule);
        else
                fputs("\"rule\":null", out);
        fputs(",\"wanted\":", out);
        print_json_int(out, r->wanted >= 0, r->wanted);
        fputs(",\"current\":", out);
        print_json_int(out, r->has_current, r->current);
        if (!global) {
                fputs(",\"effective\":", out);
                print_json_int(out, r->has_effective, r->effective);
        }
        fprintf(out, ",\"state\":\"%s\",\"daemon\":", if_state_to_string(r->state));
        print_json_hold(out, r->hold, now);
        fputc('}', out);
}

typedef struct Snapshot {
        Links links;
        Row all, def;
        unsigned counts[_IF_STATE_MAX];  /* of the rows shown, all and default aside */
        size_t n_shown;
        int drift;                       /* rows shown in drift, all and default included */
        DaemonState *daemon;             /* NULL: none runs (why: no_daemon) */
        char *no_daemon;
        int daemon_error;                /* the state file exists but cannot be read */
        usec_t now;                      /* CLOCK_REALTIME */
} Snapshot;

static void snapshot_done(Snapshot *s) {
        free(s->links.rows);
        daemon_state_free(s->daemon);
        free(s->no_daemon);
}

static void print_json_daemon(FILE *out, const Snapshot *s) {
        const DaemonState *d = s->daemon;
        const StateCorrection *l = &d->last_correction;

        fprintf(out, "{\"running\":true,\"pid\":%d,", (int) d->pid);
        print_json_member(out, "mode", d->mode ?: "");
        fputs(",\"started\":", out);
        print_json_seconds(out, d->started);
        fputs(",\"config\":{", out);
        print_json_member(out, "path", d->config_path ?: "");
        fputs(",\"loaded\":", out);
        print_json_seconds(out, d->config_loaded);
        fprintf(out, "},\"reload\":{\"successful\":%s,\"rejected\":", d->reload_successful ? "true" : "false");
        if (d->reload_rejected)
                (void) print_json_string(out, d->reload_rejected);
        else
                fputs("null", out);
        fputs(",\"rejected_at\":", out);
        print_json_seconds(out, d->reload_rejected ? d->reload_rejected_at : 0);
        fprintf(out, "},\"counts\":{\"managed\":%u,\"corrections\":%u,\"drift_events\":%u,\"fights\":%u,"
                     "\"write_errors\":%u,\"resyncs\":%u,\"backoff\":%u,\"error\":%u},\"last_correction\":",
                d->managed, d->corrections, d->drift_events, d->fights, d->write_errors, d->resyncs, d->n_backoff,
                d->n_error);
        if (d->has_last_correction) {
                fputc('{', out);
                print_json_member(out, "name", l->name);
                fprintf(out, ",\"ifindex\":%d,\"old\":%d,\"new\":%d,", l->ifindex, l->old_value, l->new_value);
                print_json_member(out, "trigger", l->trigger);
                fputs(",\"at\":", out);
                print_json_seconds(out, l->at);
                fputc('}', out);
        } else
                fputs("null", out);
        fputc('}', out);
}

static void print_json(FILE *out, const Config *c, const Snapshot *s) {
        bool first = true;

        fputc('{', out);
        print_json_member(out, "config", c->path);
        fprintf(out, ",\"mode\":\"%s\",\"daemon\":", mode_to_string(c->mode));
        if (s->daemon)
                print_json_daemon(out, s);
        else {
                fputs("{\"running\":false,", out);
                print_json_member(out, "note", "no rpfguard daemon is running: values are the kernel's only");
                fputc(',', out);
                print_json_member(out, "reason", s->no_daemon ?: "");
                fputc('}', out);
        }
        fputs(",\"all\":", out);
        print_json_row(out, &s->all, true, s->now);
        fputs(",\"default\":", out);
        print_json_row(out, &s->def, true, s->now);
        fputs(",\"interfaces\":[", out);
        for (size_t k = 0; k < s->links.n; k++) {
                if (!s->links.rows[k].shown)
                        continue;
                if (!first)
                        fputc(',', out);
                first = false;
                print_json_row(out, &s->links.rows[k], false, s->now);
        }
        fputs("],\"summary\":{", out);
        for (IfState st = 0; st < _IF_STATE_MAX; st++)
                fprintf(out, "%s\"%s\":%u", st > 0 ? "," : "", if_state_to_string(st), s->counts[st]);
        fputs("}}\n", out);
}

/* Unprintable bytes of a name as \xNN, so one row stays one line. */
static const char *printable(const char *s, char buf[static 4 * IFNAMSIZ]) {
        char *p = buf;

        *p = 0;
        for (const unsigned char *c = (const unsigned char *) s; *c && p < buf + (ptrdiff_t) 4 * IFNAMSIZ - 5; c++)
                p += *c < 0x20 || *c >= 0x7f ? sprintf(p, "\\x%02x", *c) : sprintf(p, "%c", *c);
        return buf;
}

static const char *table_value(bool has, int v, char buf[static 16]) {
        if (!has)
                return "-";
        (void) snprintf(buf, 16, "%d", v);
        return buf;
}

static void print_table_row(FILE *out, const Row *r, const Snapshot *s) {
        char name[4 * IFNAMSIZ], b1[24], b2[24], b3[24], idx[16], h[96];

        fprintf(out, "%-16s %7s  %-16s %-9s %-9s %-9s  %s", printable(r->name, name),
                table_value(r->ifindex > 0, r->ifindex, idx), r->rule ?: "-", value_text(r->wanted >= 0, r->wanted, b1),
                value_text(r->has_current, r->current, b2), value_text(r->has_effective, r->effective, b3),
                if_state_to_string(r->state));
        if (s->daemon)
                fprintf(out, "%*s  %s", 11 - (int) strlen(if_state_to_string(r->state)), "", hold_text(r->hold, s->now, h));
        fputc('\n', out);
}

/* What the daemon is doing, above the table; or that there is none. */
static void print_daemon(FILE *out, const Snapshot *s) {
        const DaemonState *d = s->daemon;
        char t1[64], t2[64], v1[24], v2[24];

        if (!d) {
                fprintf(out, "no rpfguard daemon is running: values are the kernel's only (%s)\n\n",
                        s->no_daemon ?: "no state file");
                return;
        }
        fprintf(out, "daemon: PID %d, mode %s since %s; configuration %s loaded %s\n", (int) d->pid, d->mode ?: "?",
                time_text(d->started, t1), d->config_path ?: "?", time_text(d->config_loaded, t2));
        fprintf(out, "daemon: managed %u, corrections %u, fights %u, failed writes %u; now backing off %u, failing %u\n",
                d->managed, d->corrections, d->fights, d->write_errors, d->n_backoff, d->n_error);
        if (d->reload_rejected)
                fprintf(out, "daemon: reload rejected: %s (at %s); the configuration loaded %s stays in force\n",
                        d->reload_rejected, time_text(d->reload_rejected_at, t1), time_text(d->config_loaded, t2));
        if (d->has_last_correction) {
                char name[4 * IFNAMSIZ];

                fprintf(out, "daemon: last correction: %s %s -> %s (%s) at %s\n",
                        printable(d->last_correction.name, name), value_text(true, d->last_correction.old_value, v1),
                        value_text(true, d->last_correction.new_value, v2), d->last_correction.trigger,
                        time_text(d->last_correction.at, t1));
        }
        if (d->omitted > 0)
                fprintf(out, "daemon: %zu more interfaces held back than its state file lists\n", d->omitted);
        fputc('\n', out);
}

static void print_table(FILE *out, const Snapshot *s, bool filtered) {
        print_daemon(out, s);
        fprintf(out, "%-16s %7s  %-16s %-9s %-9s %-9s  %s%s\n", "INTERFACE", "IFINDEX", "RULE", "WANTED", "CURRENT",
                "EFFECTIVE", s->daemon ? "STATE        " : "STATE", s->daemon ? "DAEMON" : "");
        if (s->all.shown)
                print_table_row(out, &s->all, s);
        if (s->def.shown)
                print_table_row(out, &s->def, s);
        for (size_t k = 0; k < s->links.n; k++)
                if (s->links.rows[k].shown)
                        print_table_row(out, &s->links.rows[k], s);
        fprintf(out, "\n%zu %sinterfaces:", s->n_shown, filtered ? "of the named " : "");
        for (IfState st = 0; st < _IF_STATE_MAX; st++)
                fprintf(out, "%s %u %s", st > 0 ? "," : "", s->counts[st], if_state_to_string(st));
        fputc('\n', out);
}

/* ---- collecting ------------------------------------------------------------------------------ */

static const StateHold *find_hold(const DaemonState *d, const Row *r, int ifindex) {
        for (size_t k = 0; d && k < d->n_holds; k++)
                if (d->holds[k].ifindex == ifindex && strcmp(d->holds[k].name, r->name) == 0)
                        return &d->holds[k];
        return NULL;
}

static bool named(const StatusOptions *o, const char *name) {
        if (o->n_names == 0)
                return true;
        for (size_t k = 0; k < o->n_names; k++)
                if (strcmp(o->names[k], name) == 0)
                        return true;
        return false;
}

static int snapshot_take(const Config *c, const StatusOptions *o, Snapshot *s) {
        _cleanup_(closep) int conf_fd = -1;
        Netlink *nl = NULL;
        int r;

        *s = (Snapshot) { .now = realtime_now() };
        r = netlink_open(false, 0, &nl);
        if (r < 0)
                return r;
        r = netlink_dump_links_sync(nl, on_link, &s->links);
        netlink_free(nl);
        if (r >= 0 && s->links.error < 0)
                r = s->links.error;
        if (r < 0)
                return r;

        conf_fd = sysctl_conf_open(o->sysctl_root ?: SYSCTL_ROOT_DEFAULT);
        if (conf_fd < 0)
                return conf_fd;

        r = state_load_running(o->runtime_dir ?: STATE_RUNTIME_DIR_DEFAULT, &s->daemon, &s->no_daemon);
        if (r < 0)
                s->daemon_error = r;

        qsort(s->links.rows, s->links.n, sizeof(Row), row_compare);
        fill_global(&s->all, conf_fd, SYSCTL_CONF_ALL, c->all);
        fill_global(&s->def, conf_fd, SYSCTL_CONF_DEFAULT, c->def);
        s->all.hold = find_hold(s->daemon, &s->all, -1);
        s->def.hold = find_hold(s->daemon, &s->def, -2);
        s->all.shown = named(o, s->all.name);
        s->def.shown = named(o, s->def.name);
        s->drift = (s->all.shown && s->all.state == IF_STATE_DRIFT) + (s->def.shown && s->def.state == IF_STATE_DRIFT);
        for (size_t k = 0; k < s->links.n; k++) {
                Row *row = &s->links.rows[k];

                fill_iface(row, c, conf_fd, &s->all);
                row->hold = find_hold(s->daemon, row, row->ifindex);
                row->shown = named(o, row->name);
                if (!row->shown)
                        continue;
                s->n_shown++;
                s->counts[row->state]++;
                s->drift += row->state == IF_STATE_DRIFT;
        }
        return 0;
}

/* The names given that are none of the rows, each said on stderr. */
static size_t report_missing(const StatusOptions *o, const Snapshot *s) {
        size_t missing = 0;

        for (size_t k = 0; k < o->n_names; k++) {
                bool found = strcmp(o->names[k], SYSCTL_CONF_ALL) == 0 || strcmp(o->names[k], SYSCTL_CONF_DEFAULT) == 0;

                for (size_t j = 0; !found && j < s->links.n; j++)
                        found = strcmp(s->links.rows[j].name, o->names[k]) == 0;
                if (!found) {
                        char name[4 * IFNAMSIZ];

                        fprintf(stderr, "%s: no interface %s in this network namespace\n",
                                program_invocation_short_name, printable(o->names[k], name));
                        missing++;
                }
        }
        return missing;
}

int status_report(const Config *c, const StatusOptions *o, FILE *out, size_t *ret_missing) {
        Snapshot s;
        int r;

        r = snapshot_take(c, o, &s);
        if (r < 0) {
                snapshot_done(&s);
                return r;
        }
        if (s.daemon_error < 0)
                fprintf(stderr, "%s: %s, showing the kernel's values only\n", program_invocation_short_name,
                        s.no_daemon ?: "cannot read the daemon's state");
        *ret_missing = report_missing(o, &s);
        if (o->json)
                print_json(out, c, &s);
        else
                print_table(out, &s, o->n_names > 0);
        r = s.drift;
        snapshot_done(&s);
        return r;
}

/* ---- --check: one line for node-problem-detector ------------------------------------------- */

/* Up to three names after WHAT: "2 drifting (cali1 2 loose, cali2 0 off)". */
typedef struct Problem {
        unsigned n;
        char names[160];
} Problem;

static void problem_add(Problem *p, const char *fmt, const char *name, int v) {
        char one[96], pn[4 * IFNAMSIZ], vb[24];
        size_t len = strlen(p->names);

        if (p->n++ >= 3)
                return;
        (void) snprintf(one, sizeof(one), fmt, printable(name, pn), value_text(true, v, vb));
        (void) snprintf(p->names + len, sizeof(p->names) - len, "%s%s", len ? ", " : "", one);
}

static void problem_put(char *line, size_t size, const Problem *p, const char *what) {
        size_t len = strlen(line);

        if (p->n == 0)
                return;
        (void) snprintf(line + len, size - len, "%s%u %s (%s%s)", len ? "; " : "", p->n, what, p->names,
                        p->n > 3 ? ", ..." : "");
}

int status_check(const Config *c, const StatusOptions *o, bool expect_daemon, FILE *out) {
        Problem drift = {}, backoff = {}, failing = {};
        char line[512] = "", v[24], pn[4 * IFNAMSIZ];
        const Row *rows[2];
        unsigned managed = 0;
        Snapshot s;
        int r, rc;

        r = snapshot_take(c, o, &s);
        if (r < 0) {
                fprintf(out, "unknown: cannot read the interfaces' rp_filter: %s\n", strerror(-r));
                snapshot_done(&s);
                return 2;
        }
        if (s.daemon_error < 0) {
                fprintf(out, "unknown: %s\n", s.no_daemon ?: "cannot read the daemon's state");
                snapshot_done(&s);
                return 2;
        }

        rows[0] = &s.all;
        rows[1] = &s.def;
        for (size_t k = 0; k < 2 + s.links.n; k++) {
                const Row *row = k < 2 ? rows[k] : &s.links.rows[k - 2];

                if (!row->shown)
                        continue;
                if (k >= 2 && row->wanted >= 0)
                        managed++;
                /* Held back by the daemon: the kernel's value is the other writer's, or
                 * the one that cannot be corrected; that is the problem, not drift. */
                if (row->hold && row->hold->kind == STATE_HOLD_BACKOFF)
                        problem_add(&backoff, "%s: another writer sets %s", row->name, row->hold->theirs);
                else if (row->hold) {
                        size_t len = strlen(failing.names);

                        if (failing.n++ < 3)
                                (void) snprintf(failing.names + len, sizeof(failing.names) - len, "%s%s: %s",
                                                len ? ", " : "", printable(row->name, pn),
                                                state_errno_name(row->hold->error));
                } else if (row->state == IF_STATE_DRIFT)
                        problem_add(&drift, "%s %s", row->name, row->has_current ? row->current : -1);
        }

        if (expect_daemon && !s.daemon) {
                size_t len;

                (void) snprintf(line, sizeof(line), "no rpfguard daemon is running (%s)", s.no_daemon ?: "no state file");
                len = strlen(line);
                if (drift.n > 0)
                        (void) snprintf(line + len, sizeof(line) - len, "; %u drifting", drift.n);
                rc = 1;
        } else {
                problem_put(line, sizeof(line), &failing, failing.n == 1 ? "write failing" : "writes failing");
                problem_put(line, sizeof(line), &backoff, "backing off from a fight");
                problem_put(line, sizeof(line), &drift, "drifting");
                rc = line[0] ? 1 : 0;
        }
        if (rc == 1)
                fprintf(out, "not compliant: %s\n", line);
        else if (s.daemon)
                fprintf(out, "compliant: %u managed interface%s as configured, all %s; rpfguard PID %d, mode %s\n",
                        managed, managed == 1 ? "" : "s", value_text(s.all.has_current, s.all.current, v),
                        (int) s.daemon->pid, s.daemon->mode ?: "?");
        else
                fprintf(out, "compliant: %u managed interface%s as configured, all %s (no daemon checked)\n", managed,
                        managed == 1 ? "" : "s", value_text(s.all.has_current, s.all.current, v));
        snapshot_done(&s);
        return rc;
}
