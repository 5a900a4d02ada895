/* SPDX-License-Identifier: MIT */
/* main: the command line — argument parsing, --test-config, --status, --once and
 * the daemon's run(). Decides nothing about interfaces itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "explain.h"
#include "ifname.h"
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
        ACTION_EXPLAIN,
        ACTION_EXPORT_SYSCTL_D,
} Action;

typedef struct Args {
        Action action;
        const char *config_path;
        const char *sysctl_root;
        bool json, dry_run, verbose;
        int netlink_rcvbuf;
        LogFormat log_format;
        const char *root;          /* --root: where the sysctl.d directories are */
        const char *export_path;   /* --export-sysctl-d FILE */
        char **names;              /* --explain IFNAME... */
        size_t n_names;
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
               "      --explain IFNAME... each interface's rule beside the sysctl.d line udev\n"
               "                      applies to a new interface of that name; change nothing\n"
               "      --export-sysctl-d FILE  write the sysctl.d equivalent of the rules to FILE\n"
               "                      if it changed (e.g. /run/sysctl.d/99-zzz-rpfguard.conf)\n"
               "      --root DIR      with --explain: read the sysctl.d directories under DIR\n"
               "  -n, --dry-run       change nothing (daemon: same as mode = audit)\n"
               "      --sysctl-root DIR  where net/ipv4/conf is (default /proc/sys; in a\n"
               "                      container, the host's /proc/sys/net mounted at DIR/net)\n"
               "  -v, --verbose       log_level = debug\n"
               "      --log-format F  text or json lines on stderr (default: the journal under\n"
               "                      systemd, text on a terminal, JSON lines otherwise)\n"
               "  -V, --version       print the version and exit\n"
               "  -h, --help          print this help and exit\n\n"
               "Exit status: 0 success/compliant, 1 runtime failure, 2 usage or configuration\n"
               "error, 3 --status found drift. See rpfguard(8) and rpfguard.conf(5).\n",
               program_invocation_short_name);
}

