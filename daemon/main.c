/* SPDX-License-Identifier: MIT */
/* main: the command line — argument parsing, --test-config, --status, --once and
 * the daemon's run(). Decides nothing about interfaces itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confdirs.h"
#include "config.h"
#include "explain.h"
#include "ping.h"
#include "ifname.h"
#include "log.h"
#include "manager.h"
#include "state.h"
#include "status.h"

#define DEFAULT_CONFIG CONFDIRS_MAIN_FILE

enum {
        EXIT_OK = 0,
        EXIT_RUNTIME = 1,
        EXIT_USAGE = 2,     /* also: configuration error */
        EXIT_DRIFT = 3,     /* --status found drift */
};

/* --check: node-problem-detector's custom plugin exit codes. */
enum {
        CHECK_OK = 0,
        CHECK_NOT_OK = 1,
        CHECK_UNKNOWN = 2,
};

typedef enum Action {
        ACTION_RUN,
        ACTION_TEST_CONFIG,
        ACTION_ONCE,
        ACTION_STATUS,
        ACTION_CHECK,
        ACTION_PING,
        ACTION_EXPLAIN,
        ACTION_EXPORT_SYSCTL_D,
} Action;

typedef struct Args {
        Action action;
        const char *config_path;   /* -c FILE (then FILE.d); NULL: the default layout */
        const char *config_root;   /* --config-root DIR (tests): the default layout under DIR */
        ConfDirs config;           /* what is read: the main file and the drop-in directories */
        const char *sysctl_root;
        const char *attribution_cgroup; /* --attribution-cgroup DIR (tests) */
        bool json, dry_run, verbose, no_daemon;
        const char *runtime_dir;   /* --runtime-dir: the daemon's state file */
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
               "  -c, --config FILE   configuration, then FILE.d/*.conf (default " DEFAULT_CONFIG ",\n"
               "                      then /etc, /run and /usr/lib/rpfguard.conf.d/*.conf)\n"
               "  -t, --test-config   parse and validate, print the resolved rules, exit 0 or 2\n"
               "  -1, --once          enforce once on the current interfaces, then exit\n"
               "  -s, --status [IFNAME...]  report every interface (or those named) beside the\n"
               "                      running daemon's state, change nothing\n"
               "      --json          with --status: one JSON document instead of a table\n"
               "      --check         one line and exit 0 compliant, 1 not, 2 unknown, for\n"
               "                      node-problem-detector; a daemon is expected to run\n"
               "      --no-daemon     with --check: do not expect a running daemon\n"
               "      --ping          liveness: the running daemon's loop answers within 5 s\n"
               "                      (exit 0), or not (1); 2 when its state cannot be read\n"
               "      --runtime-dir DIR  the daemon's state file DIR/state.json (daemon default:\n"
               "                      $RUNTIME_DIRECTORY, else none; --status/--check: " STATE_RUNTIME_DIR_DEFAULT ")\n"
               "      --explain IFNAME... each interface's rule beside the sysctl.d line udev\n"
               "                      applies to a new interface of that name; change nothing\n"
               "      --export-sysctl-d FILE  write the sysctl.d equivalent of the rules to FILE\n"
               "                      if it changed (e.g. /run/sysctl.d/99-zzz-rpfguard.conf)\n"
               "      --root DIR      with --explain and the daemon's start-up warnings: read the\n"
               "                      sysctl.d directories under DIR (default /)\n"
               "  -n, --dry-run       change nothing (daemon: same as mode = audit)\n"
               "      --sysctl-root DIR  where net/ipv4/conf is (default /proc/sys; in a\n"
               "                      container, the host's /proc/sys/net mounted at DIR/net)\n"
               "  -v, --verbose       log_level = debug\n"
               "      --log-format F  text or json lines on stderr (default: the journal under\n"
               "                      systemd, text on a terminal, JSON lines otherwise)\n"
               "  -V, --version       print the version and exit\n"
               "  -h, --help          print this help and exit\n\n"
               "Exit status: 0 success/compliant, 1 runtime failure, 2 usage or configuration\n"
               "error, 3 --status found drift (--check: 0, 1, 2 as above).\n"
               "See rpfguard(8) and rpfguard.conf(5).\n",
               program_invocation_short_name);
}

