// SPDX-License-Identifier: GPL-2.0
/* vcpu_events.c - timers, input and interrupts between a vCPU's exits (vcpu_events.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vcpu_events.h"

#define KICK_SIGNAL	SIGUSR1
#define CTRL_A		0x01

/* Where the kick signal's handler writes: the vCPU's immediate_exit byte */
static volatile uint8_t *kick_byte;
/* The terminal to put back, whatever way hvctl ends */
static struct hv_events *tty_owner;

static void on_kick(int sig)
{
	(void)sig;
	if (kick_byte)
		*kick_byte = 1;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

int hv_events_init(struct hv_events *ev, struct hv_vm *vm)
{
	struct sigaction sa = { .sa_handler = on_kick };

	memset(ev, 0, sizeof(*ev));
	ev->vm = vm;
	ev->next_event = 0;
	ev->kvm_timer_at = UINT64_MAX;
	ev->vcpu_thread = pthread_self();
	ev->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ev->wake_fd < 0)
		return -errno;
	pthread_mutex_init(&ev->lock, NULL);
	pthread_cond_init(&ev->room, NULL);
	kick_byte = hv_immediate_exit(vm);
	/* No SA_RESTART: a kick must end a sleep in ppoll() too */
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
	if (vm->backend == HV_BACKEND_KVM) {
		struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = KICK_SIGNAL };

		if (timer_create(CLOCK_MONOTONIC, &sev, &ev->kvm_timer))
			return -errno;
		ev->kvm_timer_made = 1;
	}
	return 0;
}

static void restore_terminal(void)
{
	if (tty_owner && tty_owner->input_tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_owner->saved_termios);
		tty_owner->input_tty = 0;
	}
}

void hv_events_free(struct hv_events *ev)
{
	if (!ev->vm)
		return;
	if (ev->input_on) {
		pthread_cancel(ev->input_thread);
		pthread_join(ev->input_thread, NULL);
		ev->input_on = 0;
	}
	restore_terminal();
	if (ev->kvm_timer_made)
		timer_delete(ev->kvm_timer);
	if (ev->wake_fd >= 0)
		close(ev->wake_fd);
	kick_byte = NULL;
	ev->vm = NULL;
}

