/* SPDX-License-Identifier: MIT */
/* status: collects a link dump and the rp_filter files, asks policy.c for each
 * state and formats it. Must not write anything to the kernel. */
#define _GNU_SOURCE
#include "status.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "ifname.h"
#include "netlink.h"
#include "policy.h"
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

static void print_json_row(FILE *out, const Row *r, bool global) {
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
        fprintf(out, ",\"state\":\"%s\"}", if_state_to_string(r->state));
}

static void print_json(FILE *out, const Config *c, const Row *all, const Row *def, const Links *l,
                       const unsigned counts[_IF_STATE_MAX]) {
        fputc('{', out);
        print_json_member(out, "config", c->path);
        fprintf(out, ",\"mode\":\"%s\",\"all\":", mode_to_string(c->mode));
        print_json_row(out, all, true);
        fputs(",\"default\":", out);
        print_json_row(out, def, true);
        fputs(",\"interfaces\":[", out);
        for (size_t k = 0; k < l->n; k++) {
                if (k > 0)
                        fputc(',', out);
                print_json_row(out, &l->rows[k], false);
        }
        fputs("],\"summary\":{", out);
        for (IfState s = 0; s < _IF_STATE_MAX; s++)
                fprintf(out, "%s\"%s\":%u", s > 0 ? "," : "", if_state_to_string(s), counts[s]);
        fputs("}}\n", out);
}

static const char *table_value(bool has, int v, char buf[static 16]) {
        if (!has)
                return "-";
        (void) snprintf(buf, 16, "%d", v);
        return buf;
}

static void print_table_row(FILE *out, const Row *r) {
        char name[4 * IFNAMSIZ] = "", *p = name, b1[16], b2[16], b3[16], idx[16];

        /* Unprintable bytes of a name as \xNN, so one row stays one line. */
        for (const unsigned char *c = (const unsigned char *) r->name; *c; c++)
                p += *c < 0x20 || *c >= 0x7f ? sprintf(p, "\\x%02x", *c) : sprintf(p, "%c", *c);
        fprintf(out, "%-16s %7s  %-16s %6s  %7s  %9s  %s\n", name, table_value(r->ifindex > 0, r->ifindex, idx),
                r->rule ?: "-", table_value(r->wanted >= 0, r->wanted, b1), table_value(r->has_current, r->current, b2),
                table_value(r->has_effective, r->effective, b3), if_state_to_string(r->state));
}

static void print_table(FILE *out, const Row *all, const Row *def, const Links *l,
                        const unsigned counts[_IF_STATE_MAX]) {
        fprintf(out, "%-16s %7s  %-16s %6s  %7s  %9s  %s\n", "INTERFACE", "IFINDEX", "RULE", "WANTED", "CURRENT",
                "EFFECTIVE", "STATE");
        print_table_row(out, all);
        print_table_row(out, def);
        for (size_t k = 0; k < l->n; k++)
                print_table_row(out, &l->rows[k]);
        fprintf(out, "\n%zu interfaces:", l->n);
        for (IfState s = 0; s < _IF_STATE_MAX; s++)
                fprintf(out, "%s %u %s", s > 0 ? "," : "", counts[s], if_state_to_string(s));
        fputc('\n', out);
}

int status_report(const Config *c, const char *sysctl_root, bool json, FILE *out) {
        _cleanup_(closep) int conf_fd = -1;
        unsigned counts[_IF_STATE_MAX] = {};
        Links links = {};
        Netlink *nl = NULL;
        Row all, def;
        int r, drift;

        r = netlink_open(false, 0, &nl);
        if (r < 0)
                return r;
        r = netlink_dump_links_sync(nl, on_link, &links);
        netlink_free(nl);
        if (r >= 0 && links.error < 0)
                r = links.error;
        if (r < 0)
                goto finish;

        conf_fd = sysctl_conf_open(sysctl_root ?: SYSCTL_ROOT_DEFAULT);
        if (conf_fd < 0) {
                r = conf_fd;
                goto finish;
        }

        qsort(links.rows, links.n, sizeof(Row), row_compare);
        fill_global(&all, conf_fd, SYSCTL_CONF_ALL, c->all);
        fill_global(&def, conf_fd, SYSCTL_CONF_DEFAULT, c->def);
        for (size_t k = 0; k < links.n; k++) {
                fill_iface(&links.rows[k], c, conf_fd, &all);
                counts[links.rows[k].state]++;
        }
        drift = (int) (counts[IF_STATE_DRIFT] + (all.state == IF_STATE_DRIFT) + (def.state == IF_STATE_DRIFT));

        if (json)
                print_json(out, c, &all, &def, &links, counts);
        else
                print_table(out, &all, &def, &links, counts);
        r = drift;
finish:
        free(links.rows);
        return r;
}
