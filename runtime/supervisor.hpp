// A supervisor: starts named child actors from their factories, monitors them, restarts one that
// ends (a failure: children are meant to run until their supervisor stops them), counts restarts,
// and gives up (escalates) when one child restarts more than `max_restarts` times within
// `window` (DESIGN.md section 6; docs/peg.md "Supervision"). Generic: bridges use it first.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

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

/// A child: its name (in logs and in bfd_actor_restarts_total{actor=...}) and how to start it.
struct supervised_child {
  std::string name;
  /// Spawns the child; called once at start and again after every failure, so what the child
  /// must keep across a restart it persists itself (a bridge its progress file).
  std::function<caf::actor(caf::actor_system&)> start;
};

struct supervisor_options {
  /// More restarts of one child than this within `window` escalates.
  std::uint32_t max_restarts = 5;
  std::chrono::milliseconds window{10'000};
  std::shared_ptr<restart_counts> counts;  ///< nullptr: restarts are only logged
  std::shared_ptr<spdlog::logger> log;
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
