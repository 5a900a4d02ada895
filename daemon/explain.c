/* SPDX-License-Identifier: MIT */
/* explain: puts rpfguard's rules beside lib/sysctld.c's model of systemd-sysctl. Reads
 * the kernel's values but never writes them; never runs or restarts systemd-sysctl. */
#define _GNU_SOURCE
#include "explain.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "ifname.h"
#include "log.h"
#include "policy.h"
#include "sysctl.h"
#include "sysctld.h"
#include "util.h"

static void fmt_value(char *buf, size_t size, int v) {
        if (v < 0)
                (void) snprintf(buf, size, "-");
        else
                (void) snprintf(buf, size, "%d", v);
}

/* "2 from FILE:LINE: KEY = VALUE" */
static void fmt_origin(char *buf, size_t size, const SysctldLine *l, int v) {
        (void) snprintf(buf, size, "%d from %s:%u: %s%s = %s", v, l->file, l->line, l->ignore_failure ? "-" : "",
                        l->key_written, l->value);
}

static void print_global(const Config *c, const Sysctld *s, int conf_fd, const char *name, RpFilter wanted,
                         FILE *out) {
        const SysctldLine *l = NULL;
        char cur[16], origin[512];
        int current = -1, v = -1, r;

        if (conf_fd < 0 || sysctl_rp_filter_read(conf_fd, name, &current) < 0)
                current = -1;
        fmt_value(cur, sizeof(cur), current);
        r = s ? sysctld_boot_rp_filter(s, name, &l, &v) : 0;

        fprintf(out, "%s\n", name);
        if (wanted == RP_FILTER_UNSET)
                fprintf(out, "  rule       none ([global] leaves %s alone)\n", name);
        else {
                ConfigOrigin o = c->origin[strcmp(name, SYSCTL_CONF_ALL) == 0 ? CONFIG_KEY_ALL : CONFIG_KEY_DEFAULT];

                fprintf(out, "  rule       [global] %s = %d (%s:%u)\n", name, (int) wanted, o.file ?: c->path, o.line);
        }
        if (wanted == RP_FILTER_UNSET)
                fprintf(out, "  wanted     -\n");
        else
                fprintf(out, "  wanted     %d (%s)\n", (int) wanted, rp_filter_to_string(wanted));
        fprintf(out, "  current    %s\n", cur);
        if (r > 0) {
                fmt_origin(origin, sizeof(origin), l, v);
                fprintf(out, "  boot       %s\n", origin);
        } else
                fprintf(out, "  boot       nothing sets it\n");
        if (r > 0 && wanted != RP_FILTER_UNSET && v != (int) wanted)
                fprintf(out, "  conflict   yes: systemd-sysctl sets %d at boot, rpfguard corrects it to %d\n", v,
                        (int) wanted);
        else
                fprintf(out, "  conflict   no\n");
        fputc('\n', out);
}

static void print_iface(const Config *c, const Sysctld *s, int conf_fd, int all, const char *name, FILE *out) {
        const Rule *rule = policy_lookup(c, name);
        const SysctldLine *l = NULL;
        char cur[16], eff[64], origin[512];
        int current = -1, v = -1, r;
        int wanted = rule && rule->value != RP_FILTER_IGNORE ? (int) rule->value : -1;

        if (conf_fd < 0 || sysctl_rp_filter_read(conf_fd, name, &current) < 0)
                current = -1; /* no such interface (or no IPv4 on it) */
        fmt_value(cur, sizeof(cur), current);
        if (current < 0)
                (void) snprintf(eff, sizeof(eff), "-");
        else if (all > current)
                (void) snprintf(eff, sizeof(eff), "%d (conf/all is %d: the kernel uses the higher)",
                                policy_effective(all, current), all);
        else
                (void) snprintf(eff, sizeof(eff), "%d", policy_effective(all, current));
        r = s ? sysctld_udev_rp_filter(s, name, &l, &v) : 0;

        fprintf(out, "%s\n", name);
        if (!rule)
                fprintf(out, "  rule       none (unmanaged: rpfguard leaves it alone)\n");
        else
                fprintf(out, "  rule       %s = %s (%s:%u)\n", rule->pattern, rp_filter_to_string(rule->value),
                        rule->file, rule->line);
        if (wanted < 0)
                fprintf(out, "  wanted     -\n");
        else
                fprintf(out, "  wanted     %d (%s)\n", wanted, rp_filter_to_string((RpFilter) wanted));
        fprintf(out, "  current    %s\n", cur);
        fprintf(out, "  effective  %s\n", eff);
        if (r > 0) {
                fmt_origin(origin, sizeof(origin), l, v);
                fprintf(out, "  udev       %s\n", origin);
        } else
                fprintf(out, "  udev       nothing sets it (a new interface keeps what conf/default gives it)\n");
        if (r > 0 && wanted >= 0 && v != wanted)
                fprintf(out, "  conflict   yes: udev sets %d on each new %s, rpfguard %s it to %d\n", v, name,
                        c->mode == MODE_AUDIT ? "reports it instead of correcting" : "corrects", wanted);
        else
                fprintf(out, "  conflict   no\n");
        fputc('\n', out);
}

