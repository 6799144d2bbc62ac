// What a commit invalidates in the read cache: the tags a cached read depends on (chain, the
// state it reads — head or final —, module, object) and, per chain, a watch that turns each new
// head and each newly final state into the tags whose reads changed (docs/cache.md,
// "Invalidation"). Pure: it reads chain states and blocks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chains/consensus/chain_state.hpp"
#include "chains/primitives/validated_block.hpp"
#include "chains/state/module_ids.hpp"

namespace bfd::cache {

/// Which state a cached read comes from: the head (contract reads) or the final state (the
/// service registry, DS metadata).
enum class read_stage : char { head = 'h', final = 'f' };

/// "c7:h": every read of chain 7's head state.
std::string chain_tag(std::uint32_t chain, read_stage stage);
/// The chain and stage a tag starts with ("c7:f", "c7:f/dsmeta" → 7, final), or nothing for a
/// string that is not one of the tags above.
std::optional<std::pair<std::uint32_t, read_stage>> tag_chain(std::string_view tag);
/// "c7:h/contracts": every read of one module of it.
std::string module_tag(std::uint32_t chain, read_stage stage, module_id module);
/// "c7:h/contracts/bfd…": the reads of one object of that module (a contract).
std::string object_tag(std::uint32_t chain, read_stage stage, module_id module, std::string_view object);
/// The tags a read depends on: its chain's, its module's and, when given, its object's.
std::vector<std::string> read_tags(std::uint32_t chain, read_stage stage, module_id module,
                                   std::optional<std::string_view> object = std::nullopt);

/// Follows one chain's head and final state and says what each change invalidates. A module's
/// reads are invalidated when its part of the state root changed (whatever changed it: a
/// transaction, a peg delivery, end-of-block work); the contracts module narrows that to the
/// contracts the block's calls and slot changes name (and their slot clients); a scheduled
/// service version switch invalidates the registry at the height it takes effect; a
/// reorganisation of the head, or the first state seen, invalidates the whole chain's reads.
class commit_watch {
public:
  explicit commit_watch(std::uint32_t chain) : chain_(chain) {}

  /// After blocks were applied and `head` is the new head state.
  std::vector<std::string> on_head(const chain_state& head, const std::vector<validated_ptr>& applied);

  /// After blocks became final and `final_state` is the new final state at `final_height`.
  std::vector<std::string> on_final(const chain_state& final_state, std::uint64_t final_height);

private:
  using roots = std::map<module_id, std::optional<hash256>>;
  static roots roots_of(const chain_state& s);
  std::uint32_t chain_;
  bool head_seen_ = false;
  bool final_seen_ = false;
  hash256 head_hash_{};
  roots head_roots_;
  roots final_roots_;
  std::uint64_t final_height_ = 0;
};

} // namespace bfd::cache
