// Record keys and values of the contracts module (layout in docs/formats.md, "16. Contracts").
// Internal to chains/contracts. Pure.
#pragma once

#include "chains/contracts/contract_module.hpp"

namespace bfd::contract::records {

constexpr byte template_prefix = 'T';  // 'T' id -> the publish payload's canonical bytes
constexpr byte name_prefix = 'V';      // 'V' name 0x00 version(4) -> template id
constexpr byte contract_prefix = 'C';  // 'C' address -> instance
constexpr byte state_prefix = 'S';     // 'S' address key -> value (a contract's state)
constexpr byte event_prefix = 'E';     // 'E' address sequence(8) -> event data
constexpr byte receipt_prefix = 'R';   // 'R' sequence(8) -> receipt
constexpr byte index_prefix = 'X';     // 'X' tx id -> receipt sequence(8)
constexpr byte next_prefix = 'N';      // 'N' -> the next receipt sequence(8)

bytes template_key(const hash256& id);
bytes name_key(std::string_view name, std::uint32_t version);
bytes contract_key(const address& a);
bytes state_key(const address& a, const bytes& key);
bytes event_key(const address& a, std::uint64_t seq);
bytes receipt_key(std::uint64_t seq);
bytes index_key(const hash256& tx);
bytes next_key();

bytes encode_instance(const instance& c);
result<instance> decode_instance(byte_view in);
bytes encode_receipt(const receipt& r);
result<receipt> decode_receipt(byte_view in);
bytes encode_publish(const contract_publish_tx& p);
result<contract_publish_tx> decode_publish(byte_view in);

} // namespace bfd::contract::records
