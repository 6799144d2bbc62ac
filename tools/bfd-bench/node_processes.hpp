// Child bfd-node processes for the multi-node benches: started with their output in a log file,
// stopped on every exit path (the destructor; the kernel, through PR_SET_PDEATHSIG, if the bench
// itself dies), and measured through /proc. Internal to bfd-bench.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "chains/core/error.hpp"

namespace bfd::bench::detail {

/// `n` TCP ports on 127.0.0.1 that were free a moment ago (bound to port 0 together, then
/// released): another process may still take one before the nodes bind it.
result<std::vector<std::uint16_t>> free_ports(std::size_t n);

/// The bfd-node next to this executable (the build puts every tool in one bin/ directory).
std::string sibling_binary(const std::string& name);

/// Set by SIGINT or SIGTERM while an interrupt_guard lives; the benches' loops stop on it.
extern std::atomic<bool> interrupted;

/// Catches SIGINT and SIGTERM (setting `interrupted`) for its lifetime, so a Ctrl-C ends the run
/// through its normal cleanup; the previous handlers come back afterwards.
class interrupt_guard {
public:
  interrupt_guard();
  ~interrupt_guard();
  interrupt_guard(const interrupt_guard&) = delete;
  interrupt_guard& operator=(const interrupt_guard&) = delete;
};

/// Child processes, each with its output appended to a log file.
class node_processes {
public:
  node_processes() = default;
  node_processes(const node_processes&) = delete;
  node_processes& operator=(const node_processes&) = delete;
  /// Stops every child still running (stop_all).
  ~node_processes();

  /// Starts `binary` with `args` as `name` (in messages), stdout and stderr appended to `log`;
  /// returns its index.
  result<std::size_t> start(const std::string& name, const std::string& binary, const std::vector<std::string>& args,
                            const std::string& log);

  /// SIGTERM to every running child, up to `grace_ms` for each to exit, then SIGKILL; reaps all.
  void stop_all(std::uint32_t grace_ms = 10'000);

  /// Whether a child has exited since the last look (it is reaped here; `what` says how).
  bool any_exited(std::string& what);

  /// User plus system CPU seconds of every running child so far.
  double cpu_seconds() const;
  /// Resets each running child's VmHWM to its current RSS (Linux >= 4.0).
  void reset_peak_rss() const;
  /// VmHWM of each child in MiB (0 for one that has exited).
  std::vector<double> peak_rss_mb() const;

  /// The last `lines` lines of every child's log, for an error message.
  std::string log_tails(std::size_t lines) const;

private:
  struct child {
    pid_t pid = -1;
    std::string name;
    std::string log;
    bool running = false;
  };
  std::vector<child> children_;
};

} // namespace bfd::bench::detail
