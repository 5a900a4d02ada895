/* SPDX-License-Identifier: MIT */
/* state: renders the daemon's state document and reads it back for --status and
 * --check. Must not know the reconciler or the event loop, and never logs. */
#define _GNU_SOURCE
#include "state.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "ifname.h"

static const char *const hold_kinds[_STATE_HOLD_MAX] = {
        [STATE_HOLD_BACKOFF] = "backoff",
        [STATE_HOLD_ERROR] = "error",
};

const char *state_hold_kind_to_string(StateHoldKind k) {
        return k >= 0 && k < _STATE_HOLD_MAX ? hold_kinds[k] : NULL;
}

const char *state_errno_name(int err) {
        static char buf[16];
        const char *n = strerrorname_np(abs(err));

        if (n)
                return n;
        (void) snprintf(buf, sizeof(buf), "E%d", abs(err));
        return buf;
}

DaemonState *daemon_state_free(DaemonState *s) {
        if (!s)
                return NULL;
        free(s->version);
        free(s->config_path);
        free(s->mode);
        free(s->reload_rejected);
        free(s->holds);
        free(s);
        return NULL;
}

/* ---- writing ------------------------------------------------------------------------- */

void state_put_seconds(FILE *f, usec_t usec) {
        fprintf(f, "%" PRIu64 ".%06" PRIu64, usec / USEC_PER_SEC, usec % USEC_PER_SEC);
}

/* A JSON string: well-formed UTF-8 as it is, '"', '\\' and controls escaped, any other
 * byte U+FFFD (an interface name is bytes; readers match entries by ifindex). */
static void put_string(FILE *f, const char *s) {
        size_t n;

        if (!s) {
                fputs("null", f);
                return;
        }
        fputc('"', f);
        for (const char *c = s; *c; c += n) {
                unsigned char b = (unsigned char) *c;

                n = ifname_utf8_len(c);
                if (n == 0) {
                        fputs("\xef\xbf\xbd", f);
                        n = 1;
                } else if (b == '"' || b == '\\')
                        fprintf(f, "\\%c", b);
                else if (b < 0x20 || b == 0x7f)
                        fprintf(f, "\\u%04x", b);
                else
                        fwrite(c, 1, n, f);
        }
        fputc('"', f);
}

static void put_key(FILE *f, const char *key, bool *first) {
        if (!*first)
                fputc(',', f);
        *first = false;
        fprintf(f, "\"%s\":", key);
}

static void put_hold(FILE *f, const StateHold *h) {
        bool first = true;

        fputc('{', f);
        put_key(f, "name", &first);
        put_string(f, h->name);
        put_key(f, "ifindex", &first);
        fprintf(f, "%d", h->ifindex);
        put_key(f, "until", &first);
        state_put_seconds(f, h->until);
        put_key(f, "wanted", &first);
        fprintf(f, "%d", h->wanted);
        if (h->kind == STATE_HOLD_BACKOFF) {
                put_key(f, "theirs", &first);
                fprintf(f, "%d", h->theirs);
        } else {
                put_key(f, "errno", &first);
                put_string(f, state_errno_name(h->error));
                put_key(f, "error", &first);
                put_string(f, strerror(h->error));
                put_key(f, "failures", &first);
                fprintf(f, "%u", h->failures);
        }
        fputc('}', f);
}

static void put_holds(FILE *f, const DaemonState *s, StateHoldKind kind) {
        bool any = false;

        fputc('[', f);
        for (size_t k = 0; k < s->n_holds; k++) {
                if (s->holds[k].kind != kind)
                        continue;
                if (any)
                        fputc(',', f);
                any = true;
                put_hold(f, &s->holds[k]);
        }
        fputc(']', f);
}

