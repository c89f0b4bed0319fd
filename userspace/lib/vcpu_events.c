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

#include "lab.h"
#include "vcpu_events.h"

#define KICK_SIGNAL	SIGUSR1
#define CTRL_A		0x01

/* Where the kick signal's handler writes: the vCPU's immediate_exit byte */
static volatile uint8_t *kick_byte;
/* The eventfd that ends a sleep in hv_events_halt() (hv_events_wake()) */
static volatile int wake_fd = -1;
/* The terminal to put back, whatever way hvctl ends */
static struct termios saved_termios;
static volatile int tty_raw;

static void on_kick(int sig)
{
	(void)sig;
	if (kick_byte)
		*kick_byte = 1;
}

void hv_events_wake(void)
{
	uint64_t one = 1;
	int fd = wake_fd;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
		return;		/* full: it is readable already */
}

static __maybe_unused uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

int hv_events_init(struct hv_events *ev, struct hv_vm *vm)
{
	/* SA_RESTART spares hvctl's own writes; HVLAB_RUN, KVM_RUN, ppoll() end anyway */
	struct sigaction sa = { .sa_handler = on_kick, .sa_flags = SA_RESTART };

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
	if (vm->backend == HV_BACKEND_KVM) {
		/* The timer's signal to this thread, not to any (the input thread) */
		struct sigevent sev = {
			.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = KICK_SIGNAL,
		};

		sev._sigev_un._tid = gettid();	/* (glibc 2.36 has no sigev_notify_thread_id) */
		if (timer_create(CLOCK_MONOTONIC, &sev, &ev->kvm_timer)) {
			int err = -errno;

			close(ev->wake_fd);
			return err;
		}
		ev->kvm_timer_made = 1;
	}
	kick_byte = hv_immediate_exit(vm);
	wake_fd = ev->wake_fd;
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
	return 0;
}

static void restore_terminal(void)
{
	if (tty_raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_termios);
		tty_raw = 0;
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
	kick_byte = NULL;
	wake_fd = -1;
	if (ev->wake_fd >= 0)
		close(ev->wake_fd);
	pthread_mutex_destroy(&ev->lock);
	pthread_cond_destroy(&ev->room);
	ev->vm = NULL;
}

/* Get the vCPU out of the guest, or out of its sleep in hv_events_halt() */
static void kick(struct hv_events *ev)
{
	hv_events_wake();
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
	/* Full (a terminal's keys when the guest takes none): the byte is lost */
	if (ev->input_count < HV_INPUT_BUFFER)
		ev->input[(ev->input_head + ev->input_count++) % HV_INPUT_BUFFER] = c;
}

static void unlock(void *lock)
{
	pthread_mutex_unlock(lock);
}

