/*
 * vsockd -l/-c ADDR -- COMMAND: the hand-over (lib/handover.h). This
 * process becomes COMMAND (its pid, its exit status, its signals, as
 * UCSPI's tcpclient and s6-tcpclient run their program), and a helper
 * beside it keeps the role: the address, the peer checks and one
 * controller at a time (-l), the connects with backoff (-c). The helper is
 * a grandchild (adopted by init, never a child COMMAND must reap) and
 * ends when COMMAND's end of the socketpair closes.
 */
#include "vsockd.h"
#include "handover.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void helper(struct opts *o, int lfd, int chan)
{
	o->chan = chan;
	o->lfd = lfd;
	exit(o->listen ? run_listen(o) : run_connect(o));
}

void run_handover(struct opts *o, int lfd)
{
	int sp[2], ws;
	char v[16];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		die(EX_OS, "socketpair:");
	pid_t pid = fork();
	if (pid < 0)
		die(EX_OS, "fork:");
	if (pid == 0) {
		close(sp[0]);
		pid_t h = fork();
		if (h < 0)
			die(EX_OS, "fork:");
		if (h == 0)
			helper(o, lfd, sp[1]);
		_exit(0);
	}
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	close(sp[1]);
	if (lfd >= 0)
		close(lfd);
	if (o->ready_fd >= 0)
		close(o->ready_fd); /* the helper says when it is ready */
	if (fcntl(sp[0], F_SETFD, 0) < 0)
		die(EX_OS, "fcntl:");
	snprintf(v, sizeof v, "%d", sp[0]);
	if (setenv(HANDOVER_ENV, v, 1) < 0)
		die(EX_OS, "setenv:");
	execvp(o->cmd[0], o->cmd);
	die(errno == ENOENT ? 127 : 126, "%s:", o->cmd[0]);
}

/* vsockd -c under xpaint -r RING -- (lib/handover.h, $XS_CTL_GIVE): the
 * sockets go to xpaint, which then writes the records itself. With -p the
 * channel stays unused (open: xpaint then keeps writing to our stdin). */
int give_env(const struct opts *o)
{
	int fd = handover_give_env();
	if (fd < 0)
		return -1;
	if (o->pipe_only) {
		VERB("-p: the records come through stdin; the sockets are not handed to the viewer");
		return -1;
	}
	VERB("the viewer that started us takes the connections: no records pass through vsockd");
	return fd;
}