static int parse_args(int argc, char *argv[], Args *args) {
        enum { ARG_JSON = 0x100, ARG_SYSCTL_ROOT, ARG_NETLINK_RCVBUF, ARG_LOG_FORMAT, ARG_EXPLAIN, ARG_EXPORT_SYSCTL_D, ARG_ROOT,
               ARG_CONFIG_ROOT, ARG_ATTRIBUTION_CGROUP, ARG_CHECK, ARG_NO_DAEMON, ARG_RUNTIME_DIR, ARG_PING };
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
                { "check",          no_argument,       NULL, ARG_CHECK },
                { "ping",           no_argument,       NULL, ARG_PING },
                { "no-daemon",      no_argument,       NULL, ARG_NO_DAEMON },
                { "runtime-dir",    required_argument, NULL, ARG_RUNTIME_DIR },
                { "version",        no_argument,       NULL, 'V' },
                { "help",           no_argument,       NULL, 'h' },
                /* For tests: provoke receive-buffer overflows on purpose. */
                { "netlink-rcvbuf", required_argument, NULL, ARG_NETLINK_RCVBUF },
                /* For tests: the default configuration layout (/etc/rpfguard.conf, then
                 * /etc, /run and /usr/lib/rpfguard.conf.d) under DIR instead of "/". */
                { "config-root",    required_argument, NULL, ARG_CONFIG_ROOT },
                /* For tests: attach the writer attribution to a cgroup2 directory of
                 * their own instead of the cgroup2 root. */
                { "attribution-cgroup", required_argument, NULL, ARG_ATTRIBUTION_CGROUP },
                {}
        };
        int c, n_actions = 0;
        char *end;
        long v;

        *args = (Args) { .action = ACTION_RUN };
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
                case ARG_CHECK:
                        args->action = ACTION_CHECK;
                        n_actions++;
                        break;
                case ARG_PING:
                        args->action = ACTION_PING;
                        n_actions++;
                        break;
                case ARG_NO_DAEMON:
                        args->no_daemon = true;
                        break;
                case ARG_RUNTIME_DIR:
                        args->runtime_dir = optarg;
                        break;
                case ARG_CONFIG_ROOT:
                        args->config_root = optarg;
                        break;
                case ARG_ATTRIBUTION_CGROUP:
                        args->attribution_cgroup = optarg;
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
        if (args->action == ACTION_STATUS && optind < argc) {
                /* --status IFNAME...: only those (they need not exist: said on stderr). */
                args->names = argv + optind;
                args->n_names = (size_t) (argc - optind);
                optind = argc;
        }
        if (args->no_daemon && args->action != ACTION_CHECK) {
                fprintf(stderr, "%s: --no-daemon goes with --check\n", program_invocation_short_name);
                return -EINVAL;
        }
        if (args->root && args->action != ACTION_EXPLAIN && args->action != ACTION_RUN) {
                fprintf(stderr, "%s: --root goes with --explain or the daemon\n", program_invocation_short_name);
                return -EINVAL;
        }
        if (optind < argc) {
                fprintf(stderr, "%s: unexpected argument '%s'\n", program_invocation_short_name, argv[optind]);
                return -EINVAL;
        }
        if (n_actions > 1) {
                fprintf(stderr, "%s: --test-config, --once, --status, --check, --ping, --explain and --export-sysctl-d exclude each other\n",
                        program_invocation_short_name);
                return -EINVAL;
        }
        if (args->json && args->action != ACTION_STATUS) {
                fprintf(stderr, "%s: --json goes with --status\n", program_invocation_short_name);
                return -EINVAL;
        }
        if (args->config_path && args->config_root) {
                fprintf(stderr, "%s: --config and --config-root exclude each other\n", program_invocation_short_name);
                return -EINVAL;
        }
        /* -c FILE: FILE and FILE.d only (an explicit file is the whole configuration's
         * root); otherwise systemd's layout: /etc/rpfguard.conf, then the drop-ins of
         * /etc, /run and /usr/lib/rpfguard.conf.d. */
        c = args->config_path ? confdirs_for_file(args->config_path, &args->config)
                              : confdirs_default(args->config_root, &args->config);
        if (c < 0) {
                fprintf(stderr, "%s: %s\n", program_invocation_short_name, strerror(-c));
                return c;
        }
        return 1;
}

/* "FILE:LINE", or "default" when no file set it. */
static const char *origin_string(ConfigOrigin o, char *buf, size_t size) {
        if (!o.file)
                return "default";
        (void) snprintf(buf, size, "%s:%u", o.file, o.line);
        return buf;
}

