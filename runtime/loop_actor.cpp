#include "runtime/loop_actor.hpp"

#include <exception>

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include "runtime/peer_gate.hpp"
#include "runtime/supervisor_probe.hpp"

namespace bfd::runtime {

namespace {

using steady = std::chrono::steady_clock;

caf::actor spawn_loop(caf::actor_system& system, const std::string& name, std::chrono::milliseconds pause,
                      const std::function<bool()>& step) {
  return system.spawn<caf::detached>([name, pause, step](caf::blocking_actor* self) {
    std::uint64_t steps = 0;
    bool running = true;
    auto next = steady::now();  // the first step right after the mailbox
    while (running) {
      // The mailbox first: an exit or a probe is answered before the next step, and while pausing.
      for (bool due = false; running && !due;) {
        const auto now = steady::now();
        const auto left = next > now ? std::chrono::duration_cast<std::chrono::milliseconds>(next - now)
                                     : std::chrono::milliseconds(0);
        self->receive(
          [&](caf::exit_msg& exit) {
            running = false;
            self->fail_state(std::move(exit.reason));
          },
          [&](loopping_atom) { return steps; },
          caf::after(left) >> [&] { due = true; });
      }
      if (!running)
        break;
      bool more = false;
      try {
        more = step();
      } catch (const std::exception& e) {
        self->fail_state(caf::make_error(caf::sec::runtime_error, name + ": " + e.what()));
        break;
      }
      if (!more) {
        self->fail_state(caf::make_error(caf::sec::runtime_error, name + ": its loop stopped"));
        break;
      }
      ++steps;
      next = steady::now() + pause;
    }
  });
}

} // namespace

supervised_child loop_child(std::string name, std::chrono::milliseconds pause, std::function<bool()> step) {
  supervised_child c;
  c.name = name;
  c.start = [name, pause, step = std::move(step)](caf::actor_system& system) {
    return spawn_loop(system, name, pause, step);
  };
  c.probe = make_probe<caf::actor, std::uint64_t>(loopping_atom::value);
  return c;
}

supervised_child gate_loop_child(peer_gate& gate) {
  return loop_child("peer-gate", std::chrono::milliseconds(0), [&gate] { return gate.run_for(gate_loop_slice); });
}

} // namespace bfd::runtime
