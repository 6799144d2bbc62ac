// The two records a node keeps beside its chains for the finality gadget (docs/formats.md
// section 9): a delegate's signing record and a chain's justification record, with their codecs,
// so the delegate actor, the chain actor and the storage check read them the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "chains/consensus/confirmation.hpp"
#include "chains/primitives/block.hpp"

namespace bfd {

/// What a delegate signed last: written durably before any signature leaves it.
struct signing_record {
  std::uint64_t signed_slot_plus_one = 0;  ///< last global slot it signed a block in, + 1 (0: none)
  std::uint64_t signed_index = 0;          ///< that block's sub-slot
  std::uint64_t vote_target_height = 0;    ///< last vote's target height (0: no vote yet)
  hash256 vote_target;
  std::uint64_t vote_source_height = 0;
  hash256 vote_source;
  std::uint64_t signed_height = 0;         ///< height of the block signed last (0: none known)
  std::uint32_t form = 7;                  ///< items it was read with (4 and 6: earlier forms)
};

/// The gadget's two voting rules against the last vote of `r`: a target above its source, above
/// the last target, from a source not below the last source. A delegate that keeps them never
/// double votes nor surrounds (docs/consensus.md section 12).
bool may_vote(const signing_record& r, std::uint64_t source_height, std::uint64_t target_height) noexcept;

/// Within the slot `r` signed last, only above the height it signed there (slot = global slot).
bool may_sign_height(const signing_record& r, std::uint64_t slot, std::uint64_t height) noexcept;

/// The key a delegate's signing record is stored under: its public key alone on the mainchain
/// (the form existing data directories hold), the chain id (4 bytes, big-endian) then the public
/// key on any other chain, so a delegate signing on several chains keeps one record per chain.
bytes signing_record_key(chain_id chain, const public_key& key);

/// The chain and delegate key of a stored signing record key, or nothing if it has neither form.
std::optional<std::pair<chain_id, public_key>> parse_signing_record_key(byte_view key);

namespace codec {
/// Seven items (the form every write uses).
bytes encode(const signing_record& r);
/// Seven items, or the six and four of earlier versions (re-encoded as read for the canonical
/// check; their missing items read as 0).
result<signing_record> decode_signing_record(byte_view in);
} // namespace codec

/// The blocks above the final one up to the highest justified block, and the certificates that
/// justified them (chain store key "J").
struct justification_record {
  std::vector<block> blocks;
  std::vector<finality_certificate> certificates;
};

namespace codec {
bytes encode(const justification_record& r);
result<justification_record> decode_justification_record(byte_view in);
} // namespace codec

} // namespace bfd