int explain_report(const Config *c, const char *root, const char *sysctl_root, char *const *names, size_t n_names,
                   FILE *out) {
        Sysctld *s = NULL;
        int conf_fd, all = -1, r;

        r = sysctld_load(root ?: EXPLAIN_ROOT_DEFAULT, &s);
        if (r < 0)
                return r;
        conf_fd = sysctl_conf_open(sysctl_root ?: SYSCTL_ROOT_DEFAULT);
        if (conf_fd >= 0 && sysctl_rp_filter_read(conf_fd, SYSCTL_CONF_ALL, &all) < 0)
                all = -1;

        fprintf(out, "sysctl.d files under %s, in the order systemd-sysctl reads them:%s\n", root ?: "/",
                s->n_files == 0 ? " none" : "");
        for (size_t i = 0; i < s->n_files; i++)
                fprintf(out, "  %s\n", s->files[i]);
        fputc('\n', out);

        print_global(c, s, conf_fd, SYSCTL_CONF_ALL, c->all, out);
        print_global(c, s, conf_fd, SYSCTL_CONF_DEFAULT, c->def, out);
        for (size_t i = 0; i < n_names; i++)
                print_iface(c, s, conf_fd, all, names[i], out);
        if (conf_fd >= 0)
                (void) close(conf_fd);
        sysctld_free(s);
        return fflush(out) == 0 ? 0 : -errno;
}

/* --- example names ---------------------------------------------------------------- */

typedef struct Names {
        char **v;
        size_t n;
} Names;

static void names_done(Names *n) {
        for (size_t i = 0; i < n->n; i++)
                free(n->v[i]);
        free(n->v);
}

static int names_add(Names *n, const char *name) {
        char **v;

        if (!ifname_valid(name))
                return 0;
        for (size_t i = 0; i < n->n; i++)
                if (strcmp(n->v[i], name) == 0)
                        return 0;
        v = realloc(n->v, (n->n + 1) * sizeof(char *));
        if (!v)
                return -ENOMEM;
        n->v = v;
        n->v[n->n] = strdup(name);
        if (!n->v[n->n])
                return -ENOMEM;
        n->n++;
        return 0;
}

/* An interface name PATTERN matches: '*' becomes STAR, '?' a '0', a bracket expression
 * a character it accepts. Checked with fnmatch(); nothing added when that fails. */
static int names_add_example(Names *n, const char *pattern, const char *star) {
        char buf[64];
        size_t k = 0;

        for (const char *p = pattern; *p && k + 8 < sizeof(buf); p++) {
                if (*p == '*') {
                        for (const char *s = star; *s && k + 1 < sizeof(buf); s++)
                                buf[k++] = *s;
                } else if (*p == '?')
                        buf[k++] = '0';
                else if (*p == '\\' && p[1])
                        buf[k++] = *++p;
                else if (*p == '[') {
                        const char *end = strchr(p + 2, ']');
                        char set[64], one[2] = {};
                        bool done = false;

                        if (!end || (size_t) (end - p) + 2 > sizeof(set)) {
                                buf[k++] = '[';
                                continue;
                        }
                        memcpy(set, p, (size_t) (end - p) + 1);
                        set[end - p + 1] = '\0';
                        for (const char *c = "0a_-xZ9.b1"; *c && !done; c++) {
                                one[0] = *c;
                                if (fnmatch(set, one, 0) == 0) {
                                        buf[k++] = *c;
                                        done = true;
                                }
                        }
                        if (!done)
                                return 0;
                        p = end;
                } else
                        buf[k++] = *p;
        }
        buf[k] = '\0';
        if (fnmatch(pattern, buf, 0) != 0)
                return 0;
        return names_add(n, buf);
}

