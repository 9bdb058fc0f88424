/* SPDX-License-Identifier: MIT */
/* hostalias: from a container to a HOSTALIASES file in one concurrent pass.
 *
 * main() parses the options and reads the names, then runs one pass
 * (pass.c) and turns its result into the exit status. */
#include <ares.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "engine.h"
#include "names.h"
#include "pass.h"
#include "check.h"
#include "privileges.h"
#include "run_command.h"
#include "sandbox.h"
#include "serve.h"
#include "swarm.h"
#include "targets.h"
#include "watch.h"
#include "util.h"

static void usage(FILE *f) {
  fputs("Usage: hostalias [OPTION]... CONTAINER [NAME]...\n"
        "       hostalias [OPTION]... --pid PID [NAME]...\n"
        "       hostalias [OPTION]... --netns PATH [NAME]...\n"
        "       hostalias --watch -o FILE [OPTION]... CONTAINER [NAME]...\n"
        "       hostalias [OPTION]... CONTAINER [NAME]... -- COMMAND [ARG]...\n"
        "       hostalias --serve [--listen ADDR[:PORT]]... [--domain DOMAIN] [--resolved]\n"
        "\n"
        "Resolve NAMEs (default: one per line on standard input; with none given and\n"
        "a terminal as input, --all) with the DNS server of a container's network\n"
        "namespace, and print a HOSTALIASES file that maps each name to a\n"
        "wildcard-DNS name for its address:\n"
        "  postgres 172.27.0.2.traefik.me\n"
        "\n"
        "With -- COMMAND, run COMMAND (searched on PATH) in the target's network\n"
        "namespace with the container's resolv.conf and hosts, as the invoking user:\n"
        "every program then resolves every name as inside the container. hostalias\n"
        "is replaced by it; its exit status is the command's (126: cannot run it,\n"
        "127: not found).\n"
        "\n"
        "Target:\n"
        "  CONTAINER                 Docker or Podman container name or ID, a Swarm\n"
        "                            service (this node's task with the lowest slot),\n"
        "                            or a Compose service (its lowest-numbered replica)\n"
        "  -P, --project NAME        the Compose project or Swarm stack whose service\n"
        "                            CONTAINER is the target (never another container\n"
        "                            of that name); default $COMPOSE_PROJECT_NAME (its\n"
        "                            service first), else the current directory's,\n"
        "                            else the only project that has such a service\n"
        "  -H, --docker-host ADDR    Engine API socket (unix:///path); default\n"
        "                            $DOCKER_HOST, the docker context's endpoint,\n"
        "                            rootless sockets in $XDG_RUNTIME_DIR (non-root),\n"
        "                            /var/run/docker.sock, /run/podman/podman.sock\n"
        "      --pid PID             use this process's network namespace\n"
        "      --netns PATH          use this network namespace file (/run/netns/NAME)\n"
        "\n"
        "Names:\n"
        "  -a, --all                 also every name the Engine API knows on the\n"
        "                            target's networks: containers and their aliases\n"
        "\n"
        "Lookup:\n"
        "  -4                        IPv4 addresses (the default)\n"
        "  -6                        IPv6 addresses; -4 -6 takes either (IPv4 first)\n"
        "  -s, --server ADDR[:PORT]  ask this server, not the container's resolv.conf\n"
        "                            nameservers (up to 3; [ADDR6]:PORT for IPv6)\n"
        "  -c, --concurrency N       queries in flight at most (default 100)\n"
        "  -t, --timeout SECONDS     first try's timeout (default: the container's\n"
        "                            options timeout, else 1)\n"
        "      --tries N             tries per query (default: the container's\n"
        "                            options attempts, else 2)\n"
        "      --deadline SECONDS    the whole pass ends by then (default 10)\n"
        "\n"
        "Output:\n"
        "  -o, --output FILE         replace FILE atomically, only when it changes;\n"
        "                            a name that times out or meets a server failure\n"
        "                            keeps its previous line, unless that address now\n"
        "                            answers for another name\n"
        "      --watch               with -o: keep FILE up to date, following the\n"
        "                            engine's events, until SIGTERM or SIGINT\n"
        "      --interval SECONDS    with --watch, a full pass this often too\n"
        "                            (default 300; 0: only on events)\n"
        "  -f, --format FORMAT       alias (default), hosts (ADDRESS NAME) or json\n"
        "  -p, --provider NAME       traefik.me (default), sslip.io, nip.io, xip.io\n"
        "      --suffix DOMAIN       a self-hosted wildcard DNS domain instead\n"
        "      --bridge-names        NAME.PROJECT.DOMAIN instead, as --serve answers\n"
        "                            them (--domain DOMAIN; the file never changes)\n"
        "      --dashed              172-27-0-2.PROVIDER instead of 172.27.0.2.PROVIDER\n"
        "      --check[=WHERE]       resolve each target as the program will, and say\n"
        "                            why one does not work (WHERE: host, the default;\n"
        "                            netns, in the target's network namespace with\n"
        "                            this host's resolver configuration; both)\n"
        "\n"
        "DNS bridge:\n"
        "      --serve               answer DNS queries for DOMAIN in the foreground,\n"
        "                            until SIGTERM or SIGINT: NAME.PROJECT.DOMAIN as\n"
        "                            Compose project PROJECT's containers resolve NAME,\n"
        "                            CONTAINER.DOMAIN, and 172.27.0.2.DOMAIN or\n"
        "                            172-27-0-2.DOMAIN; other names are REFUSED\n"
        "      --listen ADDR[:PORT]  with --serve: UDP and TCP on this address (up to 8;\n"
        "                            [ADDR6]:PORT; default: the sockets systemd\n"
        "                            passed, else 127.0.0.153:53)\n"
        "      --domain DOMAIN       with --serve: the domain answered (default\n"
        "                            hostalias.internal); with --bridge-names, its names'\n"
        "      --resolved            with --serve: have systemd-resolved send DOMAIN\n"
        "                            to the bridge while it runs (a link of its own,\n"
        "                            hostalias0, routing domain ~DOMAIN, not a default\n"
        "                            route); needs resolvectl and CAP_NET_ADMIN\n"
        "\n"
        "      --user NAME|UID       with -- COMMAND: run it as this user (default:\n"
        "                            SUDO_UID under sudo, else the caller; under\n"
        "                            sudo, only the invoking user)\n"
        "      --list-targets        print the running containers' names and Compose\n"
        "                            services, and exit\n"
        "                            (for shell completion)\n"
        "      --list-projects       print the Compose projects and Swarm stacks with\n"
        "                            running containers, and exit (for completion)\n"
        "  -q, --quiet               no warnings, no notices of kept (stale) lines\n"
        "  -v, --verbose             details, and a closing summary\n"
        "  -h, --help                show this help and exit\n"
        "  -V, --version             show the version (with c-ares') and exit\n"
        "\n"
        "Exit status:\n"
        "  0  every name resolved\n"
        "  1  some names did not resolve (each is reported on stderr)\n"
        "  2  usage or input error\n"
        "  3  target not found, not running or not enterable (needs root or\n"
        "     CAP_SYS_ADMIN); a Compose service in several projects; two\n"
        "     containers claiming one replica; a PID that is not the container's\n"
        "  4  no name answered: the DNS server is unreachable\n"
        "  5  the output could not be written, or an internal failure\n"
        "  6  --check: a target does not resolve as the program needs (the output\n"
        "     is still written)\n",
        f);
}

