// Building and signing transfers on the client side (bfd-cli now, the HTTP client later).
#pragma once

#include <cstdint>

#include "chains/core/amount.hpp"
#include "chains/core/error.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd::runtime {

/// The fee a client offers when the user does not name one: 0.0001 BFDT.
inline constexpr amount default_transfer_fee = 10'000;

/// Everything a transfer says except the sender, who is the signing key.
struct transfer_request {
  chain_id chain = mainchain_id;
  address to;
  amount value = 0;
  amount fee = default_transfer_fee;
  std::uint64_t nonce = 0;
  std::uint64_t expiry = 0;  ///< last block height that may include the transaction
};

/// Builds the transfer and signs it with `keys` using the BIP340 auxiliary randomness `aux`.
/// Rejects what no ledger would accept whatever its state: errc::zero_amount for a zero value,
/// errc::overflow when value plus fee exceed 2^64-1.
result<transaction> make_signed_transfer(const key_pair& keys, const transfer_request& request,
                                         const hash256& aux);

} // namespace bfd::runtime
