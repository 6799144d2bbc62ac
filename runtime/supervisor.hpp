// A supervisor: starts named child actors from their factories, monitors them, restarts one that
// ends (a failure: children are meant to run until their supervisor stops them), counts restarts,
// and gives up (escalates) when one child restarts more than `max_restarts` times within
// `window` (DESIGN.md section 6; docs/supervision.md). A child may have a front: a stable
// forwarding actor that other actors hold instead of the child's own handle, so a restart is
// invisible to them (spawn_front).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include "actors/restart_counts.hpp"

namespace spdlog {
class logger;
}

namespace bfd::runtime {

/// (child_atom, name) -> caf::actor: the child's current handle (invalid if unknown or stopping).
using child_atom = caf::atom_constant<caf::atom("child")>;
/// (faultkill_atom) -> std::uint32_t: kills every child with exit_reason::kill (a test hook);
/// replies with how many were killed.
using faultkill_atom = caf::atom_constant<caf::atom("faultkill")>;

/// (addchild_atom, supervised_child): starts one more child (local only; a name already supervised
/// is ignored).
using addchild_atom = caf::atom_constant<caf::atom("addchild")>;

/// (faultkill_atom, name) -> bool: kills child `name` with exit_reason::kill (a test hook).
/// (rmchild_atom, name): stops child `name` (and its front) for good, without a restart.
using rmchild_atom = caf::atom_constant<caf::atom("rmchild")>;
/// (target_atom, actor): tells a front its child's current handle (sent by the supervisor).
using target_atom = caf::atom_constant<caf::atom("suptarget")>;

/// A child: its name (in logs and in bfd_actor_restarts_total{actor=...}) and how to start it.
struct supervised_child {
  std::string name;
  /// Spawns the child; called once at start and again after every failure, so what the child
  /// must keep across a restart it persists itself (a bridge its progress file). An invalid
  /// handle means the child cannot start again: the supervisor escalates at once.
  std::function<caf::actor(caf::actor_system&)> start;
  /// The child's front (spawn_front), or none: told the new handle at every start, stopped with
  /// the child.
  caf::actor front;
  /// Asks a live instance (through `to`) a cheap question of its interface and says whether it
  /// answered within the time: what supervisor::kill_and_wait uses to learn that the child is
  /// back (make_probe in runtime/supervisor_probe.hpp builds one). Empty: none.
  std::function<bool(caf::scoped_actor& self, const caf::actor& to, std::chrono::milliseconds)> probe;
};


/// What a front keeps across its child's restarts: for a message, a key and whether to remember
/// it under that key (true) or forget the key (false); nothing for an ordinary message. A new
/// instance of the child is sent every remembered message before anything else (e.g. a chain
/// actor gets its delegates' attach messages and its peer links back).
using sticky_rule = std::function<std::optional<std::pair<std::string, bool>>(const caf::message&)>;

/// Spawns a front: it forwards every message to its child's current instance (the sender and
/// any response go straight between the caller and the child), holds what arrives while the
/// child is down (up to `max_held` messages; beyond that a request gets an error) and replays
/// the messages `rule` keeps to every new instance.
caf::actor spawn_front(caf::actor_system& system, std::string name, sticky_rule rule = {},
                       std::size_t max_held = 100'000);

struct supervisor_options {
  /// More restarts of one child than this within `window` escalates.
  std::uint32_t max_restarts = 5;
  std::chrono::milliseconds window{10'000};
  std::shared_ptr<restart_counts> counts;  ///< nullptr: restarts are only logged
  std::shared_ptr<spdlog::logger> log;
  /// A failure this returns true for is not restarted: the supervisor stops with that reason at
  /// once (e.g. a chain actor that lost its storage; restarting it would fail the same way).
  std::function<bool(const caf::error&)> fatal;
};

/// A running supervisor actor and the calls its owner makes on it (from outside any actor).
class supervisor {
public:
  /// Starts the supervisor and its children.
  static std::unique_ptr<supervisor> start(caf::actor_system& system, supervisor_options options,
                                           std::vector<supervised_child> children);
  ~supervisor();
  supervisor(const supervisor&) = delete;
  supervisor& operator=(const supervisor&) = delete;

  /// The supervisor actor: monitor it to learn of an escalation (it then ends with an error whose
  /// text says which child failed how often; escalation() holds the same text).
  const caf::actor& handle() const noexcept { return self_; }

  /// The current handle of child `name`, or an invalid one.
  caf::actor child(const std::string& name) const;

  /// Kills every child with exit_reason::kill (each logged "fault injection: killing NAME"); they
  /// are restarted like after any failure. Returns how many were killed.
  std::uint32_t kill_children() const;

  /// Starts one more child under the same rules (e.g. the bridge of a sidechain registered while
  /// the node runs); a name already supervised is left as it is. Asynchronous.
  void add(supervised_child child) const;

  /// Stops child `name` and its front for good (a chain unit that stops). Asynchronous.
  void remove(const std::string& name) const;

  /// The names of the children, in order.
  std::vector<std::string> names() const;

  /// Kills child `name` (exit_reason::kill; a test hook) and waits, at most `wait`, until a new
  /// instance answers its probe (through its front when it has one; without a probe, until the
  /// supervisor holds a new instance). The time from the kill until then, or nothing (no such
  /// child, or it was not back in time).
  std::optional<std::chrono::microseconds> kill_and_wait(const std::string& name,
                                                         std::chrono::milliseconds wait = std::chrono::seconds(2)) const;

  /// Restarts of child `name` so far.
  std::uint64_t restarts(const std::string& name) const;

  /// Why the supervisor escalated, once it has.
  std::optional<std::string> escalation() const;

  /// Stops the children, then the supervisor; returns once they have ended (at most `wait`).
  void stop(std::chrono::milliseconds wait = std::chrono::seconds(30));

  struct shared;  // what the actor and this handle share

private:
  supervisor(caf::actor_system& system, caf::actor self, std::shared_ptr<shared> s)
    : system_(system), self_(std::move(self)), shared_(std::move(s)) {}
  caf::actor_system& system_;
  caf::actor self_;
  std::shared_ptr<shared> shared_;
};

} // namespace bfd::runtime
