// Builds a timeout bundle (the proof that a message was not received) from a destination's
// state and the final header and certificate of that state: what bridges and tests submit as
// peg_timeout on the message's source (docs/peg.md "Life of a message", step 4). Pure.
#pragma once

#include "chains/consensus/chain_state.hpp"
#include "chains/peg/proofs.hpp"

namespace bfd::peg {

/// What to do when the message's receipt exists (it was received, so no non-receipt holds).
enum class if_received {
  refuse,        ///< duplicate: what a bridge wants
  build_anyway,  ///< a bundle whose proof cannot verify: what tests of forged timeouts use
};

/// The timeout bundle of `id` shown by `dest`, the destination's state at `header` (its head),
/// with `cert` proving that header final: the state opening down to the peg module's parts and
/// the non-membership proof of `id`'s receipt key. Refused with kind_not_enabled (no peg module),
/// duplicate (the receipt exists: the message was received), bad_state_root (`header` is not
/// the state's head) or not_final (`cert` does not prove `header` final).
result<timeout_bundle> make_timeout_bundle(const chain_state& dest, const block_header& header,
                                           const finality_certificate& cert, const message_id& id,
                                           if_received received = if_received::refuse);

} // namespace bfd::peg
