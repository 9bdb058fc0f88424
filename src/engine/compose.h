/* SPDX-License-Identifier: MIT */
/* A Compose service as the target: the replica that hostalias enters.
 *
 * Every com.docker.compose.* label is hostile input: any image can carry
 * them. So a project's directory only counts when it is not "/" and holds a
 * Compose file the invoking user can read, two containers that claim the
 * same replica are an error (never broken by name), and a replica without
 * a valid number ranks after every numbered one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"

/* Where the project came from, said with -v and in errors. */
enum compose_project_source {
  PROJECT_NONE,        /* none chosen: the working directory, else the only one */
  PROJECT_OPTION,      /* --project */
  PROJECT_ENVIRONMENT, /* COMPOSE_PROJECT_NAME */
};

const char *compose_project_source_name(enum compose_project_source s);

enum compose_choice_result {
  COMPOSE_CHOSEN,
  COMPOSE_NONE,             /* no replica (in the chosen project) */
  COMPOSE_SEVERAL_PROJECTS, /* none chosen, and the service is in several */
  COMPOSE_TIE,              /* two containers claim the lowest replica */
  COMPOSE_DIR_AMBIGUOUS,    /* two projects claim the working directory */
};

struct compose_choice {
  enum compose_choice_result result;
  const struct container_summary *pick;  /* COMPOSE_CHOSEN */
  const struct container_summary *other; /* COMPOSE_TIE, COMPOSE_DIR_AMBIGUOUS: the second */
  const char *project;                   /* the project chosen, or NULL */
  bool from_cwd;                         /* the project is the working directory's */
  size_t replicas;                       /* of the chosen project */
};

/* Chooses among LIST (N containers that claim SERVICE, running, not
 * one-off): with PROJECT, only its replicas; else the project whose
 * directory holds CWD (the deepest; CWD may be NULL) among those whose
 * directory HAS_COMPOSE_FILE accepts; else the only project. Pure, for the
 * tests. */
void compose_choose(const struct container_summary *list, size_t n, const char *project,
                    const char *cwd, bool (*has_compose_file)(const char *dir),
                    struct compose_choice *out);

/* Finds the running replica of Compose service SERVICE: in PROJECT when not
 * NULL (from SOURCE), else as compose_choose does. ENGINE_NOT_FOUND, without
 * a message, when there is none (in PROJECT); errors (exit 3) for a tie or
 * several projects. */
enum engine_result compose_find_service(const struct engine *e, const char *service,
                                        const char *project, enum compose_project_source source,
                                        struct container_state *out);

/* Whether DIR is PARENT or lies below it (both absolute). */
bool compose_dir_within(const char *dir, const char *parent);

/* Whether DIR (a working_dir label) can be a project's directory: absolute,
 * not "/", and holding a Compose file (compose.yaml, compose.yml,
 * docker-compose.yml, docker-compose.yaml) that the invoking user can open. */
bool compose_dir_has_file(const char *dir);
