/* SPDX-License-Identifier: MIT */
/* status: collects a link dump and the rp_filter files, asks policy.c for each
 * state and formats it. Must not write anything to the kernel. */
#define _GNU_SOURCE
#include "status.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"
#include "policy.h"
#include "sysctl.h"
#include "util.h"

typedef struct Row {
        int ifindex;                /* 0: all/default */
        char name[IFNAMSIZ];
        const char *rule;           /* NULL: none */
        int wanted;                 /* -1: none (unset, ignore, unmanaged) */
        int current;                /* -1: no IPv4 configuration */
        int effective;              /* -1: not applicable */
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
        *row = (Row) { .rule = NULL, .effective = -1 };
        (void) snprintf(row->name, sizeof(row->name), "%s", name);
        row->current = sysctl_rp_filter_read(conf_fd, name);
        if (row->current < 0)
                row->current = -1;
        if (wanted != RP_FILTER_UNSET) {
                row->rule = name;
                row->wanted = (int) wanted;
        } else
                row->wanted = -1;
        row->state = policy_global_state(wanted, row->current);
}

static void fill_iface(Row *row, const Config *c, int conf_fd, int all) {
        const Rule *rule = policy_lookup(c, row->name);

        row->rule = rule ? rule->pattern : NULL;
        row->wanted = rule && rule->value != RP_FILTER_IGNORE ? (int) rule->value : -1;
        row->current = sysctl_rp_filter_read(conf_fd, row->name);
        if (row->current < 0) {
                /* No IPv4 configuration (or gone): nothing the kernel could filter with. */
                row->current = row->effective = -1;
                row->state = !rule ? IF_STATE_UNMANAGED
                             : rule->value == RP_FILTER_IGNORE ? IF_STATE_IGNORED : IF_STATE_OK;
                return;
        }
        row->effective = policy_effective(all, row->current);
        row->state = policy_state(rule, all, row->current);
}

/* Interface names may hold any byte but '/', ':', NUL and white space. */
static void print_json_string(FILE *out, const char *s) {
        fputc('"', out);
        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                if (*c == '"' || *c == '\\')
                        fprintf(out, "\\%c", *c);
                else if (*c < 0x20 || *c >= 0x7f)
                        fprintf(out, "\\u%04x", *c); /* bytes >= 0x80 as Latin-1 code points */
                else
                        fputc(*c, out);
        fputc('"', out);
}

static void print_json_int(FILE *out, int v) {
        if (v < 0)
                fputs("null", out);
        else
                fprintf(out, "%d", v);
}

static void print_json_row(FILE *out, const Row *r, bool global) {
        fputs("{\"name\":", out);
        print_json_string(out, r->name);
        if (!global)
                fprintf(out, ",\"ifindex\":%d", r->ifindex);
        fputs(",\"rule\":", out);
        if (r->rule)
                print_json_string(out, r->rule);
        else
                fputs("null", out);
        fputs(",\"wanted\":", out);
        print_json_int(out, r->wanted);
        fputs(",\"current\":", out);
        print_json_int(out, r->current);
        if (!global) {
                fputs(",\"effective\":", out);
                print_json_int(out, r->effective);
        }
        fprintf(out, ",\"state\":\"%s\"}", if_state_to_string(r->state));
}

static void print_json(FILE *out, const Config *c, const Row *all, const Row *def, const Links *l,
                       const unsigned counts[_IF_STATE_MAX]) {
        fputs("{\"config\":", out);
        print_json_string(out, c->path);
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

static const char *table_value(int v, char buf[static 16]) {
        if (v < 0)
                return "-";
        (void) snprintf(buf, 16, "%d", v);
        return buf;
}

static void print_table_row(FILE *out, const Row *r) {
        char name[4 * IFNAMSIZ] = "", *p = name, b1[16], b2[16], b3[16], idx[16];

        /* Unprintable bytes of a name as \xNN, so one row stays one line. */
        for (const unsigned char *c = (const unsigned char *) r->name; *c; c++)
                p += *c < 0x20 || *c >= 0x7f ? sprintf(p, "\\x%02x", *c) : sprintf(p, "%c", *c);
        fprintf(out, "%-16s %7s  %-16s %6s  %7s  %9s  %s\n", name, r->ifindex > 0 ? table_value(r->ifindex, idx) : "-",
                r->rule ?: "-", table_value(r->wanted, b1), table_value(r->current, b2),
                table_value(r->effective, b3), if_state_to_string(r->state));
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

int status_report(const Config *c, bool json, FILE *out) {
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

        conf_fd = sysctl_conf_open(SYSCTL_ROOT_DEFAULT);
        if (conf_fd < 0) {
                r = conf_fd;
                goto finish;
        }

        qsort(links.rows, links.n, sizeof(Row), row_compare);
        fill_global(&all, conf_fd, SYSCTL_CONF_ALL, c->all);
        fill_global(&def, conf_fd, SYSCTL_CONF_DEFAULT, c->def);
        for (size_t k = 0; k < links.n; k++) {
                fill_iface(&links.rows[k], c, conf_fd, all.current);
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
