/* SPDX-License-Identifier: MIT */
/* config: inih feeds a private parser state, file after file (the main file, then the
 * drop-ins), which becomes one immutable Config. Collects every error and warning with
 * its file and line; prints nothing, touches no kernel. */
#define _GNU_SOURCE
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>

#include "ifname.h"
#include "util.h"

#define UTF8_BOM "\xef\xbb\xbf"

typedef enum Section {
        SECTION_NONE,
        SECTION_DAEMON,
        SECTION_GLOBAL,
        SECTION_INTERFACES,
        SECTION_UNKNOWN,
        _SECTION_INVALID = -EINVAL, /* a header without its closing bracket */
} Section;

/* Keys of [daemon] and [global] (ConfigKey); each may appear once per file. */
static const struct {
        const char *name;
        Section section;
} key_table[_CONFIG_KEY_MAX] = {
        [CONFIG_KEY_MODE]            = { "mode",            SECTION_DAEMON },
        [CONFIG_KEY_LOG_LEVEL]       = { "log_level",       SECTION_DAEMON },
        [CONFIG_KEY_FLAP_LIMIT]      = { "flap_limit",      SECTION_DAEMON },
        [CONFIG_KEY_FLAP_WINDOW]     = { "flap_window",     SECTION_DAEMON },
        [CONFIG_KEY_FLAP_BACKOFF]    = { "flap_backoff",    SECTION_DAEMON },
        [CONFIG_KEY_RESYNC_INTERVAL] = { "resync_interval", SECTION_DAEMON },
        [CONFIG_KEY_METRICS_FILE]    = { "metrics_file",    SECTION_DAEMON },
        [CONFIG_KEY_WATCH_CONFIG]    = { "watch_config",    SECTION_DAEMON },
        [CONFIG_KEY_ATTRIBUTE_WRITERS] = { "attribute_writers", SECTION_DAEMON },
        [CONFIG_KEY_ALL]             = { "all",             SECTION_GLOBAL },
        [CONFIG_KEY_DEFAULT]         = { "default",         SECTION_GLOBAL },
};

typedef struct Parser {
        /* The file being read: reset for each one. */
        FILE *f;
        const char *file;        /* its name as the Config has it (Rule.file, ConfigOrigin) */
        const char *report_file; /* ... and as the report has it (ConfigMessage.file) */
        unsigned line;           /* line the reader handed to inih last */
        Section section;
        bool line_is_pair;       /* the current line should become a handler call */
        bool handled;            /* ... and it did */
        unsigned key_line[_CONFIG_KEY_MAX]; /* within this file */

        /* The whole load. */
        Config *config;
        ConfigReport *report;
        int read_error;          /* the first file that could not be read: -errno */
        bool oom;
} Parser;

static void report_add(ConfigReport *report, bool *oom, ConfigSeverity severity, const char *file, unsigned line,
                       const char *fmt, ...) _printf_(6, 7);

static void report_add(ConfigReport *report, bool *oom, ConfigSeverity severity, const char *file, unsigned line,
                       const char *fmt, ...) {
        ConfigMessage *m;
        va_list ap;

        m = realloc(report->messages, (report->n_messages + 1) * sizeof(ConfigMessage));
        if (!m) {
                *oom = true;
                return;
        }
        report->messages = m;
        m = &report->messages[report->n_messages++];
        *m = (ConfigMessage) { .severity = severity, .file = file, .line = line };
        va_start(ap, fmt);
        (void) vsnprintf(m->text, sizeof(m->text), fmt, ap);
        va_end(ap);
        if (severity == CONFIG_ERROR)
                report->n_errors++;
}

#define parser_error(p, line, ...) \
        report_add((p)->report, &(p)->oom, CONFIG_ERROR, (p)->report_file, line, __VA_ARGS__)
#define parser_warning(p, line, ...) \
        report_add((p)->report, &(p)->oom, CONFIG_WARNING, (p)->report_file, line, __VA_ARGS__)

