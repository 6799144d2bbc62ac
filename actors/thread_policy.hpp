// Scheduling of the actor system's threads (docs/performance.md, "Thread scheduling"). Linux lets a
// woken thread preempt the one that woke it: a CAF worker woken by an HTTP I/O thread took that
// thread's CPU in the middle of its work, and on a 2-core machine each transaction cost about two
// such switches. SCHED_BATCH (an ordinary time-sharing policy that any user may set; same nice
// level, same share of the CPU) turns wake-up preemption off for the threads under it: a woken
// worker runs when a CPU is free or at the end of the running thread's time slice (milliseconds),
// and finds more work waiting when it does.
#pragma once

#include <caf/thread_hook.hpp>

namespace bfd {

/// Puts the calling thread under SCHED_BATCH; false if the system refused (nothing changes then).
bool batch_scheduling_for_this_thread() noexcept;

/// A CAF thread hook that puts every thread of the actor system under SCHED_BATCH.
class batch_scheduling_hook : public caf::thread_hook {
public:
  void init(caf::actor_system&) override {}
  void thread_started() override { batch_scheduling_for_this_thread(); }
  void thread_terminates() override {}
};

} // namespace bfd