static int parse_args(int argc, char *argv[], Args *args) {
        enum { ARG_JSON = 0x100, ARG_SYSCTL_ROOT, ARG_NETLINK_RCVBUF, ARG_LOG_FORMAT, ARG_EXPLAIN, ARG_EXPORT_SYSCTL_D, ARG_ROOT };
        static const struct option options[] = {
                { "config",         required_argument, NULL, 'c' },
                { "test-config",    no_argument,       NULL, 't' },
                { "once",           no_argument,       NULL, '1' },
                { "status",         no_argument,       NULL, 's' },
                { "json",           no_argument,       NULL, ARG_JSON },
                { "dry-run",        no_argument,       NULL, 'n' },
                { "sysctl-root",    required_argument, NULL, ARG_SYSCTL_ROOT },
                { "verbose",        no_argument,       NULL, 'v' },
                { "log-format",     required_argument, NULL, ARG_LOG_FORMAT },
                { "explain",        no_argument,       NULL, ARG_EXPLAIN },
                { "export-sysctl-d", required_argument, NULL, ARG_EXPORT_SYSCTL_D },
                { "root",           required_argument, NULL, ARG_ROOT },
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
                case ARG_SYSCTL_ROOT:
                        args->sysctl_root = optarg;
                        break;
                case 'v':
                        args->verbose = true;
                        break;
                case ARG_LOG_FORMAT:
                        args->log_format = log_format_from_string(optarg);
                        if (args->log_format < 0) {
                                fprintf(stderr, "%s: invalid --log-format '%s': expected text or json\n",
                                        program_invocation_short_name, optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_EXPLAIN:
                        args->action = ACTION_EXPLAIN;
                        n_actions++;
                        break;
                case ARG_EXPORT_SYSCTL_D:
                        args->action = ACTION_EXPORT_SYSCTL_D;
                        args->export_path = optarg;
                        n_actions++;
                        break;
                case ARG_ROOT:
                        args->root = optarg;
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

        if (args->action == ACTION_EXPLAIN) {
                /* The interface names are the arguments; they need not exist. */
                if (optind >= argc) {
                        fprintf(stderr, "%s: --explain needs interface names\n", program_invocation_short_name);
                        return -EINVAL;
                }
                for (int i = optind; i < argc; i++)
                        if (!ifname_valid(argv[i])) {
                                fprintf(stderr, "%s: '%s' cannot be an interface name\n",
                                        program_invocation_short_name, argv[i]);
                                return -EINVAL;
                        }
                args->names = argv + optind;
                args->n_names = (size_t) (argc - optind);
                optind = argc;
        }
        if (args->root && args->action != ACTION_EXPLAIN) {
                fprintf(stderr, "%s: --root goes with --explain\n", program_invocation_short_name);
                return -EINVAL;
        }
        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument '%s'\n", program_invocation_short_name, argv[optind]);
                return -EINVAL;
        }
        if (n_actions > 1) {
                fprintf(stderr, "%s: --test-config, --once, --status, --explain and --export-sysctl-d exclude each other\n",
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
                     "flap_backoff = %llu\nresync_interval = %llu\nmetrics_file = %s\nwatch_config = %s\n"
                     "attribute_writers = %s\n\n",
                mode_to_string(c->mode), log_level_to_string(c->log_level), c->flap_limit,
                (unsigned long long) (c->flap_window_usec / USEC_PER_SEC),
                (unsigned long long) (c->flap_backoff_usec / USEC_PER_SEC),
                (unsigned long long) (c->resync_interval_usec / USEC_PER_SEC), c->metrics_file ?: "",
                c->watch_config ? "yes" : "no", c->attribute_writers ? "yes" : "no");
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
        r = status_report(c, args->sysctl_root, args->json, stdout);
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
                .sysctl_root = args->sysctl_root,
        };
        const char *event = o.once ? NULL : "startup";
        unsigned n_checked, n_changes, n_failed;
        bool audit;
        Manager *m = NULL;
        LogFields f = LOG_FIELDS_INIT;
        Config *c = NULL;
        int r;

        if (load_config(args->config_path, event, &c) < 0)
                return EXIT_USAGE;
        audit = args->dry_run || c->mode == MODE_AUDIT;
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
                manager_get_counts(m, &n_checked, &n_changes, &n_failed);
                if (n_failed > 0) {
                        /* Never "0 changed" as if all were well: the job was not done. */
                        log_error("%u interfaces checked, %u changed, %u could not be written", n_checked, n_changes,
                                  n_failed);
                        r = -EIO;
                } else
                        printf("%u interfaces checked, %u %s\n", n_checked, n_changes,
                               audit ? "would change" : "changed");
        } else if (r >= 0)
                r = manager_run(m);
        manager_free(m);
        return r < 0 ? EXIT_RUNTIME : EXIT_OK;
}

static int run_explain(const Args *args) {
        Config *c = NULL;
        int r;

        if (load_config(args->config_path, NULL, &c) < 0)
                return EXIT_USAGE;
        /* The start-up warnings on stderr, the interfaces on stdout. */
        (void) explain_warn_conflicts(c, args->root);
        r = explain_report(c, args->root, args->sysctl_root, args->names, args->n_names, stdout);
        config_free(c);
        if (r < 0) {
                log_error_errno(r, "Cannot read the sysctl.d configuration under %s: %m", args->root ?: "/");
                return EXIT_RUNTIME;
        }
        return EXIT_OK;
}

static int run_export_sysctl_d(const Args *args) {
        Config *c = NULL;
        int r;

        if (load_config(args->config_path, NULL, &c) < 0)
                return EXIT_USAGE;
        r = explain_export_sysctl_d(c, args->export_path);
        config_free(c);
        if (r < 0) {
                log_error_errno(r, "Cannot write %s: %m", args->export_path);
                return EXIT_RUNTIME;
        }
        printf("%s: %s\n", args->export_path, r > 0 ? "written" : "unchanged");
        return EXIT_OK;
}

int main(int argc, char *argv[]) {
        sigset_t mask;
        Args args;
        int r;

        /* First of all: a SIGTERM or SIGHUP during the daemon's start-up (a second or
         * more on a node with thousands of interfaces) must wait for the event loop,
         * which acts on it, instead of killing the process by its default action. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);

        log_setup();
        r = parse_args(argc, argv, &args);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_OK;
        /* The one-shot commands keep the default actions: a SIGTERM simply ends them. */
        if (args.action != ACTION_RUN)
                (void) sigprocmask(SIG_UNBLOCK, &mask, NULL);
        log_set_format(args.log_format, args.action == ACTION_RUN);

        switch (args.action) {
        case ACTION_TEST_CONFIG:
                return run_test_config(&args);
        case ACTION_STATUS:
                return run_status(&args);
        case ACTION_EXPLAIN:
                return run_explain(&args);
        case ACTION_EXPORT_SYSCTL_D:
                return run_export_sysctl_d(&args);
        case ACTION_ONCE:
        case ACTION_RUN:
        default:
                return run_manager(&args);
        }
}
