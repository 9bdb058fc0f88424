/* hostalias: from a container to a HOSTALIASES file in one concurrent pass.
 *
 * main() wires the parts together in the order privilege demands:
 * read and check the names; find the target (Engine API, --pid or --netns)
 * and, privileged, read its resolv.conf and hosts; resolve in an
 * unprivileged child inside its network namespace (privsep.c); write the
 * output, here, from results the child could only describe. */
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
#include "output.h"
#include "outfile.h"
#include "privdrop.h"
#include "privsep.h"
#include "target.h"
#include "util.h"

/* Measured on loopback: dnsmasq and dockerd's resolver drop queries past about
 * 150 in flight (their socket buffers fill), and each loss costs a retry
 * timeout; 100 loses nothing and is within 10% of the best rate. */
#define DEFAULT_CONCURRENCY 100
#define MAX_CONCURRENCY 4096 /* far below c-ares' 65,536 query IDs */
#define DEFAULT_DEADLINE_MS 10000
#define ENGINE_TIMEOUT_MS 5000

static void usage(FILE *f) {
  fputs("Usage: hostalias [OPTION]... CONTAINER [NAME]...\n"
        "       hostalias [OPTION]... --pid PID [NAME]...\n"
        "       hostalias [OPTION]... --netns PATH [NAME]...\n"
        "\n"
        "Resolve NAMEs (default: one per line on standard input) with the DNS server\n"
        "of a container's network namespace, and print a HOSTALIASES file that maps\n"
        "each name to a wildcard-DNS name for its address:\n"
        "  postgres 172.27.0.2.traefik.me\n"
        "\n"
        "Target:\n"
        "  CONTAINER                 Docker or Podman container name or ID\n"
        "  -H, --docker-host ADDR    Engine API socket (unix:///path); default\n"
        "                            $DOCKER_HOST, /var/run/docker.sock, then\n"
        "                            /run/podman/podman.sock\n"
        "      --pid PID             use this process's network namespace\n"
        "      --netns PATH          use this network namespace file (/run/netns/NAME)\n"
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
        "                            a name that fails keeps its previous line\n"
        "  -f, --format FORMAT       alias (default), hosts (ADDRESS NAME) or json\n"
        "  -p, --provider NAME       traefik.me (default), sslip.io, nip.io, xip.io\n"
        "      --suffix DOMAIN       a self-hosted wildcard DNS domain instead\n"
        "      --dashed              172-27-0-2.PROVIDER instead of 172.27.0.2.PROVIDER\n"
        "\n"
        "      --list-targets        print the running containers' names and exit\n"
        "                            (for shell completion)\n"
        "  -q, --quiet               no warnings\n"
        "  -v, --verbose             details, and a closing summary\n"
        "  -h, --help                show this help and exit\n"
        "  -V, --version             show the version (with c-ares') and exit\n"
        "\n"
        "Exit status:\n"
        "  0  every name resolved\n"
        "  1  some names did not resolve (each is reported on stderr)\n"
        "  2  usage or input error\n"
        "  3  target not found, not running or not enterable (needs root or\n"
        "     CAP_SYS_ADMIN)\n"
        "  4  no name answered: the DNS server is unreachable\n"
        "  5  the output could not be written, or an internal failure\n",
        f);
}