static void print_config(const Config *c, const ConfDirs *d, FILE *out) {
        char v[PATH_MAX], where[PATH_MAX + 16];

        fprintf(out, "%s: configuration OK\n\n", c->path);
        /* Which files, in which order: what explains every "; FILE:LINE" below. */
        fprintf(out, "; files, in the order read (a key set again overrides, rules concatenate):\n");
        for (size_t k = 0; k < c->n_files; k++) {
                const char *why = conf_dropin_kind_to_string(c->files[k].kind);

                fprintf(out, ";   %s%s%s%s\n", c->files[k].path, why ? " (" : "", why ?: "", why ? ")" : "");
        }
        fprintf(out, "; drop-in directories, first one wins a name:");
        for (size_t k = 0; k < d->n_dirs; k++)
                fprintf(out, " %s", d->dirs[k]);
        fprintf(out, "\n\n[daemon]\n");
        for (ConfigKey k = 0; k < _CONFIG_KEY_MAX; k++) {
                switch (k) {
                case CONFIG_KEY_MODE:
                        (void) snprintf(v, sizeof(v), "%s", mode_to_string(c->mode));
                        break;
                case CONFIG_KEY_LOG_LEVEL:
                        (void) snprintf(v, sizeof(v), "%s", log_level_to_string(c->log_level));
                        break;
                case CONFIG_KEY_FLAP_LIMIT:
                        (void) snprintf(v, sizeof(v), "%u", c->flap_limit);
                        break;
                case CONFIG_KEY_FLAP_WINDOW:
                        (void) snprintf(v, sizeof(v), "%llu", (unsigned long long) (c->flap_window_usec / USEC_PER_SEC));
                        break;
                case CONFIG_KEY_FLAP_BACKOFF:
                        (void) snprintf(v, sizeof(v), "%llu", (unsigned long long) (c->flap_backoff_usec / USEC_PER_SEC));
                        break;
                case CONFIG_KEY_RESYNC_INTERVAL:
                        (void) snprintf(v, sizeof(v), "%llu",
                                        (unsigned long long) (c->resync_interval_usec / USEC_PER_SEC));
                        break;
                case CONFIG_KEY_METRICS_FILE:
                        (void) snprintf(v, sizeof(v), "%s", c->metrics_file ?: "");
                        break;
                case CONFIG_KEY_WATCH_CONFIG:
                        (void) snprintf(v, sizeof(v), "%s", c->watch_config ? "yes" : "no");
                        break;
                case CONFIG_KEY_ATTRIBUTE_WRITERS:
                        (void) snprintf(v, sizeof(v), "%s", c->attribute_writers ? "yes" : "no");
                        break;
                case CONFIG_KEY_ALL:
                case CONFIG_KEY_DEFAULT: {
                        RpFilter g = k == CONFIG_KEY_ALL ? c->all : c->def;

                        if (k == CONFIG_KEY_ALL)
                                fprintf(out, "\n[global]\n");
                        (void) snprintf(v, sizeof(v), "%s", g == RP_FILTER_UNSET ? "(left alone)" : rp_filter_to_string(g));
                        break;
                }
                default:
                        continue;
                }
                fprintf(out, "%-17s = %-12s ; %s\n", config_key_to_string(k), v,
                        origin_string(c->origin[k], where, sizeof(where)));
        }
        fprintf(out, "\n[interfaces]  ; first match wins, unmatched interfaces are left alone\n");
        if (c->n_rules == 0)
                fprintf(out, "; (no rules)\n");
        for (size_t k = 0; k < c->n_rules; k++) {
                const Rule *r = &c->rules[k];

                fprintf(out, "%-16s = %-7s ; %s:%u%s\n", r->pattern, rp_filter_to_string(r->value), r->file, r->line,
                        r->literal ? "" : ", glob");
        }
}

/* Load the configuration; report every message of it. Errors exit 2. */
static int load_config(const ConfDirs *d, const char *event, Config **ret) {
        ConfigReport report;
        int r;

        r = config_load_dirs(d, ret, &report);
        log_config_report(d->main, r, &report, event);
        config_report_done(&report);
        return r;
}

static int run_test_config(const Args *args) {
        Config *c = NULL;

        /* Messages on stderr, the resolved rules on stdout. */
        log_set_max_level(LOG_DEBUG);
        if (load_config(&args->config, NULL, &c) < 0)
                return EXIT_USAGE;
        print_config(c, &args->config, stdout);
        config_free(c);
        return EXIT_OK;
}

static int run_status(const Args *args) {
        StatusOptions o = {
                .sysctl_root = args->sysctl_root,
                .runtime_dir = args->runtime_dir,
                .json = args->json,
                .names = args->names,
                .n_names = args->n_names,
        };
        size_t missing = 0;
        Config *c = NULL;
        int r;

        if (load_config(&args->config, NULL, &c) < 0)
                return EXIT_USAGE;
        r = status_report(c, &o, stdout, &missing);
        config_free(c);
        if (r < 0) {
                log_error_errno(r, "Cannot read the interfaces: %m");
                return EXIT_RUNTIME;
        }
        if (missing > 0)
                return EXIT_RUNTIME; /* not everything asked for could be reported */
        return r > 0 ? EXIT_DRIFT : EXIT_OK;
}

