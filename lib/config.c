/* SPDX-License-Identifier: MIT */
/* config: inih feeds a private parser state, which becomes an immutable Config.
 * Collects every error and warning with its line; prints nothing, touches no kernel. */
#define _GNU_SOURCE
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <ini.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
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

/* Keys of [daemon] and [global]; each may appear once. */
typedef enum Key {
        KEY_MODE,
        KEY_LOG_LEVEL,
        KEY_FLAP_LIMIT,
        KEY_FLAP_WINDOW,
        KEY_FLAP_BACKOFF,
        KEY_RESYNC_INTERVAL,
        KEY_METRICS_FILE,
        KEY_WATCH_CONFIG,
        KEY_ATTRIBUTE_WRITERS,
        KEY_ALL,
        KEY_DEFAULT,
        _KEY_MAX,
        _KEY_INVALID = -EINVAL,
} Key;

static const struct {
        const char *name;
        Section section;
} key_table[_KEY_MAX] = {
        [KEY_MODE]            = { "mode",            SECTION_DAEMON },
        [KEY_LOG_LEVEL]       = { "log_level",       SECTION_DAEMON },
        [KEY_FLAP_LIMIT]      = { "flap_limit",      SECTION_DAEMON },
        [KEY_FLAP_WINDOW]     = { "flap_window",     SECTION_DAEMON },
        [KEY_FLAP_BACKOFF]    = { "flap_backoff",    SECTION_DAEMON },
        [KEY_RESYNC_INTERVAL] = { "resync_interval", SECTION_DAEMON },
        [KEY_METRICS_FILE]    = { "metrics_file",    SECTION_DAEMON },
        [KEY_WATCH_CONFIG]    = { "watch_config",    SECTION_DAEMON },
        [KEY_ATTRIBUTE_WRITERS] = { "attribute_writers", SECTION_DAEMON },
        [KEY_ALL]             = { "all",             SECTION_GLOBAL },
        [KEY_DEFAULT]         = { "default",         SECTION_GLOBAL },
};

typedef struct Parser {
        FILE *f;
        unsigned line;           /* line the reader handed to inih last */
        Section section;
        bool line_is_pair;       /* the current line should become a handler call */
        bool handled;            /* ... and it did */
        unsigned key_line[_KEY_MAX];
        Config *config;
        ConfigReport *report;
        bool oom;
} Parser;

static void report_add(ConfigReport *report, bool *oom, ConfigSeverity severity, unsigned line,
                       const char *fmt, ...) _printf_(5, 6);

static void report_add(ConfigReport *report, bool *oom, ConfigSeverity severity, unsigned line,
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
        *m = (ConfigMessage) { .severity = severity, .line = line };
        va_start(ap, fmt);
        (void) vsnprintf(m->text, sizeof(m->text), fmt, ap);
        va_end(ap);
        if (severity == CONFIG_ERROR)
                report->n_errors++;
}

#define parser_error(p, line, ...)   report_add((p)->report, &(p)->oom, CONFIG_ERROR, line, __VA_ARGS__)
#define parser_warning(p, line, ...) report_add((p)->report, &(p)->oom, CONFIG_WARNING, line, __VA_ARGS__)

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