int state_render(const DaemonState *s, FILE *f) {
        bool first = true, c = true;

        fputc('{', f);
        put_key(f, "pid", &first);
        fprintf(f, "%d", (int) s->pid);
        put_key(f, "comm", &first);
        put_string(f, s->comm);
        put_key(f, "netns", &first);
        fprintf(f, "%" PRIu64, s->netns);
        put_key(f, "version", &first);
        put_string(f, s->version);
        put_key(f, "started", &first);
        state_put_seconds(f, s->started);

        put_key(f, "config", &first);
        fputc('{', f);
        put_key(f, "path", &c);
        put_string(f, s->config_path);
        put_key(f, "loaded", &c);
        state_put_seconds(f, s->config_loaded);
        put_key(f, "mode", &c);
        put_string(f, s->mode);
        fputc('}', f);

        put_key(f, "reload", &first);
        c = true;
        fputc('{', f);
        put_key(f, "successful", &c);
        fputs(s->reload_successful ? "true" : "false", f);
        put_key(f, "rejected", &c);
        put_string(f, s->reload_rejected);
        if (s->reload_rejected) {
                put_key(f, "rejected_at", &c);
                state_put_seconds(f, s->reload_rejected_at);
        }
        fputc('}', f);

        if (s->pong > 0) {
                put_key(f, "pong", &first);
                state_put_seconds(f, s->pong);
        }

        put_key(f, "counts", &first);
        fprintf(f, "{\"managed\":%u,\"corrections\":%u,\"drift_events\":%u,\"fights\":%u,\"write_errors\":%u,"
                   "\"resyncs\":%u,\"backoff\":%u,\"error\":%u}",
                s->managed, s->corrections, s->drift_events, s->fights, s->write_errors, s->resyncs, s->n_backoff,
                s->n_error);

        put_key(f, "backoff", &first);
        put_holds(f, s, STATE_HOLD_BACKOFF);
        put_key(f, "write_errors", &first);
        put_holds(f, s, STATE_HOLD_ERROR);
        put_key(f, "omitted", &first);
        fprintf(f, "%zu", s->omitted);

        put_key(f, "last_correction", &first);
        if (s->has_last_correction) {
                const StateCorrection *l = &s->last_correction;

                c = true;
                fputc('{', f);
                put_key(f, "name", &c);
                put_string(f, l->name);
                put_key(f, "ifindex", &c);
                fprintf(f, "%d", l->ifindex);
                put_key(f, "old", &c);
                fprintf(f, "%d", l->old_value);
                put_key(f, "new", &c);
                fprintf(f, "%d", l->new_value);
                put_key(f, "trigger", &c);
                put_string(f, l->trigger);
                put_key(f, "at", &c);
                state_put_seconds(f, l->at);
                fputc('}', f);
        } else
                fputs("null", f);
        fputs("}\n", f);
        return ferror(f) ? -EIO : 0;
}

int state_write_atomic(const char *path, const char *buf, size_t size) {
        return write_file_atomic(path, buf, size, 0);
}

/* ---- reading: a small JSON parser, enough for any document (RFC 8259) --------------- */