static int names_add_pattern(Names *n, const char *pattern) {
        int r;

        if (!pattern_is_glob(pattern))
                return names_add(n, pattern);
        r = names_add_example(n, pattern, "");
        if (r >= 0)
                r = names_add_example(n, pattern, "0");
        return r;
}

/* The interface component of a sysctl.d key for net/ipv4/conf/X/rp_filter, or NULL. */
static char *key_ifname(const char *key) {
        const char *p = key, *e;
        size_t n = strlen("net/ipv4/conf/");

        if (strncmp(p, "net/ipv4/conf/", n) != 0)
                return NULL;
        p += n;
        e = strchr(p, '/');
        if (!e || e == p || strchr(e + 1, '/'))
                return NULL;
        return strndup(p, (size_t) (e - p));
}

/* --- start-up warnings -------------------------------------------------------------- */

typedef struct Conflict {
        const SysctldLine *line;
        const Rule *rule;
        int value;
} Conflict;

/* The udev half of explain_warn_conflicts(): probe NAMES, warn once per line. */
static int warn_udev_lines(const Config *c, const Sysctld *s, const Names *names, const char *fix) {
        Conflict *found;
        size_t n_found = 0;
        int n_warnings = 0;

        found = calloc(names->n + 1, sizeof(Conflict));
        if (!found)
                return -ENOMEM;
        for (size_t i = 0; i < names->n; i++) {
                const Rule *rule = policy_lookup(c, names->v[i]);
                const SysctldLine *l;
                bool seen = false;
                int v, r;

                if (!rule || rule->value == RP_FILTER_IGNORE)
                        continue;
                r = sysctld_udev_rp_filter(s, names->v[i], &l, &v);
                if (r < 0) {
                        free(found);
                        return r;
                }
                if (r == 0 || v == (int) rule->value)
                        continue;
                for (size_t k = 0; k < n_found; k++)
                        if (found[k].line == l) {
                                /* One warning per line; a glob line names a glob rule if
                                 * one conflicts with it, as that is the fight it starts. */
                                if (l->glob && found[k].rule->literal && !rule->literal)
                                        found[k].rule = rule;
                                seen = true;
                        }
                if (!seen)
                        found[n_found++] = (Conflict) { .line = l, .rule = rule, .value = v };
        }

        /* In the order systemd-sysctl reads the lines. */
        for (size_t i = 0; i < s->n_lines; i++)
                for (size_t k = 0; k < n_found; k++) {
                        const SysctldLine *l = found[k].line;
                        const Rule *rule = found[k].rule;
                        char *name;

                        if (l != &s->lines[i])
                                continue;
                        name = key_ifname(l->key);
                        if (l->glob && name && strcmp(name, "*") == 0)
                                log_warning("%s:%u: %s = %s is applied by udev to every new interface; "
                                            "rule %s = %d (%s:%u) %s each one",
                                            l->file, l->line, l->key_written, l->value, rule->pattern,
                                            (int) rule->value, rule->file, rule->line, fix);
                        else if (l->glob)
                                log_warning("%s:%u: %s = %s is applied by udev to every new interface that "
                                            "matches %s; rule %s = %d (%s:%u) %s each one",
                                            l->file, l->line, l->key_written, l->value, name ?: l->key,
                                            rule->pattern, (int) rule->value, rule->file, rule->line, fix);
                        else
                                log_warning("%s:%u: %s = %s is applied by udev to %s when it appears; "
                                            "rule %s = %d (%s:%u) %s it",
                                            l->file, l->line, l->key_written, l->value, name ?: "it",
                                            rule->pattern, (int) rule->value, rule->file, rule->line, fix);
                        free(name);
                        n_warnings++;
                }
        free(found);
        return n_warnings;
}

