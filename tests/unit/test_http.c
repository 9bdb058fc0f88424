/* SPDX-License-Identifier: MIT */
/* The HTTP/1.0 reply parser and the Engine API's inspect reply. */
#include "compose.h"
#include "engine.h"
#include "http.h"
#include "tap.h"
#include "util.h"

#define RESP(lit) lit, sizeof(lit) - 1

static char names_seen[256];
static void collect_container(const struct container_summary *c, void *ctx) {
  (void)ctx;
  strcat(names_seen, c->name);
  if (c->compose.service[0]) {
    strcat(names_seen, "=");
    strcat(names_seen, c->compose.project);
    strcat(names_seen, "/");
    strcat(names_seen, c->compose.service);
  }
  strcat(names_seen, ",");
}
static void collect(const char *name, void *ctx) {
  (void)ctx;
  strcat(names_seen, name);
  strcat(names_seen, ",");
}

static void collect_name(const char *name, void *ctx) {
  (void)ctx;
  strncat(names_seen, name, sizeof names_seen - strlen(names_seen) - 2);
  strcat(names_seen, ",");
}

int main(void) {
  struct http_response r;
  ok(!http_parse_response(RESP("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
                               "Content-Length: 2\r\n\r\n{}"),
                          &r) &&
         r.status == 200 && r.body_len == 2 && !strcmp(r.body, "{}"),
     "200 with Content-Length");
  http_response_free(&r);
  ok(!http_parse_response(RESP("HTTP/1.1 404 Not Found\r\n\r\n{\"message\":\"x\"}"), &r) &&
         r.status == 404 && r.body_len == 15,
     "404 without Content-Length: body to EOF");
  http_response_free(&r);
  ok(!http_parse_response(RESP("HTTP/1.0 200 OK\nContent-Length: 3\n\nabcdef"), &r) &&
         r.body_len == 3,
     "bare LF line ends; body cut at Content-Length");
  http_response_free(&r);

  static const struct {
    const char *text;
    size_t len;
    const char *what;
  } bad[] = {
      {RESP(""), "empty reply"},
      {RESP("garbage garbage garbage"), "not HTTP"},
      {RESP("HTTP/2.0 200 OK\r\n\r\n"), "HTTP/2"},
      {RESP("HTTP/1.0 2x0 OK\r\n\r\n"), "bad status digits"},
      {RESP("HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nshort"), "body shorter than length"},
      {RESP("HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n"), "negative length"},
      {RESP("HTTP/1.0 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"), "huge length"},
      {RESP("HTTP/1.0 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
       "conflicting lengths"},
      {RESP("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
       "chunked"},
      {RESP("HTTP/1.0 200 OK\r\nNoColon\r\n\r\n"), "header without colon"},
      {RESP("HTTP/1.0 200 OK\r\nX: a\x01b\r\n\r\n"), "control character in header"},
      {RESP("HTTP/1.0 200 OK\r\nX: y\r\n"), "headers never end"},
      {RESP("HTTP/1.0 200"), "truncated status line"},
  };
  for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
    const char *why = http_parse_response(bad[i].text, bad[i].len, &r);
    ok(why != NULL, "refused: %s (%s)", bad[i].what, why ? why : "accepted");
    http_response_free(&r);
  }

  struct container_state st;
  const char inspect[] = "{\"Id\":\"abc\",\"Name\":\"/web\",\"State\":{\"Status\":\"running\","
                         "\"Running\":true,\"Pid\":4242}}";
  ok(!engine_parse_inspect(inspect, sizeof inspect - 1, &st) && st.pid == 4242 && st.running &&
         !strcmp(st.name, "web") && !strcmp(st.status, "running"),
     "inspect reply parsed");
  const char stopped[] = "{\"Name\":\"/web\",\"State\":{\"Status\":\"exited\",\"Running\":false,"
                         "\"Pid\":0}}";
  ok(!engine_parse_inspect(stopped, sizeof stopped - 1, &st) && !st.running,
     "stopped container parsed");
  static const char *bad_json[] = {
      "",
      "[]",
      "{}",
      "{\"State\":[]}",
      "{\"State\":{\"Pid\":\"1\",\"Running\":true}}",
      "{\"State\":{\"Pid\":-5,\"Running\":true}}",
      "{\"State\":{\"Pid\":1,\"Running\":1}}",
      "{\"State\":{\"Pid\":0,\"Running\":true}}",
      "{\"State\":{\"Pid\":99999999999,\"Running\":true}}",
      "{\"State\":{\"Pid\":1,\"Running\":true},\"State\":{\"Pid\":2,\"Running\":true}}",
      "{\"State\":{\"Pid\":1,\"Running\":true}",
      "\xff\xfe",
  };
  for (size_t i = 0; i < N_ELEMENTS(bad_json); i++) {
    const char *why = engine_parse_inspect(bad_json[i], strlen(bad_json[i]), &st);
    ok(why != NULL, "inspect refused: %s", bad_json[i]);
  }
  const char ctrl[] = "{\"Name\":\"/w\\u001b[31m\",\"State\":{\"Status\":\"run\\nning\","
                      "\"Running\":true,\"Pid\":7}}";
  ok(!engine_parse_inspect(ctrl, sizeof ctrl - 1, &st) && !strchr(st.name, 0x1b) &&
         !strchr(st.status, '\n'),
     "control characters in names are neutralized");

  const char list[] = "[{\"Names\":[\"/web\"]},{\"Names\":[\"/db\",\"/bad name\"]},{}]";
  names_seen[0] = 0;
  ok(!engine_parse_containers(list, sizeof list - 1, collect_container, NULL) &&
         !strcmp(names_seen, "web,db,"),
     "container list: valid names only (%s)", names_seen);
  ok(engine_parse_containers("{}", 2, collect_container, NULL) != NULL,
     "container list must be an array");
  const char dup[] = "[{\"Names\":[\"/web\"],\"Names\":[\"/evil\"]}]";
  names_seen[0] = 0;
  ok(engine_parse_containers(dup, sizeof dup - 1, collect_container, NULL) != NULL &&
         !names_seen[0],
     "container list with a repeated key refused, as inspect replies are");
  /* Compose labels in a list: project, service, number; bad ones dropped. */
#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  const char clist[] =
      "[{\"Id\":\"" ID64 "\",\"Names\":[\"/huginn_web_1\"],\"State\":\"running\",\"Labels\":{"
      "\"com.docker.compose.project\":\"huginn\",\"com.docker.compose.service\":\"web\","
      "\"com.docker.compose.container-number\":\"1\",\"com.docker.compose.oneoff\":\"False\","
      "\"com.docker.compose.project.working_dir\":\"/srv/huginn\"}},"
      "{\"Names\":[\"/x\"],\"State\":\"exited\",\"Labels\":{\"com.docker.compose.service\":"
      "\"a/b\",\"com.docker.compose.project\":\"p\"}}]";
  names_seen[0] = 0;
  ok(!engine_parse_containers(clist, sizeof clist - 1, collect_container, NULL) &&
         !strcmp(names_seen, "huginn_web_1=huginn/web,x,"),
     "Compose labels read; a service name that could not be a target is none (%s)", names_seen);

  /* Network lists: names only when plain strings that fit. */
  const char nlist[] = "[{\"Name\":\"huginn_backend\"},{\"Name\":7},{},{\"Name\":\"a\\nb\"},"
                       "{\"Name\":\"" ID64 ID64 "\"},{\"Name\":\"huginn_default\"}]";
  names_seen[0] = 0;
  ok(!engine_parse_network_names(nlist, sizeof nlist - 1, collect_name, NULL) &&
         !strcmp(names_seen, "huginn_backend,huginn_default,"),
     "network list: plain names that fit only (%s)", names_seen);
  ok(engine_parse_network_names("{}", 2, collect_name, NULL) != NULL &&
         engine_parse_network_names("[", 1, collect_name, NULL) != NULL,
     "network list must be a JSON array");

  /* Inspect: networks by name and ID, Compose labels. */
  const char insp[] =
      "{\"Id\":\"" ID64 "\",\"Name\":\"/huginn_web_1\",\"State\":{\"Running\":true,\"Pid\":42,"
      "\"Status\":\"running\"},\"Config\":{\"Labels\":{\"com.docker.compose.project\":\"huginn\","
      "\"com.docker.compose.service\":\"web\",\"com.docker.compose.container-number\":\"2\"}},"
      "\"NetworkSettings\":{\"Networks\":{\"huginn_backend\":{\"NetworkID\":\"" ID64 "\","
      "\"Aliases\":[\"web\",\"0123456789ab\",\"db-primary\"],\"DNSNames\":[\"huginn_web_1\","
      "\"0123456789ab\",\"web\"]},\"broken\":{\"NetworkID\":\"zz\"}}}}";
  ok(!engine_parse_inspect(insp, sizeof insp - 1, &st) && st.nnetworks == 1 &&
         !strcmp(st.networks[0].name, "huginn_backend") && !strcmp(st.compose.service, "web") &&
         st.compose.number == 2 && !strcmp(st.id, ID64),
     "inspect: networks (a bad NetworkID skipped), labels, ID");
  const char *nets[] = {"huginn_backend", "other"};
  names_seen[0] = 0;
  ok(!engine_parse_endpoint_names(insp, sizeof insp - 1, nets, 2, collect, NULL) &&
         !strcmp(names_seen, "web,db-primary,huginn_web_1,web,"),
     "aliases and DNS names on the asked networks, never the short ID (%s)", names_seen);
  ok(engine_parse_endpoint_names("{\"Id\":\"x\"}", 10, nets, 2, collect, NULL) != NULL,
     "an inspect reply without a valid Id is refused");

  ok(compose_dir_within("/srv/huginn", "/srv/huginn") &&
         compose_dir_within("/srv/huginn/app", "/srv/huginn/") &&
         !compose_dir_within("/srv/huginn2", "/srv/huginn") &&
         compose_dir_within("/anything", "/") && !compose_dir_within("/srv", "relative"),
     "working directory within a project directory, by whole components");

  ok(engine_target_valid("web") && engine_target_valid("huginn_web_1") &&
         engine_target_valid("6834e525bc53"),
     "container names and IDs accepted");
  ok(!engine_target_valid("../images") && !engine_target_valid("a/b") &&
         !engine_target_valid("a?b") && !engine_target_valid("") && !engine_target_valid("-x"),
     "names that would change the URL refused");
  return tap_done();
}
