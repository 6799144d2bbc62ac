// `bfd-node --replay-check`: the reference replay of a stopped --dev node's stored chains
// (chains/storage/replay_check.hpp), printed height by height.
#pragma once

#include <string>
#include <vector>

#include "runtime/chain_unit.hpp"

namespace bfd::node_tool {

/// Exit code when the check could not run at all (no genesis, unreadable database).
inline constexpr int replay_cannot_check = 2;

/// Replays every chain of `chains` that the database of `data_dir` stores from its genesis and
/// compares each height's state root and the stored head state with the replay. Prints one
/// `chain C #H block HASH state ROOT txs N` line per height, `ok:` and `PROBLEM:` lines, then a
/// verdict; returns 0 when storage equals the replay, 1 when it does not, replay_cannot_check
/// otherwise.
int replay_check(const std::string& data_dir, const std::vector<runtime::hosted_chain>& chains);

/// The same for a --dev data directory: its chains as a --dev start derives them.
int replay_check_dev(const std::string& data_dir);

} // namespace bfd::node_tool
