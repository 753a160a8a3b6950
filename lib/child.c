/*
 * Helper processes with a record queue (child.h).
 */
#include "child.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t xs_fork(void)
{
	pid_t pid = fork();
	if (pid < 0)
		die(EX_OS, "fork:");
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* the caller's are blocked for signalfd */
		signal(SIGPIPE, SIG_DFL);
	}
	return pid;
}

void xs_reap(pid_t pid, unsigned grace_ms)
{
	int ws;
	kill(pid, SIGTERM);
	for (unsigned i = 0; i < grace_ms; i++) {
		pid_t r = waitpid(pid, &ws, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return;
		usleep(1000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
}

pid_t xs_spawn_sh(const char *cmd, int *to_child, int *from_child)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	if ((to_child && pipe2(in, O_CLOEXEC) < 0) || (from_child && pipe2(out, O_CLOEXEC) < 0))
		die(EX_OS, "pipe:");
	pid_t pid = xs_fork();
	if (pid == 0) {
		int i = to_child ? in[0] : open("/dev/null", O_RDONLY);
		if (i < 0 || dup2(i, 0) < 0 || dup2(from_child ? out[1] : 2, 1) < 0)
			_exit(EX_OS);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (to_child) {
		close(in[0]);
		fcntl(in[1], F_SETFL, O_NONBLOCK);
		*to_child = in[1];
	}
	if (from_child) {
		close(out[1]);
		fcntl(out[0], F_SETFL, O_NONBLOCK);
		*from_child = out[0];
	}
	return pid;
}

int xs_outq_put(struct xs_outq *q, const uint8_t *rec, size_t n)
{
	if (q->len + n > q->max) {
		q->dropped++;
		return -1;
	}
	q->q = xs_grow(q->q, &q->cap, q->len + n, 1, q->max);
	memcpy(q->q + q->len, rec, n);
	q->len += n;
	return 0;
}

int xs_outq_write(struct xs_outq *q)
{
	while (q->len) {
		ssize_t w = write(q->fd, q->q, q->len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		memmove(q->q, q->q + w, q->len - (size_t)w);
		q->len -= (size_t)w;
	}
	return 0;
}
