/* SPDX-License-Identifier: MIT */
/* watch: one inotify fd on the directories that hold the configuration, names
 * matched in user space, a debounce timer armed only during a burst. Reads no
 * configuration itself and decides nothing: it calls back. */
#define _GNU_SOURCE
#include "watch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

typedef enum WatchMatch {
        MATCH_NAME,     /* an entry of that name in the watched directory */
        MATCH_CONF,     /* "*.conf" or "..data" in the watched directory, or the directory itself */
} WatchMatch;

typedef struct WatchEntry {
        int wd;
        WatchMatch match;
        char *name;     /* MATCH_NAME */
} WatchEntry;

struct ConfigWatch {
        sd_event *event;
        int fd;
        sd_event_source *io, *timer;
        char **files, **dirs;
        WatchEntry *entries;
        size_t n_entries;
        config_watch_handler_t handler;
        void *userdata;
};

/* Everything that changes which bytes a reader of the file sees, or whether there
 * is a file: written and closed, renamed in or out, created, deleted, chmod/chown. */
#define WATCH_MASK                                                                                   \
        (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | \
         IN_MOVE_SELF | IN_EXCL_UNLINK)

static char **strv_copy(const char *const *v) {
        size_t n = 0;
        char **c;

        while (v && v[n])
                n++;
        c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t k = 0; k < n; k++)
                if (!(c[k] = strdup(v[k]))) {
                        while (k > 0)
                                free(c[--k]);
                        free(c);
                        return NULL;
                }
        return c;
}

static void strv_free(char **v) {
        for (size_t k = 0; v && v[k]; k++)
                free(v[k]);
        free(v);
}

static void entries_clear(ConfigWatch *w) {
        for (size_t k = 0; k < w->n_entries; k++)
                free(w->entries[k].name);
        w->entries = mfree(w->entries);
        w->n_entries = 0;
}

/* Watch DIR for MATCH (NAME for MATCH_NAME). A directory that does not exist is not
 * an error: it is looked for again at the next refresh. */
static int watch_add(ConfigWatch *w, const char *dir, WatchMatch match, const char *name) {
        WatchEntry *e;
        int wd;

        wd = inotify_add_watch(w->fd, dir, WATCH_MASK | IN_ONLYDIR);
        if (wd < 0) {
                if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
                        return 0;
                return -errno;
        }
        e = realloc(w->entries, (w->n_entries + 1) * sizeof(WatchEntry));
        if (!e)
                return -ENOMEM;
        w->entries = e;
        e[w->n_entries] = (WatchEntry) { .wd = wd, .match = match, .name = name ? strdup(name) : NULL };
        if (name && !e[w->n_entries].name)
                return -ENOMEM;
        w->n_entries++;
        return 0;
}

/* The directory that holds PATH, and PATH's last component. */
static int split_path(const char *path, char **ret_dir, char **ret_base) {
        const char *slash = strrchr(path, '/');
        char *dir, *base;

        if (!slash)
                dir = strdup(".");
        else if (slash == path)
                dir = strdup("/");
        else
                dir = strndup(path, (size_t) (slash - path));
        base = strdup(slash ? slash + 1 : path);
        if (!dir || !base) {
                free(dir);
                free(base);
                return -ENOMEM;
        }
        *ret_dir = dir;
        *ret_base = base;
        return 0;
}

static int watch_path_in_parent(ConfigWatch *w, const char *path) {
        char *dir = NULL, *base = NULL;
        int r;

        r = split_path(path, &dir, &base);
        if (r < 0)
                return r;
        r = watch_add(w, dir, MATCH_NAME, base);
        free(dir);
        free(base);
        return r;
}

int config_watch_refresh(ConfigWatch *w) {
        int r = 0;

        /* inotify_add_watch() on a directory already watched returns the same wd, so
         * nothing already seen is lost; a directory now there gets its watch. */
        entries_clear(w);
        for (size_t k = 0; w->files[k] && r >= 0; k++)
                r = watch_path_in_parent(w, w->files[k]);
        for (size_t k = 0; w->dirs[k] && r >= 0; k++) {
                r = watch_path_in_parent(w, w->dirs[k]);
                if (r >= 0)
                        r = watch_add(w, w->dirs[k], MATCH_CONF, NULL);
        }
        return r;
}

