/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vcpu_events.h - what happens to a vCPU between its exits, as on a PC:
 * the platform's timers come due, the host's input reaches the guest's
 * UART, and the interrupts the devices raise are delivered when the guest
 * can take them. Used by the run loop (hvctl run, trace).
 *
 *   - Time. Before each run, the devices are brought up to the clock
 *     and their next event becomes the run's deadline (run->deadline_ns on
 *     hvlab, a POSIX timer on KVM), so HVLAB_RUN comes back when a timer
 *     is due, even if the guest spins.
 *   - Interrupts. While the interrupt controller's output is raised,
 *     the run asks for HVLAB_RUN_IRQ_WINDOW; at HVLAB_EXIT_IRQ_WINDOW the
 *     controller is acknowledged (INTA) and the vector injected.
 *   - HLT with interrupts on: hv_events_halt() sleeps until an interrupt
 *     is pending (a timer, input), and never spins.
 *   - Input. A thread reads stdin (raw mode on a terminal, Ctrl-A x to
 *     quit) into a buffer, and kicks the vCPU out of the guest: a signal
 *     whose handler sets the run's immediate_exit byte.
 */
#ifndef HV_VCPU_EVENTS_H
#define HV_VCPU_EVENTS_H

#include <pthread.h>
#include <stdint.h>
#include <termios.h>
#include <time.h>

#include "libhvlab.h"
#include "platform/platform.h"

#define HV_INPUT_BUFFER	4096

struct hv_events {
	struct hv_vm *vm;
	struct hv_platform *platform;	/* NULL until the guest touches a device */
	uint64_t next_event;		/* the platform's next timer event (ns) */
	uint64_t timeout_ns;		/* --timeout, as a CLOCK_MONOTONIC time; 0: none */
	int kvm_timer_made;		/* KVM: the POSIX timer for next_event */
	timer_t kvm_timer;
	uint64_t kvm_timer_at;

	/* stdin, read by its own thread */
	int input_on;
	int input_tty;			/* stdin is a terminal, now in raw mode */
	pthread_t input_thread, vcpu_thread;
	pthread_mutex_t lock;
	pthread_cond_t room;
	uint8_t input[HV_INPUT_BUFFER];
	size_t input_head, input_count;	/* under lock */
	int input_eof;			/* stdin ended (or failed) */
	int escape;			/* Ctrl-A seen: the next byte is a command */
	volatile int quit;		/* Ctrl-A x */
	int wake_fd;			/* eventfd: input came (for hv_events_halt) */

	int inject_error, bad_vector;	/* the last HVLAB_INJECT refused (-errno), and its vector (-1: none) */
};

/* Set up for @vm (the kick signal's handler among others); 0 or -errno. */
int hv_events_init(struct hv_events *ev, struct hv_vm *vm);
void hv_events_free(struct hv_events *ev);

/* End a sleep in hv_events_halt(): async-signal-safe, for signal handlers */
void hv_events_wake(void);

/* Start reading stdin for the guest's console (the platform's input_wanted). */
void hv_events_start_input(struct hv_events *ev);

/* Before each hv_run(): time, input, the interrupt window and the deadline. */
void hv_events_before_run(struct hv_events *ev);
/* After each return: HVLAB_EXIT_IRQ_WINDOW injects; device accesses may move timers. */
void hv_events_after_exit(struct hv_events *ev);

/*
 * The guest halted with interrupts on: wait until an interrupt is
 * pending. 0 when one is; 1 when the wait ended otherwise (a signal, the
 * timeout, Ctrl-A x: the caller looks at why); -1 when nothing can ever
 * wake it (no timer armed, no input to come).
 */
int hv_events_halt(struct hv_events *ev);

#endif