/* Get the vCPU out of the guest, or out of its sleep in hv_events_halt() */
static void kick(struct hv_events *ev)
{
	uint64_t one = 1;

	if (write(ev->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return;
	pthread_kill(ev->vcpu_thread, KICK_SIGNAL);
}

/* One byte typed: Ctrl-A starts a command (x quits, Ctrl-A sends itself) on a terminal */
static void take_byte(struct hv_events *ev, uint8_t c)
{
	if (ev->input_tty && ev->escape) {
		ev->escape = 0;
		if (c == 'x' || c == 'X') {
			ev->quit = 1;
			return;
		}
		if (c != CTRL_A)
			return;
	} else if (ev->input_tty && c == CTRL_A) {
		ev->escape = 1;
		return;
	}
	ev->input[(ev->input_head + ev->input_count++) % HV_INPUT_BUFFER] = c;
}

static void *input_main(void *arg)
{
	struct hv_events *ev = arg;
	uint8_t buf[256];
	size_t space, i;
	ssize_t n;

	for (;;) {
		pthread_mutex_lock(&ev->lock);
		while (ev->input_count == HV_INPUT_BUFFER)
			pthread_cond_wait(&ev->room, &ev->lock);
		space = HV_INPUT_BUFFER - ev->input_count;
		pthread_mutex_unlock(&ev->lock);
		n = read(STDIN_FILENO, buf, space < sizeof(buf) ? space : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		pthread_mutex_lock(&ev->lock);
		if (n <= 0)
			ev->input_eof = 1;
		for (i = 0; n > 0 && i < (size_t)n; i++)
			take_byte(ev, buf[i]);
		pthread_mutex_unlock(&ev->lock);
		kick(ev);
		if (n <= 0)
			return NULL;
	}
}

void hv_events_start_input(struct hv_events *ev)
{
	sigset_t kick_set, old;
	struct termios raw;

	if (!ev->vm || ev->input_on)
		return;
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &ev->saved_termios)) {
		/* Raw input, but output as before: hvctl's own lines keep their newlines */
		raw = ev->saved_termios;
		raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
		raw.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (!tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw)) {
			ev->input_tty = 1;
			tty_owner = ev;
			atexit(restore_terminal);
			fprintf(stderr, "hvctl: the terminal is the guest's serial console now: Ctrl-A x quits\n");
		}
	}
	/* The kick is for the vCPU thread: the input thread never takes it */
	sigemptyset(&kick_set);
	sigaddset(&kick_set, KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &kick_set, &old);
	if (!pthread_create(&ev->input_thread, NULL, input_main, ev))
		ev->input_on = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Typed bytes into the UART, as far as its FIFO has room */
static void feed_input(struct hv_events *ev)
{
	size_t chunk, n;

	if (!__atomic_load_n(&ev->input_count, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&ev->lock);
	while (ev->input_count) {
		chunk = HV_INPUT_BUFFER - ev->input_head;
		if (chunk > ev->input_count)
			chunk = ev->input_count;
		n = hv_platform_console_input(ev->platform, ev->input + ev->input_head, chunk);
		if (!n)
			break;
		ev->input_head = (ev->input_head + n) % HV_INPUT_BUFFER;
		ev->input_count -= n;
		pthread_cond_signal(&ev->room);
	}
	pthread_mutex_unlock(&ev->lock);
}

/* The devices up to now, if one of them has something due */
static void advance(struct hv_events *ev)
{
	if (hv_platform_now(ev->platform) >= ev->next_event) {
		hv_platform_advance(ev->platform);
		ev->next_event = hv_platform_next_event(ev->platform);
	}
	if (ev->input_on)
		feed_input(ev);
}

/* KVM: the POSIX timer's signal kicks KVM_RUN at the next device event */
static void arm_kvm_timer(struct hv_events *ev, uint64_t at)
{
	struct itimerspec its = { 0 };

	if (at == ev->kvm_timer_at)
		return;
	ev->kvm_timer_at = at;
	if (at != UINT64_MAX) {
		its.it_value.tv_sec = at / 1000000000u;
		its.it_value.tv_nsec = at % 1000000000u;
		/* (0 would disarm it: a time already past is 1 ns) */
		if (!at)
			its.it_value.tv_nsec = 1;
	}
	timer_settime(ev->kvm_timer, TIMER_ABSTIME, &its, NULL);
}

void hv_events_before_run(struct hv_events *ev)
{
	struct hvlab_run *run = ev->vm->run;
	uint64_t deadline = ev->timeout_ns;

	if (ev->platform) {
		advance(ev);
		if (hv_platform_interrupt_pending(ev->platform) > 0)
			run->request_flags |= HVLAB_RUN_IRQ_WINDOW;
		else
			run->request_flags &= ~HVLAB_RUN_IRQ_WINDOW;
		if (ev->next_event != UINT64_MAX && (!deadline || ev->next_event < deadline))
			deadline = ev->next_event ? ev->next_event : 1;
	}
	if (ev->vm->backend == HV_BACKEND_KVM) {
		if (ev->kvm_timer_made && ev->platform)
			arm_kvm_timer(ev, ev->next_event);
	} else {
		run->deadline_ns = deadline;
	}
}

void hv_events_after_exit(struct hv_events *ev)
{
	struct hvlab_run *run = ev->vm->run;
	int vector;

	*hv_immediate_exit(ev->vm) = 0;
	if (!ev->platform)
		return;
	switch (run->exit_reason) {
	case HVLAB_EXIT_IRQ_WINDOW:
		/* INTA: the controller says which vector, now that the guest takes it */
		run->request_flags &= ~HVLAB_RUN_IRQ_WINDOW;
		if (hv_platform_interrupt_pending(ev->platform) <= 0)
			break;
		vector = hv_platform_acknowledge_interrupt(ev->platform);
		if (vector >= 0 && !hv_inject_interrupt(ev->vm, vector))
			ev->interrupts_injected++;
		break;
	case HVLAB_EXIT_IO:
	case HVLAB_EXIT_MMIO:
		ev->next_event = 0;	/* the guest may have set a timer: look again */
		break;
	}
}

int hv_events_halt(struct hv_events *ev)
{
	uint64_t now, until;
	struct timespec ts;
	struct pollfd pfd = { .fd = ev->wake_fd, .events = POLLIN };
	uint64_t drain;
	int input_to_come;

	ev->halts_waited++;
	for (;;) {
		if (ev->platform) {
			advance(ev);
			if (hv_platform_interrupt_pending(ev->platform) > 0)
				return 0;
		}
		if (ev->quit)
			return 1;
		now = monotonic_ns();
		if (ev->timeout_ns && now >= ev->timeout_ns)
			return 1;
		until = ev->platform ? ev->next_event : UINT64_MAX;
		pthread_mutex_lock(&ev->lock);
		input_to_come = ev->input_on && (!ev->input_eof || ev->input_count);
		pthread_mutex_unlock(&ev->lock);
		if (until == UINT64_MAX && !input_to_come)
			return -1;
		if (ev->timeout_ns && ev->timeout_ns < until)
			until = ev->timeout_ns;
		if (until != UINT64_MAX) {
			until = until > now ? until - now : 0;
			ts.tv_sec = until / 1000000000u;
			ts.tv_nsec = until % 1000000000u;
		}
		if (ppoll(&pfd, 1, until == UINT64_MAX ? NULL : &ts, NULL) < 0) {
			if (errno == EINTR)
				return 1;
		} else if (pfd.revents & POLLIN) {
			if (read(ev->wake_fd, &drain, sizeof(drain)) < 0 && errno != EAGAIN)
				return 1;
		}
	}
}