enum {
  OPT_PID = 256,
  OPT_NETNS,
  OPT_TRIES,
  OPT_DEADLINE,
  OPT_SUFFIX,
  OPT_BRIDGE_NAMES,
  OPT_DASHED,
  OPT_LIST_TARGETS,
  OPT_LIST_PROJECTS,
  OPT_WATCH,
  OPT_INTERVAL,
  OPT_USER,
  OPT_CHECK,
  OPT_SERVE,
  OPT_LISTEN,
  OPT_DOMAIN,
  OPT_RESOLVED,
};

static const struct option long_options[] = {
    {"docker-host", required_argument, NULL, 'H'},
    {"pid", required_argument, NULL, OPT_PID},
    {"netns", required_argument, NULL, OPT_NETNS},
    {"server", required_argument, NULL, 's'},
    {"concurrency", required_argument, NULL, 'c'},
    {"timeout", required_argument, NULL, 't'},
    {"tries", required_argument, NULL, OPT_TRIES},
    {"deadline", required_argument, NULL, OPT_DEADLINE},
    {"output", required_argument, NULL, 'o'},
    {"format", required_argument, NULL, 'f'},
    {"provider", required_argument, NULL, 'p'},
    {"suffix", required_argument, NULL, OPT_SUFFIX},
    {"bridge-names", no_argument, NULL, OPT_BRIDGE_NAMES},
    {"dashed", no_argument, NULL, OPT_DASHED},
    {"list-targets", no_argument, NULL, OPT_LIST_TARGETS},
    {"list-projects", no_argument, NULL, OPT_LIST_PROJECTS},
    {"all", no_argument, NULL, 'a'},
    {"watch", no_argument, NULL, OPT_WATCH},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"user", required_argument, NULL, OPT_USER},
    {"check", optional_argument, NULL, OPT_CHECK},
    {"project", required_argument, NULL, 'P'},
    {"serve", no_argument, NULL, OPT_SERVE},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"domain", required_argument, NULL, OPT_DOMAIN},
    {"resolved", no_argument, NULL, OPT_RESOLVED},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

