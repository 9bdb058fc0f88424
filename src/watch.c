/* SPDX-License-Identifier: MIT */
#include "watch.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>

#include "engine.h"
#include "event_stream.h"
#include "swarm.h"
#include "util.h"

#define RECONNECT_MIN_MS 250
#define RECONNECT_MAX_MS 10000
/* GET /events?filters={"type":["container","network"]}, and "service" on
 * a Swarm manager: only managers report a cluster's events. */
struct watch {
  const struct pass_config *cfg;
  const struct name_list *names;
  struct engine engine;
  int sfd; /* signalfd: TERM, INT, HUP */
  int efd; /* the event stream, -1 while not connected */
  struct event_parser parser;
  bool stream_lost;     /* said once until it is back */
  int64_t reconnect_at; /* when to try again, while not connected */
  int backoff_ms;
  int64_t first_event, due; /* a pass is due at DUE (0: none pending) */
  int64_t last_event;       /* when the last event that mattered came */
  unsigned pending;         /* events since the last pass */
  int64_t next_interval;    /* 0: no interval */
  int64_t interval_ms;
  const char *events_path;
  bool worker_told;                  /* the worker notice, once */
  int64_t settle_until, next_settle; /* after a service event; 0: none */
  bool target_gone;
  unsigned passes;
  struct pass_summary last;
};

static void pass(struct watch *w, const char *why) {
  w->passes++;
  log_info("watch: pass %u (%s; %u events)", w->passes, why, w->pending);
  /* While the target is gone, each pass would say so again: once is
   * enough, so those passes are silent. */
  struct pass_summary sum = {0};
  int rc;
  {
    VERBOSITY_SCOPE(w->target_gone ? VERBOSITY_SILENT : verbosity);
    struct pass_config cfg = *w->cfg;
    cfg.engine = &w->engine; /* the watch's own, borrowed: not opened again */
    rc = pass_run(&cfg, w->names, NULL, &sum, NULL);
  }
  if (rc == EXIT_TARGET) {
    if (!w->target_gone)
      log_notice("%s: the target is gone; %s keeps what it had, and the watch goes on",
                 w->cfg->container, w->cfg->output);
    w->target_gone = true;
  } else {
    if (w->target_gone)
      log_notice("%s: the target is back", w->cfg->container);
    w->target_gone = false;
    w->last = sum;
  }
  w->pending = 0;
  w->due = 0;
  int64_t now = now_ms();
  if (w->interval_ms)
    w->next_interval = now + w->interval_ms;
  w->next_settle = now < w->settle_until ? now + WATCH_SETTLE_EVERY_MS : 0;
}

static void on_event(json_t *ev, void *ctx) {
  struct watch *w = ctx;
  if (!event_changes_answers(ev, w->last.network_ids, w->target_gone ? 0 : w->last.nnetworks))
    return;
  int64_t now = now_ms();
  /* A container that starts (or joins a network of the target's: docker
   * run says that first) after a quiet moment gets a pass at once: it
   * reaches FILE in milliseconds. Anything else, and the rest of a burst,
   * is coalesced into one pass after the next quiet moment: a pass at a
   * "die" ran while the engine was still tearing the container down, and
   * waited seconds on it (seen under systemd-nspawn: the inspect timed out,
   * and the recreated container's new address came late). */
  const char *action = json_string_value(json_object_get(ev, "Action"));
  const char *type = json_string_value(json_object_get(ev, "Type"));
  /* A manager says when a service changes, not when its new tasks (on
   * any node) answer in DNS: that may be seconds later, after the old
   * task's stop timeout. So a pass each second, for a while. */
  if (type && !strcmp(type, "service"))
    w->settle_until = now + WATCH_SETTLE_MS;
  bool arrival = type && action &&
                 ((!strcmp(type, "container") && !strcmp(action, "start")) ||
                  (!strcmp(type, "network") && !strcmp(action, "connect")));
  bool leading = w->pending == 0 && now - w->last_event >= WATCH_QUIET_MS && arrival;
  w->last_event = now;
  if (w->pending++ == 0)
    w->first_event = now;
  int64_t quiet = now + WATCH_QUIET_MS, latest = w->first_event + WATCH_MAX_DELAY_MS;
  w->due = leading ? now : quiet < latest ? quiet : latest;
}

static void disconnect(struct watch *w, const char *why) {
  if (w->efd >= 0)
    close(w->efd);
  w->efd = -1;
  event_parser_free(&w->parser);
  if (!w->stream_lost)
    log_notice("the engine's event stream at %s is lost (%s); reconnecting", w->engine.socket_path,
               why);
  w->stream_lost = true;
  w->reconnect_at = now_ms() + w->backoff_ms;
  w->backoff_ms = w->backoff_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : w->backoff_ms * 2;
}

/* Which events to ask for: the node's Swarm role is asked again at every
 * connection (an engine down at start, or one that joined a swarm since).
 * A worker's engine knows only its own tasks: a change on another node
 * reaches it as no event at all, and that is said once. */
