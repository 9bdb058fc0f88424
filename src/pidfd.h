/* SPDX-License-Identifier: MIT */
/* pidfd system calls, by number: glibc gained wrappers only in 2.36. */
#pragma once

#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* A descriptor for process PID, or -1 (ENOSYS before Linux 5.3). */
static inline int pidfd_open_pid(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/* Sends SIG to the process PIDFD refers to; 0 only checks it is alive. */
static inline int pidfd_signal(int pidfd, int sig) {
  return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}