/* Where something was defined, for a message about the file at hand: "on line N" in
 * the same file, "in FILE:N" in another one. */
static const char *parser_where(const Parser *p, const char *file, unsigned line, char *buf, size_t size) {
        if (file == p->file)
                (void) snprintf(buf, size, "on line %u", line);
        else
                (void) snprintf(buf, size, "in %s:%u", file, line);
        return buf;
}

RpFilter rp_filter_from_string(const char *s, bool allow_ignore) {
        static const char *const words[_RP_FILTER_MAX] = { "off", "strict", "loose" };

        if (!s)
                return _RP_FILTER_INVALID;
        if (s[0] >= '0' && s[0] < '0' + _RP_FILTER_MAX && s[1] == '\0')
                return (RpFilter) (s[0] - '0');
        for (int i = 0; i < _RP_FILTER_MAX; i++)
                if (strcasecmp(s, words[i]) == 0)
                        return (RpFilter) i;
        if (allow_ignore && strcasecmp(s, "ignore") == 0)
                return RP_FILTER_IGNORE;
        return _RP_FILTER_INVALID;
}

const char *rp_filter_to_string(RpFilter v) {
        switch (v) {
        case RP_FILTER_OFF:    return "off";
        case RP_FILTER_STRICT: return "strict";
        case RP_FILTER_LOOSE:  return "loose";
        case RP_FILTER_IGNORE: return "ignore";
        case RP_FILTER_UNSET:  return "unset";
        default:               return NULL;
        }
}

const char *mode_to_string(Mode m) {
        return m == MODE_ENFORCE ? "enforce" : m == MODE_AUDIT ? "audit" : NULL;
}

Mode mode_from_string(const char *s) {
        if (strcasecmp(s, "enforce") == 0)
                return MODE_ENFORCE;
        if (strcasecmp(s, "audit") == 0)
                return MODE_AUDIT;
        return _MODE_INVALID;
}