/* --check: one line on stdout, whatever happens; the details, if any, on stderr. */
static int run_check(const Args *args) {
        StatusOptions o = { .sysctl_root = args->sysctl_root, .runtime_dir = args->runtime_dir };
        const ConfigMessage *m = NULL;
        ConfigReport report;
        Config *c = NULL;
        int r;

        log_set_max_level(LOG_ERR); /* the configuration's warnings are not the check's business */
        r = config_load_dirs(&args->config, &c, &report);
        log_config_report(args->config.main, r, &report, NULL);
        if (r < 0) {
                for (size_t k = 0; k < report.n_messages && !m; k++)
                        if (report.messages[k].severity == CONFIG_ERROR)
                                m = &report.messages[k];
                if (m && m->line > 0)
                        printf("unknown: configuration error: %s:%u: %s\n", m->file ?: args->config.main, m->line,
                               m->text);
                else
                        printf("unknown: cannot load the configuration %s: %s\n", m && m->file ? m->file : args->config.main,
                               m ? m->text : strerror(-r));
                config_report_done(&report);
                return CHECK_UNKNOWN;
        }
        config_report_done(&report);
        r = status_check(c, &o, !args->no_daemon, stdout);
        config_free(c);
        return r == 0 ? CHECK_OK : r == 1 ? CHECK_NOT_OK : CHECK_UNKNOWN;
}

static int run_manager(const Args *args) {
        ManagerOptions o = {
                .config_path = args->config.main,
                .config_dirs = &args->config,
                .dry_run = args->dry_run,
                .verbose = args->verbose,
                .once = args->action == ACTION_ONCE,
                .netlink_rcvbuf = args->netlink_rcvbuf,
                .sysctl_root = args->sysctl_root,
                .sysctld_root = args->root,
                .attribution_cgroup = args->attribution_cgroup,
                .runtime_dir = args->runtime_dir,
        };
        const char *event = o.once ? NULL : "startup";
        _cleanup_(freep) char *runtime_dir = NULL;
        const char *rd;
        unsigned n_checked, n_changes, n_failed;
        bool audit;
        Manager *m = NULL;
        LogFields f = LOG_FIELDS_INIT;
        Config *c = NULL;
        int r;

        if (load_config(&args->config, event, &c) < 0)
                return EXIT_USAGE;
        /* The state file: --runtime-dir, else systemd's RuntimeDirectory= (the first of
         * its colon-separated list), else none: a daemon run by hand publishes nothing
         * unless told where. */
        rd = getenv("RUNTIME_DIRECTORY");
        if (!o.runtime_dir && rd && *rd) {
                runtime_dir = strndup(rd, strcspn(rd, ":"));
                o.runtime_dir = runtime_dir;
        }
        audit = args->dry_run || c->mode == MODE_AUDIT;
        if (o.once)
                log_set_console(stdout); /* what changed is the output; errors stay on stderr */
        f.event = event;
        if (!o.once)
                log_event(LOG_NOTICE, LOG_KIND_CONFIG_LOADED, &f,
                          "Configuration loaded from %s and %zu drop-in%s: %zu rules, mode %s%s", c->path,
                          c->n_files - 1, c->n_files == 2 ? "" : "s", c->n_rules, mode_to_string(c->mode),
                          args->dry_run ? " (dry run)" : "");

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

        if (load_config(&args->config, NULL, &c) < 0)
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

        if (load_config(&args->config, NULL, &c) < 0)
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
        sigaddset(&mask, SIGUSR1); /* rpfguard --ping: answered from the loop */
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
                r = run_test_config(&args);
                break;
        case ACTION_STATUS:
                r = run_status(&args);
                break;
        case ACTION_CHECK:
                r = run_check(&args);
                break;
        case ACTION_PING:
                /* No configuration needed: only the daemon's own word counts. */
                r = ping_daemon(args.runtime_dir, PING_TIMEOUT_USEC, stdout);
                break;
        case ACTION_EXPLAIN:
                r = run_explain(&args);
                break;
        case ACTION_EXPORT_SYSCTL_D:
                r = run_export_sysctl_d(&args);
                break;
        case ACTION_ONCE:
        case ACTION_RUN:
        default:
                r = run_manager(&args);
        }
        confdirs_done(&args.config);
        return r;
}