struct options {
  struct pass_config pass;
  const char *provider;
  const char *suffix;
  bool bridge_names;
  bool want4, want6;
  bool list_targets;
  bool list_projects;
  bool watch;
  bool interval_given;
  struct watch_config watch_cfg;
  const char *user;
  char **command; /* after --, or NULL */
  bool serve;
  struct serve_config serve_cfg;
};

static void usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void usage_error(const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  die(EXIT_USAGE, "%s\nTry 'hostalias --help' for more information.", msg);
}

static int parse_seconds_ms(const char *s, const char *opt, double max) {
  char *end;
  errno = 0;
  double v = s && *s ? strtod(s, &end) : NAN;
  if (errno || !s || !*s || *end || !(v > 0) || v > max)
    usage_error("invalid %s", opt);
  int ms = (int)ceil(v * 1000);
  return ms > 0 ? ms : 1;
}

static void parse_options(int argc, char **argv, char **command, struct options *o) {
  memset(o, 0, sizeof *o);
  o->command = command;
  struct pass_config *pc = &o->pass;
  resolve_request_init(&pc->req);
  pc->fmt.format = FORMAT_ALIAS;
  o->watch_cfg.interval_s = WATCH_DEFAULT_INTERVAL_S;
  int c;
  long v;
  char optname[128];
  while ((c = getopt_long(argc, argv, "+46aH:P:s:c:t:o:f:p:qvhV", long_options, NULL)) != -1) {
    switch (c) {
    case '4': o->want4 = true; break;
    case '6': o->want6 = true; break;
    case 'H': pc->docker_host = optarg; break;
    case OPT_PID:
      if (!parse_long(optarg, 1, 0x3fffffff, &v))
        usage_error("invalid --pid \"%s\": expected a process ID", optarg);
      pc->pid = (pid_t)v;
      break;
    case OPT_NETNS: pc->netns = optarg; break;
    case 's': {
      struct resolv_conf *rc = &pc->req.cfg.rc;
      if (rc->nservers == RESOLV_MAX_NAMESERVERS)
        usage_error("at most %s --server options", "3");
      if (!nameserver_parse(optarg, &rc->servers[rc->nservers]))
        usage_error("invalid --server \"%s\": expected ADDR, ADDR:PORT or [ADDR6]:PORT", optarg);
      rc->nservers++;
      pc->req.server_override = true;
      break;
    }
    case 'c':
      if (!parse_long(optarg, 1, MAX_CONCURRENCY, &v))
        usage_error("invalid --concurrency \"%s\": expected 1 to 4096", optarg);
      pc->req.cfg.concurrency = (unsigned)v;
      break;
    case 't':
      snprintf(optname, sizeof optname, "--timeout \"%.40s\": expected seconds, up to 60", optarg);
      pc->req.cfg.timeout_ms = parse_seconds_ms(optarg, optname, 60);
      break;
    case OPT_TRIES:
      if (!parse_long(optarg, 1, 10, &v))
        usage_error("invalid --tries \"%s\": expected 1 to 10", optarg);
      pc->req.cfg.tries = (int)v;
      break;
    case OPT_DEADLINE:
      snprintf(optname, sizeof optname, "--deadline \"%.40s\": expected seconds, up to 3600",
               optarg);
      pc->req.cfg.deadline_ms = parse_seconds_ms(optarg, optname, 3600);
      break;
    case 'o': pc->output = optarg; break;
    case 'f':
      if (!format_parse_kind(optarg, &pc->fmt.format))
        usage_error("invalid --format \"%s\": expected alias, hosts or json", optarg);
      break;
    case 'p': o->provider = optarg; break;
    case OPT_SUFFIX: o->suffix = optarg; break;
    case OPT_BRIDGE_NAMES: o->bridge_names = true; break;
    case OPT_DASHED: pc->fmt.dashed = true; break;
    case OPT_LIST_TARGETS: o->list_targets = true; break;
    case OPT_LIST_PROJECTS: o->list_projects = true; break;
    case 'a': pc->all = true; break;
    case OPT_WATCH: o->watch = true; break;
    case OPT_USER: o->user = optarg; break;
    case OPT_CHECK: {
      enum check_where w;
      if (!check_parse_where(optarg, &w))
        usage_error("invalid --check=%s: expected host, netns or both", optarg);
      pc->check = w;
      break;
    }
    case OPT_SERVE: o->serve = true; break;
    case OPT_LISTEN:
      if (o->serve_cfg.nlisten == SERVE_LISTEN_MAX)
        usage_error("at most %d --listen options", SERVE_LISTEN_MAX);
      if (!serve_parse_listen(optarg, &o->serve_cfg.listen[o->serve_cfg.nlisten]))
        usage_error("invalid --listen \"%s\": expected ADDR, ADDR:PORT or [ADDR6]:PORT", optarg);
      o->serve_cfg.nlisten++;
      break;
    case OPT_DOMAIN: o->serve_cfg.domain = optarg; break;
    case OPT_RESOLVED: o->serve_cfg.resolved = true; break;
    case OPT_INTERVAL:
      if (!parse_long(optarg, 0, 86400, &v))
        usage_error("invalid --interval \"%s\": expected seconds, 0 to 86400", optarg);
      o->watch_cfg.interval_s = (int)v;
      o->interval_given = true;
      break;
    case 'P':
      if (!engine_target_valid(optarg))
        usage_error("invalid --project \"%s\": expected a Compose project name", optarg);
      pc->project = optarg;
      break;
    case 'q': verbosity = VERBOSITY_QUIET; break;
    case 'v': verbosity = VERBOSITY_VERBOSE; break;
    case 'h': usage(stdout); exit(EXIT_ALL_RESOLVED);
    case 'V': {
      int vj = 0;
      printf("hostalias %s (c-ares %s, jansson %s, %s)\n", HOSTALIAS_VERSION, ares_version(&vj),
             jansson_version_str(), sandbox_seccomp_built());
      exit(EXIT_ALL_RESOLVED);
    }
    default: die(EXIT_USAGE, "Try 'hostalias --help' for more information.");
    }
  }
}