int explain_warn_conflicts(const Config *c, const char *root) {
        const char *fix = c->mode == MODE_AUDIT ? "will report" : "will correct";
        Names names = {};
        Sysctld *s = NULL;
        int r, n_warnings = 0;

        r = sysctld_load(root ?: EXPLAIN_ROOT_DEFAULT, &s);
        if (r < 0) {
                log_debug_errno(r, "Cannot read the sysctl.d configuration under %s, not comparing it: %m",
                                root ?: EXPLAIN_ROOT_DEFAULT);
                return r;
        }

        /* conf/all and conf/default: systemd-sysctl.service's run at boot. */
        for (int k = 0; k < 2; k++) {
                const char *name = k == 0 ? SYSCTL_CONF_ALL : SYSCTL_CONF_DEFAULT;
                RpFilter wanted = k == 0 ? c->all : c->def;
                const SysctldLine *l;
                int v;

                if (wanted == RP_FILTER_UNSET || sysctld_boot_rp_filter(s, name, &l, &v) <= 0 || v == (int) wanted)
                        continue;
                log_warning("%s:%u: %s = %s is applied by systemd-sysctl at boot; [global] %s = %d (%s) %s it",
                            l->file, l->line, l->key_written, l->value, name, (int) wanted,
                            c->origin[k == 0 ? CONFIG_KEY_ALL : CONFIG_KEY_DEFAULT].file, fix);
                n_warnings++;
        }

        /* Example names: each rule's, and each sysctl.d key's interface component. */
        for (size_t i = 0; i < c->n_rules && r >= 0; i++)
                r = names_add_pattern(&names, c->rules[i].pattern);
        for (size_t i = 0; i < s->n_lines && r >= 0; i++) {
                char *name = key_ifname(s->lines[i].key);

                if (name)
                        r = names_add_pattern(&names, name);
                free(name);
        }
        if (r >= 0)
                r = warn_udev_lines(c, s, &names, fix);
        names_done(&names);
        sysctld_free(s);
        return r < 0 ? r : n_warnings + r;
}

/* --- export ------------------------------------------------------------------------- */

/* Whether PATTERN means the same to systemd-sysctl as to rpfguard. */
static const char *pattern_unexportable(const char *pattern) {
        if (strchr(pattern, '='))
                return "'=' ends a sysctl.d key";
        if (strpbrk(pattern, "/ \t\n\r") || strcmp(pattern, ".") == 0 || strcmp(pattern, "..") == 0)
                return "it cannot name an interface";
        if (strchr(pattern, '\\') && !strpbrk(pattern, "*?["))
                return "systemd-sysctl takes a key without '*', '?' or '[' literally, backslash included";
        return NULL;
}

static bool glob_rules_match(const Config *c, const char *name) {
        for (size_t i = 0; i < c->n_rules; i++) {
                const Rule *r = &c->rules[i];

                if (!r->literal && r->value != RP_FILTER_IGNORE && !pattern_unexportable(r->pattern) &&
                    fnmatch(r->pattern, name, 0) == 0)
                        return true;
        }
        return false;
}