static void choose_events(struct watch *w) {
  enum swarm_role role = swarm_node_role(&w->engine);
  w->events_path = role == SWARM_MANAGER ? EVENTS_PATH_MANAGER : EVENTS_PATH;
  if (role != SWARM_WORKER || w->worker_told)
    return;
  w->worker_told = true;
  if (w->interval_ms)
    log_notice("this engine is a Swarm worker, told nothing of other nodes: a change there "
               "reaches %s at the next --interval pass (every %lld s)",
               w->cfg->output, (long long)(w->interval_ms / 1000));
  else
    log_notice("this engine is a Swarm worker, told nothing of other nodes: a change there "
               "reaches %s only on SIGHUP (--interval 0)",
               w->cfg->output);
}

static void connect_events(struct watch *w) {
  char err[256];
  choose_events(w);
  int fd = event_stream_open(w->engine.connect_path, w->engine.as_invoker, w->events_path,
                             w->engine.timeout_ms, err, sizeof err);
  if (fd < 0) {
    engine_name_socket(&w->engine, err, sizeof err);
    w->efd = -1;
    event_parser_init(&w->parser); /* disconnect() frees it */
    disconnect(w, err);
    return;
  }
  w->efd = fd;
  event_parser_init(&w->parser);
}

/* Reads what the stream has. On the first event bytes after a loss, the
 * engine is back: a pass, since anything may have changed meanwhile. */
static void read_events(struct watch *w) {
  bool came_up;
  const char *why;
  if (!event_stream_read(w->efd, &w->parser, on_event, w, &came_up, &why)) {
    disconnect(w, why);
    return;
  }
  if (!came_up)
    return;
  w->backoff_ms = RECONNECT_MIN_MS;
  if (w->stream_lost) {
    log_notice("the engine's event stream at %s is back", w->engine.socket_path);
    w->stream_lost = false;
    pass(w, "the engine is back");
  }
}

static int64_t earliest(int64_t a, int64_t b) { return !a ? b : !b ? a : a < b ? a : b; }

static void watch_sigset(sigset_t *mask) {
  sigemptyset(mask);
  sigaddset(mask, SIGTERM);
  sigaddset(mask, SIGINT);
  sigaddset(mask, SIGHUP);
}

int watch_take_signals(void) {
  sigset_t mask;
  watch_sigset(&mask);
  /* Blocked, a signal waits for signalfd even if its disposition is
   * SIG_IGN; before that, an ignored one is lost. A shell starts a
   * background job with SIGINT ignored: back to default, then blocked, as
   * early as main can. */
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  int sfd = -1;
  if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
      (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
    log_error_errno("cannot take signals");
  return sfd;
}

int watch_run(const struct pass_config *cfg, const struct name_list *names,
              const struct watch_config *wc) {
  struct watch w = {.cfg = cfg, .names = names, .efd = -1, .backoff_ms = RECONNECT_MIN_MS};
  /* Signals are taken between passes, never inside one: a pass is bounded
   * by its deadline, and FILE is never left half-replaced. */
  w.sfd = wc->signal_fd;
  if (w.sfd < 0)
    return EXIT_OUTPUT;
  if (!engine_init(&w.engine, cfg->docker_host, ENGINE_TIMEOUT_MS)) {
    engine_close(&w.engine);
    close(w.sfd);
    return EXIT_USAGE;
  }
  sigset_t mask;
  watch_sigset(&mask);
  w.interval_ms = (int64_t)wc->interval_s * 1000;
  connect_events(&w);
  pass(&w, "start");
  int status = 0;
  for (;;) {
    int64_t wake = earliest(earliest(w.due, w.next_interval), w.next_settle);
    if (w.efd < 0)
      wake = earliest(wake, w.reconnect_at);
    int timeout = -1; /* idle means idle: no timer unless something is due */
    if (wake) {
      int64_t left = wake - now_ms();
      timeout = left < 0 ? 0 : left > 3600000 ? 3600000 : (int)left;
    }
    struct pollfd pfds[2] = {{.fd = w.sfd, .events = POLLIN}, {.fd = w.efd, .events = POLLIN}};
    int n = poll(pfds, w.efd >= 0 ? 2 : 1, timeout);
    if (n < 0 && errno != EINTR) {
      log_error_errno("poll");
      status = EXIT_OUTPUT;
      break;
    }
    if (n > 0 && (pfds[0].revents & POLLIN)) {
      struct signalfd_siginfo si;
      if (read(w.sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP) {
          pass(&w, "SIGHUP");
          continue;
        }
        log_info("watch: %s; stopping", strsignal((int)si.ssi_signo));
        break;
      }
    }
    if (n > 0 && w.efd >= 0 && pfds[1].revents)
      read_events(&w);
    int64_t now = now_ms();
    if (w.efd < 0 && w.reconnect_at && now >= w.reconnect_at) {
      w.reconnect_at = 0;
      connect_events(&w);
    } else if (w.due && now >= w.due) {
      pass(&w, "events");
    } else if (w.next_settle && now >= w.next_settle) {
      pass(&w, "a Swarm service is changing");
    } else if (w.next_interval && now >= w.next_interval) {
      pass(&w, "interval");
    }
  }
  if (w.efd >= 0) {
    close(w.efd);
    event_parser_free(&w.parser);
  }
  close(w.sfd);
  engine_close(&w.engine);
  sigprocmask(SIG_UNBLOCK, &mask, NULL);
  return status;
}