static void *input_main(void *arg)
{
	struct hv_events *ev = arg;
	uint8_t buf[256];
	size_t space, i;
	ssize_t n;

	for (;;) {
		/*
		 * A pipe or a file waits for room, so nothing is lost; a
		 * terminal is always read, so that Ctrl-A x gets through to a
		 * guest that takes no input.
		 */
		pthread_mutex_lock(&ev->lock);
		pthread_cleanup_push(unlock, &ev->lock);
		while (!ev->input_tty && ev->input_count == HV_INPUT_BUFFER)
			pthread_cond_wait(&ev->room, &ev->lock);
		space = ev->input_tty ? sizeof(buf) : HV_INPUT_BUFFER - ev->input_count;
		pthread_cleanup_pop(1);
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
	sigset_t all, old;
	struct termios raw;

	if (!ev->vm || ev->input_on)
		return;
	/* A terminal, if hvctl is its foreground job (else SIGTTOU would stop it) */
	if (isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp() &&
	    !tcgetattr(STDIN_FILENO, &saved_termios)) {
		/* Raw input, but output as before: hvctl's own lines keep their newlines */
		raw = saved_termios;
		raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
		raw.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (!tcsetattr(STDIN_FILENO, TCSADRAIN, &raw)) {
			static int registered;

			ev->input_tty = 1;
			tty_raw = 1;
			if (!registered++)
				atexit(restore_terminal);
			fprintf(stderr, "hvctl: the terminal is the guest's serial console now: Ctrl-A x quits\n");
		}
	}
	/* Signals are for the vCPU thread (its kick, Ctrl-C, the alarm): never this one */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
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

/*
 * A device's interrupt waits in its controller (the PIC, the local APIC)
 * until the guest can take it: interrupts on, no STI or MOV SS shadow.
 * Only then may the controller be acknowledged, which puts the request
 * in service and fixes its vector (a higher one may come meanwhile, or
 * the line be masked), so ask HVLAB_RUN for an exit at the first
 * instruction boundary where the guest can take it (interrupt-window
 * exiting), and stop asking once nothing waits.
 */
static void request_interrupt_window(struct hv_events *ev)
{
	/* LAB 10 BEGIN request_interrupt_window: ask for an interrupt-window exit while the platform has an interrupt for the guest (SDM 26.7.5) */
	struct hvlab_run *run = ev->vm->run;

	if (hv_platform_interrupt_pending(ev->platform) > 0)
		run->request_flags |= HVLAB_RUN_IRQ_WINDOW;
	else
		run->request_flags &= ~HVLAB_RUN_IRQ_WINDOW;
	/* LAB 10 END */
	/* LAB 10 STUB: if (hv_platform_interrupt_pending(ev->platform) > 0) lab_todo_once(10, __func__); */
}

/*
 * The interrupt window is open: now the controller is asked for its
 * vector (the CPU's INTA cycle, which moves the request into service),
 * and the vector is injected at the next VM entry. A request withdrawn
 * meanwhile (a masked line) gives nothing to inject.
 */
static void deliver_interrupt(struct hv_events *ev)
{
	/* LAB 10 BEGIN deliver_interrupt: at the interrupt-window exit, acknowledge the controller (INTA) and inject the vector it gives (HVLAB_INJECT) */
	struct hvlab_run *run = ev->vm->run;
	int vector;

	run->request_flags &= ~HVLAB_RUN_IRQ_WINDOW;
	if (hv_platform_interrupt_pending(ev->platform) <= 0)
		return;
	vector = hv_platform_acknowledge_interrupt(ev->platform);
	if (vector < 0)
		return;
	ev->inject_error = hv_inject_interrupt(ev->vm, vector);
	if (ev->inject_error)
		ev->bad_vector = vector;
	/* LAB 10 END */
	/* LAB 10 STUB: ev->bad_vector = -1, ev->inject_error = lab_todo(10, __func__); */
}

void hv_events_before_run(struct hv_events *ev)
{
	struct hvlab_run *run = ev->vm->run;
	uint64_t deadline = ev->timeout_ns;

	if (ev->platform) {
		advance(ev);
		request_interrupt_window(ev);
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

	*hv_immediate_exit(ev->vm) = 0;
	if (!ev->platform)
		return;
	switch (run->exit_reason) {
	case HVLAB_EXIT_IRQ_WINDOW:
		deliver_interrupt(ev);
		break;
	case HVLAB_EXIT_IO:
	case HVLAB_EXIT_MMIO:
		ev->next_event = 0;	/* the guest may have set a timer: look again */
		break;
	}
}

int hv_events_halt(struct hv_events *ev)
{
	/* LAB 10 BEGIN hv_events_halt: sleep until a device's interrupt is pending, input comes or the timeout: never spin (ppoll until the next device event) */
	uint64_t now, until;
	struct timespec ts;
	struct pollfd pfd = { .fd = ev->wake_fd, .events = POLLIN };
	uint64_t drain;
	int input_to_come;

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
		/* (bytes left over after the end: the UART has no room, nothing wakes it) */
		pthread_mutex_lock(&ev->lock);
		input_to_come = ev->input_on && !ev->input_eof;
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
		/*
		 * A signal, input or hv_events_wake() (which hvctl's signal
		 * handlers call, so that one landing just before the sleep
		 * is not slept through) ends it: the caller looks why.
		 */
		if (ppoll(&pfd, 1, until == UINT64_MAX ? NULL : &ts, NULL) < 0)
			return 1;
		if (pfd.revents & POLLIN) {
			if (read(ev->wake_fd, &drain, sizeof(drain)) < 0 && errno != EAGAIN)
				return 1;
			return 1;
		}
	}
	/* LAB 10 END */
	/* LAB 10 STUB: lab_todo(10, __func__); return -1; */
}
