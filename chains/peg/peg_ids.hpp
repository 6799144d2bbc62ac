// The numbers reserved for the two-way peg: its state module id and its transaction kinds.
// Stored, hashed and signed: never renumber. chains/state/peg_tx.hpp declares the payloads.
#pragma once

#include <cstdint>

namespace bfd::peg {

/// The peg's state module id (module_id::peg).
inline constexpr std::uint8_t module_id_value = 3;

/// Transaction kind numbers reserved for the peg (10-15).
namespace kind {
inline constexpr std::uint8_t send_transfer = 10;  ///< send an asset to another chain
inline constexpr std::uint8_t send_metadata = 11;  ///< send a metadata operation
inline constexpr std::uint8_t receive = 12;        ///< deliver a message with its proof bundle
inline constexpr std::uint8_t acknowledge = 13;    ///< deliver an acknowledgement with its proof bundle
inline constexpr std::uint8_t timeout = 14;        ///< refund a message against a non-receipt proof
inline constexpr std::uint8_t client_update = 15;  ///< advance this chain's light client of a counterparty
} // namespace kind

} // namespace bfd::peg