int explain_export_text(const Config *c, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "# Generated by rpfguard from %s; do not edit: rpfguard rewrites it.\n"
                   "# The sysctl.d equivalent of its rules, so that udev's systemd-sysctl run on\n"
                   "# each new interface (99-systemd.rules) applies rpfguard's values.\n"
                   "# rpfguard lets the first matching rule win; sysctl.d lets a name beat every\n"
                   "# glob and the last glob win: names first, then the globs in reverse order.\n",
                c->path);
        if (c->all != RP_FILTER_UNSET)
                fprintf(f, "net.ipv4.conf.all.rp_filter = %d\n", (int) c->all);
        if (c->def != RP_FILTER_UNSET)
                fprintf(f, "net.ipv4.conf.default.rp_filter = %d\n", (int) c->def);
        for (int k = 0; k < 2; k++) {
                const char *name = k == 0 ? SYSCTL_CONF_ALL : SYSCTL_CONF_DEFAULT;

                if ((k == 0 ? c->all : c->def) == RP_FILTER_UNSET && glob_rules_match(c, name))
                        fprintf(f, "# Note: a run of systemd-sysctl without --prefix (systemd-sysctl.service)\n"
                                   "# also applies the globs below to conf/%s unless a file names it.\n", name);
        }

        /* Names: the value of the rule that matches first (perhaps an earlier glob). */
        for (size_t i = 0; i < c->n_rules; i++) {
                const Rule *r = &c->rules[i], *first;
                const char *why = pattern_unexportable(r->pattern);
                bool dup = false;

                if (!r->literal)
                        continue;
                for (size_t k = 0; k < i; k++)
                        if (c->rules[k].literal && strcmp(c->rules[k].pattern, r->pattern) == 0)
                                dup = true;
                if (dup)
                        continue;
                if (why) {
                        fprintf(f, "# %s (line %u) left out: %s\n", r->pattern, r->line, why);
                        continue;
                }
                first = policy_lookup(c, r->pattern);
                if (first->value != RP_FILTER_IGNORE)
                        fprintf(f, "net/ipv4/conf/%s/rp_filter = %d\n", r->pattern, (int) first->value);
                else if (glob_rules_match(c, r->pattern))
                        /* An exclusion keeps the globs off it (and, being the last
                         * line for it, cancels an earlier file's value for it too). */
                        fprintf(f, "-net/ipv4/conf/%s/rp_filter\n", r->pattern);
        }

        for (size_t i = c->n_rules; i-- > 0;) {
                const Rule *r = &c->rules[i];
                const char *why = pattern_unexportable(r->pattern);

                if (r->literal)
                        continue;
                if (why)
                        fprintf(f, "# %s (line %u) left out: %s\n", r->pattern, r->line, why);
                else if (r->value == RP_FILTER_IGNORE) {
                        bool later = false;

                        for (size_t k = i + 1; k < c->n_rules; k++)
                                if (!c->rules[k].literal && c->rules[k].value != RP_FILTER_IGNORE)
                                        later = true;
                        if (later)
                                fprintf(f, "# %s = ignore (line %u) cannot be said in sysctl.d: the globs of\n"
                                           "# later rules above also reach the interfaces it matches.\n",
                                        r->pattern, r->line);
                } else
                        fprintf(f, "net/ipv4/conf/%s/rp_filter = %d\n", r->pattern, (int) r->value);
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static int read_all(const char *path, char **ret) {
        char *buf = NULL, chunk[4096];
        size_t size = 0, n;
        FILE *f, *m;
        int r = 0;

        f = fopen(path, "re");
        if (!f)
                return -errno;
        m = open_memstream(&buf, &size);
        if (!m) {
                (void) fclose(f);
                return -ENOMEM;
        }
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                if (fwrite(chunk, 1, n, m) != n)
                        r = -ENOMEM;
        if (ferror(f))
                r = -EIO;
        (void) fclose(f);
        if (fclose(m) != 0)
                r = -ENOMEM;
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        return 0;
}

/* Warnings about what the export cannot say. */
static void warn_unexportable(const Config *c, const char *path) {
        for (size_t i = 0; i < c->n_rules; i++) {
                const Rule *rule = &c->rules[i];
                const char *why = pattern_unexportable(rule->pattern);

                if (why)
                        log_warning("%s:%u: rule %s left out of %s: %s", rule->file, rule->line, rule->pattern, path,
                                    why);
                else if (!rule->literal && rule->value == RP_FILTER_IGNORE)
                        for (size_t k = i + 1; k < c->n_rules; k++)
                                if (!c->rules[k].literal && c->rules[k].value != RP_FILTER_IGNORE) {
                                        log_warning("%s:%u: rule %s = ignore cannot be said in sysctl.d: udev "
                                                    "applies later glob rules (%s, line %u) to the interfaces "
                                                    "it matches",
                                                    rule->file, rule->line, rule->pattern, c->rules[k].pattern,
                                                    c->rules[k].line);
                                        break;
                                }
        }
}

/* Write TEXT to PATH atomically (fsync'ed: udev reads it at every new interface, also
 * after a crash), creating PATH's directory when missing (/run/sysctl.d often is). */
static int write_atomically(const char *path, const char *text) {
        const char *slash = strrchr(path, '/');

        if (slash && slash != path) {
                char *dir = strndup(path, (size_t) (slash - path));
                int r = 0;

                if (!dir)
                        return -ENOMEM;
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        r = -errno;
                free(dir);
                if (r < 0)
                        return r;
        }
        return write_file_atomic(path, text, strlen(text), WRITE_FILE_SYNC);
}

int explain_export_sysctl_d(const Config *c, const char *path) {
        char *text = NULL, *old = NULL;
        int r;

        r = explain_export_text(c, &text);
        if (r < 0)
                return r;
        warn_unexportable(c, path);
        if (read_all(path, &old) >= 0 && old && strcmp(old, text) == 0)
                r = 0; /* unchanged: not touched */
        else {
                r = write_atomically(path, text);
                if (r >= 0)
                        r = 1;
        }
        free(old);
        free(text);
        return r;
}