/* What the options mean together: the combinations refused, and what
 * follows from them (the families, the alias suffix). */
static void check_options(struct options *o) {
  struct pass_config *pc = &o->pass;
  if (o->watch && !pc->output)
    usage_error("%s", "--watch keeps a file up to date: it needs -o FILE");
  if (o->watch && (pc->pid || pc->netns))
    usage_error("%s", "--watch follows the Engine API's events, so it needs a CONTAINER, not "
                      "--pid or --netns");
  if (o->interval_given && !o->watch)
    usage_error("%s", "--interval goes with --watch");
  pc->report_changes = o->watch;
  if (o->serve_cfg.nlisten && !o->serve)
    usage_error("%s", "--listen goes with --serve");
  if (o->serve_cfg.resolved && !o->serve)
    usage_error("%s", "--resolved goes with --serve");
  if (o->serve_cfg.domain && !o->serve && !o->bridge_names)
    usage_error("%s", "--domain goes with --serve or --bridge-names");
  if (o->serve && o->bridge_names)
    usage_error("%s", "--bridge-names writes alias files; --serve answers those names");
  if (o->serve && (o->watch || pc->output || pc->pid || pc->netns || pc->all || pc->project ||
                   o->list_targets || o->list_projects))
    usage_error("%s", "--serve runs on its own: no -o, --watch, --pid, --netns, --all, "
                      "--project, --list-targets or --list-projects");
  if (o->list_targets && o->list_projects)
    usage_error("%s", "--list-targets and --list-projects cannot be used together");
  if (pc->check && pc->fmt.format == FORMAT_HOSTS)
    usage_error("%s", "--check checks the alias targets; --format hosts writes none");
  if (o->user && !o->command)
    usage_error("%s", "--user goes with a COMMAND after --");
  if (o->command && (pc->output || o->watch || pc->all))
    usage_error("%s", "-o, --watch and --all write alias files; with a COMMAND after --, the "
                      "command itself resolves every name");
  if (pc->all && (pc->pid || pc->netns))
    usage_error("%s", "--all takes the names from the Engine API, so it needs a CONTAINER, not "
                      "--pid or --netns");
  if (pc->pid && pc->netns)
    usage_error("%s", "--pid and --netns cannot be used together");
  if ((pc->pid && !sudo_policy_allows("pid")) || (pc->netns && !sudo_policy_allows("netns")))
    exit(EXIT_USAGE); /* the administrator's /etc/hostalias/sudo.conf */
  if (o->provider && o->suffix)
    usage_error("%s", "--provider and --suffix cannot be used together");
  if (o->bridge_names && (o->provider || o->suffix || pc->fmt.dashed))
    usage_error("%s",
                "--bridge-names writes the bridge's names: not with -p, --suffix or --dashed");
  if (o->bridge_names && pc->fmt.format != FORMAT_ALIAS)
    usage_error("%s", "--bridge-names writes alias lines: not with --format hosts or json");
  if (o->bridge_names ? !format_set_bridge(&pc->fmt, o->serve_cfg.domain ? o->serve_cfg.domain
                                                                         : SERVE_DEFAULT_DOMAIN)
      : o->suffix     ? !format_set_suffix(&pc->fmt, o->suffix)
                      : !format_set_provider(&pc->fmt, o->provider ? o->provider : "traefik.me"))
    exit(EXIT_USAGE);
  pc->req.cfg.families = (o->want4 || !o->want6 ? FAMILY_V4 : 0) | (o->want6 ? FAMILY_V6 : 0);
  pc->req.cfg.keep_all = pc->fmt.format == FORMAT_JSON;
  if (pc->req.cfg.families == FAMILY_V6 && !pc->fmt.ipv6 && pc->fmt.format == FORMAT_ALIAS)
    usage_error("-6: %s has no IPv6 names; use --provider sslip.io or --suffix", pc->fmt.suffix);
}

