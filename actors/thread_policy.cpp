#include "actors/thread_policy.hpp"

#include <sched.h>

namespace bfd {

bool batch_scheduling_for_this_thread() noexcept {
  sched_param param{};
  param.sched_priority = 0;
  // On Linux, pid 0 is the calling thread, not the whole process.
  return sched_setscheduler(0, SCHED_BATCH, &param) == 0;
}

} // namespace bfd