static bool name_is_conf(const char *name) {
        size_t n = strlen(name);

        /* "..data": the kubelet's atomic swap of a ConfigMap volume. */
        return strcmp(name, "..data") == 0 || (n > 5 && strcmp(name + n - 5, ".conf") == 0);
}

static bool event_matters(const ConfigWatch *w, const struct inotify_event *ev) {
        if (ev->mask & IN_Q_OVERFLOW)
                return true; /* events were lost: look at everything */
        for (size_t k = 0; k < w->n_entries; k++) {
                const WatchEntry *e = &w->entries[k];

                if (e->wd != ev->wd)
                        continue;
                if (ev->len == 0) {
                        /* About the directory itself: deleted, moved, or its watch gone. */
                        if (e->match == MATCH_CONF && (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)))
                                return true;
                        continue;
                }
                /* A main file in a ConfigMap volume is a symlink through "..data" too:
                         * the kubelet's swap renames that, never the file's own name. */
                if (e->match == MATCH_NAME ? strcmp(ev->name, e->name) == 0 || strcmp(ev->name, "..data") == 0
                                           : name_is_conf(ev->name))
                        return true;
        }
        return false;
}

static int watch_on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        ConfigWatch *w = userdata;
        int r;

        (void) s, (void) usec;
        /* Watch first, read second: a change after this point is seen again. */
        r = config_watch_refresh(w);
        if (r < 0)
                log_warning_errno(r, "Cannot watch the configuration files, ignoring: %m");
        w->handler(w->userdata);
        return 0;
}

static int watch_on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        _Alignas(struct inotify_event) char buf[4096];
        ConfigWatch *w = userdata;
        bool matters = false;
        ssize_t n;
        int r;

        (void) s, (void) revents;
        for (;;) {
                n = read(fd, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                log_warning_errno(errno, "Cannot read configuration file events, ignoring: %m");
                        break;
                }
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *) p;

                        matters = matters || event_matters(w, ev);
                        p += sizeof(*ev) + ev->len;
                }
        }
        if (!matters)
                return 0;
        /* Debounce: an editor's write-and-rename or a ConfigMap swap is several events;
         * the reload comes once, when they are over. */
        r = sd_event_source_set_time_relative(w->timer, CONFIG_WATCH_DEBOUNCE_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_warning_errno(r, "Cannot arm the configuration reload timer, ignoring: %m");
        return 0;
}

int config_watch_new(sd_event *event, const char *const *files, const char *const *dirs,
                     config_watch_handler_t handler, void *userdata, ConfigWatch **ret) {
        ConfigWatch *w;
        int r;

        w = calloc(1, sizeof(ConfigWatch));
        if (!w)
                return -ENOMEM;
        w->fd = -1;
        w->event = sd_event_ref(event);
        w->handler = handler;
        w->userdata = userdata;
        w->files = strv_copy(files);
        w->dirs = strv_copy(dirs);
        if (!w->files || !w->dirs) {
                r = -ENOMEM;
                goto fail;
        }
        w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->fd < 0) {
                r = -errno;
                goto fail;
        }
        r = config_watch_refresh(w);
        if (r < 0)
                goto fail;
        r = sd_event_add_io(event, &w->io, w->fd, EPOLLIN, watch_on_inotify, w);
        if (r < 0)
                goto fail;
        r = sd_event_add_time_relative(event, &w->timer, CLOCK_MONOTONIC, CONFIG_WATCH_DEBOUNCE_USEC, 10 * USEC_PER_MSEC,
                                       watch_on_timer, w);
        if (r >= 0)
                r = sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        *ret = w;
        return 0;
fail:
        config_watch_free(w);
        return r;
}

ConfigWatch *config_watch_free(ConfigWatch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->io);
        sd_event_source_disable_unref(w->timer);
        if (w->fd >= 0)
                (void) close(w->fd);
        entries_clear(w);
        strv_free(w->files);
        strv_free(w->dirs);
        sd_event_unref(w->event);
        free(w);
        return NULL;
}