typedef enum JsonType { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct Json Json;
struct Json {
        JsonType type;
        char *key;            /* as a member of an object */
        char *string;
        double number;
        bool boolean;
        Json *child, *next;   /* ARRAY, OBJECT: the first element; a sibling */
};

/* Recursion is bounded: parse_value() refuses documents nested deeper than 16. */
static void json_free(Json *j) { /* NOLINT(misc-no-recursion): bounded, see above */
        while (j) {
                Json *next = j->next;

                json_free(j->child); /* NOLINT(misc-no-recursion) */
                free(j->key);
                free(j->string);
                free(j);
                j = next;
        }
}

typedef struct Parser {
        const char *p, *end;
        unsigned depth;
} Parser;

static void skip_ws(Parser *ps) {
        while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
                ps->p++;
}

static int put_utf8(char **out, size_t *n, size_t *cap, uint32_t cp) {
        char b[4];
        size_t len;

        if (cp < 0x80)
                b[0] = (char) cp, len = 1;
        else if (cp < 0x800)
                b[0] = (char) (0xc0 | cp >> 6), b[1] = (char) (0x80 | (cp & 0x3f)), len = 2;
        else if (cp < 0x10000)
                b[0] = (char) (0xe0 | cp >> 12), b[1] = (char) (0x80 | (cp >> 6 & 0x3f)),
                b[2] = (char) (0x80 | (cp & 0x3f)), len = 3;
        else
                b[0] = (char) (0xf0 | cp >> 18), b[1] = (char) (0x80 | (cp >> 12 & 0x3f)),
                b[2] = (char) (0x80 | (cp >> 6 & 0x3f)), b[3] = (char) (0x80 | (cp & 0x3f)), len = 4;
        if (*n + len + 1 > *cap) {
                size_t c = (*cap + len + 1) * 2;
                char *x = realloc(*out, c);

                if (!x)
                        return -ENOMEM;
                *out = x;
                *cap = c;
        }
        memcpy(*out + *n, b, len);
        *n += len;
        (*out)[*n] = 0;
        return 0;
}

static int parse_hex4(Parser *ps, uint32_t *ret) {
        uint32_t v = 0;

        if (ps->end - ps->p < 4)
                return -EBADMSG;
        for (int k = 0; k < 4; k++) {
                char c = *ps->p++;

                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (uint32_t) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (uint32_t) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (uint32_t) (c - 'A' + 10);
                else
                        return -EBADMSG;
        }
        *ret = v;
        return 0;
}

static int parse_string(Parser *ps, char **ret) {
        char *out = NULL;
        size_t n = 0, cap = 0;
        uint32_t cp, lo;
        int r;

        if (ps->p >= ps->end || *ps->p != '"')
                return -EBADMSG;
        ps->p++;
        r = put_utf8(&out, &n, &cap, 0); /* an empty, terminated string to start */
        if (r < 0)
                return r;
        n = 0;
        while (ps->p < ps->end && *ps->p != '"') {
                unsigned char c = (unsigned char) *ps->p++;

                if (c < 0x20)
                        goto bad;
                if (c != '\\') {
                        cp = c; /* bytes of UTF-8 sequences are copied one by one */
                        if (n + 2 > cap) {
                                char *x = realloc(out, cap * 2 + 2);

                                if (!x)
                                        goto nomem;
                                out = x;
                                cap = cap * 2 + 2;
                        }
                        out[n++] = (char) c;
                        out[n] = 0;
                        continue;
                }
                if (ps->p >= ps->end)
                        goto bad;
                switch (*ps->p++) {
                case '"': cp = '"'; break;
                case '\\': cp = '\\'; break;
                case '/': cp = '/'; break;
                case 'b': cp = '\b'; break;
                case 'f': cp = '\f'; break;
                case 'n': cp = '\n'; break;
                case 'r': cp = '\r'; break;
                case 't': cp = '\t'; break;
                case 'u':
                        if (parse_hex4(ps, &cp) < 0)
                                goto bad;
                        if (cp >= 0xd800 && cp < 0xdc00) {
                                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u')
                                        goto bad;
                                ps->p += 2;
                                if (parse_hex4(ps, &lo) < 0 || lo < 0xdc00 || lo >= 0xe000)
                                        goto bad;
                                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        } else if (cp >= 0xdc00 && cp < 0xe000)
                                goto bad;
                        if (cp == 0)
                                goto bad; /* no NUL inside a C string */
                        break;
                default:
                        goto bad;
                }
                if (put_utf8(&out, &n, &cap, cp) < 0)
                        goto nomem;
        }
        if (ps->p >= ps->end)
                goto bad;
        ps->p++;
        *ret = out;
        return 0;
bad:
        free(out);
        return -EBADMSG;
nomem:
        free(out);
        return -ENOMEM;
}

static int parse_value(Parser *ps, Json **ret);

static int parse_container(Parser *ps, Json *j, char close) { /* NOLINT(misc-no-recursion): depth <= 16 */
        Json **tail = &j->child;
        int r;

        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                return 0;
        }
        for (;;) {
                _cleanup_(freep) char *key = NULL;
                Json *v;

                skip_ws(ps);
                if (close == '}') {
                        r = parse_string(ps, &key);
                        if (r < 0)
                                return r;
                        skip_ws(ps);
                        if (ps->p >= ps->end || *ps->p != ':')
                                return -EBADMSG;
                        ps->p++;
                }
                r = parse_value(ps, &v); /* NOLINT(misc-no-recursion) */
                if (r < 0)
                        return r;
                v->key = TAKE_PTR(key);
                *tail = v;
                tail = &v->next;
                skip_ws(ps);
                if (ps->p >= ps->end)
                        return -EBADMSG;
                if (*ps->p == ',') {
                        ps->p++;
                        continue;
                }
                if (*ps->p != close)
                        return -EBADMSG;
                ps->p++;
                return 0;
        }
}