static const char *const log_level_table[] = {
        [LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

int log_level_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(log_level_table); i++)
                if (log_level_table[i] && strcasecmp(s, log_level_table[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

const char *log_level_to_string(int level) {
        if (level < 0 || (size_t) level >= ELEMENTSOF(log_level_table))
                return NULL;
        return log_level_table[level];
}

bool pattern_is_glob(const char *pattern) {
        /* A backslash too: fnmatch(3) takes it as an escape, so "eth\0" matches
         * "eth0", not itself. */
        return strpbrk(pattern, "*?[\\") != NULL;
}

const char *config_key_to_string(ConfigKey k) {
        return (unsigned) k < _CONFIG_KEY_MAX ? key_table[k].name : NULL;
}

const char *config_key_section(ConfigKey k) {
        if ((unsigned) k >= _CONFIG_KEY_MAX)
                return NULL;
        return key_table[k].section == SECTION_DAEMON ? "daemon" : "global";
}

static ConfigKey key_from_string(Section section, const char *name) {
        for (ConfigKey k = 0; k < _CONFIG_KEY_MAX; k++)
                if (key_table[k].section == section && strcasecmp(name, key_table[k].name) == 0)
                        return k;
        return _CONFIG_KEY_INVALID;
}

/* Whole seconds in [MIN, MAX]; no sign, no suffix, no blanks. */
static int parse_seconds(const char *s, unsigned min, unsigned max, unsigned *ret) {
        unsigned long long v = 0;

        if (!*s)
                return -EINVAL;
        for (const char *c = s; *c; c++) {
                if (!isdigit((unsigned char) *c))
                        return -EINVAL;
                v = v * 10 + (unsigned) (*c - '0');
                if (v > max)
                        return -ERANGE;
        }
        if (v < min)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

/* yes/no, true/false, on/off, 1/0, any case: 1, 0, or -EINVAL. */
static int parse_boolean(const char *s) {
        static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

static void parse_daemon_key(Parser *p, ConfigKey key, const char *name, const char *value) {
        static const struct {
                unsigned min, max;
                const char *unit;
        } ranges[_CONFIG_KEY_MAX] = {
                [CONFIG_KEY_FLAP_LIMIT]      = { 1, CONFIG_FLAP_LIMIT_MAX,          "a whole number of corrections" },
                [CONFIG_KEY_FLAP_WINDOW]     = { 1, CONFIG_FLAP_WINDOW_MAX_SEC,     "whole seconds" },
                [CONFIG_KEY_FLAP_BACKOFF]    = { 1, CONFIG_FLAP_BACKOFF_MAX_SEC,    "whole seconds" },
                [CONFIG_KEY_RESYNC_INTERVAL] = { 0, CONFIG_RESYNC_INTERVAL_MAX_SEC, "whole seconds (0 = off)" },
        };
        Config *c = p->config;
        unsigned n;
        int r;

        switch (key) {
        case CONFIG_KEY_MODE: {
                Mode m = mode_from_string(value);
                if (m < 0)
                        return parser_error(p, p->line, "invalid mode '%s': expected enforce or audit", value);
                c->mode = m;
                return;
        }
        case CONFIG_KEY_LOG_LEVEL:
                r = log_level_from_string(value);
                if (r < 0)
                        return parser_error(p, p->line,
                                            "invalid log_level '%s': expected err, warning, notice, info or debug",
                                            value);
                c->log_level = r;
                return;
        case CONFIG_KEY_FLAP_LIMIT:
        case CONFIG_KEY_FLAP_WINDOW:
        case CONFIG_KEY_FLAP_BACKOFF:
        case CONFIG_KEY_RESYNC_INTERVAL:
                r = parse_seconds(value, ranges[key].min, ranges[key].max, &n);
                if (r < 0)
                        return parser_error(p, p->line, "%s %s '%s': expected %s from %u to %u",
                                            r == -ERANGE ? "out-of-range" : "invalid", name, value,
                                            ranges[key].unit, ranges[key].min, ranges[key].max);
                if (key == CONFIG_KEY_FLAP_LIMIT)
                        c->flap_limit = n;
                else if (key == CONFIG_KEY_FLAP_WINDOW)
                        c->flap_window_usec = n * USEC_PER_SEC;
                else if (key == CONFIG_KEY_FLAP_BACKOFF)
                        c->flap_backoff_usec = n * USEC_PER_SEC;
                else
                        c->resync_interval_usec = n * USEC_PER_SEC;
                return;
        case CONFIG_KEY_METRICS_FILE:
                /* Empty: no metrics. Otherwise an absolute path, whose directory must
                 * exist when the daemon writes (it never creates directories). */
                if (*value && value[0] != '/')
                        return parser_error(p, p->line, "invalid metrics_file '%s': expected an absolute path, or nothing",
                                            value);
                if (strlen(value) >= 4096)
                        return parser_error(p, p->line, "invalid metrics_file: expected a path shorter than 4096 bytes");
                free(c->metrics_file);
                c->metrics_file = *value ? strdup(value) : NULL;
                if (*value && !c->metrics_file)
                        p->oom = true;
                return;
        case CONFIG_KEY_WATCH_CONFIG:
        case CONFIG_KEY_ATTRIBUTE_WRITERS:
                r = parse_boolean(value);
                if (r < 0)
                        return parser_error(p, p->line, "invalid %s '%s': expected yes or no", name, value);
                if (key == CONFIG_KEY_WATCH_CONFIG)
                        c->watch_config = r;
                else
                        c->attribute_writers = r;
                return;
        default:
                return;
        }
}

static void parse_global_key(Parser *p, ConfigKey key, const char *name, const char *value) {
        RpFilter v = rp_filter_from_string(value, false);

        if (v < 0)
                return parser_error(p, p->line, "invalid value '%s' for %s: expected 0/off, 1/strict or 2/loose",
                                    value, name);
        if (key == CONFIG_KEY_ALL)
                p->config->all = v;
        else
                p->config->def = v;
}

static void parse_rule(Parser *p, const char *pattern, const char *value) {
        Config *c = p->config;
        RpFilter v;
        Rule *rules;

        if (!*pattern)
                return parser_error(p, p->line, "empty interface pattern: expected PATTERN = VALUE");

        v = rp_filter_from_string(value, true);
        if (v < 0)
                return parser_error(p, p->line,
                                    "invalid value '%s' for '%s': expected 0/off, 1/strict, 2/loose or ignore",
                                    value, pattern);

        /* In any file: concatenated, a second definition could never take effect. */
        for (size_t i = 0; i < c->n_rules; i++)
                if (strcmp(c->rules[i].pattern, pattern) == 0) {
                        char where[PATH_MAX + 32];

                        return parser_error(p, p->line, "duplicate pattern '%s' (first defined %s): expected each pattern once",
                                            pattern, parser_where(p, c->rules[i].file, c->rules[i].line, where, sizeof(where)));
                }

        rules = realloc(c->rules, (c->n_rules + 1) * sizeof(Rule));
        if (!rules) {
                p->oom = true;
                return;
        }
        c->rules = rules;
        rules[c->n_rules] = (Rule) {
                .pattern = strdup(pattern),
                .value = v,
                .file = p->file,
                .line = p->line,
                .literal = !pattern_is_glob(pattern),
        };
        if (!rules[c->n_rules].pattern) {
                p->oom = true;
                return;
        }
        c->n_rules++;
}

static int parser_handle(void *user, const char *section, const char *name, const char *value) {
        Parser *p = user;
        ConfigKey key;

        (void) section; /* tracked by the reader, which also sees empty sections */
        p->handled = true;

        switch (p->section) {
        case SECTION_NONE:
                parser_error(p, p->line, "'%s' outside of a section: expected [daemon], [global] or [interfaces] first",
                             name);
                break;
        case SECTION_UNKNOWN:
        case _SECTION_INVALID:
                break; /* already reported at the section header */
        case SECTION_INTERFACES:
                parse_rule(p, name, value);
                break;
        case SECTION_DAEMON:
        case SECTION_GLOBAL:
                key = key_from_string(p->section, name);
                if (key < 0) {
                        parser_error(p, p->line, "unknown key '%s' in [%s]: expected %s", name,
                                     p->section == SECTION_DAEMON ? "daemon" : "global",
                                     p->section == SECTION_DAEMON
                                             ? "mode, log_level, flap_limit, flap_window, flap_backoff, resync_interval, "
                                               "metrics_file, watch_config or attribute_writers"
                                             : "all or default");
                        break;
                }
                if (p->key_line[key] > 0) {
                        parser_error(p, p->line, "duplicate key '%s' (first set on line %u): expected each key once", name,
                                     p->key_line[key]);
                        break;
                }
                /* Set again in a later file: that file wins, as with systemd's drop-ins. */
                p->key_line[key] = p->line;
                p->config->origin[key] = (ConfigOrigin) { .file = p->file, .line = p->line };
                if (p->section == SECTION_DAEMON)
                        parse_daemon_key(p, key, name, value);
                else
                        parse_global_key(p, key, name, value);
                break;
        }
        return 1; /* never stop inih: errors are collected here, with their line */
}

static Section section_from_header(const char *line) {
        const char *end = strchr(line, ']');
        size_t n;

        if (!end)
                return _SECTION_INVALID;
        line++;
        while (isspace((unsigned char) *line))
                line++;
        n = (size_t) (end - line);
        while (n > 0 && isspace((unsigned char) line[n - 1]))
                n--;
        if (n == 6 && strncasecmp(line, "daemon", n) == 0)
                return SECTION_DAEMON;
        if (n == 6 && strncasecmp(line, "global", n) == 0)
                return SECTION_GLOBAL;
        if (n == 10 && strncasecmp(line, "interfaces", n) == 0)
                return SECTION_INTERFACES;
        return SECTION_UNKNOWN;
}

/* What may follow a section header's ']': blanks, then nothing or a comment. Unlike a
 * value's, a header's comment needs no blank before its ';' (inih drops the rest of a
 * header line anyway), and '#' starts one too, as it does at the start of a line. */
static bool header_tail_is_blank(const char *tail) {
        while (isspace((unsigned char) *tail))
                tail++;
        return *tail == '\0' || *tail == ';' || *tail == '#';
}

/* inih splits a line at its first '=' or ':'. In [interfaces] a ':' belongs to the
 * pattern (one that can never match: a warning, not an error), so a line whose ':'
 * comes before its '=' is split here, and inih is handed an empty line instead.
 * Returns true when the line was taken; without any '=' it stays unhandled and is
 * reported as malformed. */
static bool parser_take_colon_rule(Parser *p, char *s) {
        char *colon = strchr(s, ':'), *eq = strchr(s, '='), *end, *value;
        bool was_space = false;

        if (p->section != SECTION_INTERFACES || !colon || (eq && eq < colon))
                return false;
        if (!eq)
                return true;

        value = eq + 1;
        for (end = value; *end; end++) { /* inih's inline comment: ';' after a blank */
                if (was_space && *end == ';')
                        break;
                was_space = isspace((unsigned char) *end);
        }
        while (end > value && isspace((unsigned char) end[-1]))
                end--;
        *end = '\0';
        while (isspace((unsigned char) *value))
                value++;

        end = eq;
        while (end > s && isspace((unsigned char) end[-1]))
                end--;
        *end = '\0';

        p->handled = true;
        parse_rule(p, s, value);
        return true;
}

/* inih's stream reader. Counting the lines here gives every handler call its line
 * number (the distribution's inih is built without INI_HANDLER_LINENO). It also
 * strips leading blanks, so an indented line is never taken as a continuation of the
 * previous value, and it finds the lines inih silently rejects: inih reports only the
 * first malformed line, rpfguard reports each of them. */
static char *parser_read_line(char *str, int num, void *stream) {
        Parser *p = stream;
        char *s, *start;
        size_t n;

        if (p->line_is_pair && !p->handled)
                parser_error(p, p->line, "malformed line: expected PATTERN = VALUE, KEY = VALUE or [SECTION]");
        p->line_is_pair = p->handled = false;

        s = fgets(str, num, p->f);
        if (!s)
                return NULL;
        p->line++;

        n = strlen(s);
        if (n == (size_t) num - 1 && s[n - 1] != '\n' && !feof(p->f)) {
                int ch;

                parser_error(p, p->line, "line too long: expected at most %d bytes", num - 2);
                while ((ch = fgetc(p->f)) != EOF && ch != '\n')
                        ;
                str[0] = '\n';
                str[1] = '\0';
                return str;
        }

        /* inih skips a UTF-8 byte order mark at the start of the file, and so must the
         * reader, which classifies the line before inih sees it. Only there: a BOM on
         * a later line is text like any other. */
        if (p->line == 1 && strncmp(s, UTF8_BOM, strlen(UTF8_BOM)) == 0)
                memmove(s, s + strlen(UTF8_BOM), strlen(s + strlen(UTF8_BOM)) + 1);

        /* Every blank inih's isspace() would see, or a "\v key = …" line would still be
         * a continuation of the previous value. */
        start = s;
        while (*start == ' ' || *start == '\t' || *start == '\v' || *start == '\f' || *start == '\r')
                start++;
        if (start != s)
                memmove(s, start, strlen(start) + 1);

        switch (s[0]) {
        case '\0': case '\n': case '\r': case ';': case '#':
                break;
        case '[': {
                Section sec = section_from_header(s);
                size_t len = strcspn(s + 1, "]");
                char name[64];

                snprintf(name, sizeof(name), "%.*s", (int) (len < 48 ? len : 48), s + 1);
                if (sec == _SECTION_INVALID) {
                        parser_error(p, p->line, "malformed section header: expected [daemon], [global] or [interfaces]");
                        p->section = SECTION_UNKNOWN;
                } else if (sec == SECTION_UNKNOWN) {
                        parser_error(p, p->line, "unknown section [%s]: expected [daemon], [global] or [interfaces]",
                                     name);
                        p->section = SECTION_UNKNOWN;
                } else {
                        /* inih ignores whatever follows the ']', so "[interfaces] eth0 = 1"
                         * would lose its rule without a word. */
                        if (!header_tail_is_blank(s + 1 + len + 1))
                                parser_error(p, p->line,
                                             "unexpected text after section header [%s]: expected the header alone on its "
                                             "line, or a comment after it",
                                             name);
                        p->section = sec;
                }
                break;
        }
        default:
                p->line_is_pair = true;
                if (parser_take_colon_rule(p, s)) {
                        s[0] = '\n';
                        s[1] = '\0';
                }
        }
        return s;
}

/* The report's copy of FILE, a name the Config owns. */
static const char *report_file_of(const ConfigReport *report, const char *file) {
        for (size_t i = 0; i < report->n_files; i++)
                if (strcmp(report->files[i], file) == 0)
                        return report->files[i];
        return NULL;
}

/* Warnings need every file: they compare rules with [global] (as the last file left
 * it) and with each other. Each is about the rule's own file. */
static void config_check_rules(Parser *p) {
        const Config *c = p->config;

        for (size_t i = 0; i < c->n_rules; i++) {
                const Rule *r = &c->rules[i];

                p->file = r->file;
                p->report_file = report_file_of(p->report, r->file);

                if (r->value != RP_FILTER_IGNORE && c->all != RP_FILTER_UNSET && r->value < c->all) {
                        parser_warning(p, r->line,
                                       "rule '%s = %s' is below all = %s: the kernel applies max(all, interface), "
                                       "so it cannot take effect",
                                       r->pattern, rp_filter_to_string(r->value), rp_filter_to_string(c->all));
                        if (!p->oom)
                                p->report->messages[p->report->n_messages - 1].ineffective_rule = true;
                }

                if (strpbrk(r->pattern, "/: \t\n\r\v\f"))
                        parser_warning(p, r->line,
                                       "pattern '%s' can never match: interface names cannot contain '/', ':' or white space",
                                       r->pattern);
                else if (r->literal && strlen(r->pattern) > IFNAME_MAX_LEN)
                        parser_warning(p, r->line,
                                       "pattern '%s' can never match: interface names are at most %d bytes",
                                       r->pattern, IFNAME_MAX_LEN);
                else if (r->literal)
                        for (size_t j = 0; j < i; j++)
                                if (!c->rules[j].literal && fnmatch(c->rules[j].pattern, r->pattern, 0) == 0) {
                                        char where[PATH_MAX + 32];

                                        parser_warning(p, r->line, "rule '%s' is shadowed by '%s' %s, which matches first",
                                                       r->pattern, c->rules[j].pattern,
                                                       parser_where(p, c->rules[j].file, c->rules[j].line, where,
                                                                    sizeof(where)));
                                        break;
                                }
        }
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_rules; i++)
                free(c->rules[i].pattern);
        free(c->rules);
        for (size_t i = 0; i < c->n_files; i++)
                free(c->files[i].path);
        free(c->files);
        free(c->metrics_file);
        free(c->path);
        free(c);
        return NULL;
}

static inline void config_freep(Config **c) {
        config_free(*c);
}

void config_report_done(ConfigReport *report) {
        free(report->messages);
        for (size_t i = 0; i < report->n_files; i++)
                free(report->files[i]);
        free(report->files);
        *report = (ConfigReport) {};
}

static int config_new(const char *path, Config **ret) {
        Config *c;

        c = calloc(1, sizeof(Config));
        if (!c)
                return -ENOMEM;
        *c = (Config) {
                .mode = MODE_ENFORCE,
                .log_level = LOG_INFO,
                .flap_limit = CONFIG_DEFAULT_FLAP_LIMIT,
                .flap_window_usec = CONFIG_DEFAULT_FLAP_WINDOW_SEC * USEC_PER_SEC,
                .flap_backoff_usec = CONFIG_DEFAULT_FLAP_BACKOFF_SEC * USEC_PER_SEC,
                .all = RP_FILTER_UNSET,
                .def = RP_FILTER_UNSET,
                .path = strdup(path),
        };
        if (!c->path) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

/* PATH becomes the file at hand: recorded in the Config (when KIND says it belongs to
 * it; NULL for a directory) and in the report. */
static int parser_begin_file(Parser *p, const char *path, bool in_config, ConfDropinKind kind) {
        Config *c = p->config;
        char **files;

        files = realloc(p->report->files, (p->report->n_files + 1) * sizeof(char *));
        if (!files)
                return -ENOMEM;
        p->report->files = files;
        files[p->report->n_files] = strdup(path);
        if (!files[p->report->n_files])
                return -ENOMEM;
        p->report_file = files[p->report->n_files++];

        p->file = NULL;
        if (in_config) {
                ConfigFile *cf = realloc(c->files, (c->n_files + 1) * sizeof(ConfigFile));

                if (!cf)
                        return -ENOMEM;
                c->files = cf;
                cf[c->n_files] = (ConfigFile) { .path = strdup(path), .kind = kind };
                if (!cf[c->n_files].path)
                        return -ENOMEM;
                p->file = cf[c->n_files++].path;
        }

        p->f = NULL;
        p->line = 0;
        p->section = SECTION_NONE;
        p->line_is_pair = p->handled = false;
        memset(p->key_line, 0, sizeof(p->key_line));
        return 0;
}

/* The file at hand could not be read: say so (line 0: the file as a whole). */
static void parser_read_failed(Parser *p, int error, const char *what) {
        parser_error(p, 0, "cannot read the %s: %s", what, strerror(-error));
        if (p->read_error == 0)
                p->read_error = error;
}

/* Parse F, the file at hand. */
static int parser_parse_stream(Parser *p, FILE *f) {
        size_t n_errors = p->report->n_errors;
        int r;

        p->f = f;
        r = ini_parse_stream(parser_read_line, p, parser_handle, p);
        if (r == -2 || p->oom)
                return -ENOMEM;
        if (ferror(f)) {
                parser_read_failed(p, -EIO, "configuration");
                return 0;
        }
        /* The reader catches every line inih rejects; this only guards against an inih
         * that rejects more than we know of. */
        if (r > 0 && p->report->n_errors == n_errors)
                parser_error(p, (unsigned) r, "malformed line: expected KEY = VALUE or [SECTION]");
        return p->oom ? -ENOMEM : 0;
}

/* Open and parse the file at hand. A directory or a FIFO is refused before it is read
 * (opening a FIFO would wait for a writer); /dev/null reads as an empty file. */
static int parser_parse_file(Parser *p, const char *path) {
        _cleanup_(fclosep) FILE *f = NULL;
        struct stat st;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                parser_read_failed(p, -errno, "configuration");
                return p->oom ? -ENOMEM : 0;
        }
        if (fstat(fd, &st) < 0) {
                parser_read_failed(p, -errno, "configuration");
                (void) close(fd);
                return p->oom ? -ENOMEM : 0;
        }
        if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
                int error = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;

                (void) close(fd);
                parser_error(p, 0, "cannot read the configuration: %s: expected a file",
                             error == -EISDIR ? "a directory" : "not a regular file");
                if (p->read_error == 0)
                        p->read_error = error;
                return p->oom ? -ENOMEM : 0;
        }
        f = fdopen(fd, "re");
        if (!f) {
                (void) close(fd);
                return -ENOMEM;
        }
        return parser_parse_stream(p, f);
}

/* Stable, by file (in the order read) then line: a dangling symlink's warning comes
 * before the rules' warnings of earlier files otherwise. Nearly sorted already. */
static void report_sort(ConfigReport *report) {
        if (report->n_messages < 2)
                return;
        for (size_t i = 1; i < report->n_messages; i++) {
                ConfigMessage m = report->messages[i];
                size_t fm = 0, j = i;

                for (size_t k = 0; k < report->n_files; k++)
                        if (report->files[k] == m.file)
                                fm = k;
                while (j > 0) {
                        const ConfigMessage *prev = &report->messages[j - 1];
                        size_t fp = 0;

                        for (size_t k = 0; k < report->n_files; k++)
                                if (report->files[k] == prev->file)
                                        fp = k;
                        if (fp < fm || (fp == fm && prev->line <= m.line))
                                break;
                        report->messages[j] = *prev;
                        j--;
                }
                report->messages[j] = m;
        }
}

/* Warnings, the order of the messages, the verdict. */
static int parser_finish(Parser *p, Config **c, Config **ret) {
        if (p->oom)
                return -ENOMEM;
        if (p->report->n_errors == 0)
                config_check_rules(p);
        if (p->oom)
                return -ENOMEM;
        report_sort(p->report);
        if (p->read_error < 0)
                return p->read_error;
        if (p->report->n_errors > 0)
                return -EINVAL;
        *ret = TAKE_PTR(*c);
        return 0;
}

/* One file: from F when it is open already, else opened by path. */
static int config_load_one(FILE *f, const char *path, Config **ret, ConfigReport *report) {
        _cleanup_(config_freep) Config *c = NULL;
        Parser p;
        int r;

        *report = (ConfigReport) {};
        r = config_new(path, &c);
        if (r < 0)
                return r;
        p = (Parser) { .config = c, .report = report };
        r = parser_begin_file(&p, path, true, CONF_DROPIN_FILE);
        if (r >= 0)
                r = f ? parser_parse_stream(&p, f) : parser_parse_file(&p, path);
        if (r < 0)
                return r; /* NOLINT(clang-analyzer-unix.Malloc): c is freed by _cleanup_(config_freep) */
        return parser_finish(&p, &c, ret);
}

int config_load_stream(FILE *f, const char *path, Config **ret, ConfigReport *report) {
        return config_load_one(f, path, ret, report);
}

int config_load(const char *path, Config **ret, ConfigReport *report) {
        return config_load_one(NULL, path, ret, report);
}

int config_load_dirs(const ConfDirs *dirs, Config **ret, ConfigReport *report) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(confdirs_list_done) ConfDropinList l = {};
        _cleanup_(freep) char *failed = NULL;
        Parser p;
        int r;

        *report = (ConfigReport) {};
        r = config_new(dirs->main, &c);
        if (r < 0)
                return r;
        p = (Parser) { .config = c, .report = report };

        /* The main file first: it must exist (a missing one is an error naming it). */
        r = parser_begin_file(&p, dirs->main, true, CONF_DROPIN_FILE);
        if (r >= 0)
                r = parser_parse_file(&p, dirs->main);
        if (r < 0)
                return r; /* NOLINT(clang-analyzer-unix.Malloc): c is freed by _cleanup_(config_freep) */

        r = confdirs_list(dirs, &l, &failed);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                int error = r;

                /* Not the directory's rules without a word: rejected, like an unreadable file. */
                r = parser_begin_file(&p, failed ?: "?", false, CONF_DROPIN_FILE);
                if (r < 0)
                        return r;
                parser_read_failed(&p, error, "drop-in directory");
        }

        for (size_t i = 0; i < l.n_items; i++) {
                const ConfDropin *d = &l.items[i];

                r = parser_begin_file(&p, d->path, true, d->kind);
                if (r < 0)
                        return r;
                if (d->kind == CONF_DROPIN_DANGLING)
                        /* systemd reads it as nothing (ENOENT is ignored), and it still takes its
                         * name: a file of that name in a later directory is not read either. */
                        parser_warning(&p, 0, "a symlink to nothing: read as empty, and the same name in the "
                                              "later directories is not read either");
                if (conf_dropin_is_mask(d->kind))
                        continue;
                r = parser_parse_file(&p, d->path);
                if (r < 0)
                        return r;
        }
        return parser_finish(&p, &c, ret);
}