/* Standard descriptors must be open: otherwise the first file opened would
 * become stdout. A closed stdin is remembered, to report it. */
static bool ensure_std_fds(void) {
  bool stdin_open = fcntl(0, F_GETFD) >= 0;
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) < 0) {
      int n = open("/dev/null", O_RDWR);
      if (n < 0)
        _exit(EXIT_OUTPUT);
      if (n != fd)
        _exit(EXIT_OUTPUT);
    }
  }
  return stdin_open;
}

/* Reads the names from the arguments, else from standard input. Returns 0,
 * or EXIT_USAGE after saying what is wrong. */
static int read_names(int argc, char **argv, bool stdin_open, struct pass_config *pc,
                      struct name_list *names) {
  if (argc == 0 && stdin_open && isatty(STDIN_FILENO) && pc->container) {
    /* Nobody types a list of names at a terminal: take them from the
     * engine, as --all does, rather than wait silently. */
    if (!pc->all)
      log_notice("no names given and standard input is a terminal: resolving every name on "
                 "the networks of %s (as --all does)",
                 pc->container);
    pc->all = true;
    return 0;
  }
  if (argc > 0) {
    for (int i = 0; i < argc; i++) {
      /* Counted as the user counts them, CONTAINER first: in "hostalias
       * web db", db is argument 2. */
      char source[32];
      snprintf(source, sizeof source, "argument %d", i + 1 + (pc->container ? 1 : 0));
      name_list_add(names, argv[i], strlen(argv[i]), source, 0);
    }
  } else if (stdin_open) {
    if (!names_read_fd(names, 0, "standard input"))
      return EXIT_USAGE;
  } else if (!pc->all) {
    log_error("no names given and standard input is closed");
    return EXIT_USAGE;
  }
  if (names->errors) {
    log_error("%zu invalid name%s; nothing was resolved", names->errors,
              names->errors == 1 ? "" : "s");
    return EXIT_USAGE;
  }
  if (names->count == 0 && !pc->all) {
    log_error("no names to resolve (give them as arguments or on standard input, or --all)");
    return EXIT_USAGE;
  }
  return 0;
}

