/* SPDX-License-Identifier: MIT */
/* config: parse /etc/rpfguard.conf and its drop-ins (INI, via inih) into one immutable
 * Config. The only place that knows the file format. Reports file, line and message,
 * never prints. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "confdirs.h"

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

/* The keys of [daemon] and [global]. */
typedef enum ConfigKey {
        CONFIG_KEY_MODE,
        CONFIG_KEY_LOG_LEVEL,
        CONFIG_KEY_FLAP_LIMIT,
        CONFIG_KEY_FLAP_WINDOW,
        CONFIG_KEY_FLAP_BACKOFF,
        CONFIG_KEY_RESYNC_INTERVAL,
        CONFIG_KEY_METRICS_FILE,
        CONFIG_KEY_WATCH_CONFIG,
        CONFIG_KEY_ATTRIBUTE_WRITERS,
        CONFIG_KEY_ALL,
        CONFIG_KEY_DEFAULT,
        _CONFIG_KEY_MAX,
        _CONFIG_KEY_INVALID = -EINVAL,
} ConfigKey;

/* Where something was set: FILE is one of Config.files[].path (owned by the Config);
 * NULL when nothing set it (the built-in default). */
typedef struct ConfigOrigin {
        const char *file;
        unsigned line;
} ConfigOrigin;

typedef struct Rule {
        char *pattern;     /* fnmatch(3) glob, matched against the whole interface name */
        RpFilter value;    /* 0..2 or RP_FILTER_IGNORE */
        const char *file;  /* where it was defined: one of Config.files[].path */
        unsigned line;
        bool literal;      /* no glob characters: matches exactly one name */
} Rule;

/* A file of the configuration, in the order read. */
typedef struct ConfigFile {
        char *path;
        ConfDropinKind kind; /* CONF_DROPIN_FILE: read; a mask: listed, not read */
} ConfigFile;

typedef struct Config {
        char *path;                 /* the main file */
        ConfigFile *files;          /* the main file, then the drop-ins by name (masks too) */
        size_t n_files;
        ConfigOrigin origin[_CONFIG_KEY_MAX]; /* which file set each key, the last one wins */
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
        Rule *rules;                /* in the order read, files then lines: the first match wins */
        size_t n_rules;
} Config;

typedef enum ConfigSeverity {
        CONFIG_ERROR,
        CONFIG_WARNING,
} ConfigSeverity;

typedef struct ConfigMessage {
        ConfigSeverity severity;
        const char *file;           /* the file it is about: one of ConfigReport.files */
        unsigned line;              /* 0: about the file as a whole */
        bool ineffective_rule;      /* a warning about a rule below conf/all */
        char text[512];
} ConfigMessage;

/* Everything the parser had to say, errors and warnings, sorted by file (in the order
 * read) and line. It owns the file names its messages point to, so it outlives the
 * Config (there is none when the configuration is rejected). */
typedef struct ConfigReport {
        ConfigMessage *messages;
        size_t n_messages;
        size_t n_errors;
        char **files;               /* every file the loader looked at, in order */
        size_t n_files;
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

/* Load and validate the configuration of DIRS: its main file, then its drop-ins as
 * confdirs_list() finds them, into one Config. Rules concatenate in that order (the
 * first match wins); a [daemon] or [global] key set again in a later file overrides
 * the earlier value (within one file it is an error); a pattern defined again, in any
 * file, is an error that names both places. Masks are listed in Config.files, not
 * read; a dangling symlink is also a warning.
 * Returns 0 and sets *ret on success (warnings may be in *report); -EINVAL when a file
 * has errors; the -errno of the first file (or directory) that cannot be read, whose
 * message (line 0) names it. Every error of every file is in *report, which is always
 * filled and must be released with config_report_done(), whatever the return value. */
int config_load_dirs(const ConfDirs *dirs, Config **ret, ConfigReport *report);

/* Load and validate PATH alone, without drop-ins. Same return values. */
int config_load(const char *path, Config **ret, ConfigReport *report);

/* PATH alone, from an already open stream; PATH is only recorded. */
int config_load_stream(FILE *f, const char *path, Config **ret, ConfigReport *report);

Config *config_free(Config *c);
void config_report_done(ConfigReport *report);

/* "0"/"off", "1"/"strict", "2"/"loose" (and "ignore" when ALLOW_IGNORE), any case.
 * Returns the value or _RP_FILTER_INVALID. */
RpFilter rp_filter_from_string(const char *s, bool allow_ignore);
/* "off", "strict", "loose", "ignore", "unset"; NULL for anything else. */
const char *rp_filter_to_string(RpFilter v);

/* "mode", "log_level", …, "all", "default"; and the section: "daemon" or "global". */
const char *config_key_to_string(ConfigKey k);
const char *config_key_section(ConfigKey k);

const char *mode_to_string(Mode m);
Mode mode_from_string(const char *s);

/* "err", "warning", "notice", "info", "debug" <-> LOG_ERR..LOG_DEBUG. */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);

/* True when PATTERN has fnmatch(3) glob characters. */
bool pattern_is_glob(const char *pattern);
