/* SPDX-License-Identifier: MIT */
/* main: the command line — argument parsing, --test-config, --status, --once and
 * the daemon's run(). Decides nothing about interfaces itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "manager.h"
#include "status.h"

#define DEFAULT_CONFIG "/etc/rpfguard.conf"

enum {
        EXIT_OK = 0,
        EXIT_RUNTIME = 1,
        EXIT_USAGE = 2,     /* also: configuration error */
        EXIT_DRIFT = 3,     /* --status found drift */
};

typedef enum Action {
        ACTION_RUN,
        ACTION_TEST_CONFIG,
        ACTION_ONCE,
        ACTION_STATUS,
} Action;

typedef struct Args {
        Action action;
        const char *config_path;
        bool json, dry_run, verbose;
        int netlink_rcvbuf;
} Args;

static void help(void) {
        printf("%s [-c FILE] [OPTIONS]\n\n"
               "Keep IPv4 reverse-path filtering (net.ipv4.conf.*.rp_filter) at the values\n"
               "configured in FILE on every interface, now and as interfaces come and go.\n\n"
               "  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
               "  -t, --test-config   parse and validate, print the resolved rules, exit 0 or 2\n"
               "  -1, --once          enforce once on the current interfaces, then exit\n"
               "  -s, --status        report every interface, change nothing\n"
               "      --json          with --status: one JSON document instead of a table\n"
               "  -n, --dry-run       change nothing (daemon: same as mode = audit)\n"
               "  -v, --verbose       log_level = debug\n"
               "  -V, --version       print the version and exit\n"
               "  -h, --help          print this help and exit\n\n"
               "Exit status: 0 success/compliant, 1 runtime failure, 2 usage or configuration\n"
               "error, 3 --status found drift. See rpfguard(8) and rpfguard.conf(5).\n",
               program_invocation_short_name);
}