static void print_target(const char *name, void *ctx) {
  (void)ctx;
  printf("%s\n", name);
}

/* --list-targets and --list-projects: the names engine_list_targets or
 * engine_list_projects gives, a line each. */
static int list_names(const struct options *o) {
  _cleanup_engine_ struct engine e = ENGINE_INIT;
  if (!engine_init(&e, o->pass.docker_host, ENGINE_TIMEOUT_MS))
    return EXIT_USAGE;
  bool ok = o->list_projects ? engine_list_projects(&e, print_target, NULL)
                             : engine_list_targets(&e, print_target, NULL);
  return ok ? EXIT_ALL_RESOLVED : EXIT_TARGET;
}

/* Standard output is checked when the program ends, as util-linux's
 * close_stdout does: a full disk or a closed pipe must not exit 0. */
static void close_stdout(void) {
  bool failed = fflush(stdout) != 0 || ferror(stdout);
  if (close(STDOUT_FILENO) < 0 && errno != EBADF)
    failed = true;
  if (failed) {
    log_error_errno("cannot write to standard output");
    _exit(EXIT_OUTPUT);
  }
}

/* hostalias [OPTION]... CONTAINER [NAME]... -- COMMAND: the names, if any,
 * are resolved first, as a check; then COMMAND replaces hostalias. Target
 * errors end it before anything is started. */
static int run(struct options *o, int nargs, char **args, bool stdin_open) {
  struct run_user user;
  if (!run_user_choose(o->user, &user))
    return EXIT_USAGE;
  o->pass.command = true;
  /* The target is looked up once: the command runs in the very network
   * namespace the names were resolved in, held by descriptor. */
  _cleanup_target_ struct target t;
  target_init(&t);
  int status;
  if (nargs > 0) {
    _cleanup_name_list_ struct name_list names;
    name_list_init(&names);
    status = read_names(nargs, args, stdin_open, &o->pass, &names);
    if (status == 0) {
      _cleanup_strbuf_ struct strbuf out = {0};
      status = pass_run(&o->pass, &names, &out, NULL, &t);
    }
    if (status != EXIT_ALL_RESOLVED && status != EXIT_SOME_UNRESOLVED && status != EXIT_DNS)
      return status;
    status = t.netns_fd >= 0 ? 0 : EXIT_OUTPUT;
  } else {
    status = pass_find_target(&o->pass, &t);
  }
  if (status == 0) {
    fflush(stdout);
    status = run_command(&t, &user, o->command);
  }
  return status;
}