static bool parse_literal(Parser *ps, const char *word) {
        size_t n = strlen(word);

        if ((size_t) (ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
                return false;
        ps->p += n;
        return true;
}

static int parse_value(Parser *ps, Json **ret) { /* NOLINT(misc-no-recursion): depth <= 16 */
        Json *j;
        int r = 0;

        if (++ps->depth > 16)
                return -EBADMSG;
        skip_ws(ps);
        if (ps->p >= ps->end)
                return -EBADMSG;
        j = calloc(1, sizeof(Json));
        if (!j)
                return -ENOMEM;
        switch (*ps->p) {
        case '{':
                j->type = JSON_OBJECT;
                r = parse_container(ps, j, '}'); /* NOLINT(misc-no-recursion) */
                break;
        case '[':
                j->type = JSON_ARRAY;
                r = parse_container(ps, j, ']'); /* NOLINT(misc-no-recursion) */
                break;
        case '"':
                j->type = JSON_STRING;
                r = parse_string(ps, &j->string);
                break;
        case 't':
        case 'f':
                j->type = JSON_BOOL;
                j->boolean = *ps->p == 't';
                r = parse_literal(ps, j->boolean ? "true" : "false") ? 0 : -EBADMSG;
                break;
        case 'n':
                j->type = JSON_NULL;
                r = parse_literal(ps, "null") ? 0 : -EBADMSG;
                break;
        default: {
                char buf[64], *end;
                size_t n = 0;

                while (ps->p + n < ps->end && n < sizeof(buf) - 1 && strchr("+-0123456789.eE", ps->p[n]))
                        n++;
                memcpy(buf, ps->p, n);
                buf[n] = 0;
                j->type = JSON_NUMBER;
                errno = 0;
                j->number = strtod(buf, &end);
                if (n == 0 || *end || errno || !isfinite(j->number))
                        r = -EBADMSG;
                ps->p += n;
                break;
        }
        }
        ps->depth--;
        if (r < 0) {
                json_free(j);
                return r;
        }
        *ret = j;
        return 0;
}

static const Json *json_get(const Json *o, const char *key) {
        if (!o || o->type != JSON_OBJECT)
                return NULL;
        for (const Json *m = o->child; m; m = m->next)
                if (strcmp(m->key, key) == 0)
                        return m;
        return NULL;
}

static double json_number(const Json *o, const char *key) {
        const Json *v = json_get(o, key);
        return v && v->type == JSON_NUMBER ? v->number : 0;
}

static int json_int(const Json *o, const char *key) {
        double d = json_number(o, key);
        return d >= INT32_MIN && d <= INT32_MAX ? (int) d : 0;
}

static unsigned json_unsigned(const Json *o, const char *key) {
        double d = json_number(o, key);
        return d >= 0 && d <= UINT32_MAX ? (unsigned) d : 0;
}

static usec_t json_usec(const Json *o, const char *key) {
        double d = json_number(o, key);
        return d > 0 ? (usec_t) (d * 1e6 + 0.5) : 0;
}

static const char *json_string(const Json *o, const char *key) {
        const Json *v = json_get(o, key);
        return v && v->type == JSON_STRING ? v->string : NULL;
}

static int json_strdup(const Json *o, const char *key, char **ret) {
        const char *s = json_string(o, key);

        if (!s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static void copy_name(char dst[static IFNAMSIZ], const char *s) {
        (void) snprintf(dst, IFNAMSIZ, "%s", s ?: "");
}

static int parse_holds(const Json *array, StateHoldKind kind, DaemonState *s) {
        for (const Json *e = array && array->type == JSON_ARRAY ? array->child : NULL; e; e = e->next) {
                StateHold *h, *x;

                if (e->type != JSON_OBJECT)
                        return -EBADMSG;
                x = realloc(s->holds, (s->n_holds + 1) * sizeof(StateHold));
                if (!x)
                        return -ENOMEM;
                s->holds = x;
                h = &s->holds[s->n_holds++];
                *h = (StateHold) {
                        .kind = kind,
                        .ifindex = json_int(e, "ifindex"),
                        .until = json_usec(e, "until"),
                        .wanted = json_int(e, "wanted"),
                        .theirs = json_int(e, "theirs"),
                        .failures = json_unsigned(e, "failures"),
                };
                copy_name(h->name, json_string(e, "name"));
                if (kind == STATE_HOLD_ERROR) {
                        const char *name = json_string(e, "errno");

                        h->error = EIO;
                        for (int k = 1; name && k < 200; k++)
                                if (strerrorname_np(k) && strcmp(strerrorname_np(k), name) == 0) {
                                        h->error = k;
                                        break;
                                }
                }
        }
        return 0;
}

int state_parse(const char *text, size_t size, DaemonState **ret) {
        _cleanup_(daemon_state_freep) DaemonState *s = NULL;
        Parser ps = { .p = text, .end = text + size };
        const Json *config, *reload, *counts, *last;
        Json *doc = NULL;
        int r;

        r = parse_value(&ps, &doc);
        if (r < 0)
                return r;
        skip_ws(&ps);
        if (ps.p != ps.end || doc->type != JSON_OBJECT || !json_get(doc, "pid")) {
                json_free(doc);
                return -EBADMSG;
        }
        s = calloc(1, sizeof(DaemonState));
        if (!s) {
                json_free(doc);
                return -ENOMEM;
        }
        config = json_get(doc, "config");
        reload = json_get(doc, "reload");
        counts = json_get(doc, "counts");
        s->pid = (pid_t) json_int(doc, "pid");
        copy_name(s->comm, json_string(doc, "comm"));
        s->netns = (uint64_t) json_number(doc, "netns");
        s->started = json_usec(doc, "started");
        s->config_loaded = json_usec(config, "loaded");
        s->reload_successful = json_get(reload, "successful") && json_get(reload, "successful")->boolean;
        s->reload_rejected_at = json_usec(reload, "rejected_at");
        s->pong = json_usec(doc, "pong");
        s->managed = json_unsigned(counts, "managed");
        s->corrections = json_unsigned(counts, "corrections");
        s->drift_events = json_unsigned(counts, "drift_events");
        s->fights = json_unsigned(counts, "fights");
        s->write_errors = json_unsigned(counts, "write_errors");
        s->resyncs = json_unsigned(counts, "resyncs");
        s->n_backoff = json_unsigned(counts, "backoff");
        s->n_error = json_unsigned(counts, "error");
        s->omitted = json_unsigned(doc, "omitted");
        r = json_strdup(doc, "version", &s->version);
        if (r >= 0)
                r = json_strdup(config, "path", &s->config_path);
        if (r >= 0)
                r = json_strdup(config, "mode", &s->mode);
        if (r >= 0)
                r = json_strdup(reload, "rejected", &s->reload_rejected);
        if (r >= 0)
                r = parse_holds(json_get(doc, "backoff"), STATE_HOLD_BACKOFF, s);
        if (r >= 0)
                r = parse_holds(json_get(doc, "write_errors"), STATE_HOLD_ERROR, s);
        last = json_get(doc, "last_correction");
        if (r >= 0 && last && last->type == JSON_OBJECT) {
                s->has_last_correction = true;
                s->last_correction = (StateCorrection) {
                        .ifindex = json_int(last, "ifindex"),
                        .old_value = json_int(last, "old"),
                        .new_value = json_int(last, "new"),
                        .at = json_usec(last, "at"),
                };
                copy_name(s->last_correction.name, json_string(last, "name"));
                (void) snprintf(s->last_correction.trigger, sizeof(s->last_correction.trigger), "%s",
                                json_string(last, "trigger") ?: "");
        }
        json_free(doc);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

/* ---- the daemon that wrote it ---------------------------------------------------------- */

static uint64_t netns_inode(const char *path) {
        struct stat st;
        return stat(path, &st) < 0 ? 0 : (uint64_t) st.st_ino;
}

/* PID's comm (the first 15 bytes of its program name), or "" when it is gone. */
static void read_comm(pid_t pid, char ret[static 16]) {
        char path[64];
        FILE *f;

        ret[0] = 0;
        (void) snprintf(path, sizeof(path), "/proc/%d/comm", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return;
        if (!fgets(ret, 16, f))
                ret[0] = 0;
        ret[strcspn(ret, "\n")] = 0;
        (void) fclose(f);
}

int state_load_running(const char *runtime_dir, DaemonState **ret, char **ret_why) {
        _cleanup_(daemon_state_freep) DaemonState *s = NULL;
        _cleanup_(freep) char *path = NULL, *text = NULL;
        char comm[16];
        size_t size = 0;
        uint64_t ours;
        FILE *f;
        int r;

        *ret_why = NULL;
        if (asprintf(&path, "%s/" STATE_FILE_NAME, runtime_dir) < 0) {
                path = NULL;
                return -ENOMEM;
        }
        f = fopen(path, "re");
        if (!f) {
                r = -errno;
                if (r == -ENOENT)
                        return asprintf(ret_why, "no state file %s", path) < 0 ? -ENOMEM : 0;
                if (asprintf(ret_why, "cannot read %s: %s", path, strerror(-r)) < 0)
                        *ret_why = NULL; /* the error is still returned */
                return r;
        }
        {
                FILE *m = open_memstream(&text, &size);
                char buf[4096];
                size_t n;

                if (!m) {
                        (void) fclose(f);
                        return -ENOMEM;
                }
                while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && size < (1 << 20))
                        fwrite(buf, 1, n, m);
                r = ferror(f) ? -EIO : 0;
                (void) fclose(f);
                if (fclose(m) != 0 && r == 0)
                        r = -ENOMEM;
        }
        if (r < 0) {
                if (asprintf(ret_why, "cannot read %s: %s", path, strerror(-r)) < 0)
                        *ret_why = NULL; /* the error is still returned */
                return r;
        }
        r = state_parse(text, size, &s);
        if (r < 0) {
                if (asprintf(ret_why, "%s is not a state document rpfguard wrote", path) < 0)
                        *ret_why = NULL; /* the error is still returned */
                return r;
        }

        /* A daemon that crashed leaves its file behind: is its PID still that daemon? */
        read_comm(s->pid, comm);
        if (s->pid <= 0 || (kill(s->pid, 0) < 0 && errno == ESRCH) || strcmp(comm, s->comm) != 0)
                return asprintf(ret_why, "%s names PID %d, which is no longer %s", path, (int) s->pid,
                                s->comm[0] ? s->comm : "rpfguard") < 0 ? -ENOMEM : 0;
        /* The same runtime directory seen from another network namespace (a test, a
         * container) is that namespace's daemon, not ours. */
        ours = netns_inode("/proc/self/ns/net");
        if (ours != 0 && s->netns != 0 && s->netns != ours)
                return asprintf(ret_why, "the daemon (PID %d) of %s guards another network namespace", (int) s->pid,
                                path) < 0 ? -ENOMEM : 0;
        *ret = TAKE_PTR(s);
        return 1;
}