static Key key_from_string(Section section, const char *name) {
        for (Key k = 0; k < _KEY_MAX; k++)
                if (key_table[k].section == section && strcasecmp(name, key_table[k].name) == 0)
                        return k;
        return _KEY_INVALID;
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

static void parse_daemon_key(Parser *p, Key key, const char *name, const char *value) {
        static const struct {
                unsigned min, max;
                const char *unit;
        } ranges[_KEY_MAX] = {
                [KEY_FLAP_LIMIT]      = { 1, CONFIG_FLAP_LIMIT_MAX,          "a whole number of corrections" },
                [KEY_FLAP_WINDOW]     = { 1, CONFIG_FLAP_WINDOW_MAX_SEC,     "whole seconds" },
                [KEY_FLAP_BACKOFF]    = { 1, CONFIG_FLAP_BACKOFF_MAX_SEC,    "whole seconds" },
                [KEY_RESYNC_INTERVAL] = { 0, CONFIG_RESYNC_INTERVAL_MAX_SEC, "whole seconds (0 = off)" },
        };
        Config *c = p->config;
        unsigned n;
        int r;

        switch (key) {
        case KEY_MODE: {
                Mode m = mode_from_string(value);
                if (m < 0)
                        return parser_error(p, p->line, "invalid mode '%s': expected enforce or audit", value);
                c->mode = m;
                return;
        }
        case KEY_LOG_LEVEL:
                r = log_level_from_string(value);
                if (r < 0)
                        return parser_error(p, p->line,
                                            "invalid log_level '%s': expected err, warning, notice, info or debug",
                                            value);
                c->log_level = r;
                return;
        case KEY_FLAP_LIMIT:
        case KEY_FLAP_WINDOW:
        case KEY_FLAP_BACKOFF:
        case KEY_RESYNC_INTERVAL:
                r = parse_seconds(value, ranges[key].min, ranges[key].max, &n);
                if (r < 0)
                        return parser_error(p, p->line, "%s %s '%s': expected %s from %u to %u",
                                            r == -ERANGE ? "out-of-range" : "invalid", name, value,
                                            ranges[key].unit, ranges[key].min, ranges[key].max);
                if (key == KEY_FLAP_LIMIT)
                        c->flap_limit = n;
                else if (key == KEY_FLAP_WINDOW)
                        c->flap_window_usec = n * USEC_PER_SEC;
                else if (key == KEY_FLAP_BACKOFF)
                        c->flap_backoff_usec = n * USEC_PER_SEC;
                else
                        c->resync_interval_usec = n * USEC_PER_SEC;
                return;
        case KEY_METRICS_FILE:
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
        case KEY_WATCH_CONFIG:
        case KEY_ATTRIBUTE_WRITERS:
                r = parse_boolean(value);
                if (r < 0)
                        return parser_error(p, p->line, "invalid %s '%s': expected yes or no", name, value);
                if (key == KEY_WATCH_CONFIG)
                        c->watch_config = r;
                else
                        c->attribute_writers = r;
                return;
        default:
                return;
        }
}

static void parse_global_key(Parser *p, Key key, const char *name, const char *value) {
        RpFilter v = rp_filter_from_string(value, false);

        if (v < 0)
                return parser_error(p, p->line, "invalid value '%s' for %s: expected 0/off, 1/strict or 2/loose",
                                    value, name);
        if (key == KEY_ALL)
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

        for (size_t i = 0; i < c->n_rules; i++)
                if (strcmp(c->rules[i].pattern, pattern) == 0)
                        return parser_error(p, p->line, "duplicate pattern '%s' (first defined on line %u): expected each pattern once",
                                            pattern, c->rules[i].line);

        rules = realloc(c->rules, (c->n_rules + 1) * sizeof(Rule));
        if (!rules) {
                p->oom = true;
                return;
        }
        c->rules = rules;
        rules[c->n_rules] = (Rule) {
                .pattern = strdup(pattern),
                .value = v,
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
        Key key;

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
                p->key_line[key] = p->line;
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

/* Warnings need the whole file: they compare rules with [global] and with each other. */
static void config_check_rules(Parser *p) {
        const Config *c = p->config;

        for (size_t i = 0; i < c->n_rules; i++) {
                const Rule *r = &c->rules[i];

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
                                        parser_warning(p, r->line,
                                                       "rule '%s' is shadowed by '%s' on line %u, which matches first",
                                                       r->pattern, c->rules[j].pattern, c->rules[j].line);
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
        *report = (ConfigReport) {};
}

int config_load_stream(FILE *f, const char *path, Config **ret, ConfigReport *report) {
        _cleanup_(config_freep) Config *c = NULL;
        Parser p;
        int r;

        *report = (ConfigReport) {};

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
        if (!c->path)
                /* cppcheck-suppress memleak ; c is freed by _cleanup_(config_freep) */
                return -ENOMEM; /* NOLINT(clang-analyzer-unix.Malloc): _cleanup_ again */

        p = (Parser) { .f = f, .config = c, .report = report };

        r = ini_parse_stream(parser_read_line, &p, parser_handle, &p);
        if (r == -2 || p.oom)
                return -ENOMEM;
        if (ferror(f))
                return -EIO;
        /* The reader catches every line inih rejects; this only guards against an inih
         * that rejects more than we know of. */
        if (r > 0 && report->n_errors == 0)
                parser_error(&p, (unsigned) r, "malformed line: expected KEY = VALUE or [SECTION]");

        if (report->n_errors == 0)
                config_check_rules(&p);
        if (p.oom)
                return -ENOMEM;

        /* Messages are already in line order: errors are found line by line, and
         * warnings (only computed for a file without errors) rule by rule. */
        if (report->n_errors > 0)
                return -EINVAL;

        *ret = TAKE_PTR(c);
        return 0;
}

int config_load(const char *path, Config **ret, ConfigReport *report) {
        _cleanup_(fclosep) FILE *f = NULL;

        *report = (ConfigReport) {};
        f = fopen(path, "re");
        if (!f)
                return -errno;
        return config_load_stream(f, path, ret, report);
}