int main(int argc, char **argv) {
  bool stdin_open = ensure_std_fds();
  atexit(close_stdout);
  if (!privileges_safe_to_run() || !invoker_init())
    return EXIT_USAGE;
  /* Neither the caller's resolver settings nor glibc's or c-ares' own alias
   * handling may influence a lookup. */
  unsetenv("HOSTALIASES");
  unsetenv("LOCALDOMAIN");
  unsetenv("RES_OPTIONS");

  /* Everything after the first "--" is the command to run (a FILE or name
   * that is "--" itself needs "./--"). */
  char **command = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--")) {
      command = argv + i + 1;
      argv[i] = NULL;
      argc = i;
      break;
    }
  }
  if (command && !command[0])
    usage_error("%s", "missing COMMAND after --");
  struct options o;
  parse_options(argc, argv, command, &o);
  check_options(&o);
  if (o.watch && (o.watch_cfg.signal_fd = watch_take_signals()) < 0)
    return EXIT_OUTPUT;
  if (o.list_targets || o.list_projects)
    return list_names(&o);
  if (o.serve) {
    if (optind < argc || o.command)
      usage_error("%s", "--serve takes no CONTAINER, NAME or COMMAND");
    /* Under sudo: a service for every user, which the administrator may
     * forbid; --resolved only where allowed (sudo.conf). */
    if (!sudo_policy_allows("serve") || (o.serve_cfg.resolved && !sudo_policy_allows("resolved")))
      return EXIT_USAGE;
    o.serve_cfg.docker_host = o.pass.docker_host;
    o.serve_cfg.front_filter = sandbox_seccomp_install_front;
    return serve_run(&o.serve_cfg);
  }
  int pos = optind;
  if (!o.pass.pid && !o.pass.netns) {
    if (pos >= argc)
      usage_error("%s", "missing CONTAINER (or --pid PID, or --netns PATH)");
    o.pass.container = argv[pos++];
    if (!engine_target_valid(o.pass.container))
      usage_error("invalid container name or ID \"%s\"", o.pass.container);
  }

  if (o.command)
    return run(&o, argc - pos, argv + pos, stdin_open);

  int64_t t_start = now_us();
  _cleanup_name_list_ struct name_list names;
  name_list_init(&names);
  int status = read_names(argc - pos, argv + pos, stdin_open, &o.pass, &names);
  if (status == 0) {
    if (o.pass.fmt.format == FORMAT_ALIAS)
      for (size_t i = 0; i < names.count; i++)
        if (name_is_dotted(name_at(&names, i)))
          log_warn("%s: has a dot, so glibc never looks it up in HOSTALIASES; resolved but left "
                   "out (use --format hosts for such names)",
                   name_at(&names, i));
    log_info("timing: read names %.3f ms", (double)(now_us() - t_start) / 1000);

    _cleanup_strbuf_ struct strbuf out = {0};
    struct pass_summary sum = {0};
    if (o.watch)
      status = watch_run(&o.pass, &names, &o.watch_cfg);
    else
      status = pass_run(&o.pass, &names, &out, &sum, NULL);
    if (out.len && !write_all(STDOUT_FILENO, out.data, out.len)) {
      log_error_errno("cannot write to standard output");
      status = EXIT_OUTPUT;
    }
    if (status <= EXIT_SOME_UNRESOLVED && !o.watch)
      log_info("%zu names: %zu resolved, %zu failed (%zu kept stale, %zu lines dropped), in %lld "
               "ms",
               sum.names, sum.resolved, sum.failed, sum.stale, sum.dropped,
               (long long)((now_us() - t_start) / 1000));
  }
  return status;
}