enum {
  OPT_PID = 256,
  OPT_NETNS,
  OPT_TRIES,
  OPT_DEADLINE,
  OPT_SUFFIX,
  OPT_DASHED,
  OPT_LIST_TARGETS,
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
    {"dashed", no_argument, NULL, OPT_DASHED},
    {"list-targets", no_argument, NULL, OPT_LIST_TARGETS},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

struct options {
  const char *docker_host;
  long pid;
  const char *netns;
  const char *output;
  const char *provider;
  const char *suffix;
  struct output_config out;
  struct resolve_request req;
  bool want4, want6;
  bool list_targets;
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

static void parse_options(int argc, char **argv, struct options *o) {
  memset(o, 0, sizeof *o);
  o->req.cfg.timeout_ms = -1;
  o->req.cfg.tries = -1;
  o->req.cfg.deadline_ms = DEFAULT_DEADLINE_MS;
  o->req.cfg.concurrency = DEFAULT_CONCURRENCY;
  resolv_conf_init(&o->req.cfg.rc);
  o->out.format = FORMAT_ALIAS;
  int c;
  long v;
  char optname[128];
  while ((c = getopt_long(argc, argv, "+46H:s:c:t:o:f:p:qvhV", long_options, NULL)) != -1) {
    switch (c) {
    case '4': o->want4 = true; break;
    case '6': o->want6 = true; break;
    case 'H': o->docker_host = optarg; break;
    case OPT_PID:
      if (!parse_long(optarg, 1, 0x3fffffff, &o->pid))
        usage_error("invalid --pid \"%s\": expected a process ID", optarg);
      break;
    case OPT_NETNS: o->netns = optarg; break;
    case 's': {
      struct resolv_conf *rc = &o->req.cfg.rc;
      if (rc->nservers == RESOLV_MAX_NAMESERVERS)
        usage_error("at most %s --server options", "3");
      if (!nameserver_parse(optarg, &rc->servers[rc->nservers]))
        usage_error("invalid --server \"%s\": expected ADDR, ADDR:PORT or [ADDR6]:PORT", optarg);
      rc->nservers++;
      o->req.server_override = true;
      break;
    }
    case 'c':
      if (!parse_long(optarg, 1, MAX_CONCURRENCY, &v))
        usage_error("invalid --concurrency \"%s\": expected 1 to 4096", optarg);
      o->req.cfg.concurrency = (unsigned)v;
      break;
    case 't':
      snprintf(optname, sizeof optname, "--timeout \"%.40s\": expected seconds, up to 60", optarg);
      o->req.cfg.timeout_ms = parse_seconds_ms(optarg, optname, 60);
      break;
    case OPT_TRIES:
      if (!parse_long(optarg, 1, 10, &v))
        usage_error("invalid --tries \"%s\": expected 1 to 10", optarg);
      o->req.cfg.tries = (int)v;
      break;
    case OPT_DEADLINE:
      snprintf(optname, sizeof optname, "--deadline \"%.40s\": expected seconds, up to 3600",
               optarg);
      o->req.cfg.deadline_ms = parse_seconds_ms(optarg, optname, 3600);
      break;
    case 'o': o->output = optarg; break;
    case 'f':
      if (!output_parse_format(optarg, &o->out.format))
        usage_error("invalid --format \"%s\": expected alias, hosts or json", optarg);
      break;
    case 'p': o->provider = optarg; break;
    case OPT_SUFFIX: o->suffix = optarg; break;
    case OPT_DASHED: o->out.dashed = true; break;
    case OPT_LIST_TARGETS: o->list_targets = true; break;
    case 'q': verbosity = VERBOSITY_QUIET; break;
    case 'v': verbosity = VERBOSITY_VERBOSE; break;
    case 'h': usage(stdout); exit(0);
    case 'V': {
      int vj = 0;
      printf("hostalias %s (c-ares %s, jansson %s)\n", HOSTALIAS_VERSION, ares_version(&vj),
             jansson_version_str());
      exit(0);
    }
    default: die(EXIT_USAGE, "Try 'hostalias --help' for more information.");
    }
  }
  if (o->pid && o->netns)
    usage_error("%s", "--pid and --netns cannot be used together");
  if (o->provider && o->suffix)
    usage_error("%s", "--provider and --suffix cannot be used together");
  if (o->suffix ? !output_set_suffix(&o->out, o->suffix)
                : !output_set_provider(&o->out, o->provider ? o->provider : "traefik.me"))
    exit(EXIT_USAGE);
  o->req.cfg.families = (o->want4 || !o->want6 ? FAMILY_V4 : 0) | (o->want6 ? FAMILY_V6 : 0);
  o->req.cfg.keep_all = o->out.format == FORMAT_JSON;
  if (o->req.cfg.families == FAMILY_V6 && !o->out.ipv6 && o->out.format == FORMAT_ALIAS)
    usage_error("-6: %s has no IPv6 names; use --provider sslip.io or --suffix", o->out.suffix);
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

static void read_names(int argc, char **argv, bool stdin_open, struct name_list *names) {
  if (argc > 0) {
    for (int i = 0; i < argc; i++) {
      char source[32];
      snprintf(source, sizeof source, "argument %d", i + 1);
      name_list_add(names, argv[i], strlen(argv[i]), source, 0);
    }
  } else {
    if (!stdin_open)
      die(EXIT_USAGE, "no names given and standard input is closed");
    if (!names_read_fd(names, 0, "standard input"))
      exit(EXIT_USAGE);
  }
  if (names->errors)
    die(EXIT_USAGE, "%zu invalid name%s; nothing was resolved", names->errors,
        names->errors == 1 ? "" : "s");
  if (names->count == 0)
    die(EXIT_USAGE, "no names to resolve (give them as arguments or on standard input)");
}

static void open_target(const struct options *o, const char *container, struct target *t) {
  if (o->netns) {
    if (!target_open_netns(t, o->netns))
      exit(EXIT_TARGET);
    return;
  }
  if (o->pid) {
    if (!target_open_pid(t, (pid_t)o->pid, "process"))
      exit(EXIT_TARGET);
    return;
  }
  if (!engine_target_valid(container))
    usage_error("invalid container name or ID \"%s\"", container);
  struct engine e;
  if (!engine_init(&e, o->docker_host, ENGINE_TIMEOUT_MS))
    exit(EXIT_USAGE);
  struct container_state st;
  if (engine_inspect_container(&e, container, &st) != ENGINE_FOUND)
    exit(EXIT_TARGET);
  if (!st.running)
    die(EXIT_TARGET, "container %s is not running (%s)", container, st.status);
  info("container %s: pid %d (from %s)", container, (int)st.pid, e.socket_path);
  char label[160];
  snprintf(label, sizeof label, "container %s", container);
  if (!target_open_pid(t, st.pid, label))
    exit(EXIT_TARGET);
}

static void print_target(const char *name, void *ctx) {
  (void)ctx;
  printf("%s\n", name);
}

static int list_targets(const struct options *o) {
  struct engine e;
  if (!engine_init(&e, o->docker_host, ENGINE_TIMEOUT_MS))
    return EXIT_USAGE;
  return engine_list_running(&e, print_target, NULL) ? 0 : EXIT_TARGET;
}

/* For each name of LIST, the line FILE had for it, if any. */
static void index_previous(const char *data, size_t len, enum output_format f,
                           const struct name_list *list, const char **lines, size_t *lens) {
  const char *p = data, *end = data + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
    const char *key;
    size_t kl;
    if (output_line_key(f, p, l, &key, &kl)) {
      long i = name_list_find(list, key, kl);
      if (i >= 0 && !lines[i]) {
        lines[i] = p;
        lens[i] = l;
      }
    }
    p += l + 1;
  }
}

int main(int argc, char **argv) {
  bool stdin_open = ensure_std_fds();
  refuse_setuid();
  /* Neither the caller's resolver settings nor glibc's or c-ares' own alias
   * handling may influence a lookup. */
  unsetenv("HOSTALIASES");
  unsetenv("LOCALDOMAIN");
  unsetenv("RES_OPTIONS");

  struct options o;
  parse_options(argc, argv, &o);
  if (o.list_targets)
    return list_targets(&o);
  int pos = optind;
  const char *container = NULL;
  if (!o.pid && !o.netns) {
    if (pos >= argc)
      usage_error("%s", "missing CONTAINER (or --pid PID, or --netns PATH)");
    container = argv[pos++];
  }

  int64_t t_start = now_us();
  struct name_list names;
  name_list_init(&names);
  read_names(argc - pos, argv + pos, stdin_open, &names);
  if (o.out.format == FORMAT_ALIAS)
    for (size_t i = 0; i < names.count; i++)
      if (name_is_dotted(name_at(&names, i)))
        warn("%s: has a dot, so glibc never looks it up in HOSTALIASES; resolved but left "
             "out (use --format hosts for such names)",
             name_at(&names, i));

  /* The output file is checked before any work: a run that cannot write it
   * should fail fast, and its previous lines are needed for failed names. */
  char *previous = NULL;
  size_t previous_len = 0;
  bool previous_exists = false;
  if (o.output && !outfile_read(o.output, &previous, &previous_len, &previous_exists))
    return EXIT_OUTPUT;

  int64_t t_names = now_us();
  struct target t;
  open_target(&o, container, &t);
  int64_t t_target = now_us();

  struct name_result *results = xcalloc(names.count, sizeof *results);
  int rc = resolve_in_target(&t, &o.req, &names, results);
  int64_t t_resolved = now_us();
  char label[sizeof t.label];
  memcpy(label, t.label, sizeof label);
  target_close(&t);
  if (rc != 0)
    return rc;

  const char **prev_lines = NULL;
  size_t *prev_lens = NULL;
  if (previous_exists) {
    prev_lines = xcalloc(names.count, sizeof *prev_lines);
    prev_lens = xcalloc(names.count, sizeof *prev_lens);
    index_previous(previous, previous_len, o.out.format, &names, prev_lines, prev_lens);
  }

  struct strbuf out = {0};
  size_t resolved = 0, failed = 0, stale = 0, dns_answered = 0, dns_unreachable = 0;
  for (size_t i = 0; i < names.count; i++) {
    struct name_result *r = &results[i];
    const char *name = name_at(&names, i);
    bool dotted_skip = o.out.format == FORMAT_ALIAS && name_is_dotted(name);
    if (r->status != NAME_TIMEOUT && r->status != NAME_UNREACHABLE && !r->from_hosts)
      dns_answered++;
    const char *why;
    if (output_format_line(&o.out, name, r, &out, &why)) {
      resolved++;
      continue;
    }
    if (dotted_skip && r->status == NAME_RESOLVED)
      continue; /* warned about above */
    failed++;
    if (r->status == NAME_TIMEOUT || r->status == NAME_UNREACHABLE)
      dns_unreachable++;
    if (prev_lines && prev_lines[i]) {
      error("%s: %s; keeping its previous line in %s (stale)", name, why, o.output);
      strbuf_append(&out, prev_lines[i], prev_lens[i]);
      strbuf_append(&out, "\n", 1);
      stale++;
    } else {
      error("%s: %s", name, why);
    }
  }

  int status = failed == 0 ? EXIT_ALL_RESOLVED : EXIT_SOME_UNRESOLVED;
  if (failed && dns_answered == 0 && dns_unreachable == failed) {
    error("no answer from the DNS server of %s", label);
    status = EXIT_DNS;
  }

  if (o.output) {
    if (resolved == 0) {
      error("%s: nothing resolved; left as it was", o.output);
    } else {
      bool unchanged;
      if (!outfile_replace(o.output, out.data ? out.data : "", out.len, &unchanged))
        status = EXIT_OUTPUT;
      else
        info("%s: %s", o.output, unchanged ? "unchanged, not rewritten" : "replaced");
    }
  } else if (out.len && !write_all(STDOUT_FILENO, out.data, out.len)) {
    error("cannot write to standard output: %s", strerror(errno));
    status = EXIT_OUTPUT;
  }
  info("timing: read names %.3f ms, find target and read its files %.3f ms, resolver "
       "child %.3f ms, output %.3f ms",
       (double)(t_names - t_start) / 1000, (double)(t_target - t_names) / 1000,
       (double)(t_resolved - t_target) / 1000, (double)(now_us() - t_resolved) / 1000);
  info("%zu names: %zu resolved, %zu failed (%zu kept stale), in %lld ms", names.count, resolved,
       failed, stale, (long long)((now_us() - t_start) / 1000));

  strbuf_free(&out);
  free(prev_lines);
  free(prev_lens);
  free(previous);
  name_results_free(results, names.count);
  name_list_free(&names);
  return status;
}
