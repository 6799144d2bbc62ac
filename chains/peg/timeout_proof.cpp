#include "chains/peg/timeout_proof.hpp"

#include "chains/consensus/light_client.hpp"
#include "chains/peg/peg_module.hpp"

namespace bfd::peg {

result<timeout_bundle> make_timeout_bundle(const chain_state& dest, const block_header& header,
                                           const finality_certificate& cert, const message_id& id,
                                           if_received received) {
  const auto* peg = find_peg(dest);
  if (!peg)
    return make_error(errc::kind_not_enabled, "chain " + std::to_string(dest.chain()) + " has no peg module");
  if (header_hash(header) != header_hash(dest.head()) || header.state_root != dest.state_root())
    return make_error(errc::bad_state_root, "the header is not the head of the given state");
  if (!cert.proves_final() || cert.source != header_hash(header))
    return make_error(errc::not_final, "the certificate does not prove the header final");
  if (received == if_received::refuse && peg->peg_ledger().receipt(id))
    return make_error(errc::duplicate, "message " + std::to_string(id.source) + ":" + std::to_string(id.sequence)
                                         + " was received on chain " + std::to_string(dest.chain()));
  const auto proof = make_state_proof(dest);
  timeout_bundle t;
  t.id = id;
  t.header = header;
  t.certificate = cert;
  t.opening = make_peg_opening(state_opening{proof.ledger_root, consensus_state::root_of(proof.consensus), proof.modules},
                               peg->peg_ledger().receipts().root(), peg->ledger_part(),
                               peg->peg_ledger().next_sequence());
  t.non_receipt = peg->peg_ledger().receipts().prove(receipt_key(id));
  return t;
}

} // namespace bfd::peg
