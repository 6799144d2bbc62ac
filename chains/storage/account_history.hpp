// The per-account transaction index a chain store keeps beside its blocks (docs/storage.md): which
// accounts a transaction involves, and the keys that list an account's transactions newest first.
// Not consensus state: no root commits to it, and a store rebuilds it from its blocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd {

/// Where a transaction sits in the final chain: its block's height and its index there.
struct history_position {
  std::uint64_t height = 0;
  std::uint32_t index = 0;
  friend bool operator==(const history_position&, const history_position&) = default;
};

/// One entry of an account's history.
struct history_entry {
  history_position at;
  hash256 tx_id;
};

/// The accounts a transaction involves: its sender's address, then each distinct address its
/// payload names in a field called to, receiver, buyer, account or member (in that order).
std::vector<address> transaction_parties(const transaction& tx);

namespace history_keys {
/// The prefix byte of the index's entries: "x" + address + be64(~height) + be32(~index) -> tx id,
/// so a forward scan lists an account's transactions newest first.
inline constexpr byte entry_prefix = 'x';
/// The key of the index's progress record: be64(the height through which blocks are indexed).
inline constexpr byte marker_key = 'X';
/// An entry's key length.
inline constexpr std::size_t entry_key_bytes = 1 + 20 + 8 + 4;

/// "x" + address: every entry of the account.
bytes account_prefix(const address& a);
/// The key of the account's entry at `at`.
bytes entry_key(const address& a, const history_position& at);
/// The position an entry key names (the caller checked its length and prefix).
history_position position_of(byte_view key);
} // namespace history_keys

/// A cursor's text, "HEIGHT.INDEX" (what the HTTP route hands out and takes back).
std::string format_cursor(const history_position& at);
/// Parses a cursor's text: decimal height, ".", decimal index below 2^32 (invalid_argument else).
result<history_position> parse_cursor(std::string_view text);

} // namespace bfd
