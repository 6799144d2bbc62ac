// Supervised loops: what ran on a bare thread of its own (the sidechain watcher's and the service
// triage's passes, the peer gate's I/O loop) runs as a detached blocking actor, a supervisor's
// child like any other, so an exception that ends it or a loop that stops is a failure the
// supervisor restarts under the same bounded rate, counts and escalates (docs/supervision.md).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <caf/atom.hpp>

#include "runtime/supervisor.hpp"

namespace bfd::runtime {

class peer_gate;

/// (loopping_atom) -> std::uint64_t: the steps a loop actor finished (its probe).
using loopping_atom = caf::atom_constant<caf::atom("loopping")>;

/// A child named `name` that calls `step` again and again, `pause` after each return, answering
/// its mailbox (an exit message ends it with the message's reason; loopping_atom is answered)
/// before every step and while it pauses. `step` returns false when its loop has stopped: the
/// child then ends with an error, as it does when `step` throws (the exception's text is the
/// reason), and its supervisor restarts it. Whatever `step` uses must outlive the supervisor.
supervised_child loop_child(std::string name, std::chrono::milliseconds pause, std::function<bool()> step);

/// How long the gate's loop actor runs the I/O loop between two looks at its mailbox: a kill or
/// a probe waits at most this long (idle, the actor wakes 100 times a second).
inline constexpr std::chrono::milliseconds gate_loop_slice{10};

/// The loop child "peer-gate": runs `gate`'s I/O loop (a gate started with
/// peer_gate::loop_runner::caller) in slices of gate_loop_slice. Stop its supervisor before the
/// gate is destroyed.
supervised_child gate_loop_child(peer_gate& gate);

} // namespace bfd::runtime
