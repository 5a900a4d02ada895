/* SPDX-License-Identifier: MIT */
/* config: parse /etc/rpfguard.conf (INI, via inih) into an immutable Config.
 * The only place that knows the file format. Reports line + message, never prints. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The value of net.ipv4.conf.*.rp_filter, as the kernel defines it. */
typedef enum RpFilter {
        RP_FILTER_OFF    = 0,
        RP_FILTER_STRICT = 1,
        RP_FILTER_LOOSE  = 2,
        _RP_FILTER_MAX,
        RP_FILTER_IGNORE = _RP_FILTER_MAX, /* only in [interfaces]: leave the interface alone */
        RP_FILTER_UNSET,                   /* [global] key absent: leave it alone */
        _RP_FILTER_INVALID = -EINVAL,
} RpFilter;

typedef enum Mode {
        MODE_ENFORCE,
        MODE_AUDIT,
        _MODE_MAX,
        _MODE_INVALID = -EINVAL,
} Mode;

typedef struct Rule {
        char *pattern;     /* fnmatch(3) glob, matched against the whole interface name */
        RpFilter value;    /* 0..2 or RP_FILTER_IGNORE */
        unsigned line;     /* where it was defined */
        bool literal;      /* no glob characters: matches exactly one name */
} Rule;

typedef struct Config {
        char *path;
        Mode mode;
        int log_level;              /* syslog priority, LOG_ERR..LOG_DEBUG */
        unsigned flap_limit;
        uint64_t flap_window_usec;
        uint64_t flap_backoff_usec;
        uint64_t resync_interval_usec; /* 0: purely event-driven */
        char *metrics_file;         /* Prometheus textfile; NULL: none */
        bool watch_config;          /* reload when the configuration files change */
        bool attribute_writers;     /* name the other writer (cgroup/sysctl BPF, opt-in) */
        RpFilter all;               /* RP_FILTER_UNSET when absent */
        RpFilter def;               /* net.ipv4.conf.default; RP_FILTER_UNSET when absent */
        Rule *rules;                /* in file order: the first match wins */
        size_t n_rules;
} Config;

typedef enum ConfigSeverity {
        CONFIG_ERROR,
        CONFIG_WARNING,
} ConfigSeverity;

typedef struct ConfigMessage {
        ConfigSeverity severity;
        unsigned line;              /* 0: about the file as a whole */
        bool ineffective_rule;      /* a warning about a rule below conf/all */
        char text[256];
} ConfigMessage;

/* Everything the parser had to say, errors and warnings, sorted by line. */
typedef struct ConfigReport {
        ConfigMessage *messages;
        size_t n_messages;
        size_t n_errors;
} ConfigReport;

/* Defaults for the [daemon] section. */
#define CONFIG_DEFAULT_FLAP_LIMIT       5U
#define CONFIG_DEFAULT_FLAP_WINDOW_SEC  10U
#define CONFIG_DEFAULT_FLAP_BACKOFF_SEC 60U

/* Accepted ranges (inclusive); anything else is a configuration error. */
#define CONFIG_FLAP_LIMIT_MAX           1000U
#define CONFIG_FLAP_WINDOW_MAX_SEC      3600U
#define CONFIG_FLAP_BACKOFF_MAX_SEC     86400U
#define CONFIG_RESYNC_INTERVAL_MAX_SEC  86400U

/* Load and validate PATH. Returns 0 and sets *ret on success (warnings may be in
 * *report); -EINVAL when the file has errors (all of them are in *report); another
 * -errno when the file cannot be read. *report is always filled and must be released
 * with config_report_done(), whatever the return value. */
int config_load(const char *path, Config **ret, ConfigReport *report);

/* Same, from an already open stream; PATH is only recorded in the Config. */
int config_load_stream(FILE *f, const char *path, Config **ret, ConfigReport *report);

Config *config_free(Config *c);
void config_report_done(ConfigReport *report);

/* "0"/"off", "1"/"strict", "2"/"loose" (and "ignore" when ALLOW_IGNORE), any case.
 * Returns the value or _RP_FILTER_INVALID. */
RpFilter rp_filter_from_string(const char *s, bool allow_ignore);
/* "off", "strict", "loose", "ignore", "unset"; NULL for anything else. */
const char *rp_filter_to_string(RpFilter v);

const char *mode_to_string(Mode m);
Mode mode_from_string(const char *s);

/* "err", "warning", "notice", "info", "debug" <-> LOG_ERR..LOG_DEBUG. */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);

/* True when PATTERN has fnmatch(3) glob characters. */
bool pattern_is_glob(const char *pattern);