static int parse_args(int argc, char *argv[], Args *args) {
        enum { ARG_JSON = 0x100, ARG_NETLINK_RCVBUF };
        static const struct option options[] = {
                { "config",         required_argument, NULL, 'c' },
                { "test-config",    no_argument,       NULL, 't' },
                { "once",           no_argument,       NULL, '1' },
                { "status",         no_argument,       NULL, 's' },
                { "json",           no_argument,       NULL, ARG_JSON },
                { "dry-run",        no_argument,       NULL, 'n' },
                { "verbose",        no_argument,       NULL, 'v' },
                { "version",        no_argument,       NULL, 'V' },
                { "help",           no_argument,       NULL, 'h' },
                /* For tests: provoke receive-buffer overflows on purpose. */
                { "netlink-rcvbuf", required_argument, NULL, ARG_NETLINK_RCVBUF },
                {}
        };
        int c, n_actions = 0;
        char *end;
        long v;

        *args = (Args) { .action = ACTION_RUN, .config_path = DEFAULT_CONFIG };
        while ((c = getopt_long(argc, argv, "c:t1snvVh", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        args->config_path = optarg;
                        break;
                case 't':
                        args->action = ACTION_TEST_CONFIG;
                        n_actions++;
                        break;
                case '1':
                        args->action = ACTION_ONCE;
                        n_actions++;
                        break;
                case 's':
                        args->action = ACTION_STATUS;
                        n_actions++;
                        break;
                case ARG_JSON:
                        args->json = true;
                        break;
                case 'n':
                        args->dry_run = true;
                        break;
                case 'v':
                        args->verbose = true;
                        break;
                case 'V':
                        printf("rpfguard %s\n", RPFGUARD_VERSION);
                        return 0;
                case 'h':
                        help();
                        return 0;
                case ARG_NETLINK_RCVBUF:
                        errno = 0;
                        v = strtol(optarg, &end, 10);
                        if (errno || *end || v < 0 || v > (1L << 30)) {
                                fprintf(stderr, "%s: invalid --netlink-rcvbuf '%s': expected bytes\n",
                                        program_invocation_short_name, optarg);
                                return -EINVAL;
                        }
                        args->netlink_rcvbuf = (int) v;
                        break;
                default:
                        return -EINVAL; /* getopt printed why */
                }

        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument '%s'\n", program_invocation_short_name, argv[optind]);
                return -EINVAL;
        }
        if (n_actions > 1) {
                fprintf(stderr, "%s: --test-config, --once and --status exclude each other\n",
                        program_invocation_short_name);
                return -EINVAL;
        }
        if (args->json && args->action != ACTION_STATUS) {
                fprintf(stderr, "%s: --json goes with --status\n", program_invocation_short_name);
                return -EINVAL;
        }
        return 1;
}

static void print_config(const Config *c, FILE *out) {
        fprintf(out, "%s: configuration OK\n\n", c->path);
        fprintf(out, "[daemon]\nmode = %s\nlog_level = %s\nflap_limit = %u\nflap_window = %llu\n"
                     "flap_backoff = %llu\nresync_interval = %llu\n\n",
                mode_to_string(c->mode), log_level_to_string(c->log_level), c->flap_limit,
                (unsigned long long) (c->flap_window_usec / USEC_PER_SEC),
                (unsigned long long) (c->flap_backoff_usec / USEC_PER_SEC),
                (unsigned long long) (c->resync_interval_usec / USEC_PER_SEC));
        fprintf(out, "[global]\n");
        fprintf(out, "all = %s\n", c->all == RP_FILTER_UNSET ? "(left alone)" : rp_filter_to_string(c->all));
        fprintf(out, "default = %s\n\n", c->def == RP_FILTER_UNSET ? "(left alone)" : rp_filter_to_string(c->def));
        fprintf(out, "[interfaces]  ; first match wins, unmatched interfaces are left alone\n");
        if (c->n_rules == 0)
                fprintf(out, "; (no rules)\n");
        for (size_t k = 0; k < c->n_rules; k++) {
                const Rule *r = &c->rules[k];

                fprintf(out, "%-16s = %-7s ; line %u%s\n", r->pattern, rp_filter_to_string(r->value), r->line,
                        r->literal ? "" : ", glob");
        }
}

/* Load the configuration; report every message of it. Errors exit 2. */
static int load_config(const char *path, const char *event, Config **ret) {
        ConfigReport report;
        int r;

        r = config_load(path, ret, &report);
        log_config_report(path, r, &report, event);
        config_report_done(&report);
        return r;
}

static int run_test_config(const Args *args) {
        Config *c = NULL;

        /* Messages on stderr, the resolved rules on stdout. */
        log_set_max_level(LOG_DEBUG);
        if (load_config(args->config_path, NULL, &c) < 0)
                return EXIT_USAGE;
        print_config(c, stdout);
        config_free(c);
        return EXIT_OK;
}

static int run_status(const Args *args) {
        Config *c = NULL;
        int r;

        if (load_config(args->config_path, NULL, &c) < 0)
                return EXIT_USAGE;
        r = status_report(c, args->json, stdout);
        config_free(c);
        if (r < 0) {
                log_error_errno(r, "Cannot read the interfaces: %m");
                return EXIT_RUNTIME;
        }
        return r > 0 ? EXIT_DRIFT : EXIT_OK;
}

static int run_manager(const Args *args) {
        ManagerOptions o = {
                .config_path = args->config_path,
                .dry_run = args->dry_run,
                .verbose = args->verbose,
                .once = args->action == ACTION_ONCE,
                .netlink_rcvbuf = args->netlink_rcvbuf,
        };
        const char *event = o.once ? NULL : "startup";
        unsigned n_checked, n_changes;
        Manager *m = NULL;
        LogFields f = LOG_FIELDS_INIT;
        Config *c = NULL;
        int r;

        if (load_config(args->config_path, event, &c) < 0)
                return EXIT_USAGE;
        if (o.once)
                log_set_console(stdout); /* what changed is the output; errors stay on stderr */
        f.event = event;
        if (!o.once)
                log_event(LOG_NOTICE, LOG_KIND_CONFIG_LOADED, &f, "Configuration loaded from %s: %zu rules, mode %s%s",
                          c->path, c->n_rules, mode_to_string(c->mode), args->dry_run ? " (dry run)" : "");

        r = manager_new(c, &o, &m);
        if (r >= 0)
                r = manager_start(m);
        if (r >= 0 && o.once) {
                manager_get_counts(m, &n_checked, &n_changes);
                printf("%u interfaces checked, %u %s\n", n_checked, n_changes,
                       args->dry_run || c->mode == MODE_AUDIT ? "would change" : "changed");
        } else if (r >= 0)
                r = manager_run(m);
        manager_free(m);
        return r < 0 ? EXIT_RUNTIME : EXIT_OK;
}

int main(int argc, char *argv[]) {
        Args args;
        int r;

        log_setup();
        r = parse_args(argc, argv, &args);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_OK;

        switch (args.action) {
        case ACTION_TEST_CONFIG:
                return run_test_config(&args);
        case ACTION_STATUS:
                return run_status(&args);
        case ACTION_ONCE:
        case ACTION_RUN:
        default:
                return run_manager(&args);
        }
}
