// Kill points: places between signing and committing, and in recovery, where a test can make the
// process die at once, as a SIGKILL at that very instruction would (tests only; disarmed in
// normal runs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "chains/core/error.hpp"

namespace bfd {

/// A place where a crash leaves signing records and the committed chain at different points, or
/// interrupts the recovery from an earlier crash.
enum class kill_site : std::uint8_t {
  vote_saved,            ///< a delegate persisted its vote record; the vote is not returned yet
  block_saved,           ///< a delegate persisted its block record; the block is not submitted yet
  vote_counted,          ///< the chain actor counted a vote (or certificate); nothing persisted yet
  before_commit,         ///< the chain actor is about to commit newly final blocks
  after_commit,          ///< the commit of newly final blocks returned; nothing else done yet
  before_justification,  ///< the chain actor is about to write the justification record
  after_justification,   ///< the justification record is written; no vote asked from it yet
  marker_tmp_synced,     ///< a commit-marker write (at open, every 8th chain write, at a clean
                         ///< stop): its temporary file synced, not renamed yet
  marker_renamed,        ///< a commit-marker write: renamed over the marker, the directory synced
  // Recovery: a start after a crash, interrupted (each is hit once a start, or once per chain
  // or delegate).
  store_recovered,         ///< RocksDB opened read-write (its WAL replayed); the marker not checked yet
  store_opened,            ///< the database and commit marker checked, the marker written again
  chain_restored,          ///< a chain's state, modules and certificate restored (open_chain)
  justification_restored,  ///< the chain actor re-read its justification record and certificates
  signing_record_read,     ///< a delegate re-read its signing record; it signed nothing yet
};

/// Whether `site` is one of the recovery sites (a start, not a running node).
bool is_recovery_site(kill_site site);

/// Every site's name, as --kill-point takes it (e.g. "vote-saved").
std::string_view kill_site_name(kill_site site);

/// Arms one site from "SITE:N": its N-th hit (N >= 1) ends the process. One site at a time.
status arm_kill_point(std::string_view spec);

/// Ends the process at once with exit code 137 (as a SIGKILL) if this is the armed site's N-th
/// hit: no flush, no destructors, no atexit handlers. Costs one relaxed atomic load otherwise.
void kill_point(kill_site site);

} // namespace bfd
